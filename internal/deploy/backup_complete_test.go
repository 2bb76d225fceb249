package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/plan"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace"
)

const ruleScript = "function (user, context, callback) { callback(null, user, context); }"

// readBackup reads a backup as the pipe reads a repository it was copied
// into, and fails on any error: a restore must pass validation.
func readBackup(t *testing.T, dir string, manualRules ...string) (*model.Desired, model.Problems) {
	t.Helper()
	d, ps := workspace.Read(os.DirFS(dir), workspace.Options{ManualRules: manualRules, RequireSecretValues: true})
	require.False(t, ps.HasErrors(), "the backup, read as a repository: %v", ps)
	return d, ps
}

// A manual rule whose order and enabled state the repository sets: the
// backup holds its previous metadata as a metadata-only rules/<name>.json,
// which, committed, puts them back.
func TestBackupHoldsManualRuleMetadata(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	d := &model.Desired{RulesManaged: true, Rules: []model.Rule{{Name: "authz", MetadataOnly: true, Enabled: false, EnabledSet: true, Order: ptr(7), Stage: "login_success"}}}
	c := &model.Current{RulesAvailable: true, Rules: []model.CurrentRule{
		{ID: "rul_authz", Name: "authz", Script: ruleScript, Order: 2, Enabled: true, Stage: "login_success"},
		{ID: "rul_other", Name: "other-manual", Script: ruleScript, Order: 3, Enabled: true, Stage: "login_success"},
	}}
	manual := []string{"authz", "other-manual"}
	p := plan.Build(d, c, plan.Options{AllowDelete: true, ManualRules: manual})
	require.Len(t, p.Writes, 1, "the plan changes authz's metadata")
	files, err := Backup(dir, d, c, p, manual, nil, nil)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"rules/authz.json", NoteFile}, files, "no script of a manual rule; nothing of a manual rule whose metadata is not managed")
	data, err := os.ReadFile(filepath.Join(dir, "rules", "authz.json"))
	require.NoError(t, err)
	require.JSONEq(t, `{"enabled": true, "order": 2}`, string(data))

	// Committed, the backup sets authz back, and only that.
	restored, ps := readBackup(t, dir, manual...)
	require.Empty(t, ps)
	after := &model.Current{RulesAvailable: true, Rules: []model.CurrentRule{
		{ID: "rul_authz", Name: "authz", Script: ruleScript, Order: 7, Enabled: false, Stage: "login_success"}, c.Rules[1]}}
	rp := plan.Build(restored, after, plan.Options{AllowDelete: true, ManualRules: manual})
	require.Empty(t, rp.Problems)
	require.Len(t, rp.Writes, 1)
	require.Equal(t, "authz", rp.Writes[0].RuleName)
	require.Equal(t, &model.RulePatch{Order: ptr(2), Enabled: ptr(true)}, rp.Writes[0].RulePatch)
}

// A kind the tenant had none of: its folder is in the backup, with a
// .gitkeep, so that committing the backup means "none" and deletes what
// the deployment created (an absent folder would mean "not managed").
func TestBackupOfAnEmptyKindDeletesWhatTheDeploymentCreated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	d := &model.Desired{RulesManaged: true, ActionsManaged: true}
	before := &model.Current{RulesAvailable: true,
		Rules:   []model.CurrentRule{{ID: "rul_manual", Name: "manual", Script: ruleScript, Order: 1, Enabled: true, Stage: "login_success"}},
		Actions: []model.CurrentAction{{ID: "act_mkt", Name: "marketplace", Trigger: "post-login", Integration: true}},
	}
	files, err := Backup(dir, d, before, &plan.Plan{}, []string{"manual"}, nil, nil)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"rules/.gitkeep", "actions/.gitkeep", NoteFile}, files)
	note, err := os.ReadFile(filepath.Join(dir, NoteFile))
	require.NoError(t, err)
	require.Contains(t, string(note), "Folders in this backup: `actions/`, `rules/`.")

	restored, ps := readBackup(t, dir, "manual")
	require.Empty(t, ps, ".gitkeep is read silently")
	require.True(t, restored.RulesManaged)
	require.True(t, restored.ActionsManaged)
	// The tenant after the deployment: a created rule and action.
	after := &model.Current{RulesAvailable: true,
		Rules: append([]model.CurrentRule{{ID: "rul_new", Name: "new-rule", Script: ruleScript, Order: 2, Enabled: true, Stage: "login_success"}}, before.Rules...),
		Actions: append([]model.CurrentAction{{ID: "act_new", Name: "new-action", Code: "exports.onExecutePostLogin = async () => {};", Trigger: "post-login", Runtime: "node22", Deployed: true, AllChangesDeployed: true}},
			before.Actions...),
		Bindings: map[string][]model.CurrentBinding{"post-login": {{ID: "b1", ActionID: "act_new", ActionName: "new-action", DisplayName: "new-action"}}},
	}
	rp := plan.Build(restored, after, plan.Options{AllowDelete: true, ManualRules: []string{"manual"}})
	require.Empty(t, rp.Problems)
	var deleted []string
	for _, w := range rp.Writes {
		switch w.Kind {
		case plan.WriteRuleDelete:
			deleted = append(deleted, "rule "+w.RuleName)
		case plan.WriteActionDelete:
			deleted = append(deleted, "action "+w.ActionName)
		}
	}
	require.ElementsMatch(t, []string{"rule new-rule", "action new-action"}, deleted)

	// A kind that had items has no .gitkeep.
	before.Rules = append(before.Rules, model.CurrentRule{ID: "rul_a", Name: "a", Script: ruleScript, Order: 5, Enabled: true, Stage: "login_success"})
	files, err = Backup(dir, d, before, &plan.Plan{}, []string{"manual"}, nil, nil)
	require.NoError(t, err)
	require.NotContains(t, files, "rules/.gitkeep")
}

