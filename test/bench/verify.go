package bench

import (
	"fmt"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
)

// Verify checks that the tenant holds exactly what c describes, so that a
// fast run that did not do the job is not counted as fast. It returns one
// line per difference (at most a few of each kind).
func Verify(st auth0sim.State, c Content) []string {
	var out []string
	bad := func(format string, args ...any) {
		if len(out) < 10 {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}

	rules := map[string]auth0sim.Rule{}
	for _, r := range st.Rules {
		rules[r.Name] = r
	}
	want := map[string]bool{}
	for _, w := range c.Rules {
		want[w.Name] = true
		r, ok := rules[w.Name]
		switch {
		case !ok:
			bad("rule %s missing", w.Name)
		case r.Script != w.Script:
			bad("rule %s: script differs", w.Name)
		case r.Order != w.Order:
			bad("rule %s: order %d, want %d", w.Name, r.Order, w.Order)
		case r.Enabled != w.Enabled:
			bad("rule %s: enabled %v, want %v", w.Name, r.Enabled, w.Enabled)
		}
	}
	for _, r := range st.Rules {
		if !want[r.Name] {
			bad("rule %s should not exist", r.Name)
		}
	}

	conns := map[string]auth0sim.Object{}
	for _, x := range st.Connections {
		conns[fmt.Sprint(x["name"])] = x
	}
	for _, db := range c.Databases {
		if !scriptsMatch(conns[db.Name], db.Scripts) {
			bad("database %s: scripts differ", db.Name)
		}
	}

	var others []Page
	for _, p := range c.Pages {
		if p.Name == "login" {
			if !loginMatches(st, p) {
				bad("login page differs")
			}
		} else {
			others = append(others, p)
		}
	}
	if !tenantPagesMatch(st.TenantSettings, others) {
		bad("tenant settings pages differ")
	}

	actions := map[string]auth0sim.Action{}
	for _, a := range st.Actions {
		actions[a.Name] = a
	}
	for _, w := range c.Actions {
		if !actionMatches(actions[w.Name], w) {
			bad("action %s: not deployed with its code", w.Name)
		}
	}
	if len(st.Actions) != len(c.Actions) {
		bad("%d actions in the tenant, want %d", len(st.Actions), len(c.Actions))
	}
	if !bindingsMatch(st, c.Actions) {
		bad("%s bindings differ", Trigger)
	}
	return out
}
