package workspace

import "bitbucket.org/auth0-deploy/auth0-deploy/internal/model"

func (r *reader) readRulesConfigs(d *model.Desired) {
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
		if m, _ := r.loadMeta(e, "value"); m != nil {
			v, jv, ok := m.str("value")
			switch {
			case jv == nil && ok:
				line, col := m.f.pos(m.obj.Offset)
				r.errorf(e.rel, line, col, "\"value\" is required: {\"value\": \"...\"}")
			case ok:
				rc.Value = v
			}
		}
		d.RulesConfigs = append(d.RulesConfigs, rc)
	}
}
