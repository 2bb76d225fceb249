package plan

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// Secret values of actions cannot be read back (Auth0 returns only their
// names), so a changed value alone is invisible to the plan: the action is
// updated with every secret value whenever anything else about it changes,
// and REDEPLOY_ACTIONS (Options.RedeployActions) forces the update and
// deployment of the actions it names ("*": all) after a secret was rotated.
// The deployed code is exactly the repository's file.

// redeploy reports whether REDEPLOY_ACTIONS names the action (or is "*").
func (b *builder) redeploy(name string) bool {
	for _, n := range b.opts.RedeployActions {
		if n == name || n == "*" {
			return true
		}
	}
	return false
}

// actions plans actions and their trigger bindings.
func (b *builder) actions() {
	d, c := b.d, b.c
	explicit := d.Bindings != nil
	if !d.ActionsManaged && len(d.Bindings) == 0 {
		return
	}
	curByName := map[string]*model.CurrentAction{}
	for i := range c.Actions {
		curByName[c.Actions[i].Name] = &c.Actions[i]
	}
	desiredByName := map[string]*model.Action{}
	apply := map[string]*Write{} // action name → its apply write
	touched := map[string]bool{} // triggers whose bindings are considered

	for i := range d.Actions {
		if !d.ActionsManaged {
			break // bindings only (auth0-deploy-cli's triggers/ without actions/)
		}
		a := &d.Actions[i]
		desiredByName[a.Name] = a
		if b.manualActions[a.Name] {
			b.item(model.KindAction, a.Name, OpSkip, a.Source(), "manual action (MANUAL_ACTIONS): never created, updated or deleted")
			continue
		}
		touched[a.Trigger] = true
		w := &model.ActionWrite{Name: a.Name, Code: a.Code, Trigger: a.Trigger, TriggerVersion: a.TriggerVersion,
			Runtime: a.Runtime, Dependencies: a.Dependencies, Secrets: a.Secrets}
		cur := curByName[a.Name]
		if cur == nil {
			reason := "new action"
			if a.Deploy {
				reason += ", built and deployed"
			}
			it := b.item(model.KindAction, a.Name, OpCreate, a.Source(), "%s", reason)
			apply[a.Name] = b.write(&Write{Kind: WriteActionApply, ActionName: a.Name, Action: w, Deploy: a.Deploy,
				Desc: "create action " + a.Name}, it)
			continue
		}
		touched[cur.Trigger] = true
		if cur.Integration {
			b.errorf(a.Source(), "action %q is a marketplace integration in the tenant: rename the repository's action", a.Name)
			continue
		}
		if cur.Trigger != "" && cur.Trigger != a.Trigger {
			b.errorf(a.MetaSource, "action %q belongs to trigger %s in the tenant and an action's trigger cannot change: rename the action to recreate it", a.Name, cur.Trigger)
			continue
		}
		var changes []string
		if cur.Code != a.Code {
			changes = append(changes, "code changed")
		}
		if cur.Runtime != a.Runtime {
			changes = append(changes, fmt.Sprintf("runtime %s→%s", orNone(cur.Runtime), a.Runtime))
		}
		if a.TriggerVersion != "" && cur.TriggerVersion != "" && cur.TriggerVersion != a.TriggerVersion {
			changes = append(changes, fmt.Sprintf("trigger version %s→%s", cur.TriggerVersion, a.TriggerVersion))
		}
		if !sameDeps(cur.Dependencies, a.Dependencies) {
			changes = append(changes, "dependencies changed")
		}
		names := secretNames(a.Secrets)
		if !reflect.DeepEqual(nonNil(cur.SecretNames), nonNil(names)) {
			changes = append(changes, "secret names changed")
		}
		if len(changes) == 0 && b.redeploy(a.Name) {
			changes = append(changes, "forced by REDEPLOY_ACTIONS")
		}
		update := len(changes) > 0
		deploy := a.Deploy && (update || !cur.AllChangesDeployed || !cur.Deployed)
		if deploy && !update {
			changes = append(changes, "draft not deployed")
		}
		if !update && !deploy {
			b.item(model.KindAction, a.Name, OpUnchanged, a.Source(), "")
			continue
		}
		it := b.item(model.KindAction, a.Name, OpUpdate, a.Source(), "%s", joinChanges(changes))
		aw := &Write{Kind: WriteActionApply, ActionName: a.Name, ActionID: cur.ID, Deploy: deploy, Desc: "update action " + a.Name + " (" + joinChanges(changes) + ")"}
		if update {
			aw.Action = w
		}
		apply[a.Name] = b.write(aw, it)
	}

	// Actions in the tenant that the repository does not have.
	retired := map[string]*Item{}
	var names []string
	for name := range curByName {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if desiredByName[name] != nil || !d.ActionsManaged {
			continue
		}
		cur := curByName[name]
		switch {
		case cur.Integration:
			b.item(model.KindAction, name, OpSkip, model.Source{}, "marketplace integration: never touched")
		case b.manualActions[name]:
			b.item(model.KindAction, name, OpSkip, model.Source{}, "manual action (MANUAL_ACTIONS): never created, updated or deleted")
		case !b.opts.AllowDelete:
			b.item(model.KindAction, name, OpSkip, model.Source{}, "not in the repository; kept because ALLOW_DELETE=false")
		case explicit && !hasKey(d.Bindings, cur.Trigger) && len(c.Bindings[cur.Trigger]) > 0:
			// Its trigger's bindings are not managed here: deleting it
			// (force) detaches its binding with it.
			retired[name] = b.item(model.KindAction, name, OpDelete, model.Source{}, "not in the repository (full deployment); its binding to %s goes with it", cur.Trigger)
		default:
			retired[name] = b.item(model.KindAction, name, OpDelete, model.Source{}, "not in the repository (full deployment); unbound first")
			touched[cur.Trigger] = true
		}
	}

	bindingWrites := b.bindings(curByName, desiredByName, apply, retired, touched)

	for _, name := range names {
		it := retired[name]
		if it == nil {
			continue
		}
		cur := curByName[name]
		var after []int
		if w := bindingWrites[cur.Trigger]; w != nil {
			after = append(after, w.ID)
		}
		b.write(&Write{Kind: WriteActionDelete, Delete: true, ActionName: name, ActionID: cur.ID, After: after, Desc: "delete action " + name}, it)
	}
}

