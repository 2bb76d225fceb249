package plan

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// A MANUAL_RULES / MANUAL_ACTIONS name that is neither in the tenant nor
// in the repository is most likely a typo, which leaves the real manual
// item unprotected: each gets a warning (never an error).
func TestManualNameMatchingNothingIsAWarning(t *testing.T) {
	d := &model.Desired{RulesManaged: true, Rules: []model.Rule{rule("a", 1), rule("repo-only", 0)},
		ActionsManaged: true}
	c := &model.Current{RulesAvailable: true,
		Rules:   []model.CurrentRule{curRule("a", 1), curRule("auth0-authorization-extension", 2), stageRule("failure-hook", "login_failure", 1)},
		Actions: []model.CurrentAction{{ID: "act_m", Name: "marketplace-thing", Trigger: "post-login", Integration: true, Deployed: true, AllChangesDeployed: true}},
	}
	opts := Options{AllowDelete: true,
		ManualRules:   []string{"auth0-authorisation-extension", "repo-only", "failure-hook", "auth0-authorisation-extension"},
		ManualActions: []string{"marketplace-thing", "my-action"},
	}
	p := Build(d, c, opts)
	require.False(t, p.Problems.HasErrors())
	var got []string
	for _, pr := range p.Problems {
		got = append(got, pr.String())
	}
	require.Equal(t, []string{
		`warning: MANUAL_ACTIONS names "my-action", which is neither in the tenant nor in actions/ (a typo?)`,
		`warning: MANUAL_RULES names "auth0-authorisation-extension", which is neither in the tenant nor in rules/ (a typo?)`,
	}, got)
	// The warning is the only hint: the real manual rule is deleted.
	var deleted []string
	for _, w := range p.Writes {
		if w.Kind == WriteRuleDelete {
			deleted = append(deleted, w.RuleName)
		}
	}
	require.Equal(t, []string{"auth0-authorization-extension"}, deleted)
	var buf bytes.Buffer
	Render(&buf, p)
	require.Contains(t, buf.String(), `warning: MANUAL_RULES names "auth0-authorisation-extension"`)

	// Names that match, and kinds the repository does not manage (the
	// tenant's items of that kind are not read), say nothing.
	opts.ManualRules, opts.ManualActions = []string{"auth0-authorization-extension", "failure-hook"}, []string{"marketplace-thing"}
	require.Empty(t, Build(d, c, opts).Problems)
	opts.ManualRules, opts.ManualActions = []string{"typo"}, []string{"typo"}
	require.Empty(t, Build(&model.Desired{}, c, opts).Problems)
	// Nor on a tenant without Rules: the rules step is skipped.
	require.Empty(t, Build(&model.Desired{RulesManaged: true}, &model.Current{}, Options{ManualRules: []string{"typo"}}).Problems)
}
