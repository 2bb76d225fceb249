package auth0sim

import (
	"fmt"
	"net/http"
	"regexp"
)

var rulesConfigKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_\-@*+:]*$`)

func (s *Sim) rulesConfigsRoutes() {
	s.route("GET /api/v2/rules-configs", "read:rules_configs", s.listRulesConfigs)
	s.route("PUT /api/v2/rules-configs/{key}", "update:rules_configs", s.putRulesConfig)
	s.route("DELETE /api/v2/rules-configs/{key}", "delete:rules_configs", s.deleteRulesConfig)
}

// listRulesConfigs answers a bare array of keys whatever the query says
// (include_totals and paging are ignored; values are never returned).
func (s *Sim) listRulesConfigs(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := make([]Object, 0, len(s.state.RulesConfigs))
	for _, c := range s.state.RulesConfigs {
		out = append(out, Object{"key": c.Key})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func validRulesConfigKey(key string) bool {
	return key != "" && len(key) <= 127 && rulesConfigKeyPattern.MatchString(key)
}

func (s *Sim) putRulesConfig(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if !validRulesConfigKey(key) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Path validation error: 'String does not match pattern ^[A-Za-z0-9_\\-@*+:]*$: %s' on property key (Key of the rules config variable).", key), "invalid_uri")
		return
	}
	body, ok := decodeObject(w, r, false)
	if !ok {
		return
	}
	if msg := checkKeys(body, "value"); msg != "" {
		payloadError(w, msg)
		return
	}
	v, present := body["value"]
	value, isStr := v.(string)
	switch {
	case !present:
		payloadError(w, "Missing required property: value")
		return
	case !isStr:
		payloadError(w, fmt.Sprintf("'Expected type string but found type %s' on property value (Value for a rules config variable.).", jsonType(v)))
		return
	}
	s.mu.Lock()
	found := false
	for i := range s.state.RulesConfigs {
		if s.state.RulesConfigs[i].Key == key {
			s.state.RulesConfigs[i].Value = value
			found = true
		}
	}
	if !found {
		s.state.RulesConfigs = append(s.state.RulesConfigs, RulesConfig{Key: key, Value: value})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, Object{"key": key, "value": value})
}

// deleteRulesConfig answers 204, also for a key that does not exist.
func (s *Sim) deleteRulesConfig(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	s.mu.Lock()
	for i := range s.state.RulesConfigs {
		if s.state.RulesConfigs[i].Key == key {
			s.state.RulesConfigs = append(s.state.RulesConfigs[:i], s.state.RulesConfigs[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
	writeNoContent(w, http.StatusNoContent)
}
