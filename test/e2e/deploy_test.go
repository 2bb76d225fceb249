package e2e

// deploy_test.go covers MODE=deploy and MODE=plan end to end: the built
// binary against the Auth0 stand-in, asserting the exit code, the
// stand-in's final state and its exact request log, and report.json.

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
)

// writeLines renders the stand-in's /api/v2 writes as "METHOD path status".
func writeLines(reqs []auth0sim.Request) []string {
	var out []string
	for _, r := range auth0sim.APIWrites(reqs) {
		out = append(out, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
	}
	return out
}

func rulesByName(st auth0sim.State) map[string]auth0sim.Rule {
	m := map[string]auth0sim.Rule{}
	for _, r := range st.Rules {
		m[r.Name] = r
	}
	return m
}

func ruleOrders(st auth0sim.State) map[string]int {
	m := map[string]int{}
	for _, r := range st.Rules {
		m[r.Name] = r.Order
	}
	return m
}

// exampleWorkspace is a copy of examples/repository (harness.ExampleRepository).
func exampleWorkspace(t *testing.T) string {
	return harness.ExampleRepository(t)
}

func TestDeployExampleThenNothingThenOneScript(t *testing.T) {
	bin := harness.Binary(t)
	st := harness.ExampleState()
	sim, url := harness.StartSim(t, &st, auth0sim.Options{})
	ws := exampleWorkspace(t)
	env := harness.ExampleEnv(url)

	// 1. First deploy creates everything.
	res := harness.Run(t, bin, ws, env)
	require.Equal(t, 0, res.Code, res.Stdout)
	require.NotNil(t, res.Report)
	assert.Equal(t, report.StatusSucceeded, res.Report.Status)
	after1 := sim.Snapshot()
	rules := rulesByName(after1)
	require.Contains(t, rules, "require-verified-email")
	require.Contains(t, rules, "log-login-context")
	assert.Equal(t, 20, rules["require-verified-email"].Order)
	assert.False(t, rules["add-country-claim"].Enabled, "the migrated rule is deployed disabled")
	assert.Equal(t, 1, rules["auth0-authorization-extension"].Order, "the manual rule's metadata moved it")
	assert.Contains(t, rules["auth0-authorization-extension"].Script, "installed by the Authorization extension", "a manual rule's script is never touched")
	var legacy auth0sim.Object
	for _, c := range after1.Connections {
		if c["name"] == "legacy-users" {
			legacy = c
		}
	}
	opts := legacy["options"].(map[string]any)
	scripts := opts["customScripts"].(map[string]any)
	assert.Len(t, scripts, 6)
	assert.Equal(t, true, opts["enabledDatabaseCustomization"])
	assert.Equal(t, "good", opts["passwordPolicy"], "options the pipe does not manage survive")
	require.Len(t, after1.Actions, 2)
	require.Len(t, after1.Bindings["post-login"], 1)
	assert.FileExists(t, filepath.Join(res.ReportDir, "report.md"))

	// 2. A second run writes nothing (rules configs excepted: Auth0 never
	// returns their values, so they are written on every run by design).
	sim.ResetRequests()
	res = harness.Run(t, bin, ws, env)
	require.Equal(t, 0, res.Code, res.Stdout)
	for _, w := range writeLines(sim.Requests()) {
		assert.True(t, strings.HasPrefix(w, "PUT /api/v2/rules-configs/"), "unexpected write on an unchanged run: %s", w)
	}
	assert.Zero(t, res.Report.Total.Created+res.Report.Total.Deleted+res.Report.Total.Failed)
	assert.Equal(t, sim.Snapshot().Rules, after1.Rules)

	// 3. Changing one script makes exactly one write for it.
	p := filepath.Join(ws, "rules", "log-login-context.js")
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, append(data, []byte("// changed\n")...), 0o644))
	sim.ResetRequests()
	res = harness.Run(t, bin, ws, env)
	require.Equal(t, 0, res.Code, res.Stdout)
	var ruleWrites []string
	for _, w := range writeLines(sim.Requests()) {
		if !strings.HasPrefix(w, "PUT /api/v2/rules-configs/") {
			ruleWrites = append(ruleWrites, w)
		}
	}
	require.Equal(t, []string{"PATCH /api/v2/rules/" + rulesByName(after1)["log-login-context"].ID + " 200"}, ruleWrites)
	assert.True(t, strings.HasSuffix(rulesByName(sim.Snapshot())["log-login-context"].Script, "// changed\n"))
}

