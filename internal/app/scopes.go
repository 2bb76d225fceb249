package app

import (
	"fmt"
	"sort"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/plan"
)

// The Management API scopes each planned write needs, as the tenant
// adapter makes it (docs/network.md, "Scopes the application needs"; the
// endpoint contracts in shared/reference/auth0-api.md §3). Reads count too:
// a rule create that lost its answer looks the rule up, an action is
// polled until built and deployed, and a run that changed the tenant reads
// it back.
func writeScopes(w *plan.Write) []string {
	switch w.Kind {
	case plan.WriteRuleCreate:
		return []string{"create:rules", "read:rules"}
	case plan.WriteRuleUpdate, plan.WriteRuleMove:
		return []string{"update:rules", "read:rules"}
	case plan.WriteRuleDelete:
		return []string{"delete:rules", "read:rules"}
	case plan.WriteRulesConfigSet:
		return []string{"update:rules_configs"}
	case plan.WriteRulesConfigDelete:
		return []string{"delete:rules_configs", "read:rules_configs"}
	case plan.WriteConnection:
		return []string{"update:connections", "read:connections"}
	case plan.WriteLoginPage:
		return []string{"update:clients", "read:clients"}
	case plan.WriteTenantPages:
		return []string{"update:tenant_settings", "read:tenant_settings"}
	case plan.WriteActionApply:
		var s []string
		switch {
		case w.Action != nil && w.ActionID == "":
			s = append(s, "create:actions")
		case w.Action != nil:
			s = append(s, "update:actions")
		}
		if w.Deploy {
			// POST /actions/actions/{id}/deploy is create:actions.
			s = append(s, "create:actions")
		}
		return append(s, "read:actions")
	case plan.WriteBindings:
		// PATCH /actions/triggers/{id}/bindings is update:actions.
		return []string{"update:actions", "read:actions"}
	case plan.WriteActionDelete:
		return []string{"delete:actions", "read:actions"}
	}
	return nil
}

// scopeNeed is a scope the plan needs and the changes that need it.
type scopeNeed struct {
	scope   string
	changes []string
}

// missingScopes returns the scopes the plan's writes need that granted
// lacks, in scope order, each with the changes that need it.
func missingScopes(p *plan.Plan, granted []string) []scopeNeed {
	have := map[string]bool{}
	for _, s := range granted {
		have[s] = true
	}
	byScope := map[string]*scopeNeed{}
	seen := map[string]map[string]bool{}
	for _, w := range p.Writes {
		for _, s := range writeScopes(w) {
			if have[s] {
				continue
			}
			n := byScope[s]
			if n == nil {
				n = &scopeNeed{scope: s}
				byScope[s] = n
				seen[s] = map[string]bool{}
			}
			for _, c := range writeChanges(w) {
				if !seen[s][c] {
					seen[s][c] = true
					n.changes = append(n.changes, c)
				}
			}
		}
	}
	out := make([]scopeNeed, 0, len(byScope))
	for _, n := range byScope {
		out = append(out, *n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].scope < out[j].scope })
	return out
}

// writeChanges names the changes a write belongs to: "page login",
// "rule add-claims".
func writeChanges(w *plan.Write) []string {
	var out []string
	for _, it := range w.Items {
		out = append(out, kindWord(it.Kind)+" "+it.Name)
	}
	if len(out) == 0 {
		title, _, _ := strings.Cut(w.Desc, " (")
		out = append(out, title)
	}
	return out
}

// maxNamedChanges bounds how many changes are named per missing scope, so
// that the message stays one readable line.
const maxNamedChanges = 4

// describeMissing renders missing scopes as
// "update:clients (page login); create:rules (rule a, rule b)".
func describeMissing(needs []scopeNeed) string {
	parts := make([]string, 0, len(needs))
	for _, n := range needs {
		changes := n.changes
		more := ""
		if len(changes) > maxNamedChanges {
			more = fmt.Sprintf(" and %d more", len(changes)-maxNamedChanges)
			changes = changes[:maxNamedChanges]
		}
		parts = append(parts, fmt.Sprintf("%s (%s%s)", n.scope, strings.Join(changes, ", "), more))
	}
	return strings.Join(parts, "; ")
}

// readOnly reports whether granted holds no write scope at all: an
// application made for plans only, whose scopes say nothing about the
// deploying application's.
func readOnly(granted []string) bool {
	for _, s := range granted {
		if strings.HasPrefix(s, "create:") || strings.HasPrefix(s, "update:") || strings.HasPrefix(s, "delete:") {
			return false
		}
	}
	return true
}

// grantHint says where scopes are granted.
const grantHint = "grant them to the application in the Auth0 dashboard (Applications > APIs > Auth0 Management API > Machine To Machine Applications) and run again"
