package plan

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

func stageRule(name, stage string, order int) model.CurrentRule {
	r := curRule(name, order)
	r.Stage = stage
	return r
}

// SPEC §2: a rule in the tenant that is neither in rules/ nor manual is
// deleted, whatever its stage (subject to ALLOW_DELETE, like any other),
// and its reason says its stage. Orders are unique per stage: another
// stage's orders never block, move or bound the login_success plan.
func TestGoldenRulesOtherStages(t *testing.T) {
	tenant := []model.CurrentRule{
		curRule("a", 1), curRule("b", 2),
		stageRule("failure-hook", "login_failure", 5), // the order rule a wants, in another stage
		stageRule("pre-authz", "pre_authorize", 9),    // above every login_success order
		stageRule("manual-failure", "login_failure", 2),
	}
	// a moves to 5 (free in login_success), then b to 1: no temporary
	// order is needed, and the other stages' orders play no part.
	desired := []model.Rule{rule("a", 5), rule("b", 1)}
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"full_deployment", Options{AllowDelete: true, ManualRules: []string{"manual-failure"}}},
		{"allow_delete_false", Options{AllowDelete: false, ManualRules: []string{"manual-failure"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &model.Desired{RulesManaged: true, Rules: desired}
			c := &model.Current{RulesAvailable: true, Rules: tenant}
			p := Build(d, c, tc.opts)
			golden(t, p)
			require.Empty(t, p.Problems)

			var deleted []string
			for _, w := range p.Writes {
				if w.Kind == WriteRuleDelete {
					deleted = append(deleted, w.RuleName)
				}
				if w.Kind == WriteRuleMove {
					t.Errorf("no temporary move is needed: %s", w.Desc)
				}
			}
			if tc.opts.AllowDelete {
				require.Equal(t, []string{"failure-hook", "pre-authz"}, deleted)
			} else {
				require.Empty(t, deleted)
			}
			for _, it := range p.Items {
				if it.Name == "failure-hook" || it.Name == "pre-authz" {
					require.Contains(t, it.Reason, "stage ")
				}
			}

			s := newRuleSim(tenant)
			runInRandomOrder(t, rand.New(rand.NewSource(1)), p, s)
			final := map[string]string{}
			for _, r := range s.byID {
				final[r.Name] = ruleStage(r.Stage)
			}
			want := map[string]string{"a": "login_success", "b": "login_success", "manual-failure": "login_failure"}
			if !tc.opts.AllowDelete {
				want["failure-hook"], want["pre-authz"] = "login_failure", "pre_authorize"
			}
			require.Equal(t, want, final)
		})
	}
}

// A swap's temporary order goes above the login_success orders only: a
// higher order in another stage does not push it up, nor block it.
func TestTemporaryOrderIgnoresOtherStages(t *testing.T) {
	d := &model.Desired{RulesManaged: true, Rules: []model.Rule{rule("a", 2), rule("b", 1)}}
	tenant := []model.CurrentRule{curRule("a", 1), curRule("b", 2), stageRule("x", "login_failure", 3), stageRule("y", "pre_authorize", 50)}
	p := Build(d, &model.Current{RulesAvailable: true, Rules: tenant}, Options{AllowDelete: false})
	require.Empty(t, p.Problems)
	require.Len(t, p.Writes, 3)
	require.Equal(t, WriteRuleMove, p.Writes[0].Kind)
	require.Equal(t, 3, *p.Writes[0].RulePatch.Order)
	s := newRuleSim(tenant)
	runInRandomOrder(t, rand.New(rand.NewSource(1)), p, s)
}

// A repository rule named like a tenant rule of another stage stays an
// error: a rule's stage cannot change, and that rule is not deleted.
func TestRuleNamedLikeAnotherStagesRuleIsAnError(t *testing.T) {
	d := &model.Desired{RulesManaged: true, Rules: []model.Rule{rule("hook", 1)}}
	c := &model.Current{RulesAvailable: true, Rules: []model.CurrentRule{stageRule("hook", "login_failure", 1)}}
	p := Build(d, c, Options{AllowDelete: true})
	require.Len(t, p.Problems, 1)
	require.Equal(t, `rules/hook.json: error: rule "hook" exists in stage login_failure; a rule's stage cannot change: rename the rule to recreate it`, p.Problems[0].String())
	require.Empty(t, p.Writes)
	for _, it := range p.Items {
		require.NotEqual(t, OpDelete, it.Op, "%s %s", it.Name, it.Reason)
	}
}