// What the repository layout cannot express is listed in the note, as not
// restorable by committing, with no keyword value.
func TestBackupNoteListsWhatCommittingCannotRestore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	mappings := map[string]any{"API_KEY": "s3cret-key", "ERROR_HOST": "errors.example.com"}
	d := &model.Desired{RulesManaged: true, DatabasesManaged: true,
		Databases: []model.Database{
			{Name: "fresh-db", Scripts: map[string]model.Script{"login": {Code: "function login(){}"}}},
			{Name: "a0-db", Scripts: map[string]model.Script{"login": {Code: "function login(){ /* v2 */ }"}},
				Options: map[string]any{"passwordPolicy": "excellent", "mfa": map[string]any{"active": true}}},
		},
		Pages: []model.Page{{Name: model.PageErrorPage}, {Name: model.PageGuardianMultifactor}},
	}
	c := &model.Current{RulesAvailable: true,
		Rules: []model.CurrentRule{
			{ID: "rul_hook", Name: "failure-hook", Script: "function (user, context, callback) {\n  const k = \"s3cret-key\";\n  callback(null, user, context);\n}\n", Order: 4, Enabled: true, Stage: "login_failure"},
			{ID: "rul_pre", Name: "pre-kept", Script: ruleScript, Order: 1, Enabled: true, Stage: "pre_authorize"},
		},
		Connections: []model.Connection{
			{ID: "con_fresh", Name: "fresh-db", Strategy: "auth0", Options: map[string]any{"enabledDatabaseCustomization": false}},
			{ID: "con_a0", Name: "a0-db", Strategy: "auth0", Options: map[string]any{"enabledDatabaseCustomization": true, "passwordPolicy": "good",
				"mfa": map[string]any{"active": true}, "customScripts": map[string]any{"login": "function login(){}"}}},
		},
		TenantPages: model.TenantPages{
			ErrorPage:       model.ErrorPageSetting{HTML: "<p>oops</p>", URL: "https://errors.example.com/oops", ShowLogLink: true},
			GuardianMFAPage: model.PageSetting{Enabled: true, HTML: "  "},
		},
	}
	p := plan.Build(d, c, plan.Options{AllowDelete: true})
	// The plan deletes failure-hook; pre-kept is deleted too but kept out
	// of this plan to show that only deleted rules are listed.
	var writes []*plan.Write
	for _, w := range p.Writes {
		if w.RuleName != "pre-kept" {
			writes = append(writes, w)
		}
	}
	p.Writes = writes
	files, err := Backup(dir, d, c, p, nil, nil, mappings)
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		require.NotContains(t, string(data), "s3cret-key", f)
		require.NotContains(t, string(data), "errors.example.com", f)
	}
	require.NotContains(t, files, "database-connections/fresh-db/.gitkeep", "an empty connection folder is an error, not \"none\"")
	note, err := os.ReadFile(filepath.Join(dir, NoteFile))
	require.NoError(t, err)
	_, lost, ok := strings.Cut(string(note), "\n## Not restorable by committing\n")
	require.True(t, ok, string(note))
	for _, want := range []string{
		"- rule failure-hook (stage login_failure, order 4, enabled true) was deleted; the layout holds login_success rules only, so recreate it by hand; its script:\n\n```js\nfunction (user, context, callback) {\n  const k = @@API_KEY@@;\n  callback(null, user, context);\n}\n```\n\n- database connection fresh-db had no custom scripts",
		"- database connection fresh-db had no custom scripts: a connection folder needs login.js, so this backup has none for it and committing cannot remove the scripts the deployment added; remove them by hand\n",
		"- database connection fresh-db had enabledDatabaseCustomization (custom database) off; deploying scripts turns it on: turn it off by hand\n",
		"- database connection a0-db: the deployment changed its option(s) passwordPolicy; the layout holds scripts only, so their previous values are not here\n",
		"- hosted page error_page had both HTML and a redirect URL (https://##ERROR_HOST##/oops); the layout keeps one: its files here hold the HTML, so the URL is not restored\n",
		"- hosted page guardian_multifactor was enabled with empty HTML, which the repository layout refuses: its files here say disabled\n",
	} {
		require.Contains(t, lost, want)
	}
	require.NotContains(t, lost, "pre-kept")
	require.NotContains(t, lost, "a0-db had enabledDatabaseCustomization")

	// The rest reads back as a valid repository.
	restored, _ := readBackup(t, dir)
	require.Len(t, restored.Databases, 1)
	require.Equal(t, "a0-db", restored.Databases[0].Name)
}

func ptr[T any](v T) *T { return &v }
