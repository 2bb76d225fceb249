package tenant_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/tenant"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
)

// Integration tests: the real client (go-auth0 client credentials, the
// retrying transport, the readers and writers) against the Auth0 stand-in.

type simEnv struct {
	sim *auth0sim.Sim
	url string
	clk *auth0sim.ManualClock
}

func startSim(t *testing.T, opts auth0sim.Options) *simEnv {
	t.Helper()
	clk := auth0sim.NewManualClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	opts.Clock = clk
	sim := auth0sim.New(opts)
	return &simEnv{sim: sim, url: sim.Start(t), clk: clk}
}

// client builds a tenant client whose sleeps move the stand-in's clock.
func (e *simEnv) client(t *testing.T, mods ...func(*tenant.Options)) *tenant.Client {
	t.Helper()
	opts := tenant.Options{
		Domain:       e.url,
		ClientID:     auth0sim.DefaultClientID,
		ClientSecret: auth0sim.DefaultClientSecret,
		Now:          e.clk.Now,
		Sleep: func(ctx context.Context, d time.Duration) error {
			e.clk.Advance(d)
			return ctx.Err()
		},
		Deadline: e.clk.Now().Add(30 * time.Minute),
		Logger:   zerolog.Nop(),
	}
	for _, m := range mods {
		m(&opts)
	}
	c, err := tenant.New(context.Background(), opts)
	require.NoError(t, err)
	return c
}

func (e *simEnv) log() []string {
	var out []string
	for _, r := range e.sim.Requests() {
		s := fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status)
		out = append(out, s)
	}
	return out
}

func (e *simEnv) count429() int {
	n := 0
	for _, r := range e.sim.Requests() {
		if r.Status == 429 {
			n++
		}
	}
	return n
}

// seededState: 3 rules, 2 rules configs, the default database plus two
// custom ones (one with configuration secrets) and a social connection.
func seededState() auth0sim.State {
	st := auth0sim.DefaultState()
	st.Rules = []auth0sim.Rule{
		{ID: "rul_a", Name: "first", Script: "function (u, c, cb) { cb(null, u, c); }", Order: 1, Enabled: true},
		{ID: "rul_b", Name: "second", Script: "function (u, c, cb) { cb(null, u, c); }", Order: 2, Enabled: false},
		{ID: "rul_c", Name: "third", Script: "function (u, c, cb) { cb(null, u, c); }", Order: 5, Enabled: true},
	}
	st.RulesConfigs = []auth0sim.RulesConfig{{Key: "API_URL", Value: "https://x"}, {Key: "API_KEY", Value: "k"}}
	st.Connections = append(st.Connections,
		auth0sim.Object{"id": "con_legacy", "name": "legacy-db", "strategy": "auth0", "enabled_clients": []any{auth0sim.DefaultAppClientID},
			"options": auth0sim.Object{
				"enabledDatabaseCustomization": true, "import_mode": true,
				"customScripts":   auth0sim.Object{"login": "function login(e, p, cb) {}", "get_user": "function getByEmail(e, cb) {}"},
				"configuration":   auth0sim.Object{"DB_PASSWORD": "hunter2", "DB_HOST": "db.internal"},
				"passwordPolicy":  "excellent",
				"a_future_option": auth0sim.Object{"nested": []any{true, "x"}},
			}},
		auth0sim.Object{"id": "con_other", "name": "other-db", "strategy": "auth0", "options": auth0sim.Object{}},
		auth0sim.Object{"id": "con_google", "name": "google-oauth2", "strategy": "google-oauth2", "options": auth0sim.Object{"scope": []any{"email"}}},
	)
	return st
}

func postLoginAction(name, code string) model.ActionWrite {
	return model.ActionWrite{Name: name, Code: code, Trigger: "post-login", TriggerVersion: "v3", Runtime: "node22",
		Dependencies: []model.Dependency{{Name: "lodash", Version: "4.17.21"}},
		Secrets:      []model.ActionSecret{{Name: "TOKEN", Value: "t0ken-value"}}}
}