// rulesRepo writes rules/<name>.js and .json with the given orders.
func rulesRepo(t *testing.T, orders map[string]int) string {
	ws := t.TempDir()
	files := map[string]string{}
	for name, o := range orders {
		files["rules/"+name+".js"] = "function (user, context, callback) {\n  callback(null, user, context);\n}\n"
		files["rules/"+name+".json"] = fmt.Sprintf("{\"enabled\": true, \"order\": %d}\n", o)
	}
	harness.WriteFiles(t, ws, files)
	if len(orders) == 0 {
		require.NoError(t, os.MkdirAll(filepath.Join(ws, "rules"), 0o755))
	}
	return ws
}

func stateWithRules(orders map[string]int) auth0sim.State {
	st := auth0sim.DefaultState()
	var names []string
	for n := range orders {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		st.Rules = append(st.Rules, auth0sim.Rule{ID: fmt.Sprintf("rul_%02d%s", i, strings.ReplaceAll(n, "-", "")), Name: n,
			Script: "function (user, context, callback) {\n  callback(null, user, context);\n}\n", Order: orders[n], Enabled: true, Stage: "login_success"})
	}
	return st
}

func no409(t *testing.T, reqs []auth0sim.Request) {
	t.Helper()
	for _, r := range reqs {
		assert.NotEqual(t, 409, r.Status, "%s %s answered 409", r.Method, r.Path)
	}
}

func TestRuleReordering(t *testing.T) {
	bin := harness.Binary(t)
	ten := func(reverse bool) map[string]int {
		m := map[string]int{}
		for i := 1; i <= 10; i++ {
			o := i * 10
			if reverse {
				o = (11 - i) * 10
			}
			m[fmt.Sprintf("rule-%02d", i)] = o
		}
		return m
	}
	cases := []struct {
		name       string
		current    map[string]int
		wanted     map[string]int
		extra      map[string]int // rules only in the tenant
		env        map[string]string
		writes     int
		wantOrders map[string]int // defaults to wanted (+ extra unchanged)
	}{
		{name: "swap two", current: map[string]int{"alpha": 1, "beta": 2}, wanted: map[string]int{"alpha": 2, "beta": 1}, writes: 3},
		{name: "reverse ten", current: ten(false), wanted: ten(true), writes: 10 + 5},
		{name: "three cycle", current: map[string]int{"a-rule": 10, "b-rule": 20, "c-rule": 30}, wanted: map[string]int{"a-rule": 20, "b-rule": 30, "c-rule": 10}, writes: 4},
		{name: "shift into free order", current: map[string]int{"a-rule": 20, "b-rule": 30}, wanted: map[string]int{"a-rule": 10, "b-rule": 20}, writes: 2},
		{
			name: "take the order of a rule being deleted", current: map[string]int{"mine": 1}, extra: map[string]int{"old": 5},
			wanted: map[string]int{"mine": 5}, writes: 3, wantOrders: map[string]int{"mine": 5},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cur := map[string]int{}
			for k, v := range tc.current {
				cur[k] = v
			}
			for k, v := range tc.extra {
				cur[k] = v
			}
			st := stateWithRules(cur)
			sim, url := harness.StartSim(t, &st, auth0sim.Options{})
			env := map[string]string{"AUTH0_DOMAIN": url, "AUTH0_CLIENT_ID": harness.ClientID, "AUTH0_CLIENT_SECRET": harness.ClientSecret}
			for k, v := range tc.env {
				env[k] = v
			}
			res := harness.Run(t, bin, rulesRepo(t, tc.wanted), env)
			require.Equal(t, 0, res.Code, res.Stdout)
			no409(t, sim.Requests())
			assert.Len(t, auth0sim.APIWrites(sim.Requests()), tc.writes, "%v", writeLines(sim.Requests()))
			want := tc.wantOrders
			if want == nil {
				want = tc.wanted
			}
			assert.Equal(t, want, ruleOrders(sim.Snapshot()))
		})
	}

	// A rule kept because ALLOW_DELETE=false is not managed: it is never
	// moved out of the way, so wanting its order is a tenant-validation
	// error, as for a manual rule.
	t.Run("the order of a rule kept by ALLOW_DELETE=false is an error", func(t *testing.T) {
		st := stateWithRules(map[string]int{"mine": 1, "hand-made": 5})
		sim, url := harness.StartSim(t, &st, auth0sim.Options{})
		env := map[string]string{"AUTH0_DOMAIN": url, "AUTH0_CLIENT_ID": harness.ClientID, "AUTH0_CLIENT_SECRET": harness.ClientSecret, "ALLOW_DELETE": "false"}
		res := harness.Run(t, bin, rulesRepo(t, map[string]int{"mine": 5}), env)
		require.Equal(t, 2, res.Code, res.Stdout)
		assert.Empty(t, writeLines(sim.Requests()))
		assert.Equal(t, map[string]int{"mine": 1, "hand-made": 5}, ruleOrders(sim.Snapshot()))
		var msgs []string
		for _, p := range res.Report.Problems {
			msgs = append(msgs, p.Path+": "+p.Message)
		}
		assert.Equal(t, []string{`rules/mine.json: order 5 is held by rule "hand-made", which is not in the repository and is kept because ALLOW_DELETE=false, so this pipe never changes it: choose another order, add rules/hand-made.js to manage it, or let ALLOW_DELETE=true delete it`}, msgs)
	})
}

