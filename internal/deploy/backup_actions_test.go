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

// notRestorable returns the note's "Not restorable by committing" list.
func notRestorable(t *testing.T, dir string) string {
	t.Helper()
	note, err := os.ReadFile(filepath.Join(dir, NoteFile))
	require.NoError(t, err)
	_, lost, ok := strings.Cut(string(note), "\n## Not restorable by committing\n")
	require.True(t, ok, string(note))
	return lost
}

func readFile(t *testing.T, dir, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, rel))
	require.NoError(t, err)
	return string(data)
}

// An action whose draft was never deployed (edited in the dashboard, or a
// run stopped between its update and its deploy): the backup holds the
// version that ran, not the draft, and says so without the draft's
// content. An action never deployed keeps its draft, and the note says so.
func TestBackupHoldsTheDeployedVersionOfAnAction(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	running := "exports.onExecutePostLogin = async (event, api) => { /* v1, live */ };"
	draft := "exports.onExecutePostLogin = async (event, api) => { /* v2, never deployed */ };"
	fresh := "exports.onExecutePostLogin = async (event, api) => { /* never deployed */ };"
	d := &model.Desired{ActionsManaged: true}
	c := &model.Current{
		Actions: []model.CurrentAction{
			{ID: "act_edit", Name: "edited", Code: draft, Runtime: "node22", Trigger: "post-login", TriggerVersion: "v3",
				Dependencies: []model.Dependency{{Name: "lodash", Version: "4.17.21"}}, SecretNames: []string{"NEW_KEY"},
				Status: "built", Deployed: true, AllChangesDeployed: false,
				DeployedVersion: &model.ActionVersion{ID: "ver_1", Number: 1, Code: running, Runtime: "node18", Trigger: "post-login", TriggerVersion: "v3",
					Dependencies: []model.Dependency{{Name: "axios", Version: "1.7.0"}}, SecretNames: []string{"API_KEY"}}},
			{ID: "act_fresh", Name: "fresh", Code: fresh, Runtime: "node22", Trigger: "post-login", TriggerVersion: "v3", Status: "built"},
			{ID: "act_same", Name: "same", Code: running, Runtime: "node22", Trigger: "post-login", TriggerVersion: "v3", Status: "built",
				Deployed: true, AllChangesDeployed: true,
				DeployedVersion: &model.ActionVersion{ID: "ver_s", Code: running, Runtime: "node22", Trigger: "post-login", TriggerVersion: "v3"}},
		},
		Bindings: map[string][]model.CurrentBinding{"post-login": {{ID: "b1", ActionID: "act_edit", ActionName: "edited", DisplayName: "edited"}}},
	}
	_, err := Backup(dir, d, c, &plan.Plan{}, nil, nil, nil)
	require.NoError(t, err)

	require.Equal(t, running, readFile(t, dir, "actions/edited.js"), "what ran, not the draft")
	require.JSONEq(t, `{"trigger": "post-login", "runtime": "node18", "dependencies": {"axios": "1.7.0"}, "secrets": ["API_KEY"], "enabled": true, "order": 10}`,
		readFile(t, dir, "actions/edited.json"))
	require.Equal(t, fresh, readFile(t, dir, "actions/fresh.js"))
	require.JSONEq(t, `{"trigger": "post-login", "runtime": "node22", "enabled": false}`, readFile(t, dir, "actions/fresh.json"))
	require.Equal(t, running, readFile(t, dir, "actions/same.js"))

	lost := notRestorable(t, dir)
	require.Contains(t, lost, "- action edited had a draft that was never deployed: its files here hold the deployed version (what ran); the draft is not saved\n")
	require.Contains(t, lost, "- action fresh was never deployed: its files here hold its draft, which never ran (the layout has no undeployed action); committing this backup deploys it, bound to no trigger\n")
	require.NotContains(t, lost, "action same")
	require.NotContains(t, lost, "v2, never deployed", "the draft's content is not in the note")

	// Committed (with the secret's value), the backup puts back what ran.
	restored, _ := workspace.Read(os.DirFS(dir), workspace.Options{RequireSecretValues: true,
		LookupEnv: func(k string) (string, bool) { return "value-of-" + k, k == "API_KEY" }})
	rp := plan.Build(restored, c, plan.Options{AllowDelete: true})
	require.Empty(t, rp.Problems)
	var edited *plan.Write
	for _, w := range rp.Writes {
		if w.ActionName == "edited" && w.Kind == plan.WriteActionApply {
			edited = w
		}
	}
	require.NotNil(t, edited)
	require.True(t, edited.Deploy)
	require.Equal(t, running, edited.Action.Code)
	require.Equal(t, "node18", edited.Action.Runtime)
	require.Equal(t, []model.Dependency{{Name: "axios", Version: "1.7.0"}}, edited.Action.Dependencies)
}

