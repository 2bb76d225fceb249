package plan

// manualTypos warns about each MANUAL_RULES / MANUAL_ACTIONS name that is
// neither in the tenant nor in the repository: most likely a typo, which
// leaves the real manual item unprotected (a full deployment deletes it).
// A warning, never an error: the name may be meant for another tenant.
func (b *builder) manualTypos() {
	d, c := b.d, b.c
	if d.RulesManaged && c.RulesAvailable {
		known := map[string]bool{}
		for _, r := range c.Rules {
			known[r.Name] = true // any stage
		}
		for _, r := range d.Rules {
			known[r.Name] = true
		}
		b.warnUnmatched("MANUAL_RULES", "rules/", b.opts.ManualRules, known)
	}
	if d.ActionsManaged {
		known := map[string]bool{}
		for _, a := range c.Actions {
			known[a.Name] = true
		}
		for _, a := range d.Actions {
			known[a.Name] = true
		}
		b.warnUnmatched("MANUAL_ACTIONS", "actions/", b.opts.ManualActions, known)
		// REDEPLOY_ACTIONS can only force an action the repository has.
		inRepo := map[string]bool{"*": true}
		for _, a := range d.Actions {
			inRepo[a.Name] = true
		}
		seen := map[string]bool{}
		for _, name := range b.opts.RedeployActions {
			if !inRepo[name] && !seen[name] {
				seen[name] = true
				b.p.Problems.Warnf("", 0, 0, "REDEPLOY_ACTIONS names %q, which is not in actions/: nothing to redeploy (a typo?)", name)
			}
		}
	}
}

func (b *builder) warnUnmatched(variable, folder string, names []string, known map[string]bool) {
	seen := map[string]bool{}
	for _, name := range names {
		if known[name] || seen[name] {
			continue
		}
		seen[name] = true
		b.p.Problems.Warnf("", 0, 0, "%s names %q, which is neither in the tenant nor in %s (a typo?)", variable, name, folder)
	}
}