func TestFullDeployment(t *testing.T) {
	bin := harness.Binary(t)
	base := map[string]int{"keep": 10, "remove-me": 20, "authz": 30}
	env := func(url string) map[string]string {
		return map[string]string{"AUTH0_DOMAIN": url, "AUTH0_CLIENT_ID": harness.ClientID, "AUTH0_CLIENT_SECRET": harness.ClientSecret, "MANUAL_RULES": "authz"}
	}

	t.Run("a rule removed from rules/ is deleted; a manual rule is never touched", func(t *testing.T) {
		st := stateWithRules(base)
		sim, url := harness.StartSim(t, &st, auth0sim.Options{})
		res := harness.Run(t, bin, rulesRepo(t, map[string]int{"keep": 10}), env(url))
		require.Equal(t, 0, res.Code, res.Stdout)
		assert.Equal(t, map[string]int{"keep": 10, "authz": 30}, ruleOrders(sim.Snapshot()))
		assert.Equal(t, []string{"DELETE /api/v2/rules/" + rulesByName(st)["remove-me"].ID + " 204"}, writeLines(sim.Requests()))
		assert.Equal(t, 1, res.Report.Counts["rule"].Deleted)
		assert.Equal(t, 1, res.Report.Counts["rule"].Skipped)
	})
	t.Run("a rule of another stage is deleted too, and its reason names the stage", func(t *testing.T) {
		st := stateWithRules(map[string]int{"keep": 10})
		st.Rules = append(st.Rules, auth0sim.Rule{ID: "rul_failurehook", Name: "failure-hook", Script: "function (user, context, callback) {\n  callback(null, user, context);\n}\n",
			Order: 10, Enabled: true, Stage: "login_failure"})
		sim, url := harness.StartSim(t, &st, auth0sim.Options{})
		res := harness.Run(t, bin, rulesRepo(t, map[string]int{"keep": 10}), env(url))
		require.Equal(t, 0, res.Code, res.Stdout)
		assert.Equal(t, []string{"DELETE /api/v2/rules/rul_failurehook 204"}, writeLines(sim.Requests()))
		assert.Equal(t, map[string]int{"keep": 10}, ruleOrders(sim.Snapshot()))
		for _, it := range res.Report.Items {
			if it.Name == "failure-hook" {
				assert.Equal(t, "stage login_failure, not in the repository (full deployment)", it.Reason)
				assert.Equal(t, report.ResultApplied, it.Result)
			}
		}
		assert.Equal(t, 1, res.Report.Counts["rule"].Deleted)
	})
	t.Run("a MANUAL_RULES name that matches nothing is a warning", func(t *testing.T) {
		st := stateWithRules(base)
		sim, url := harness.StartSim(t, &st, auth0sim.Options{})
		e := env(url)
		e["MANUAL_RULES"] = "auth0-authorisation-extension"
		res := harness.Run(t, bin, rulesRepo(t, map[string]int{"keep": 10, "remove-me": 20}), e)
		require.Equal(t, 0, res.Code, "a warning never changes the exit code\n%s", res.Stdout)
		// The real manual rule, authz here, is not protected by the typo.
		assert.Equal(t, []string{"DELETE /api/v2/rules/" + rulesByName(st)["authz"].ID + " 204"}, writeLines(sim.Requests()))
		want := `MANUAL_RULES names "auth0-authorisation-extension", which is neither in the tenant nor in rules/ (a typo?)`
		var warnings []string
		for _, p := range res.Report.Problems {
			warnings = append(warnings, string(p.Severity)+": "+p.Message)
		}
		assert.Equal(t, []string{"warning: " + want}, warnings)
		assert.Contains(t, res.Stdout+res.Stderr, want)
	})
	t.Run("a missing rules/ folder deletes nothing", func(t *testing.T) {
		st := stateWithRules(base)
		sim, url := harness.StartSim(t, &st, auth0sim.Options{})
		ws := t.TempDir()
		harness.WriteFiles(t, ws, map[string]string{"pages/error_page.html": "<html>oops</html>"})
		res := harness.Run(t, bin, ws, env(url))
		require.Equal(t, 0, res.Code, res.Stdout)
		assert.Equal(t, base, ruleOrders(sim.Snapshot()))
		assert.Equal(t, []string{"PATCH /api/v2/tenants/settings 200"}, writeLines(sim.Requests()))
	})
	t.Run("an empty rules/ folder means no rules", func(t *testing.T) {
		st := stateWithRules(base)
		sim, url := harness.StartSim(t, &st, auth0sim.Options{})
		res := harness.Run(t, bin, rulesRepo(t, nil), env(url))
		require.Equal(t, 0, res.Code, res.Stdout)
		assert.Equal(t, map[string]int{"authz": 30}, ruleOrders(sim.Snapshot()))
	})
	t.Run("ALLOW_DELETE=false deletes nothing and reports skips", func(t *testing.T) {
		st := stateWithRules(base)
		sim, url := harness.StartSim(t, &st, auth0sim.Options{})
		e := env(url)
		e["ALLOW_DELETE"] = "false"
		res := harness.Run(t, bin, rulesRepo(t, map[string]int{"keep": 10}), e)
		require.Equal(t, 0, res.Code, res.Stdout)
		assert.Equal(t, base, ruleOrders(sim.Snapshot()))
		assert.Empty(t, writeLines(sim.Requests()))
		assert.Equal(t, 2, res.Report.Counts["rule"].Skipped)
		var reasons []string
		for _, it := range res.Report.Items {
			if it.Name == "remove-me" {
				reasons = append(reasons, it.Reason)
			}
		}
		assert.Equal(t, []string{"not in the repository; kept because ALLOW_DELETE=false"}, reasons)
	})
	t.Run("a deleted script disappears from customScripts while every other option survives", func(t *testing.T) {
		st := auth0sim.DefaultState()
		conn := harness.DatabaseConnection("legacy-users", "con_Legacy0000000001")
		opts := conn["options"].(auth0sim.Object)
		opts["customScripts"] = auth0sim.Object{"login": "function login(e,p,cb){cb()}", "get_user": "function getUser(e,cb){cb()}", "delete": "function remove(id,cb){cb()}"}
		opts["enabledDatabaseCustomization"] = true
		opts["configuration"] = auth0sim.Object{"DB_PASSWORD": "hunter2-in-clear"}
		st.Connections = append(st.Connections, conn)
		sim, url := harness.StartSim(t, &st, auth0sim.Options{})
		before := sim.Snapshot()
		ws := t.TempDir()
		harness.WriteFiles(t, ws, map[string]string{
			"database-connections/legacy-users/login.js":    "function login(e,p,cb){cb()}",
			"database-connections/legacy-users/get_user.js": "function getUser(e,cb){cb()}",
		})
		res := harness.Run(t, bin, ws, env(url))
		require.Equal(t, 0, res.Code, res.Stdout)
		require.Equal(t, []string{"PATCH /api/v2/connections/con_Legacy0000000001 200"}, writeLines(sim.Requests()))
		var got, was auth0sim.Object
		for i, c := range sim.Snapshot().Connections {
			if c["name"] == "legacy-users" {
				got, was = c, before.Connections[i]
			}
		}
		gotOpts, wasOpts := got["options"].(map[string]any), was["options"].(map[string]any)
		assert.Equal(t, map[string]any{"login": "function login(e,p,cb){cb()}", "get_user": "function getUser(e,cb){cb()}"}, gotOpts["customScripts"])
		for k, v := range wasOpts {
			if k != "customScripts" {
				assert.Equal(t, v, gotOpts[k], "option %s changed", k)
			}
		}
		assert.Equal(t, was["enabled_clients"], got["enabled_clients"])
	})
	t.Run("ALLOW_DELETE=false keeps a database script the folder lacks and updates the others", func(t *testing.T) {
		st := auth0sim.DefaultState()
		conn := harness.DatabaseConnection("legacy-users", "con_Legacy0000000001")
		opts := conn["options"].(auth0sim.Object)
		opts["customScripts"] = auth0sim.Object{"login": "function login(e,p,cb){cb()}", "get_user": "function getUser(e,cb){cb()}", "delete": "function remove(id,cb){cb()}"}
		opts["enabledDatabaseCustomization"] = true
		st.Connections = append(st.Connections, conn)
		sim, url := harness.StartSim(t, &st, auth0sim.Options{})
		ws := t.TempDir()
		harness.WriteFiles(t, ws, map[string]string{
			"database-connections/legacy-users/login.js":    "function login(e,p,cb){ /* v2 */ cb()}",
			"database-connections/legacy-users/get_user.js": "function getUser(e,cb){cb()}",
		})
		e := env(url)
		e["ALLOW_DELETE"] = "false"
		res := harness.Run(t, bin, ws, e)
		require.Equal(t, 0, res.Code, res.Stdout)
		require.Equal(t, []string{"PATCH /api/v2/connections/con_Legacy0000000001 200"}, writeLines(sim.Requests()))
		for _, c := range sim.Snapshot().Connections {
			if c["name"] == "legacy-users" {
				assert.Equal(t, map[string]any{"login": "function login(e,p,cb){ /* v2 */ cb()}", "get_user": "function getUser(e,cb){cb()}", "delete": "function remove(id,cb){cb()}"},
					c["options"].(map[string]any)["customScripts"])
			}
		}
		assert.Equal(t, 1, res.Report.Counts["database"].Updated)
		assert.Equal(t, 1, res.Report.Counts["database"].Skipped)
		var skipped []string
		for _, it := range res.Report.Items {
			if it.Result == report.ResultSkipped && it.Kind == "database" {
				skipped = append(skipped, it.Name+": "+it.Reason)
			}
		}
		assert.Equal(t, []string{"legacy-users/delete.js: not in the repository; kept because ALLOW_DELETE=false"}, skipped)
	})
}