// deployAction runs the whole lifecycle: create, build, deploy, go live.
func deployAction(t *testing.T, ctx context.Context, c *tenant.Client, a model.ActionWrite) string {
	t.Helper()
	id, err := c.CreateAction(ctx, a)
	require.NoError(t, err)
	require.NoError(t, c.WaitActionBuilt(ctx, id))
	v, err := c.DeployAction(ctx, id)
	require.NoError(t, err)
	require.NoError(t, c.WaitActionDeployed(ctx, id, v))
	return id
}

func TestSimFullRead(t *testing.T) {
	ctx := context.Background()
	e := startSim(t, auth0sim.Options{State: ptrState(seededState()), BuildDelay: 3 * time.Second, DeployDelay: time.Second})
	setup := e.client(t)
	var ids []string
	for i := range 3 {
		ids = append(ids, deployAction(t, ctx, setup, postLoginAction(fmt.Sprintf("action-%d", i), fmt.Sprintf("exports.onExecutePostLogin = async () => { /* %d */ };", i))))
	}
	require.NoError(t, setup.UpdateBindings(ctx, "post-login", []model.BindingWrite{{ActionID: ids[2], ActionName: "action-2"}, {ActionID: ids[0], ActionName: "action-0"}}))
	// action-1 gets a draft that is never deployed.
	draft := postLoginAction("action-1", "exports.onExecutePostLogin = async () => { /* draft */ };")
	draft.Runtime, draft.Dependencies, draft.Secrets = "node18", nil, []model.ActionSecret{{Name: "OTHER", Value: "other-value"}}
	require.NoError(t, setup.UpdateAction(ctx, ids[1], draft))
	e.sim.ResetRequests()

	c := e.client(t)
	cur, err := c.Read(ctx, model.ReadRequest{
		Rules: true, RulesConfigs: true, Databases: true, DatabaseNames: []string{"legacy-db", "google-oauth2", "missing"},
		LoginPage: true, TenantPages: true, Actions: true, Triggers: []string{"post-login"},
	})
	require.NoError(t, err)

	assert.True(t, cur.RulesAvailable)
	require.Len(t, cur.Rules, 3)
	assert.Equal(t, model.CurrentRule{ID: "rul_b", Name: "second", Script: "function (u, c, cb) { cb(null, u, c); }", Order: 2, Enabled: false, Stage: "login_success"}, cur.Rules[1])
	assert.Equal(t, []string{"API_KEY", "API_URL"}, cur.RuleConfigKeys)

	var conns []string
	for _, cn := range cur.Connections {
		conns = append(conns, cn.Name+"/"+cn.Strategy)
	}
	assert.Equal(t, []string{"Username-Password-Authentication/auth0", "google-oauth2/google-oauth2", "legacy-db/auth0", "other-db/auth0"}, conns)
	legacy := findConn(cur.Connections, "legacy-db")
	assert.True(t, legacy.ImportMode())
	assert.Equal(t, map[string]any{"nested": []any{true, "x"}}, legacy.Options["a_future_option"])
	cfg := legacy.Options["configuration"].(map[string]any)
	assert.NotEmpty(t, cfg["DB_PASSWORD"])
	assert.NotEqual(t, "hunter2", cfg["DB_PASSWORD"], "configuration values come back encrypted")

	require.NotNil(t, cur.GlobalClient)
	assert.Equal(t, auth0sim.DefaultGlobalClientID, cur.GlobalClient.ClientID)
	assert.False(t, cur.GlobalClient.CustomLoginPageOn)
	assert.Contains(t, cur.TenantPages.ChangePassword.HTML, "Change your password")
	assert.Contains(t, cur.TenantPages.GuardianMFAPage.HTML, "2nd Factor")

	require.Len(t, cur.Actions, 3)
	a0 := cur.Actions[0]
	require.NotNil(t, a0.DeployedVersion)
	assert.NotEmpty(t, a0.DeployedVersion.ID)
	assert.Equal(t, model.CurrentAction{ID: ids[0], Name: "action-0", Code: "exports.onExecutePostLogin = async () => { /* 0 */ };", Runtime: "node22",
		Trigger: "post-login", TriggerVersion: "v3", Dependencies: []model.Dependency{{Name: "lodash", Version: "4.17.21"}},
		SecretNames: []string{"TOKEN"}, Status: "built", AllChangesDeployed: true, Deployed: true,
		DeployedVersion: &model.ActionVersion{ID: a0.DeployedVersion.ID, Number: 1, Code: "exports.onExecutePostLogin = async () => { /* 0 */ };", Runtime: "node22",
			Trigger: "post-login", TriggerVersion: "v3", Dependencies: []model.Dependency{{Name: "lodash", Version: "4.17.21"}}, SecretNames: []string{"TOKEN"}}}, a0)
	// The draft of action-1 and, apart, the version that runs.
	a1 := cur.Actions[1]
	assert.False(t, a1.AllChangesDeployed)
	assert.Equal(t, "exports.onExecutePostLogin = async () => { /* draft */ };", a1.Code)
	assert.Equal(t, "node18", a1.Runtime)
	assert.Empty(t, a1.Dependencies)
	assert.Equal(t, []string{"OTHER"}, a1.SecretNames)
	require.NotNil(t, a1.DeployedVersion)
	assert.Equal(t, &model.ActionVersion{ID: a1.DeployedVersion.ID, Number: 1, Code: "exports.onExecutePostLogin = async () => { /* 1 */ };", Runtime: "node22",
		Trigger: "post-login", TriggerVersion: "v3", Dependencies: []model.Dependency{{Name: "lodash", Version: "4.17.21"}}, SecretNames: []string{"TOKEN"}}, a1.DeployedVersion)
	require.Len(t, cur.Bindings["post-login"], 2)
	assert.Equal(t, []string{ids[2], ids[0]}, []string{cur.Bindings["post-login"][0].ActionID, cur.Bindings["post-login"][1].ActionID})
	assert.Equal(t, "action-2", cur.Bindings["post-login"][0].ActionName)

	log := e.log()
	sort.Strings(log)
	assert.Equal(t, []string{
		"GET /api/v2/actions/actions 200",
		"GET /api/v2/actions/triggers/post-login/bindings 200",
		"GET /api/v2/clients 200",
		"GET /api/v2/connections 200", // strategy=auth0
		"GET /api/v2/connections 200", // name=google-oauth2
		"GET /api/v2/connections 200", // name=missing
		"GET /api/v2/rules 200",
		"GET /api/v2/rules-configs 200",
		"GET /api/v2/tenants/settings 200",
		"POST /oauth/token 200",
	}, log)
	assert.Equal(t, 10, c.Usage().Requests)
}

