package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
)

const actionSecretCanary = "canary-action-secret-7f3a9c"

func actionFiles(name string, order int, code string) map[string]string {
	return map[string]string{
		"actions/" + name + ".js":   code,
		"actions/" + name + ".json": fmt.Sprintf(`{"trigger": "post-login", "runtime": "node22", "order": %d, "secrets": ["API_KEY"], "dependencies": {"lodash": "4.17.21"}}`, order),
	}
}

func actionsRepo(t *testing.T, orders map[string]int) string {
	ws := t.TempDir()
	for name, o := range orders {
		harness.WriteFiles(t, ws, actionFiles(name, o, "exports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim('"+name+"', event.secrets.API_KEY ? 1 : 0);\n};\n"))
	}
	return ws
}

func actionsEnv(url string) map[string]string {
	return map[string]string{"AUTH0_DOMAIN": url, "AUTH0_CLIENT_ID": harness.ClientID, "AUTH0_CLIENT_SECRET": harness.ClientSecret,
		"AUTH0_KEYWORD_REPLACE_MAPPINGS": `{"API_KEY": "` + actionSecretCanary + `"}`}
}

func bindingNames(st auth0sim.State, trigger string) []string {
	byID := map[string]string{}
	for _, a := range st.Actions {
		byID[a.ID] = a.Name
	}
	var out []string
	for _, b := range st.Bindings[trigger] {
		out = append(out, byID[b.ActionID])
	}
	return out
}

func countWrites(reqs []auth0sim.Request, method, pattern string) int {
	n := 0
	for _, r := range auth0sim.APIWrites(reqs) {
		if r.Method == method && matchPath(pattern, r.Path) {
			n++
		}
	}
	return n
}

func matchPath(pattern, p string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(p, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if ps[i] != "*" && ps[i] != xs[i] {
			return false
		}
	}
	return true
}