func TestPlanModeAndBranchGuard(t *testing.T) {
	bin := harness.Binary(t)
	st := stateWithRules(map[string]int{"a-rule": 1})
	sim, url := harness.StartSim(t, &st, auth0sim.Options{})
	ws := rulesRepo(t, map[string]int{"a-rule": 2, "b-rule": 3})
	env := map[string]string{"AUTH0_DOMAIN": url, "AUTH0_CLIENT_ID": harness.ClientID, "AUTH0_CLIENT_SECRET": harness.ClientSecret, "MODE": "plan"}

	res := harness.Run(t, bin, ws, env)
	assert.Equal(t, 0, res.Code, res.Stdout)
	assert.Empty(t, writeLines(sim.Requests()))
	assert.Equal(t, "plan", res.Report.Mode)
	assert.Equal(t, 1, res.Report.Total.Created)
	assert.Equal(t, 1, res.Report.Total.Updated)
	for _, it := range res.Report.Items {
		assert.Equal(t, report.ResultPlanned, it.Result)
	}

	env["DETAILED_EXITCODE"] = "true"
	res = harness.Run(t, bin, ws, env)
	assert.Equal(t, 3, res.Code, "pending changes with DETAILED_EXITCODE")

	// The branch guard turns a deploy on another branch into a plan.
	env = map[string]string{"AUTH0_DOMAIN": url, "AUTH0_CLIENT_ID": harness.ClientID, "AUTH0_CLIENT_SECRET": harness.ClientSecret,
		"DEPLOY_BRANCH": "main", "BITBUCKET_BRANCH": "feature/x"}
	res = harness.Run(t, bin, ws, env)
	assert.Equal(t, 0, res.Code, res.Stdout)
	assert.Empty(t, writeLines(sim.Requests()))
	assert.Equal(t, "plan", res.Report.Mode)
	assert.Contains(t, strings.Join(res.Report.Notes, "\n"), `DEPLOY_BRANCH is "main" but this build is on branch feature/x`)

	env["BITBUCKET_BRANCH"] = "main"
	res = harness.Run(t, bin, ws, env)
	assert.Equal(t, 0, res.Code, res.Stdout)
	assert.Equal(t, map[string]int{"a-rule": 2, "b-rule": 3}, ruleOrders(sim.Snapshot()))

	// Converged: plan with DETAILED_EXITCODE exits 0.
	res = harness.Run(t, bin, ws, map[string]string{"AUTH0_DOMAIN": url, "AUTH0_CLIENT_ID": harness.ClientID, "AUTH0_CLIENT_SECRET": harness.ClientSecret, "MODE": "plan", "DETAILED_EXITCODE": "true"})
	assert.Equal(t, 0, res.Code, res.Stdout)
}

