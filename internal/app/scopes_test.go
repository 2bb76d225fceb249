package app

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/plan"
)

func TestMissingScopes(t *testing.T) {
	login := &plan.Item{Kind: model.KindPage, Name: "login", Op: plan.OpUpdate}
	ruleA := &plan.Item{Kind: model.KindRule, Name: "a", Op: plan.OpCreate}
	ruleB := &plan.Item{Kind: model.KindRule, Name: "b", Op: plan.OpUpdate}
	newAction := &plan.Item{Kind: model.KindAction, Name: "claims", Op: plan.OpCreate}
	oldAction := &plan.Item{Kind: model.KindAction, Name: "old", Op: plan.OpUpdate}
	bindings := &plan.Item{Kind: model.KindBindings, Name: "post-login", Op: plan.OpUpdate}
	p := &plan.Plan{Writes: []*plan.Write{
		{Kind: plan.WriteLoginPage, Items: []*plan.Item{login}},
		{Kind: plan.WriteRuleCreate, Items: []*plan.Item{ruleA}},
		{Kind: plan.WriteRuleMove, Items: []*plan.Item{ruleB}},
		{Kind: plan.WriteRuleUpdate, Items: []*plan.Item{ruleB}},
		{Kind: plan.WriteActionApply, Items: []*plan.Item{newAction}, Action: &model.ActionWrite{}, Deploy: true},
		{Kind: plan.WriteActionApply, Items: []*plan.Item{oldAction}, ActionID: "act_1", Action: &model.ActionWrite{}, Deploy: true},
		{Kind: plan.WriteBindings, Items: []*plan.Item{bindings}},
	}}
	all := []string{"read:rules", "create:rules", "update:rules", "read:clients", "update:clients",
		"read:actions", "create:actions", "update:actions"}

	assert.Empty(t, missingScopes(p, all))

	without := func(drop ...string) []string {
		var out []string
		for _, s := range all {
			keep := true
			for _, d := range drop {
				keep = keep && s != d
			}
			if keep {
				out = append(out, s)
			}
		}
		return out
	}
	got := missingScopes(p, without("update:clients"))
	assert.Equal(t, []scopeNeed{{scope: "update:clients", changes: []string{"page login"}}}, got)
	assert.Equal(t, "update:clients (page login)", describeMissing(got))

	// A rule moved and updated is named once; a deploy needs create:actions
	// even for an action that exists.
	got = missingScopes(p, without("update:rules", "create:actions"))
	assert.Equal(t, "create:actions (action claims, action old); update:rules (rule b)", describeMissing(got))

	got = missingScopes(p, without("update:actions"))
	assert.Equal(t, "update:actions (action old, bindings of trigger post-login)", describeMissing(got))

	// Deletes need the delete scopes.
	del := &plan.Plan{Writes: []*plan.Write{
		{Kind: plan.WriteRuleDelete, Items: []*plan.Item{{Kind: model.KindRule, Name: "gone"}}},
		{Kind: plan.WriteActionDelete, Items: []*plan.Item{{Kind: model.KindAction, Name: "gone"}}},
		{Kind: plan.WriteRulesConfigDelete, Items: []*plan.Item{{Kind: model.KindRulesConfig, Name: "KEY"}}},
	}}
	assert.Equal(t, "delete:actions (action gone); delete:rules (rule gone); delete:rules_configs (rules config KEY)",
		describeMissing(missingScopes(del, []string{"read:rules", "read:actions", "read:rules_configs"})))
}

func TestDescribeMissingBoundsTheNames(t *testing.T) {
	n := scopeNeed{scope: "create:rules", changes: []string{"rule a", "rule b", "rule c", "rule d", "rule e", "rule f"}}
	assert.Equal(t, "create:rules (rule a, rule b, rule c, rule d and 2 more)", describeMissing([]scopeNeed{n}))
}

func TestReadOnly(t *testing.T) {
	assert.True(t, readOnly([]string{"read:rules", "read:clients"}))
	assert.False(t, readOnly([]string{"read:rules", "update:clients"}))
	assert.False(t, readOnly([]string{"delete:rules"}))
}