func TestActionsLifecycle(t *testing.T) {
	bin := harness.Binary(t)
	sim, url := harness.StartSim(t, nil, auth0sim.Options{BuildDelay: 1500 * time.Millisecond})
	ws := actionsRepo(t, map[string]int{"first": 10, "second": 20})
	env := actionsEnv(url)

	// First deploy: create, wait for the (slow) builds, deploy, bind.
	res := harness.Run(t, bin, ws, env)
	require.Equal(t, 0, res.Code, res.Stdout)
	st := sim.Snapshot()
	require.Len(t, st.Actions, 2)
	assert.Equal(t, []string{"first", "second"}, bindingNames(st, "post-login"))
	reqs := sim.Requests()
	assert.Equal(t, 2, countWrites(reqs, "POST", "/api/v2/actions/actions"))
	assert.Equal(t, 2, countWrites(reqs, "POST", "/api/v2/actions/actions/*/deploy"))
	assert.Equal(t, 1, countWrites(reqs, "PATCH", "/api/v2/actions/triggers/post-login/bindings"))
	for _, r := range reqs {
		assert.NotEqual(t, 400, r.Status, "%s %s: deployed before built?", r.Method, r.Path)
	}
	for _, a := range st.Actions {
		require.Len(t, a.Versions, 1, "one deployed version of %s", a.Name)
		file, err := os.ReadFile(filepath.Join(ws, "actions", a.Name+".js"))
		require.NoError(t, err)
		assert.Equal(t, string(file), a.Code, "the deployed code is the repository's file, byte for byte")
	}

	// Rerun: zero writes, no new version.
	sim.ResetRequests()
	res = harness.Run(t, bin, ws, env)
	require.Equal(t, 0, res.Code, res.Stdout)
	assert.Empty(t, writeLines(sim.Requests()))
	for _, a := range sim.Snapshot().Actions {
		assert.Len(t, a.Versions, 1)
	}

	// A code change: one update + one deploy, no bindings write.
	p := filepath.Join(ws, "actions", "first.js")
	require.NoError(t, os.WriteFile(p, []byte("exports.onExecutePostLogin = async () => { /* v2 */ };\n"), 0o644))
	sim.ResetRequests()
	res = harness.Run(t, bin, ws, env)
	require.Equal(t, 0, res.Code, res.Stdout)
	reqs = sim.Requests()
	assert.Len(t, auth0sim.APIWrites(reqs), 2, "%v", writeLines(reqs))
	assert.Equal(t, 1, countWrites(reqs, "PATCH", "/api/v2/actions/actions/*"))
	assert.Equal(t, 1, countWrites(reqs, "POST", "/api/v2/actions/actions/*/deploy"))

	// A changed secret value alone cannot be seen (Auth0 never returns
	// secret values): no write. REDEPLOY_ACTIONS forces the named action's
	// update, with its secret values, and its deployment.
	env2 := actionsEnv(url)
	env2["AUTH0_KEYWORD_REPLACE_MAPPINGS"] = `{"API_KEY": "rotated-value-123456"}`
	sim.ResetRequests()
	res = harness.Run(t, bin, ws, env2)
	require.Equal(t, 0, res.Code, res.Stdout)
	assert.Empty(t, writeLines(sim.Requests()), "a secret value is not comparable")
	env2["REDEPLOY_ACTIONS"] = "first"
	sim.ResetRequests()
	res = harness.Run(t, bin, ws, env2)
	require.Equal(t, 0, res.Code, res.Stdout)
	reqs = sim.Requests()
	assert.Len(t, auth0sim.APIWrites(reqs), 2, "%v", writeLines(reqs))
	assert.Equal(t, 1, countWrites(reqs, "PATCH", "/api/v2/actions/actions/*"))
	assert.Equal(t, 1, countWrites(reqs, "POST", "/api/v2/actions/actions/*/deploy"))
	assert.Contains(t, res.Stdout, "forced by REDEPLOY_ACTIONS")
	assert.NotContains(t, res.Stdout+res.Stderr, "rotated-value-123456")
	for _, a := range sim.Snapshot().Actions {
		want := map[string]string{"first": "rotated-value-123456", "second": actionSecretCanary}[a.Name]
		require.NotEmpty(t, a.Secrets, a.Name)
		assert.Equal(t, want, a.Secrets[0].Value, "%s's secret", a.Name)
	}
	delete(env2, "REDEPLOY_ACTIONS")

	// Swapping two actions' order rewrites the binding list once, nothing else.
	ws2 := actionsRepo(t, map[string]int{"first": 20, "second": 10})
	require.NoError(t, os.WriteFile(filepath.Join(ws2, "actions", "first.js"), []byte("exports.onExecutePostLogin = async () => { /* v2 */ };\n"), 0o644))
	sim.ResetRequests()
	res = harness.Run(t, bin, ws2, env2)
	require.Equal(t, 0, res.Code, res.Stdout)
	assert.Equal(t, []string{"PATCH /api/v2/actions/triggers/post-login/bindings 200"}, writeLines(sim.Requests()))
	assert.Equal(t, []string{"second", "first"}, bindingNames(sim.Snapshot(), "post-login"))
}

