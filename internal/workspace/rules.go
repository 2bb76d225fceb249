package workspace

import (
	"sort"
	"strconv"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jscheck"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jsonmeta"
)

// stageLoginSuccess is the only rule stage the pipe manages.
const stageLoginSuccess = "login_success"

var ruleMetaKeys = []string{"enabled", "order", "stage"}

// pair is the two files of an item: <name>.<code ext> and <name>.json.
type pair struct {
	code, meta *entry
}

// main returns the file that represents the item best.
func (p *pair) main() *entry {
	if p.code != nil {
		return p.code
	}
	return p.meta
}

// pairs groups the files of a flat folder (rules/, actions/) by name.
// Folders and files with other extensions get a warning, or an error for a
// known extension in the wrong letter case.
func (r *reader) pairs(dir, codeExt, what string) (names []string, byName map[string]*pair) {
	byName = map[string]*pair{}
	for _, e := range r.children(dir) {
		if e.kind == kindDir {
			if !e.bad {
				r.warnf(e.rel, 0, 0, "folder not expected in %s/: not read", dir)
			}
			continue
		}
		name, ext := splitExt(e.name)
		switch {
		case ext == codeExt || ext == ".json":
			p := byName[name]
			if p == nil {
				p = &pair{}
				byName[name] = p
				names = append(names, name)
			}
			if ext == codeExt {
				p.code = &e
			} else {
				p.meta = &e
			}
		case r.badExtCase(e, ext, codeExt, ".json"):
		case !e.bad:
			r.warnf(e.rel, 0, 0, "not %s: %s/ holds <name>%s and <name>.json files", what, dir, codeExt)
		}
	}
	sort.Strings(names)
	return names, byName
}

// orderUse is one metadata file's "order", for the duplicate check.
type orderUse struct {
	rel   string
	meta  *meta
	value *jsonmeta.Value
	// what names the items that cannot share an order, e.g. "rules".
	what string
}

// duplicateOrders reports every order used by more than one file, on each
// of those files.
func (r *reader) duplicateOrders(groups map[string][]orderUse) {
	for _, uses := range groups {
		if len(uses) < 2 {
			continue
		}
		for i, u := range uses {
			var others []string
			for j, o := range uses {
				if j != i {
					others = append(others, r.path(o.rel))
				}
			}
			u.meta.errAt(u.value, "two %s with the same order: %s has it too", u.what, strings.Join(others, ", "))
		}
	}
}

func (r *reader) readRules(d *model.Desired) {
	d.RulesManaged = true
	names, files := r.pairs(dirRules, ".js", "a rule file")
	orders := map[string][]orderUse{}
	for _, name := range names {
		p := files[name]
		if !ruleName.MatchString(name) || len(name) > maxNameLen {
			r.errorf(p.main().rel, 0, 0, "invalid rule name: Auth0 accepts letters, digits, spaces and \"-\" (not first or last), at most %d characters", maxNameLen)
		}
		rule := model.Rule{Name: name, Enabled: true, Stage: stageLoginSuccess}
		if p.meta != nil {
			rule.MetaSource = r.source(p.meta.rel)
			if m, _ := r.loadMeta(*p.meta, ruleMetaKeys...); m != nil {
				if enabled, set, _ := m.boolean("enabled"); set {
					rule.Enabled, rule.EnabledSet = enabled, true
				}
				if rule.Order, _ = m.order("order"); rule.Order != nil {
					k := strconv.Itoa(*rule.Order)
					orders[k] = append(orders[k], orderUse{rel: p.meta.rel, meta: m, value: m.value("order"), what: "rules"})
				}
				if v := m.value("stage"); v != nil && (v.Kind != jsonmeta.String || v.Str != stageLoginSuccess) {
					m.errAt(v, "\"stage\" must be \"login_success\", the only stage this pipe deploys")
				}
			}
		}
		switch {
		case p.code != nil:
			rule.ScriptSource = r.source(p.code.rel)
			code := *p.code
			code.notDeployed = r.manualRules[name]
			rule.Script, _ = r.loadJS(code, jscheck.Rule, "rule script")
		case r.manualRules[name]:
			rule.MetadataOnly = true
		case !p.meta.bad:
			r.errorf(p.meta.rel, 0, 0, "no %s.js next to it: a metadata file without a script is allowed only for a rule listed in MANUAL_RULES", name)
		}
		d.Rules = append(d.Rules, rule)
	}
	r.duplicateOrders(orders)
}
