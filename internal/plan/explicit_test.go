package plan

import (
	"testing"

	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// Explicit bindings are auth0-deploy-cli's triggers/*.json: each listed
// trigger's list is complete and ordered, every other trigger is left alone.

func explicitAction(name, trigger string, deploy bool) model.Action {
	return model.Action{Name: name, Code: "exports.x = 1;", Trigger: trigger, TriggerVersion: "v3", Runtime: "node22", Deploy: deploy,
		CodeSource: model.Source{Path: "actions/" + name + "/code.js"}, MetaSource: model.Source{Path: "actions/" + name + ".json"}}
}

func explicitCurrent(name, trigger string) model.CurrentAction {
	return model.CurrentAction{ID: "act_" + name, Name: name, Code: "exports.x = 1;", Runtime: "node22", Trigger: trigger, TriggerVersion: "v3",
		Status: "built", AllChangesDeployed: true, Deployed: true}
}

func binding(name, display string) model.CurrentBinding {
	return model.CurrentBinding{ID: "b_" + name, ActionID: "act_" + name, ActionName: name, DisplayName: display}
}

func TestGoldenExplicitBindings(t *testing.T) {
	src := model.Source{Path: "triggers/triggers.json", Line: 2}
	d := &model.Desired{ActionsManaged: true,
		Actions: []model.Action{
			explicitAction("first", "post-login", true),
			explicitAction("second", "post-login", true),
			explicitAction("renamed", "post-login", true),
			explicitAction("fresh", "post-login", true),
			explicitAction("exchange", "credentials-exchange", true),
		},
		Bindings: map[string][]model.BindingRef{
			// reorder; a marketplace action moves last; a display name
			// changes; a new action is bound; "gone" (retired) is dropped
			"post-login": {{ActionName: "second"}, {ActionName: "first"}, {ActionName: "renamed", DisplayName: "Renamed"}, {ActionName: "fresh"}, {ActionName: "market"}},
			// [] unbinds everything
			"pre-user-registration": {},
		},
		BindingsSource: map[string]model.Source{"post-login": src, "pre-user-registration": {Path: "triggers/triggers.json", Line: 9}},
	}
	c := &model.Current{
		Actions: []model.CurrentAction{
			explicitCurrent("first", "post-login"), explicitCurrent("second", "post-login"), explicitCurrent("renamed", "post-login"),
			explicitCurrent("exchange", "credentials-exchange"), explicitCurrent("gone", "post-login"), explicitCurrent("old-exchange", "credentials-exchange"),
			explicitCurrent("hand-made", "pre-user-registration"),
			{ID: "act_market", Name: "market", Trigger: "post-login", Integration: true, Deployed: true, AllChangesDeployed: true},
		},
		Bindings: map[string][]model.CurrentBinding{
			"post-login":            {binding("market", "Market"), binding("first", "First!"), binding("second", "second"), binding("renamed", "renamed"), binding("gone", "gone")},
			"credentials-exchange":  {binding("old-exchange", "old-exchange")},
			"pre-user-registration": {binding("hand-made", "hand-made")},
		},
	}
	p := Build(d, c, Options{AllowDelete: true, ManualActions: []string{"hand-made"}})
	golden(t, p)
	require.Empty(t, p.Problems)

	var pl *Write
	for _, w := range p.Writes {
		if w.Kind == WriteBindings && w.Trigger == "post-login" {
			pl = w
		}
	}
	require.NotNil(t, pl)
	require.Equal(t, []model.BindingWrite{
		{ActionID: "act_second", ActionName: "second", DisplayName: "second"},
		{ActionID: "act_first", ActionName: "first", DisplayName: "First!"}, // no display_name given: the tenant's stays
		{ActionID: "act_renamed", ActionName: "renamed", DisplayName: "Renamed"},
		{ActionName: "fresh", DisplayName: "fresh"}, // created by this plan: the executor learns its id
		{ActionID: "act_market", ActionName: "market", DisplayName: "Market"},
	}, pl.Bindings)

	// The same lists again: nothing to write for the bindings.
	d2 := &model.Desired{ActionsManaged: true, Actions: []model.Action{explicitAction("first", "post-login", true)},
		Bindings: map[string][]model.BindingRef{"post-login": {{ActionName: "first", DisplayName: "First!"}}}, BindingsSource: d.BindingsSource}
	c2 := &model.Current{Actions: []model.CurrentAction{explicitCurrent("first", "post-login")},
		Bindings: map[string][]model.CurrentBinding{"post-login": {binding("first", "First!")}}}
	require.Empty(t, Build(d2, c2, Options{AllowDelete: true}).Writes)
	// Only a display name differs: one bindings write that says so.
	d2.Bindings["post-login"][0].DisplayName = "Fancy"
	p2 := Build(d2, c2, Options{AllowDelete: true})
	require.Len(t, p2.Writes, 1)
	require.Equal(t, "set post-login bindings display name of first changed", p2.Writes[0].Desc)

	// Without any listed trigger nothing is bound or unbound, even for
	// actions the repository has and the tenant binds elsewhere.
	d3 := &model.Desired{ActionsManaged: true, Actions: []model.Action{explicitAction("first", "post-login", true), explicitAction("new", "post-login", true)},
		Bindings: map[string][]model.BindingRef{}}
	p3 := Build(d3, c2, Options{AllowDelete: true})
	for _, w := range p3.Writes {
		require.NotEqual(t, WriteBindings, w.Kind, w.Desc)
	}
}

// Bindings alone (triggers/ without actions/): the tenant's actions are
// bound, none is created or deleted.
func TestGoldenExplicitBindingsWithoutActions(t *testing.T) {
	d := &model.Desired{Bindings: map[string][]model.BindingRef{"post-login": {{ActionName: "b"}, {ActionName: "a"}}},
		BindingsSource: map[string]model.Source{"post-login": {Path: "triggers/triggers.json", Line: 2}}}
	c := &model.Current{Actions: []model.CurrentAction{explicitCurrent("a", "post-login"), explicitCurrent("b", "post-login"), explicitCurrent("c", "post-login")},
		Bindings: map[string][]model.CurrentBinding{"post-login": {binding("a", "a"), binding("b", "b")}}}
	golden(t, Build(d, c, Options{AllowDelete: true}))
}

// Every binding that cannot be made is an error before any write.
func TestGoldenExplicitBindingErrors(t *testing.T) {
	src := model.Source{Path: "triggers/triggers.json", Line: 2}
	d := &model.Desired{ActionsManaged: true,
		Actions: []model.Action{explicitAction("draft-only", "post-login", false)},
		Bindings: map[string][]model.BindingRef{"post-login": {
			{ActionName: "ghost"}, {ActionName: "draft-only"}, {ActionName: "undeployed"}, {ActionName: "retiring"},
		}},
		BindingsSource: map[string]model.Source{"post-login": src},
	}
	undeployed := explicitCurrent("undeployed", "post-login")
	undeployed.Deployed, undeployed.AllChangesDeployed = false, false
	c := &model.Current{Actions: []model.CurrentAction{undeployed, explicitCurrent("retiring", "post-login")},
		Bindings: map[string][]model.CurrentBinding{}}
	p := Build(d, c, Options{AllowDelete: true, ManualActions: []string{"undeployed"}})
	golden(t, p)
	require.Len(t, p.Problems, 4)
}