func TestSimNoChangeRunBudget(t *testing.T) {
	ctx := context.Background()
	st := seededState()
	st.Connections = st.Connections[:1]
	for i := range 9 {
		st.Connections = append(st.Connections, auth0sim.Object{"name": fmt.Sprintf("db-%d", i), "strategy": "auth0", "options": auth0sim.Object{"customScripts": auth0sim.Object{"login": "function login(e, p, cb) {}"}, "enabledDatabaseCustomization": true}})
	}
	e := startSim(t, auth0sim.Options{State: &st, Profile: "essentials"})
	setup := e.client(t)
	var binds []model.BindingWrite
	for i := range 20 {
		id := deployAction(t, ctx, setup, postLoginAction(fmt.Sprintf("a%02d", i), "exports.onExecutePostLogin = async () => {};"))
		binds = append(binds, model.BindingWrite{ActionID: id, ActionName: fmt.Sprintf("a%02d", i)})
	}
	require.NoError(t, setup.UpdateBindings(ctx, "post-login", binds))
	e.clk.Advance(time.Minute) // a full bucket for the run
	e.sim.ResetRequests()

	names := []string{"Username-Password-Authentication"}
	for i := range 9 {
		names = append(names, fmt.Sprintf("db-%d", i))
	}
	c := e.client(t)
	cur, err := c.Read(ctx, model.ReadRequest{Rules: true, RulesConfigs: true, Databases: true, DatabaseNames: names,
		LoginPage: true, TenantPages: true, Actions: true, Triggers: []string{"post-login"}})
	require.NoError(t, err)
	assert.Len(t, cur.Connections, 10)
	assert.Len(t, cur.Actions, 20)
	assert.Len(t, cur.Bindings["post-login"], 20)
	assert.Len(t, e.sim.Requests(), 8, "token, rules, rules-configs, connections, global client, tenant settings, actions, post-login bindings")
	assert.Equal(t, 0, e.count429())
	assert.Equal(t, 5, c.Concurrency(), "essentials: bucket of 10")
}