// What the repository layout cannot take of an action is in the note: a
// runtime the workspace refuses (written as it is), a trigger version other
// than the one the pipe deploys (the layout has no field for it), a trigger
// the layout does not support. A runtime the workspace accepts, even with a
// warning, is not listed.
func TestBackupNotesWhatTheLayoutCannotTakeOfAnAction(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	code := "exports.onExecutePostLogin = async (event, api) => {};"
	live := func(a model.CurrentAction) model.CurrentAction {
		a.Deployed, a.AllChangesDeployed, a.Status = true, true, "built"
		a.DeployedVersion = &model.ActionVersion{ID: "ver_" + a.Name, Code: a.Code, Runtime: a.Runtime, Trigger: a.Trigger, TriggerVersion: a.TriggerVersion}
		return a
	}
	d := &model.Desired{ActionsManaged: true}
	c := &model.Current{Actions: []model.CurrentAction{
		live(model.CurrentAction{ID: "act_1", Name: "ancient", Code: code, Runtime: "node10", Trigger: "post-login", TriggerVersion: "v3"}),
		live(model.CurrentAction{ID: "act_2", Name: "legacy", Code: code, Runtime: "node18-actions", Trigger: "post-login", TriggerVersion: "v3"}),
		live(model.CurrentAction{ID: "act_3", Name: "older-trigger", Code: code, Runtime: "node22", Trigger: "post-login", TriggerVersion: "v2"}),
		live(model.CurrentAction{ID: "act_4", Name: "stream", Code: "exports.onExecuteEventStream = async () => {};", Runtime: "node22", Trigger: "event-stream", TriggerVersion: "v1"}),
	}}
	_, err := Backup(dir, d, c, &plan.Plan{}, nil, nil, nil)
	require.NoError(t, err)
	require.JSONEq(t, `{"trigger": "post-login", "runtime": "node10", "enabled": false}`, readFile(t, dir, "actions/ancient.json"), "the runtime as it is")
	require.JSONEq(t, `{"trigger": "post-login", "runtime": "node18-actions", "enabled": false}`, readFile(t, dir, "actions/legacy.json"))

	lost := notRestorable(t, dir)
	require.Contains(t, lost, "- action ancient has runtime node10, which the repository layout refuses: committing this backup fails validation until actions/ancient.json says \"runtime\": \"node22\" (the current runtime) or the action is removed from the backup\n")
	require.Contains(t, lost, "- action older-trigger ran on trigger post-login version v2; the layout has no field for a trigger version, so committing this backup deploys it for v3: set the version back by hand if its code needs v2\n")
	require.Contains(t, lost, "- action stream belongs to trigger event-stream, which the repository layout does not support: committing this backup fails validation until actions/stream.* are removed; recreate the action by hand\n")
	require.NotContains(t, lost, "action legacy", "node18-actions is accepted (with a warning)")

	// Done as the note says, the backup reads back without an error.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "actions", "ancient.json"), []byte(`{"trigger": "post-login", "runtime": "node22", "enabled": false}`), 0o644))
	require.NoError(t, os.Remove(filepath.Join(dir, "actions", "stream.js")))
	require.NoError(t, os.Remove(filepath.Join(dir, "actions", "stream.json")))
	restored, _ := readBackup(t, dir)
	require.Len(t, restored.Actions, 3)
}
