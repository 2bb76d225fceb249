package auth0sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
)

// ruleNamePattern is the Management API's pattern for rule names: letters,
// digits, spaces and '-', not starting or ending with a space or '-'.
var ruleNamePattern = regexp.MustCompile(`^[a-zA-Z0-9]([ \-a-zA-Z0-9]*[a-zA-Z0-9])?$`)

var ruleStages = map[string]bool{"login_success": true, "login_failure": true, "pre_authorize": true}

func (s *Sim) rulesRoutes() {
	s.route("GET /api/v2/rules", "read:rules", s.listRules)
	s.route("POST /api/v2/rules", "create:rules", s.createRule)
	s.route("GET /api/v2/rules/{id}", "read:rules", s.readRule)
	s.route("PATCH /api/v2/rules/{id}", "update:rules", s.updateRule)
	s.route("DELETE /api/v2/rules/{id}", "delete:rules", s.deleteRule)
}

func ruleObject(r Rule) Object {
	return Object{"id": r.ID, "name": r.Name, "script": r.Script, "order": r.Order, "enabled": r.Enabled, "stage": r.Stage}
}

// sortedRules returns the rules by order (then name), the order the API lists
// them in.
func (s *Sim) sortedRules() []Rule {
	out := append([]Rule(nil), s.state.Rules...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func (s *Sim) findRule(id string) int {
	for i, r := range s.state.Rules {
		if r.ID == id {
			return i
		}
	}
	return -1
}

func (s *Sim) listRules(w http.ResponseWriter, r *http.Request) {
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	fields := parseFields(r)
	enabled, filterEnabled := boolParam(r, "enabled")
	s.mu.Lock()
	var items []Object
	for _, rule := range s.sortedRules() {
		if filterEnabled && rule.Enabled != enabled {
			continue
		}
		items = append(items, fields.apply(ruleObject(rule)))
	}
	s.mu.Unlock()
	if items == nil {
		items = []Object{}
	}
	writeOffsetPage(w, "rules", items, p)
}

func ruleNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "The rule does not exist", "inexistent_rule")
}

func (s *Sim) readRule(w http.ResponseWriter, r *http.Request) {
	fields := parseFields(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findRule(r.PathValue("id"))
	if i < 0 {
		ruleNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, fields.apply(ruleObject(s.state.Rules[i])))
}

// ruleFields checks the types of a rule payload's known properties.
func ruleFields(body Object) (name, script *string, order *int, enabled *bool, msg string) {
	if v, ok := body["name"]; ok {
		sv, isStr := v.(string)
		if !isStr {
			return nil, nil, nil, nil, fmt.Sprintf("'Expected type string but found type %s' on property name (Name of this rule.).", jsonType(v))
		}
		if !ruleNamePattern.MatchString(sv) {
			return nil, nil, nil, nil, fmt.Sprintf("'String does not match pattern %s: %s' on property name (Name of this rule.).", ruleNamePattern, sv)
		}
		name = &sv
	}
	if v, ok := body["script"]; ok {
		sv, isStr := v.(string)
		if !isStr {
			return nil, nil, nil, nil, fmt.Sprintf("'Expected type string but found type %s' on property script (Code to be executed when this rule runs.).", jsonType(v))
		}
		if sv == "" {
			return nil, nil, nil, nil, "'String is too short (0 chars), minimum 1' on property script (Code to be executed when this rule runs.)."
		}
		script = &sv
	}
	if v, ok := body["order"]; ok {
		f, isNum := v.(float64)
		if !isNum || f != float64(int(f)) {
			return nil, nil, nil, nil, fmt.Sprintf("'Expected type integer but found type %s' on property order (Order that this rule should execute in relative to other rules. Lower-valued rules execute first.).", jsonType(v))
		}
		if f < 0 {
			return nil, nil, nil, nil, "'Number is less than minimum value of 0' on property order (Order that this rule should execute in relative to other rules. Lower-valued rules execute first.)."
		}
		n := int(f)
		order = &n
	}
	if v, ok := body["enabled"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return nil, nil, nil, nil, fmt.Sprintf("'Expected type boolean but found type %s' on property enabled (Whether the rule is enabled (true), or disabled (false).).", jsonType(v))
		}
		enabled = &b
	}
	return name, script, order, enabled, ""
}

// ruleConflict reports another rule of the same stage holding order or name.
func (s *Sim) ruleConflict(w http.ResponseWriter, selfID, stage string, name *string, order *int) bool {
	for _, other := range s.state.Rules {
		if other.ID == selfID {
			continue
		}
		if name != nil && other.Name == *name {
			writeError(w, http.StatusConflict, "A rule with the same name already exists", "rule_conflict")
			return true
		}
		if order != nil && other.Stage == stage && other.Order == *order {
			writeError(w, http.StatusConflict, "A rule with the same order already exists", "rule_conflict")
			return true
		}
	}
	return false
}

func (s *Sim) createRule(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeObject(w, r, false)
	if !ok {
		return
	}
	if msg := checkKeys(body, "name", "script", "order", "enabled", "stage"); msg != "" {
		payloadError(w, msg)
		return
	}
	name, script, order, enabled, msg := ruleFields(body)
	if msg == "" && name == nil {
		msg = "Missing required property: name"
	}
	if msg == "" && script == nil {
		msg = "Missing required property: script"
	}
	if msg != "" {
		payloadError(w, msg)
		return
	}
	stage := "login_success"
	if v, ok := body["stage"]; ok {
		sv, _ := v.(string)
		if !ruleStages[sv] {
			payloadError(w, fmt.Sprintf("'No enum match for: %s' on property stage (Execution stage of this rule. Can be `login_success`, `login_failure`, or `pre_authorize`. Defaults to `login_success`.).", mustJSON(v)))
			return
		}
		stage = sv
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ruleConflict(w, "", stage, name, order) {
		return
	}
	rule := Rule{ID: newRuleID(), Name: *name, Script: *script, Enabled: true, Stage: stage}
	if enabled != nil {
		rule.Enabled = *enabled
	}
	if order != nil {
		rule.Order = *order
	} else {
		max := 0
		for _, other := range s.state.Rules {
			if other.Stage == stage && other.Order > max {
				max = other.Order
			}
		}
		rule.Order = max + 1
	}
	s.state.Rules = append(s.state.Rules, rule)
	writeJSON(w, http.StatusCreated, ruleObject(rule))
}

func (s *Sim) updateRule(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeObject(w, r, true)
	if !ok {
		return
	}
	if msg := checkKeys(body, "name", "script", "order", "enabled"); msg != "" {
		payloadError(w, msg)
		return
	}
	name, script, order, enabled, msg := ruleFields(body)
	if msg != "" {
		payloadError(w, msg)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findRule(r.PathValue("id"))
	if i < 0 {
		ruleNotFound(w)
		return
	}
	rule := &s.state.Rules[i]
	if s.ruleConflict(w, rule.ID, rule.Stage, name, order) {
		return
	}
	if name != nil {
		rule.Name = *name
	}
	if script != nil {
		rule.Script = *script
	}
	if order != nil {
		rule.Order = *order
	}
	if enabled != nil {
		rule.Enabled = *enabled
	}
	writeJSON(w, http.StatusOK, ruleObject(*rule))
}

// deleteRule answers 204 whether or not the rule exists, as the real API does.
func (s *Sim) deleteRule(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if i := s.findRule(r.PathValue("id")); i >= 0 {
		s.state.Rules = append(s.state.Rules[:i], s.state.Rules[i+1:]...)
	}
	s.mu.Unlock()
	writeNoContent(w, http.StatusNoContent)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