func TestSimWrites(t *testing.T) {
	ctx := context.Background()
	e := startSim(t, auth0sim.Options{State: ptrState(seededState()), BuildDelay: 2 * time.Second, DeployDelay: 500 * time.Millisecond})
	c := e.client(t)

	// Rules.
	created, err := c.CreateRule(ctx, model.RuleCreate{Name: "new rule", Script: "function (u, c, cb) { cb(null, u, c); }", Enabled: true})
	require.NoError(t, err)
	assert.Equal(t, 6, created.Order, "appended after the highest order")
	assert.Equal(t, "login_success", created.Stage)
	require.NoError(t, c.UpdateRule(ctx, "rul_b", model.RulePatch{Enabled: ptr(true), Order: ptr(3), Script: ptr("function (u, c, cb) { cb(null, u); }")}))
	err = c.UpdateRule(ctx, "rul_c", model.RulePatch{Order: ptr(1)})
	require.Error(t, err)
	assert.True(t, tenant.IsConflict(err))
	assert.Contains(t, err.Error(), "update rule rul_c: 409 Conflict")
	assert.Contains(t, tenant.Hint(err), "rule_conflict")
	require.NoError(t, c.DeleteRule(ctx, "rul_a"))
	require.NoError(t, c.DeleteRule(ctx, "rul_a"), "deleting twice is fine")

	// Rules configs.
	require.NoError(t, c.SetRulesConfig(ctx, "NEW_KEY", "new value"))
	require.NoError(t, c.DeleteRulesConfig(ctx, "API_URL"))

	// Connection options: read, change the managed keys, send all back.
	cur, err := c.Read(ctx, model.ReadRequest{Databases: true, LoginPage: true})
	require.NoError(t, err)
	legacy := findConn(cur.Connections, "legacy-db")
	legacy.Options["customScripts"] = map[string]any{"login": "function login(e, p, cb) { cb(null); }", "get_user": "function getByEmail(e, cb) { cb(null); }"}
	legacy.Options["enabledDatabaseCustomization"] = true
	require.NoError(t, c.UpdateConnectionOptions(ctx, legacy.ID, legacy.Options))

	// Pages.
	require.NoError(t, c.UpdateLoginPage(ctx, cur.GlobalClient.ClientID, "<html>login</html>", true))
	require.NoError(t, c.UpdateTenantPages(ctx, model.TenantPagesPatch{
		ChangePassword: &model.PageSetting{Enabled: true, HTML: "<html>reset</html>"},
		ErrorPage:      &model.ErrorPageSetting{URL: "https://errors.example.com", ShowLogLink: true},
	}))

	// Actions.
	id := deployAction(t, ctx, c, postLoginAction("claims", "exports.onExecutePostLogin = async () => {};"))
	update := postLoginAction("claims", "exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim('x', 1); };")
	update.Dependencies = nil
	require.NoError(t, c.UpdateAction(ctx, id, update))
	require.NoError(t, c.WaitActionBuilt(ctx, id))
	v2, err := c.DeployAction(ctx, id)
	require.NoError(t, err)
	require.NoError(t, c.WaitActionDeployed(ctx, id, v2))
	other := deployAction(t, ctx, c, postLoginAction("other", "exports.onExecutePostLogin = async () => {};"))
	require.NoError(t, c.UpdateBindings(ctx, "post-login", []model.BindingWrite{{ActionID: other, ActionName: "other"}, {ActionID: id, ActionName: "claims", DisplayName: "Claims"}}))
	require.NoError(t, c.DeleteAction(ctx, other), "force detaches the binding")
	require.NoError(t, c.DeleteAction(ctx, other), "deleting twice is fine")

	st := e.sim.Snapshot()
	rules := map[string]auth0sim.Rule{}
	for _, r := range st.Rules {
		rules[r.ID] = r
	}
	assert.NotContains(t, rules, "rul_a")
	assert.Equal(t, auth0sim.Rule{ID: "rul_b", Name: "second", Script: "function (u, c, cb) { cb(null, u); }", Order: 3, Enabled: true, Stage: "login_success"}, rules["rul_b"])
	assert.Equal(t, 5, rules["rul_c"].Order, "the refused update changed nothing")
	assert.Equal(t, "new rule", rules[created.ID].Name)

	assert.ElementsMatch(t, []auth0sim.RulesConfig{{Key: "API_KEY", Value: "k"}, {Key: "NEW_KEY", Value: "new value"}}, st.RulesConfigs)

	conn := findSimConn(st, "con_legacy")
	opts := conn["options"].(map[string]any)
	assert.Equal(t, map[string]any{"DB_PASSWORD": "hunter2", "DB_HOST": "db.internal"}, opts["configuration"], "encrypted values echoed back keep their clear values")
	assert.Equal(t, "function login(e, p, cb) { cb(null); }", opts["customScripts"].(map[string]any)["login"])
	assert.Equal(t, "excellent", opts["passwordPolicy"], "unmanaged options survive")
	assert.Equal(t, map[string]any{"nested": []any{true, "x"}}, opts["a_future_option"])
	assert.Equal(t, []any{auth0sim.DefaultAppClientID}, conn["enabled_clients"], "enabled_clients untouched")

	for _, cl := range st.Clients {
		if cl["global"] == true {
			assert.Equal(t, "<html>login</html>", cl["custom_login_page"])
			assert.Equal(t, true, cl["custom_login_page_on"])
		}
	}
	assert.Equal(t, map[string]any{"enabled": true, "html": "<html>reset</html>"}, st.TenantSettings["change_password"])
	assert.Equal(t, map[string]any{"html": "", "url": "https://errors.example.com", "show_log_link": true}, st.TenantSettings["error_page"])
	assert.Contains(t, st.TenantSettings["guardian_mfa_page"].(map[string]any)["html"], "2nd Factor", "pages not sent are left alone")

	require.Len(t, st.Actions, 1)
	a := st.Actions[0]
	assert.Equal(t, "claims", a.Name)
	assert.Contains(t, a.Code, "setCustomClaim")
	assert.Empty(t, a.Dependencies, "an update with no dependencies clears them")
	assert.Equal(t, v2, a.DeployedVersionID)
	assert.Equal(t, []auth0sim.Secret{{Name: "TOKEN", Value: "t0ken-value", UpdatedAt: a.Secrets[0].UpdatedAt}}, a.Secrets)
	require.Len(t, st.Bindings["post-login"], 1)
	assert.Equal(t, id, st.Bindings["post-login"][0].ActionID)
	assert.Equal(t, "Claims", st.Bindings["post-login"][0].DisplayName)

	assert.Equal(t, 0, c.Usage().Retries)
}

