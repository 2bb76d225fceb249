package workspace

import (
	"strconv"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jscheck"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jsonmeta"
)

var a0RuleKeys = []string{"name", "script", "enabled", "order", "stage"}

// readRulesA0 reads rules/<name>.json, each naming its script by a path
// relative to rules/ (auth0-deploy-cli exports "./<name>.js").
func (r *reader) readRulesA0(d *model.Desired) {
	d.RulesManaged = true
	orders := map[string][]orderUse{}
	seen := map[string]string{} // rule name → its file
	var others []entry
	for _, e := range r.children(dirRules) {
		name, ext := splitExt(e.name)
		if e.kind != kindFile || ext != ".json" || e.bad {
			if !r.badExtCase(e, ext, ".json") {
				others = append(others, e)
			}
			continue
		}
		file := name
		rule := model.Rule{Name: name, Enabled: true, Stage: stageLoginSuccess, MetaSource: r.source(e.rel)}
		m, _ := r.loadMeta(e, a0RuleKeys...)
		if m != nil {
			// The file name is the name as an export writes it
			// (exportFileName): rule "CON" is in rules/-.json.
			name = m.itemName("name", file, "a rule is named by its file, rules/<name>.json")
			rule.Name = name
		}
		if !ruleName.MatchString(name) || len(name) > maxNameLen {
			r.errorf(e.rel, 0, 0, "invalid rule name: Auth0 accepts letters, digits, spaces and \"-\" (not first or last), at most %d characters", maxNameLen)
		}
		if prev, dup := seen[name]; dup {
			r.errorf(e.rel, 0, 0, "rule %q is also in %s: a rule is in one file", name, r.path(prev))
		} else {
			seen[name] = e.rel
		}
		if m != nil {
			if enabled, set, _ := m.boolean("enabled"); set {
				rule.Enabled, rule.EnabledSet = enabled, true
			}
			if rule.Order, _ = m.order("order"); rule.Order != nil {
				k := strconv.Itoa(*rule.Order)
				orders[k] = append(orders[k], orderUse{rel: e.rel, meta: m, value: m.value("order"), what: "rules"})
			}
			if v := m.value("stage"); v != nil && (v.Kind != jsonmeta.String || v.Str != stageLoginSuccess) {
				m.errAt(v, "\"stage\" must be \"login_success\", the only stage this pipe deploys")
			}
			switch v := m.value("script"); {
			case v != nil:
				if f, ok := m.refFile(v, "script", dirRules); ok {
					rule.ScriptSource = r.source(f.rel)
					f.notDeployed = r.manualRules[name]
					rule.Script, _ = r.loadJS(f, jscheck.Rule, "rule script")
				}
			case r.manualRules[name]:
				rule.MetadataOnly = true
			default:
				m.required("script", ": the path of the rule's code, relative to rules/ (\"./"+file+".js\"); only a rule listed in MANUAL_RULES may leave it out")
			}
		}
		d.Rules = append(d.Rules, rule)
	}
	r.duplicateOrders(orders)
	r.later(func() {
		r.strays(others, func(e entry) {
			if _, ext := splitExt(e.name); ext == ".js" {
				r.warnf(e.rel, 0, 0, "not named by the \"script\" of any rules/*.json: not deployed")
				return
			}
			r.warnf(e.rel, 0, 0, "not a rule file: in auth0-deploy-cli's layout rules/ holds <name>.json files naming their script")
		})
	})
}

// readRulesConfigsA0 reads rules-configs/<key>.json: {"key": "...", "value": "..."}.
func (r *reader) readRulesConfigsA0(d *model.Desired) {
	d.RulesConfigsManaged = true
	for _, e := range r.children(dirRulesConfigs) {
		if e.kind == kindDir {
			if !e.bad {
				r.warnf(e.rel, 0, 0, "folder not expected in %s/: not read", dirRulesConfigs)
			}
			continue
		}
		key, ext := splitExt(e.name)
		if ext != ".json" {
			if !r.badExtCase(e, ext, ".json") && !e.bad {
				r.warnf(e.rel, 0, 0, "not a rules config: %s/ holds <key>.json files", dirRulesConfigs)
			}
			continue
		}
		if !rulesConfigKey.MatchString(key) {
			r.errorf(e.rel, 0, 0, "invalid rules config key: letters, digits, \"_\" and \"-\" only")
		}
		rc := model.RuleConfig{Key: key, Source: r.source(e.rel)}
		if m, _ := r.loadMeta(e, "key", "value"); m != nil {
			if k, v, ok := m.str("key"); ok && v != nil && k != key {
				m.errAt(v, "\"key\" %s differs from the file name %q: a rules config is named by its file, rules-configs/<key>.json", m.quote(v), key)
			}
			switch v, jv, ok := m.str("value"); {
			case jv == nil && ok:
				m.required("value", ": {\"key\": \""+key+"\", \"value\": \"...\"}")
			case ok:
				rc.Value = v
			}
		}
		d.RulesConfigs = append(d.RulesConfigs, rc)
	}
}