func TestWriteFaults(t *testing.T) {
	bin := harness.Binary(t)
	env := func(url string) map[string]string {
		return map[string]string{"AUTH0_DOMAIN": url, "AUTH0_CLIENT_ID": harness.ClientID, "AUTH0_CLIENT_SECRET": harness.ClientSecret}
	}
	wanted := map[string]int{"a-rule": 10, "b-rule": 20, "c-rule": 30}

	for _, f := range []auth0sim.Fault{
		{Method: "POST", PathPattern: "/api/v2/rules", Status: 503, Times: 1},
		{Method: "POST", PathPattern: "/api/v2/rules", Status: 500, Times: 2},
		{Method: "PATCH", PathPattern: "/api/v2/rules/*", Reset: true, Times: 1},
		{Method: "POST", PathPattern: "/api/v2/rules", Status: 429, Times: 2},
	} {
		name := fmt.Sprintf("%s %s status=%d reset=%v x%d", f.Method, f.PathPattern, f.Status, f.Reset, f.Times)
		t.Run(name, func(t *testing.T) {
			st := stateWithRules(map[string]int{"a-rule": 1})
			sim, url := harness.StartSim(t, &st, auth0sim.Options{})
			sim.InjectFault(f)
			res := harness.Run(t, bin, rulesRepo(t, wanted), env(url))
			require.Equal(t, 0, res.Code, res.Stdout)
			assert.Equal(t, wanted, ruleOrders(sim.Snapshot()))
			assert.GreaterOrEqual(t, res.Report.API.Retries, 1, "the fault was retried")
			if f.Status == 429 {
				assert.GreaterOrEqual(t, res.Report.API.RateLimitWaits, 1, "a 429 is waited out, not retried blindly")
			}
		})
	}

	t.Run("a permanent failure stops the run before any deletion, and a rerun converges", func(t *testing.T) {
		st := stateWithRules(map[string]int{"a-rule": 1, "old-rule": 40})
		sim, url := harness.StartSim(t, &st, auth0sim.Options{})
		sim.InjectFault(auth0sim.Fault{Method: "POST", PathPattern: "/api/v2/rules", Status: 400, Times: -1})
		ws := rulesRepo(t, wanted)
		res := harness.Run(t, bin, ws, env(url))
		require.Equal(t, 1, res.Code, res.Stdout)
		assert.Equal(t, report.StatusFailed, res.Report.Status)
		assert.Contains(t, ruleOrders(sim.Snapshot()), "old-rule", "no deletion after a failure")
		results := map[string]report.Result{}
		for _, it := range res.Report.Items {
			results[it.Name] = it.Result
		}
		assert.Equal(t, report.ResultApplied, results["a-rule"])
		assert.Equal(t, report.ResultFailed, results["b-rule"])
		// c-rule's create runs alongside or after b-rule's (concurrency 2):
		// it either failed the same way or was never started.
		assert.Contains(t, []report.Result{report.ResultFailed, report.ResultNotApplied}, results["c-rule"])
		assert.Equal(t, report.ResultNotApplied, results["old-rule"])
		assert.GreaterOrEqual(t, res.Report.Total.Failed, 1)
		require.Len(t, res.Report.Items, 4)
		assert.Regexp(t, `applied, \d+ not applied, no deletion after the failure`, res.Report.Error)

		sim.ClearFaults()
		res = harness.Run(t, bin, ws, env(url))
		require.Equal(t, 0, res.Code, res.Stdout)
		assert.Equal(t, wanted, ruleOrders(sim.Snapshot()))
	})
}