func TestSimRulesEndOfLife(t *testing.T) {
	e := startSim(t, auth0sim.Options{RulesEOL: true})
	c := e.client(t)
	cur, err := c.Read(context.Background(), model.ReadRequest{Rules: true, RulesConfigs: true, Actions: true})
	require.NoError(t, err)
	assert.False(t, cur.RulesAvailable)
	assert.Contains(t, cur.RulesUnavailableReason, "403 Forbidden: Rules reached end of life")
	assert.False(t, tenant.MissingReadRulesScope(cur), "end of life is not a missing scope")
	assert.Empty(t, cur.Rules)
}

func TestSimMissingScope(t *testing.T) {
	var scopes []string
	for _, s := range auth0sim.AllScopes {
		if s != "update:connections" && s != "read:rules" {
			scopes = append(scopes, s)
		}
	}
	e := startSim(t, auth0sim.Options{Scopes: scopes})
	c := e.client(t)

	// SPEC §2: a 403 on /rules skips the rules step, it never fails the
	// run; the reason says it is the scope, not Rules' end of life.
	cur, err := c.Read(context.Background(), model.ReadRequest{Rules: true})
	require.NoError(t, err)
	assert.False(t, cur.RulesAvailable)
	assert.True(t, tenant.MissingReadRulesScope(cur))
	assert.Equal(t, "the application lacks the scope read:rules (the tenant answered 403 Forbidden: Insufficient scope, expected any of: read:rules)", cur.RulesUnavailableReason)

	granted, known := c.GrantedScopes()
	require.True(t, known, "the stand-in's token answer lists the scopes")
	assert.Equal(t, scopes, granted)

	err = c.UpdateConnectionOptions(context.Background(), auth0sim.DefaultDatabaseID, map[string]any{"customScripts": map[string]any{}})
	require.Error(t, err)
	assert.True(t, tenant.IsForbidden(err))
	assert.Contains(t, tenant.Hint(err), "the application lacks the scope update:connections: grant it")
}

