package bench

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
)

// The bench code end to end on a tiny scenario (no latency, no rate limit,
// no auth0-deploy-cli): the built binary deploys, the stand-in counts, the
// floor and the targets come out as the issue defines them.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipe binary")
	}
	bin := harness.Binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Bench(ctx, Config{
		Bin: bin, WorkDir: t.TempDir(), Sizes: Sizes{Rules: 5, Databases: 1, Actions: 2},
		Profiles: []string{"off"}, Scenarios: []string{S1, S2, S3, S4}, DeployCLI: false,
	})
	require.NoError(t, err)
	require.Len(t, res.Runs, 4)
	for _, run := range res.Runs {
		require.True(t, run.OK(), "%s: %s %v", run.Scenario, run.Failure, run.Problems)
		assert.Equal(t, ToolPipe, run.Tool)
		assert.Equal(t, "off", run.Profile)
		require.NotNil(t, run.PipeAPI, "report.json read")
		assert.Equal(t, run.Traffic.Requests, run.PipeAPI.Requests, "%s: the pipe's own count agrees with the stand-in's log", run.Scenario)
		assert.Equal(t, run.Traffic.Writes, run.PipeAPI.Writes)
		assert.Zero(t, run.Traffic.RateLimited)
		assert.Zero(t, run.Traffic.Conflicts)
	}
	s1, s2, s3, s4 := res.Runs[0], res.Runs[1], res.Runs[2], res.Runs[3]

	// S1: 5 rule creates, 1 connection, login page, tenant pages, 2×(create,
	// deploy), bindings; reads: token, rules, connections, global client,
	// tenant settings, actions, bindings; 2 polls per action.
	assert.Equal(t, Floor{Reads: 7, Writes: 5 + 1 + 1 + 1 + 4 + 1, Polls: 4, Requests: 7 + 13 + 4, Depth: 7,
		Detail: s1.Floor.Detail}, withoutTimes(s1.Floor))
	assert.Equal(t, s1.Floor.Writes, s1.Traffic.Writes, "S1 makes exactly the floor's writes")
	assert.Equal(t, s1.Floor.Polls, s1.Traffic.Polls, "and polls")
	// The pipe reads the tenant again after a deployment that changed it (to
	// catch an overlapping one): the floor's reads, then the same again
	// without the token.
	assert.Equal(t, s1.Floor.Reads+s1.Floor.Reads-1, s1.Traffic.Token+s1.Traffic.Reads)

	assert.Equal(t, Traffic{Requests: 7, Token: 1, Reads: 6, WriteStatuses: map[int]int{}}, s2.Traffic, "S2: reads only")
	assert.Equal(t, 7, s2.Floor.Requests)
	assert.Equal(t, 1, s3.Traffic.Writes)
	assert.Equal(t, map[int]int{200: 1}, s3.Traffic.WriteStatuses)
	// Reversing 5 orders: 1↔5 and 2↔4 are cycles (one temporary move each),
	// rule 3 keeps its order.
	assert.Equal(t, []string{"4 rule updates", "2 temporary rule moves (one per order cycle)"}, s4.Floor.Detail)
	assert.Equal(t, 6, s4.Traffic.Writes)

	checks := res.Checks()
	require.Len(t, checks, 3)
	for _, c := range checks {
		assert.True(t, c.Pass, "%s: %s", c.Name, c.Detail)
	}

	out := t.TempDir()
	require.NoError(t, res.Write(out))
	md, err := os.ReadFile(filepath.Join(out, "results.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "| S2 same again (no change) | off |")
	assert.Contains(t, string(md), "Skipped: switched off (-cli=false).")
	var back struct {
		Runs   []Run   `json:"runs"`
		Checks []Check `json:"checks"`
	}
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Len(t, back.Runs, 4)
	assert.Len(t, back.Checks, 3)
}

func withoutTimes(f Floor) Floor {
	f.ChainMS, f.RateMS, f.TimeMS = 0, 0, 0
	return f
}

func TestFloorOfTheIssuesScenarios(t *testing.T) {
	c := Generate(DefaultSizes)
	seed := SeedState(DefaultSizes.Databases)
	essentials := &auth0sim.RateLimit{Limit: 10, PerSecond: 2.5}

	f := ComputeFloor(seed, c, essentials, 50*time.Millisecond, true)
	assert.Equal(t, 7, f.Reads, "token + rules, connections, global client, tenant settings, actions, bindings")
	assert.Equal(t, 100+10+1+1+20+20+1, f.Writes)
	assert.Equal(t, 40, f.Polls)
	assert.Equal(t, 7, f.Depth, "token, reads, action create, poll, deploy, poll, bindings")
	assert.InDelta(t, 350, f.ChainMS, 1e-9)
	// 199 Management API requests: 10 at once, 189 at 2.5 a second, plus the
	// token's and the last request's latency.
	assert.InDelta(t, 100+189/2.5*1000, f.RateMS, 1e-6)
	assert.Equal(t, f.RateMS, f.TimeMS)

	// The tenant after S1: nothing to write.
	after := stateOf(seed, c)
	f = ComputeFloor(after, c, nil, 50*time.Millisecond, true)
	assert.Equal(t, Floor{Reads: 7, Requests: 7, Depth: 2, ChainMS: 100, TimeMS: 100}, f)
	assert.Empty(t, Verify(after, c))

	// One rule changed: one write.
	f = ComputeFloor(after, ChangeOneRule(c), nil, 50*time.Millisecond, true)
	assert.Equal(t, []string{"1 rule updates"}, f.Detail)
	assert.Equal(t, 3, f.Depth)

	// Reversed: 50 two-rule cycles.
	f = ComputeFloor(after, ReverseRuleOrders(c), nil, 50*time.Millisecond, true)
	assert.Equal(t, []string{"100 rule updates", "50 temporary rule moves (one per order cycle)"}, f.Detail)
	assert.Equal(t, 2+3, f.Depth, "a cycle of two: a temporary move, then the two final writes in turn")
}

func TestRuleWritesCyclesAndPaths(t *testing.T) {
	cur := []auth0sim.Rule{{Name: "a", Order: 1}, {Name: "b", Order: 2}, {Name: "c", Order: 3}, {Name: "d", Order: 4}}
	rule := func(name string, order int) Rule { return Rule{Name: name, Order: order} }
	tests := []struct {
		name                                    string
		want                                    []Rule
		creates, updates, deletes, temps, depth int
	}{
		{"rotation of three is one cycle", []Rule{rule("a", 2), rule("b", 3), rule("c", 1), rule("d", 4)}, 0, 3, 0, 1, 4},
		{"shift into a free order is a path", []Rule{rule("a", 2), rule("b", 3), rule("c", 4), rule("d", 5)}, 0, 4, 0, 0, 4},
		{"a new rule takes a moved rule's order", []Rule{rule("a", 1), rule("b", 2), rule("c", 3), rule("d", 9), rule("e", 4)}, 1, 1, 0, 0, 2},
		{"a deleted rule frees its order", []Rule{rule("a", 1), rule("b", 2), rule("c", 4)}, 0, 1, 1, 0, 1},
		{"nothing changes", []Rule{rule("a", 1), rule("b", 2), rule("c", 3), rule("d", 4)}, 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creates, updates, deletes, temps, depth := ruleWrites(cur, tt.want, true)
			assert.Equal(t, []int{tt.creates, tt.updates, tt.deletes, tt.temps, tt.depth}, []int{creates, updates, deletes, temps, depth})
		})
	}
}