func TestActionsRetiredAndUnmanagedBindings(t *testing.T) {
	bin := harness.Binary(t)
	sim, url := harness.StartSim(t, nil, auth0sim.Options{})
	env := actionsEnv(url)
	// The tenant first gets three actions from a repository...
	res := harness.Run(t, bin, actionsRepo(t, map[string]int{"keep": 10, "retire": 20, "hand-made": 30}), env)
	require.Equal(t, 0, res.Code, res.Stdout)
	// ... then "hand-made" is declared manual (the team edits it in the
	// dashboard) and moved first by hand, and "retire" leaves the repository.
	st := sim.Snapshot()
	bs := st.Bindings["post-login"]
	sim.Update(func(s *auth0sim.State) {
		s.Bindings["post-login"] = []auth0sim.Binding{bs[2], bs[0], bs[1]}
	})
	require.Equal(t, []string{"hand-made", "keep", "retire"}, bindingNames(sim.Snapshot(), "post-login"))
	env["MANUAL_ACTIONS"] = "hand-made"
	sim.ResetRequests()
	res = harness.Run(t, bin, actionsRepo(t, map[string]int{"keep": 10}), env)
	require.Equal(t, 0, res.Code, res.Stdout)
	lines := writeLines(sim.Requests())
	require.Len(t, lines, 2, "%v", lines)
	assert.Equal(t, "PATCH /api/v2/actions/triggers/post-login/bindings 200", lines[0], "unbound first")
	assert.True(t, strings.HasPrefix(lines[1], "DELETE /api/v2/actions/actions/"), "then deleted: %s", lines[1])
	after := sim.Snapshot()
	assert.Equal(t, []string{"hand-made", "keep"}, bindingNames(after, "post-login"), "the unmanaged binding keeps its place")
	var names []string
	for _, a := range after.Actions {
		names = append(names, a.Name)
	}
	assert.ElementsMatch(t, []string{"keep", "hand-made"}, names)
}

func TestActionsFailedBuildStopsBeforeBindingsAndDeletions(t *testing.T) {
	bin := harness.Binary(t)
	sim, url := harness.StartSim(t, nil, auth0sim.Options{FailBuilds: map[string]string{"broken": "Cannot find module 'lodahs'"}})
	env := actionsEnv(url)
	res := harness.Run(t, bin, actionsRepo(t, map[string]int{"old": 5}), env)
	require.Equal(t, 0, res.Code, res.Stdout)
	sim.ResetRequests()

	res = harness.Run(t, bin, actionsRepo(t, map[string]int{"broken": 10}), env)
	require.Equal(t, 1, res.Code, res.Stdout)
	assert.Contains(t, res.Report.Error, `broken`)
	assert.Equal(t, 0, countWrites(sim.Requests(), "PATCH", "/api/v2/actions/triggers/post-login/bindings"), "no binding after a failed build")
	assert.Equal(t, 0, countWrites(sim.Requests(), "DELETE", "/api/v2/actions/actions/*"), "no deletion after a failed build")
	assert.Equal(t, 0, countWrites(sim.Requests(), "POST", "/api/v2/actions/actions/*/deploy"))
	assert.Equal(t, []string{"old"}, bindingNames(sim.Snapshot(), "post-login"))
	results := map[string]report.Result{}
	for _, it := range res.Report.Items {
		results[string(it.Kind)+" "+it.Name] = it.Result
	}
	assert.Equal(t, report.ResultFailed, results["action broken"])
	assert.Equal(t, report.ResultNotApplied, results["action old"])
	assert.Equal(t, report.ResultNotApplied, results["trigger-bindings post-login"])
}

func TestActionSecretsNeverLeave(t *testing.T) {
	bin := harness.Binary(t)
	sim, url := harness.StartSim(t, nil, auth0sim.Options{})
	env := actionsEnv(url)
	env["DEBUG"] = "true"
	ws := actionsRepo(t, map[string]int{"a": 10})
	for _, mode := range []string{"plan", "deploy", "deploy"} {
		env["MODE"] = mode
		res := harness.Run(t, bin, ws, env)
		require.Equal(t, 0, res.Code, res.Stdout)
		assert.NotContains(t, res.Stdout+res.Stderr, actionSecretCanary)
		require.NoError(t, filepath.Walk(res.ReportDir, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			assert.NotContains(t, string(data), actionSecretCanary, p)
			return nil
		}))
	}
	// The value did reach the tenant, where it belongs.
	st := sim.Snapshot()
	require.Len(t, st.Actions, 1)
	require.Len(t, st.Actions[0].Secrets, 1)
	assert.Equal(t, actionSecretCanary, st.Actions[0].Secrets[0].Value)
}