// bindings plans trigger binding lists. With explicit bindings
// (Desired.Bindings not nil: auth0-deploy-cli's triggers/*.json) exactly
// the triggers listed there are planned, each list complete and in order,
// and every other trigger is left alone. Otherwise each touched trigger's
// list is derived: bindings of actions the pipe does not manage keep their
// place, ahead; then the managed, enabled actions of that trigger by order
// (then name).
func (b *builder) bindings(curByName map[string]*model.CurrentAction, desired map[string]*model.Action, apply map[string]*Write, retired map[string]*Item, touched map[string]bool) map[string]*Write {
	out := map[string]*Write{}
	var triggers []string
	if b.d.Bindings != nil {
		for t := range b.d.Bindings {
			triggers = append(triggers, t)
		}
	} else {
		for t := range touched {
			if t != "" {
				triggers = append(triggers, t)
			}
		}
	}
	sort.Strings(triggers)
	for _, trig := range triggers {
		cur := b.c.Bindings[trig]
		var want []model.BindingWrite
		src := model.Source{}
		if explicit, ok := b.d.Bindings[trig]; ok {
			src = b.d.BindingsSource[trig]
			for _, ref := range explicit {
				a := desired[ref.ActionName]
				ca := curByName[ref.ActionName]
				if (a == nil || b.manualActions[ref.ActionName]) && ca == nil {
					b.errorf(src, "trigger %s binds action %q, which is neither in the repository nor in the tenant", trig, ref.ActionName)
					continue
				}
				if a != nil && !a.Deploy && (ca == nil || !ca.Deployed) {
					b.errorf(src, "trigger %s binds action %q, which is never deployed (deployed: false): Auth0 refuses to bind an undeployed action", trig, ref.ActionName)
					continue
				}
				if (a == nil || b.manualActions[ref.ActionName]) && !ca.Deployed {
					b.errorf(src, "trigger %s binds action %q, which has never been deployed in the tenant: Auth0 refuses to bind an undeployed action", trig, ref.ActionName)
					continue
				}
				if retired[ref.ActionName] != nil {
					b.errorf(src, "trigger %s binds action %q, which this deployment deletes (it is not in actions/): add it to the repository or MANUAL_ACTIONS, or remove the binding", trig, ref.ActionName)
					continue
				}
				bw := model.BindingWrite{ActionName: ref.ActionName, DisplayName: ref.DisplayName}
				if bw.DisplayName == "" {
					// No display name given: keep the tenant's, if bound.
					bw.DisplayName = ref.ActionName
					for _, cb := range cur {
						if cb.ActionName == ref.ActionName && cb.DisplayName != "" {
							bw.DisplayName = cb.DisplayName
						}
					}
				}
				if ca != nil {
					bw.ActionID = ca.ID
				}
				want = append(want, bw)
			}
		} else {
			for _, cb := range cur {
				managed := desired[cb.ActionName] != nil && !b.manualActions[cb.ActionName]
				if managed || retired[cb.ActionName] != nil {
					continue
				}
				want = append(want, model.BindingWrite{ActionID: cb.ActionID, ActionName: cb.ActionName, DisplayName: cb.DisplayName})
			}
			var mine []*model.Action
			for _, a := range desired {
				if a.Trigger == trig && a.Enabled && !b.manualActions[a.Name] {
					mine = append(mine, a)
				}
			}
			sort.Slice(mine, func(i, j int) bool {
				oi, oj := mine[i].Order, mine[j].Order
				switch {
				case oi != nil && oj != nil && *oi != *oj:
					return *oi < *oj
				case oi != nil && oj == nil:
					return true
				case oi == nil && oj != nil:
					return false
				}
				return mine[i].Name < mine[j].Name
			})
			for _, a := range mine {
				if !a.Deploy {
					if ca := curByName[a.Name]; ca == nil || !ca.Deployed {
						b.errorf(a.MetaSource, "action %q is enabled but never deployed (deployed: false): Auth0 refuses to bind an undeployed action", a.Name)
						continue
					}
				}
				bw := model.BindingWrite{ActionName: a.Name, DisplayName: a.Name}
				if ca := curByName[a.Name]; ca != nil {
					bw.ActionID = ca.ID
				}
				// keep the display name the tenant already has for a managed binding
				for _, cb := range cur {
					if cb.ActionName == a.Name && cb.DisplayName != "" {
						bw.DisplayName = cb.DisplayName
					}
				}
				want = append(want, bw)
			}
			if len(cur) == 0 && len(want) == 0 {
				continue
			}
		}
		curNames := make([]string, len(cur))
		for i, cb := range cur {
			curNames[i] = cb.ActionName
		}
		wantNames := make([]string, len(want))
		for i, w := range want {
			wantNames[i] = w.ActionName
		}
		renamed := renamedBindings(cur, want)
		if reflect.DeepEqual(curNames, wantNames) && len(renamed) == 0 {
			b.item(model.KindBindings, trig, OpUnchanged, src, "")
			continue
		}
		op := OpUpdate
		if len(cur) == 0 && len(want) > 0 {
			op = OpCreate
		}
		reason := fmt.Sprintf("[%s] → [%s]", strings.Join(curNames, ", "), strings.Join(wantNames, ", "))
		if reflect.DeepEqual(curNames, wantNames) {
			reason = "display name of " + strings.Join(renamed, ", ") + " changed"
		}
		it := b.item(model.KindBindings, trig, op, src, "%s", reason)
		var after []int
		for _, w := range want {
			if aw := apply[w.ActionName]; aw != nil {
				after = append(after, aw.ID)
			}
		}
		out[trig] = b.write(&Write{Kind: WriteBindings, Trigger: trig, Bindings: want, After: dedupeInts(after),
			Desc: fmt.Sprintf("set %s bindings %s", trig, reason)}, it)
	}
	return out
}

// renamedBindings names the actions bound both before and after whose
// display name changes.
func renamedBindings(cur []model.CurrentBinding, want []model.BindingWrite) []string {
	before := map[string]string{}
	for _, cb := range cur {
		before[cb.ActionName] = cb.DisplayName
	}
	var out []string
	for _, w := range want {
		if d, ok := before[w.ActionName]; ok && d != w.DisplayName {
			out = append(out, w.ActionName)
		}
	}
	return out
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

func sameDeps(a, b []model.Dependency) bool {
	norm := func(d []model.Dependency) []model.Dependency {
		out := append([]model.Dependency(nil), d...)
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		if out == nil {
			out = []model.Dependency{}
		}
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func secretNames(s []model.ActionSecret) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = x.Name
	}
	sort.Strings(out)
	return out
}

func nonNil(s []string) []string {
	if len(s) == 0 {
		return []string{}
	}
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