// stateOf is the tenant after c was deployed onto st (as the stand-in
// would hold it).
func stateOf(st auth0sim.State, c Content) auth0sim.State {
	st.Rules = nil
	for _, r := range c.Rules {
		st.Rules = append(st.Rules, auth0sim.Rule{ID: "rul_" + r.Name, Name: r.Name, Script: r.Script, Order: r.Order, Enabled: r.Enabled, Stage: "login_success"})
	}
	for _, db := range c.Databases {
		for _, conn := range st.Connections {
			if conn["name"] == db.Name {
				opts := conn["options"].(map[string]any)
				scripts := map[string]any{}
				for k, v := range db.Scripts {
					scripts[k] = v
				}
				opts["customScripts"] = scripts
				opts["enabledDatabaseCustomization"] = true
			}
		}
	}
	for _, p := range c.Pages {
		if p.Name == "login" {
			g := globalClient(st)
			g["custom_login_page"], g["custom_login_page_on"] = p.HTML, p.Enabled
			continue
		}
		v := map[string]any{"html": p.HTML}
		if p.Name != "error_page" {
			v["enabled"] = p.Enabled
		}
		st.TenantSettings[tenantSettingsKey[p.Name]] = v
	}
	st.Actions = nil
	st.Bindings = map[string][]auth0sim.Binding{}
	for _, a := range sortedActions(c.Actions) {
		st.Actions = append(st.Actions, auth0sim.Action{ID: "act_" + a.Name, Name: a.Name, Code: a.Code, Runtime: Runtime,
			SupportedTriggers: []auth0sim.TriggerRef{{ID: Trigger, Version: TriggerVersion}}, AllChangesDeployed: true, DeployedVersionID: "ver_" + a.Name})
		st.Bindings[Trigger] = append(st.Bindings[Trigger], auth0sim.Binding{ActionID: "act_" + a.Name, DisplayName: a.Name})
	}
	return st
}