func TestSimBadCredentials(t *testing.T) {
	e := startSim(t, auth0sim.Options{})
	c := e.client(t, func(o *tenant.Options) { o.ClientSecret = "wrong-secret-value" })
	_, err := c.Read(context.Background(), model.ReadRequest{Rules: true, Actions: true, TenantPages: true})
	require.Error(t, err)
	e2, ok := tenant.AsError(err)
	require.True(t, ok)
	assert.Equal(t, tenant.KindToken, e2.Kind)
	assert.Equal(t, 401, e2.Status)
	assert.Contains(t, e2.Hint(), "not Bitbucket")
	assert.NotContains(t, err.Error()+e2.Hint(), "wrong-secret-value")
	for _, r := range e.sim.Requests() {
		assert.Equal(t, "/oauth/token", r.Path, "no API call without a token")
	}
}

func TestSimBuildFailure(t *testing.T) {
	ctx := context.Background()
	e := startSim(t, auth0sim.Options{BuildDelay: 2 * time.Second, FailBuilds: map[string]string{"broken": "Cannot find module 'left-pad'"}})
	c := e.client(t)
	id, err := c.CreateAction(ctx, postLoginAction("broken", "exports.onExecutePostLogin = async () => {};"))
	require.NoError(t, err)
	err = c.WaitActionBuilt(ctx, id)
	require.Error(t, err)
	assert.Equal(t, fmt.Sprintf(`build action "broken" (%s): build failed: the Management API gives no reason for a draft; open the action in the Auth0 dashboard (Actions > Library) to see the build log`, id), err.Error())
	e2, _ := tenant.AsError(err)
	assert.Equal(t, tenant.KindBuild, e2.Kind)
}

func TestSimFaults(t *testing.T) {
	ctx := context.Background()

	t.Run("5xx and a reset connection on reads are retried", func(t *testing.T) {
		e := startSim(t, auth0sim.Options{State: ptrState(seededState())})
		e.sim.InjectFault(auth0sim.Fault{Method: "GET", PathPattern: "/api/v2/rules", Status: 503, Times: 2})
		e.sim.InjectFault(auth0sim.Fault{Method: "GET", PathPattern: "/api/v2/tenants/settings", Reset: true})
		e.sim.InjectFault(auth0sim.Fault{Method: "POST", PathPattern: "/oauth/token", Status: 502})
		c := e.client(t)
		cur, err := c.Read(ctx, model.ReadRequest{Rules: true, TenantPages: true})
		require.NoError(t, err)
		assert.Len(t, cur.Rules, 3)
		log := e.log()
		sort.Strings(log)
		assert.Equal(t, []string{
			"GET /api/v2/rules 200", "GET /api/v2/rules 503", "GET /api/v2/rules 503",
			"GET /api/v2/tenants/settings 0", "GET /api/v2/tenants/settings 200",
			"POST /oauth/token 200", "POST /oauth/token 502",
		}, log)
		// The reset GET may be retried by net/http itself on a fresh
		// connection (idempotent request on a reused connection) before the
		// transport sees it.
		assert.GreaterOrEqual(t, c.Usage().Retries, 3)
	})

	t.Run("a create whose connection was reset is sent again once, not duplicated", func(t *testing.T) {
		e := startSim(t, auth0sim.Options{State: ptrState(seededState())})
		e.sim.InjectFault(auth0sim.Fault{Method: "POST", PathPattern: "/api/v2/rules", Reset: true})
		c := e.client(t)
		r, err := c.CreateRule(ctx, model.RuleCreate{Name: "once", Script: "function (u, c, cb) { cb(null, u, c); }", Enabled: true})
		require.NoError(t, err)
		n := 0
		for _, x := range e.sim.Snapshot().Rules {
			if x.Name == "once" {
				n++
				assert.Equal(t, r.ID, x.ID)
			}
		}
		assert.Equal(t, 1, n)
		assert.Equal(t, []string{"POST /oauth/token 200", "POST /api/v2/rules 0", "GET /api/v2/rules 200", "POST /api/v2/rules 201"}, e.log())
	})

	t.Run("a 429 with Retry-After is waited out", func(t *testing.T) {
		e := startSim(t, auth0sim.Options{})
		e.sim.InjectFault(auth0sim.Fault{PathPattern: "/api/v2/tenants/settings", Status: 429, Headers: map[string]string{"Retry-After": "7"}})
		c := e.client(t)
		start := e.clk.Now()
		require.NoError(t, c.UpdateTenantPages(ctx, model.TenantPagesPatch{GuardianMFAPage: &model.PageSetting{HTML: "<p/>"}}))
		assert.Equal(t, 7*time.Second, e.clk.Now().Sub(start))
		u := c.Usage()
		assert.Equal(t, 1, u.RateLimited)
		assert.Equal(t, 1, u.RateLimitWaits)
	})
}