func TestCountTraffic(t *testing.T) {
	reqs := []auth0sim.Request{
		{Method: "POST", Path: "/oauth/token", Status: 200},
		{Method: "GET", Path: "/api/v2/rules", Status: 200},
		{Method: "GET", Path: "/api/v2/actions/actions/act_1", Status: 200},
		{Method: "GET", Path: "/api/v2/actions/actions", Status: 200},
		{Method: "PATCH", Path: "/api/v2/rules/rul_1", Status: 409},
		{Method: "POST", Path: "/api/v2/rules", Status: 429},
		{Method: "POST", Path: "/api/v2/rules", Status: 201},
		{Method: "PATCH", Path: "/api/v2/connections/con_1", Status: 503},
		{Method: "PATCH", Path: "/api/v2/connections/con_1", Status: 0},
		{Method: "PATCH", Path: "/api/v2/connections/con_1", Status: 200},
	}
	assert.Equal(t, Traffic{Requests: 10, Token: 1, Reads: 2, Polls: 1, Writes: 6, RateLimited: 1, Conflicts: 1, Failed: 2, Retried: 3,
		WriteStatuses: map[int]int{409: 1, 429: 1, 201: 1, 503: 1, 0: 1, 200: 1}}, CountTraffic(reqs))
}

// auth0-deploy-cli's directory layout, as its export writes it.
func TestWriteDeployCLILayout(t *testing.T) {
	dir := t.TempDir()
	c := Generate(Sizes{Rules: 2, Databases: 1, Actions: 2})
	c.Actions[0].Order, c.Actions[1].Order = 2, 1
	require.NoError(t, WriteDeployCLI(dir, c))
	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	}))
	assert.ElementsMatch(t, []string{
		"rules/bench-rule-001.js", "rules/bench-rule-001.json", "rules/bench-rule-002.js", "rules/bench-rule-002.json",
		"database-connections/bench-db-01/database.json",
		"database-connections/bench-db-01/login.js", "database-connections/bench-db-01/get_user.js", "database-connections/bench-db-01/create.js",
		"database-connections/bench-db-01/verify.js", "database-connections/bench-db-01/change_password.js",
		"database-connections/bench-db-01/delete.js", "database-connections/bench-db-01/change_email.js",
		"pages/login.json", "pages/login.html", "pages/password_reset.json", "pages/password_reset.html",
		"pages/guardian_multifactor.json", "pages/guardian_multifactor.html", "pages/error_page.json", "pages/error_page.html",
		"actions/bench-action-001.json", "actions/bench-action-001/code.js", "actions/bench-action-002.json", "actions/bench-action-002/code.js",
		"triggers/triggers.json",
	}, files)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		require.NoError(t, err)
		return string(b)
	}
	assert.JSONEq(t, `{"name":"bench-rule-002","script":"./bench-rule-002.js","order":2,"enabled":true,"stage":"login_success"}`, read("rules/bench-rule-002.json"))
	assert.JSONEq(t, `{"name":"bench-db-01","strategy":"auth0","options":{"enabledDatabaseCustomization":true,"customScripts":{
		"login":"./login.js","get_user":"./get_user.js","create":"./create.js","verify":"./verify.js",
		"change_password":"./change_password.js","delete":"./delete.js","change_email":"./change_email.js"}}}`,
		read("database-connections/bench-db-01/database.json"))
	assert.JSONEq(t, `{"name":"error_page","show_log_link":false,"url":""}`, read("pages/error_page.json"))
	assert.JSONEq(t, `{"name":"login","enabled":true}`, read("pages/login.json"))
	assert.JSONEq(t, `{"name":"bench-action-001","code":"./actions/bench-action-001/code.js","runtime":"node22",
		"dependencies":[],"secrets":[],"supported_triggers":[{"id":"post-login","version":"v3"}],"deployed":true}`, read("actions/bench-action-001.json"))
	assert.JSONEq(t, `{"post-login":[{"action_name":"bench-action-002","display_name":"bench-action-002"},
		{"action_name":"bench-action-001","display_name":"bench-action-001"}]}`, read("triggers/triggers.json"))
	assert.True(t, strings.HasPrefix(read("actions/bench-action-001/code.js"), "exports.onExecutePostLogin"))
}