// TestSimEssentialsMeetsNo429 runs a read and a burst of writes at the
// concurrency the client recommends under the essentials profile (10 burst,
// 150/min): the pacer keeps every request under the limit.
func TestSimEssentialsMeetsNo429(t *testing.T) {
	ctx := context.Background()
	st := seededState()
	for i := range 40 {
		st.Rules = append(st.Rules, auth0sim.Rule{Name: fmt.Sprintf("bulk %02d", i), Script: "function (u, c, cb) { cb(null, u, c); }", Order: 100 + i, Enabled: true})
	}
	e := startSim(t, auth0sim.Options{State: &st, Profile: "essentials", BuildDelay: 2 * time.Second})
	c := e.client(t)
	cur, err := c.Read(ctx, model.ReadRequest{Rules: true, RulesConfigs: true, Databases: true, LoginPage: true, TenantPages: true, Actions: true})
	require.NoError(t, err)

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.Concurrency())
	var mu sync.Mutex
	done := 0
	for _, r := range cur.Rules {
		g.Go(func() error {
			err := c.UpdateRule(gctx, r.ID, model.RulePatch{Enabled: ptr(!r.Enabled)})
			mu.Lock()
			done++
			mu.Unlock()
			return err
		})
	}
	for i := range 20 {
		g.Go(func() error { return c.SetRulesConfig(gctx, fmt.Sprintf("K%d", i), "v") })
	}
	for i := range 5 {
		g.Go(func() error {
			_, err := c.CreateAction(gctx, postLoginAction(fmt.Sprintf("burst-%d", i), "exports.onExecutePostLogin = async () => {};"))
			return err
		})
	}
	require.NoError(t, g.Wait())
	assert.Equal(t, 43, done)
	assert.Equal(t, 0, e.count429(), "no 429 met")
	u := c.Usage()
	assert.Equal(t, 0, u.RateLimited)
	assert.Positive(t, u.RateLimitWaits)
	assert.Equal(t, 5, c.Concurrency())
}

func TestSimOverTLS(t *testing.T) {
	clk := auth0sim.NewManualClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	sim := auth0sim.New(auth0sim.Options{Clock: clk})
	url, httpClient := sim.StartTLS(t)
	require.True(t, strings.HasPrefix(url, "https://"))
	c, err := tenant.New(context.Background(), tenant.Options{
		Domain: url, ClientID: auth0sim.DefaultClientID, ClientSecret: auth0sim.DefaultClientSecret,
		HTTPClient: httpClient, Now: clk.Now, Logger: zerolog.Nop(),
	})
	require.NoError(t, err)
	cur, err := c.Read(context.Background(), model.ReadRequest{LoginPage: true})
	require.NoError(t, err)
	assert.Equal(t, auth0sim.DefaultGlobalClientID, cur.GlobalClient.ClientID)
	assert.Equal(t, 2, c.Usage().Requests)
}

func ptr[T any](v T) *T { return &v }

func ptrState(s auth0sim.State) *auth0sim.State { return &s }

func findConn(cs []model.Connection, name string) model.Connection {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return model.Connection{}
}

func findSimConn(st auth0sim.State, id string) auth0sim.Object {
	for _, c := range st.Connections {
		if c["id"] == id {
			return c
		}
	}
	return nil
}
