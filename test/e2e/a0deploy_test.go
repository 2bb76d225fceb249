package e2e

// a0deploy_test.go covers repositories in auth0-deploy-cli's directory
// format: the same content in both layouts plans the same, an export in
// that format deploys into an empty tenant and converges, and a binding to
// an action that exists nowhere stops the run before any write. The
// malformed cases are in the corpus (test/testdata/invalid/a0deploy-*).

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/plan"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/tenant"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
)

// a0PairDir holds the same tenant content in both layouts.
var a0PairDir = filepath.Join(harness.RepoRoot(), "test", "testdata", "a0deploy", "pair")

// a0PairMappings are the keyword values both layouts of the pair use.
var a0PairMappings = map[string]any{
	"API_URL": "https://api.example.com", "API_KEY": "pair-api-key-value", "TENANT_NAME": "Acme",
	"ALLOWED_IPS": []any{"10.0.0.1", "10.0.0.2"},
}

func a0PairEnv(url string) map[string]string {
	m, err := json.Marshal(a0PairMappings)
	if err != nil {
		panic(err)
	}
	return map[string]string{"AUTH0_DOMAIN": url, "AUTH0_CLIENT_ID": harness.ClientID, "AUTH0_CLIENT_SECRET": harness.ClientSecret,
		"AUTH0_KEYWORD_REPLACE_MAPPINGS": string(m)}
}

// a0PairTenant starts a stand-in holding an earlier version of the pair's
// content, deployed by the pipe from the extension's layout: a rule and an
// action to update, a rule and an action to delete, a database script to
// change and one to add, bindings to reorder, pages to change.
func a0PairTenant(t *testing.T, bin string) (*auth0sim.Sim, string) {
	st := auth0sim.DefaultState()
	st.Connections = append(st.Connections, harness.DatabaseConnection("legacy-users", "con_LegacyUsers0001"))
	sim, url := harness.StartSim(t, &st, auth0sim.Options{})
	allow, err := os.ReadFile(filepath.Join(a0PairDir, "extension", "rules", "ip-allowlist.js"))
	require.NoError(t, err)
	before := t.TempDir()
	harness.WriteFiles(t, before, map[string]string{
		"rules/enrich-profile.js":                    "function (user, context, callback) {\n  // v1\n  callback(null, user, context);\n}\n",
		"rules/enrich-profile.json":                  `{"order": 1}`,
		"rules/legacy-check.js":                      "function (user, context, callback) {\n  callback(null, user, context);\n}\n",
		"rules/legacy-check.json":                    `{"order": 2}`,
		"rules/ip-allowlist.js":                      string(allow),
		"rules/ip-allowlist.json":                    `{"order": 3}`,
		"database-connections/legacy-users/login.js": "function login(email, password, callback) {\n  callback(null, { user_id: email });\n}\n",
		"actions/add-claims.js":                      "exports.onExecutePostLogin = async (event, api) => {\n  // v1\n};\n",
		"actions/add-claims.json":                    `{"trigger": "post-login", "dependencies": {"lodash": "4.17.21"}, "secrets": ["API_KEY"], "order": 20}`,
		"actions/old-action.js":                      "exports.onExecutePostLogin = async (event, api) => {};\n",
		"actions/old-action.json":                    `{"trigger": "post-login", "order": 5}`,
	})
	res := harness.Run(t, bin, before, a0PairEnv(url))
	require.Equal(t, 0, res.Code, res.Stdout)
	require.Equal(t, []string{"old-action", "add-claims"}, bindingNames(sim.Snapshot(), "post-login"))
	sim.ResetRequests()
	return sim, url
}

// renderContent renders p with plan.Render after clearing every item's
// source path. The two layouts keep the same content in different files
// (rules/x.js in both, but actions/x.js against actions/x/code.js, and
// trigger bindings in triggers/triggers.json only), so the paths are the one
// part of a plan that must differ; everything else (decisions, reasons,
// writes and their order) is compared byte for byte.
func renderContent(p *plan.Plan) string {
	cp := *p
	cp.Items = make([]*plan.Item, len(p.Items))
	for i, it := range p.Items {
		c := *it
		c.Source = model.Source{}
		cp.Items[i] = &c
	}
	var b bytes.Buffer
	plan.Render(&b, &cp)
	return b.String()
}

// readRequestFor asks for everything any of the desired states manages, as
// the pipe does for one (internal/app readRequest).
func readRequestFor(ds ...*model.Desired) model.ReadRequest {
	var req model.ReadRequest
	seen := map[string]bool{}
	addTrigger := func(t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			req.Triggers = append(req.Triggers, t)
		}
	}
	for _, d := range ds {
		req.Rules = req.Rules || d.RulesManaged
		req.RulesConfigs = req.RulesConfigs || d.RulesConfigsManaged
		req.Databases = req.Databases || len(d.Databases) > 0
		req.Actions = req.Actions || d.ActionsManaged || len(d.Bindings) > 0
		for _, db := range d.Databases {
			req.DatabaseNames = append(req.DatabaseNames, db.Name)
		}
		for _, p := range d.Pages {
			req.LoginPage = req.LoginPage || p.Name == model.PageLogin
			req.TenantPages = req.TenantPages || p.Name != model.PageLogin
		}
		for _, a := range d.Actions {
			addTrigger(a.Trigger)
		}
		for trig := range d.Bindings {
			addTrigger(trig)
		}
	}
	sort.Strings(req.DatabaseNames)
	req.DatabaseNames = compactStrings(req.DatabaseNames)
	return req
}

func compactStrings(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// Must show 1: the pair plans the same against the same tenant.
func TestA0DeploySamePlanInBothLayouts(t *testing.T) {
	bin := harness.Binary(t)
	sim, url := a0PairTenant(t, bin)

	// In process: the reader, the tenant client and the planner the pipe uses.
	opts := workspace.Options{Mappings: a0PairMappings, RequireSecretValues: true}
	dExt, probs := workspace.Read(os.DirFS(filepath.Join(a0PairDir, "extension")), opts)
	require.Empty(t, probs)
	require.Equal(t, workspace.LayoutExtension, dExt.Layout)
	dA0, probs := workspace.Read(os.DirFS(filepath.Join(a0PairDir, "a0deploy")), opts)
	require.Empty(t, probs)
	require.Equal(t, workspace.LayoutA0Deploy, dA0.Layout, "auto detects auth0-deploy-cli's layout")

	ctx := context.Background()
	client, err := tenant.New(ctx, tenant.Options{Domain: url, ClientID: harness.ClientID, ClientSecret: harness.ClientSecret,
		Logger: zerolog.Nop(), Deadline: time.Now().Add(time.Minute)})
	require.NoError(t, err)
	cur, err := client.Read(ctx, readRequestFor(dExt, dA0))
	require.NoError(t, err)
	planOpts := plan.Options{AllowDelete: true}
	ext := renderContent(plan.Build(dExt, cur, planOpts))
	a0 := renderContent(plan.Build(dA0, cur, planOpts))
	require.Equal(t, ext, a0, "the two layouts must plan the same")
	a0CheckGolden(t, filepath.Join(a0PairDir, "plan.golden"), a0)
	assert.Empty(t, writeLines(sim.Requests()), "reading and planning write nothing")

	// Through the binary: MODE=plan reports the same items (paths aside)
	// and logs the same decisions.
	planOf := func(layout string) ([]string, []string) {
		env := a0PairEnv(url)
		env["MODE"] = "plan"
		res := harness.Run(t, bin, harness.CopyTree(t, filepath.Join(a0PairDir, layout)), env)
		require.Equal(t, 0, res.Code, res.Stdout)
		require.NotNil(t, res.Report)
		var items []string
		for _, it := range res.Report.Items {
			items = append(items, strings.Join([]string{string(it.Kind), it.Name, it.Action, string(it.Result), it.Reason}, " | "))
		}
		var decisions []string
		for _, l := range strings.Split(res.Stdout, "\n") {
			if i := strings.Index(l, "would "); i >= 0 {
				decisions = append(decisions, l[i:])
			}
		}
		return items, decisions
	}
	extItems, extDecisions := planOf("extension")
	a0Items, a0Decisions := planOf("a0deploy")
	assert.Equal(t, extItems, a0Items)
	assert.Equal(t, extDecisions, a0Decisions)
	assert.NotEmpty(t, a0Decisions)
	assert.Empty(t, writeLines(sim.Requests()), "MODE=plan writes nothing")

	// Deploying one layout leaves nothing for the other to do.
	res := harness.Run(t, bin, harness.CopyTree(t, filepath.Join(a0PairDir, "a0deploy")), a0PairEnv(url))
	require.Equal(t, 0, res.Code, res.Stdout)
	assert.Equal(t, []string{"new-action", "add-claims"}, bindingNames(sim.Snapshot(), "post-login"))
	env := a0PairEnv(url)
	env["MODE"] = "plan"
	env["DETAILED_EXITCODE"] = "true"
	res = harness.Run(t, bin, harness.CopyTree(t, filepath.Join(a0PairDir, "extension")), env)
	assert.Equal(t, 0, res.Code, "no change pending after deploying the other layout:\n%s", res.Stdout)
}

func a0CheckGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./test/e2e -run TestA0Deploy -update")
	assert.Equal(t, string(want), got)
}

// a0Known is the tenant content the export test starts from.
type a0Known struct {
	rules    []auth0sim.Rule
	actions  []a0KnownAction
	bindings map[string][]string
	// scripts are the custom scripts of the default database connection;
	// passwordPolicy is one of its other options.
	scripts        map[string]string
	passwordPolicy string
	loginPage      string
	pages          map[string]auth0sim.Object // tenant settings pages
}

type a0KnownAction struct {
	name, trigger, version, code string
	deps                         []auth0sim.Dependency
	secrets                      map[string]string // name → value written in the export ("" = left out)
	deployed                     bool
}

func a0KnownTenant() a0Known {
	rule := func(body string) string {
		return "function (user, context, callback) {\n  " + body + "\n  callback(null, user, context);\n}"
	}
	return a0Known{
		rules: []auth0sim.Rule{
			{Name: "add-roles", Script: rule("context.idToken['https://example.com/roles'] = (context.authorization || {}).roles;"), Order: 10, Enabled: true, Stage: "login_success"},
			{Name: "Block Bad IPs", Script: rule("if (context.request.ip === '203.0.113.9') { return callback(new UnauthorizedError('blocked')); }"), Order: 20, Enabled: false, Stage: "login_success"},
		},
		actions: []a0KnownAction{
			{name: "tag-user", trigger: "post-login", version: "v3", code: "const _ = require('lodash');\nexports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim('https://example.com/tag', _.kebabCase(event.user.name || ''));\n};\n",
				deps: []auth0sim.Dependency{{Name: "lodash", Version: "4.17.21"}}, secrets: map[string]string{"API_KEY": ""}, deployed: true},
			{name: "welcome-email", trigger: "post-user-registration", version: "v2", code: "exports.onExecutePostUserRegistration = async (event) => {\n  await fetch(event.secrets.WEBHOOK, { method: 'POST' });\n};\n",
				secrets: map[string]string{"WEBHOOK": "##WEBHOOK##"}, deployed: true},
			{name: "draft-thing", trigger: "post-login", version: "v3", code: "exports.onExecutePostLogin = async () => {};\n", deployed: false},
		},
		bindings: map[string][]string{"post-login": {"tag-user"}, "post-user-registration": {"welcome-email"}},
		scripts: map[string]string{
			"login":    "function login(email, password, callback) {\n  callback(null, { user_id: email, email: email });\n}\n",
			"get_user": "function getByEmail(email, callback) {\n  callback(null);\n}\n",
		},
		passwordPolicy: "fair",
		loginPage:      "<html><body>Sign in to Acme</body></html>\n",
		pages: map[string]auth0sim.Object{
			"password_reset":       {"enabled": true, "html": "<html><body>Reset</body></html>\n"},
			"guardian_multifactor": {"enabled": false, "html": "<html><body>MFA</body></html>\n"},
			"error_page":           {"html": "", "url": "https://example.com/oops", "show_log_link": true},
		},
	}
}

// writeA0Export writes k into dir in the shape `a0deploy export --format
// directory` produces (src/context/directory/handlers/*.ts): each rule as
// <name>.json naming ./<name>.js; each action as actions/<name>.json naming
// ./actions/<name>/code.js with secrets without values (the API never
// returns them; one uses a preserved keyword); triggers/triggers.json for the
// bound triggers only; every database connection as
// database-connections/<name>/database.json (the whole connection, enabled
// clients by name, customScripts naming ./<script>.js); pages as
// <page>.json naming ./<page>.html; and, around them, resources this pipe
// does not deploy (tenant.json, clients/, emails/, connections/). There is
// no rules-configs/: auth0-deploy-cli never exports it.
func writeA0Export(t *testing.T, dir string, k a0Known) {
	files := map[string]string{}
	put := func(name string, v any) {
		b, err := json.MarshalIndent(v, "", "  ")
		require.NoError(t, err)
		files[name] = string(b) + "\n"
	}
	for _, r := range k.rules {
		files["rules/"+r.Name+".js"] = r.Script
		put("rules/"+r.Name+".json", map[string]any{"name": r.Name, "script": "./" + r.Name + ".js", "stage": r.Stage, "enabled": r.Enabled, "order": r.Order})
	}
	for _, a := range k.actions {
		code := "./actions/" + a.name + "/code.js"
		files["actions/"+a.name+"/code.js"] = a.code
		secrets := []map[string]string{}
		for name, v := range a.secrets {
			s := map[string]string{"name": name}
			if v != "" {
				s["value"] = v
			}
			secrets = append(secrets, s)
		}
		deps := []map[string]string{}
		for _, d := range a.deps {
			deps = append(deps, map[string]string{"name": d.Name, "version": d.Version})
		}
		put("actions/"+a.name+".json", map[string]any{"name": a.name, "code": code, "runtime": "node22", "status": "built",
			"dependencies": deps, "secrets": secrets, "supported_triggers": []map[string]string{{"id": a.trigger, "version": a.version}}, "deployed": a.deployed})
	}
	triggers := map[string]any{}
	for trig, names := range k.bindings {
		var list []map[string]string
		for _, n := range names {
			list = append(list, map[string]string{"action_name": n, "display_name": n})
		}
		triggers[trig] = list
	}
	put("triggers/triggers.json", triggers)

	for _, c := range auth0sim.DefaultState().Connections {
		db := auth0sim.Object{}
		for key, v := range c {
			if key != "id" {
				db[key] = v
			}
		}
		db["enabled_clients"] = []string{"Default App"}
		name := c["name"].(string)
		if name == auth0sim.DefaultDatabaseName {
			opts := auth0sim.Object{}
			for key, v := range c["options"].(map[string]any) {
				opts[key] = v
			}
			scripts := auth0sim.Object{}
			for s, code := range k.scripts {
				files["database-connections/"+name+"/"+s+".js"] = code
				scripts[s] = "./" + s + ".js"
			}
			opts["customScripts"] = scripts
			opts["enabledDatabaseCustomization"] = true
			opts["passwordPolicy"] = k.passwordPolicy
			// Auth0 answers configuration values encrypted: the rerun
			// must still write nothing.
			opts["configuration"] = map[string]any{"DB_HOST": "db.example.com"}
			db["options"] = opts
		}
		put("database-connections/"+name+"/database.json", db)
	}
	files["pages/login.html"] = k.loginPage
	put("pages/login.json", map[string]any{"name": "login", "enabled": true, "html": "./login.html"})
	for name, p := range k.pages {
		meta := auth0sim.Object{"name": name}
		for key, v := range p {
			meta[key] = v
		}
		files["pages/"+name+".html"] = p["html"].(string)
		meta["html"] = "./" + name + ".html"
		put("pages/"+name+".json", meta)
	}
	put("tenant.json", map[string]any{"friendly_name": "Acme", "support_email": "support@example.com"})
	put("clients/Default App.json", map[string]any{"name": "Default App", "app_type": "regular_web"})
	put("emails/provider.json", map[string]any{"name": "sendgrid", "enabled": true})
	put("connections/google-oauth2.json", map[string]any{"name": "google-oauth2", "strategy": "google-oauth2"})
	harness.WriteFiles(t, dir, files)
}

// Must show 2: an export deploys into an empty tenant; a rerun writes nothing.
func TestA0DeployExportIntoEmptyTenant(t *testing.T) {
	bin := harness.Binary(t)
	k := a0KnownTenant()
	ws := t.TempDir()
	writeA0Export(t, ws, k)
	sim, url := harness.StartSim(t, nil, auth0sim.Options{})
	env := map[string]string{"AUTH0_DOMAIN": url, "AUTH0_CLIENT_ID": harness.ClientID, "AUTH0_CLIENT_SECRET": harness.ClientSecret,
		"AUTH0_KEYWORD_REPLACE_MAPPINGS": `{"API_KEY": "export-api-key", "WEBHOOK": "https://hooks.example.com/welcome"}`}

	res := harness.Run(t, bin, ws, env)
	require.Equal(t, 0, res.Code, res.Stdout)
	assert.Equal(t, report.StatusSucceeded, res.Report.Status)

	// Everything this pipe does not deploy is one warning each, never an error.
	var warnings []string
	for _, p := range res.Report.Problems {
		require.Equal(t, model.SeverityWarning, p.Severity, p.String())
		warnings = append(warnings, p.String())
	}
	dbFile := "database-connections/" + auth0sim.DefaultDatabaseName + "/database.json"
	assert.ElementsMatch(t, []string{
		"clients: warning: not managed by this pipe (auth0-deploy-cli's applications): left as it is in the tenant",
		"connections: warning: not managed by this pipe (auth0-deploy-cli's non-database connections): left as it is in the tenant",
		dbFile + `:1:1: warning: "authentication", "connected_accounts", "display_name", "is_domain_connection", "realms": not managed by this pipe (only "options" and the scripts are): left as they are in the tenant`,
		"emails: warning: not managed by this pipe (auth0-deploy-cli's email templates and provider): left as it is in the tenant",
		"tenant.json: warning: not managed by this pipe (auth0-deploy-cli's tenant settings): left as it is in the tenant",
	}, filterOut(warnings, `"enabled_clients" is not managed`), "\n%s", strings.Join(warnings, "\n"))
	assert.Contains(t, strings.Join(warnings, "\n"), dbFile+`:`, "enabled_clients warned about")

	st := sim.Snapshot()
	rules := rulesByName(st)
	require.Len(t, rules, len(k.rules))
	for _, want := range k.rules {
		got := rules[want.Name]
		assert.Equal(t, []any{want.Script, want.Order, want.Enabled, want.Stage}, []any{got.Script, got.Order, got.Enabled, got.Stage}, want.Name)
	}
	actions := map[string]auth0sim.Action{}
	for _, a := range st.Actions {
		actions[a.Name] = a
	}
	require.Len(t, actions, len(k.actions))
	secretValues := map[string]string{"API_KEY": "export-api-key", "WEBHOOK": "https://hooks.example.com/welcome"}
	for _, want := range k.actions {
		got := actions[want.name]
		assert.Equal(t, want.code, got.Code, want.name)
		assert.Equal(t, []auth0sim.TriggerRef{{ID: want.trigger, Version: want.version}}, got.SupportedTriggers, want.name)
		assert.Equal(t, want.deployed, got.DeployedVersionID != "", "%s deployed", want.name)
		for _, s := range got.Secrets {
			assert.Equal(t, secretValues[s.Name], s.Value, "%s secret %s", want.name, s.Name)
		}
		assert.Len(t, got.Secrets, len(want.secrets), want.name)
		if len(want.deps) > 0 {
			assert.Equal(t, want.deps, got.Dependencies, want.name)
		}
	}
	for trig, names := range k.bindings {
		assert.Equal(t, names, bindingNames(st, trig), trig)
	}
	var db auth0sim.Object
	for _, c := range st.Connections {
		if c["name"] == auth0sim.DefaultDatabaseName {
			db = c
		}
	}
	opts := db["options"].(map[string]any)
	assert.Equal(t, k.passwordPolicy, opts["passwordPolicy"], "other options of database.json are merged")
	assert.Equal(t, true, opts["enabledDatabaseCustomization"])
	gotScripts := map[string]string{}
	for name, code := range opts["customScripts"].(map[string]any) {
		gotScripts[name] = code.(string)
	}
	assert.Equal(t, k.scripts, gotScripts)
	assert.Equal(t, []any{auth0sim.DefaultAppClientID}, db["enabled_clients"], "enabled_clients is never touched")
	if cfg, ok := opts["configuration"].(map[string]any); assert.True(t, ok, "configuration deployed") {
		assert.Contains(t, cfg, "DB_HOST")
		// Stored in clear; the API answers it encrypted, as Auth0 does
		// (test/auth0sim/connections.go), so only the rerun below proves
		// that the comparison does not depend on reading it back.
		assert.Equal(t, "db.example.com", cfg["DB_HOST"])
	}
	for _, c := range st.Clients {
		if c["global"] == true {
			assert.Equal(t, k.loginPage, c["custom_login_page"])
			assert.Equal(t, true, c["custom_login_page_on"])
		}
	}
	settings := map[string]string{"password_reset": "change_password", "guardian_multifactor": "guardian_mfa_page", "error_page": "error_page"}
	for page, want := range k.pages {
		assert.Equal(t, map[string]any(want), st.TenantSettings[settings[page]], page)
	}

	// A rerun writes nothing (no rules-configs: a0deploy never exports them).
	sim.ResetRequests()
	res = harness.Run(t, bin, ws, env)
	require.Equal(t, 0, res.Code, res.Stdout)
	assert.Empty(t, writeLines(sim.Requests()))
	assert.Zero(t, res.Report.Total.Created+res.Report.Total.Updated+res.Report.Total.Deleted+res.Report.Total.Failed)
}

func filterOut(lines []string, substr string) []string {
	var out []string
	for _, l := range lines {
		if !strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

// A binding to an action that is neither in the repository nor in the
// tenant is found against the tenant, before the first write.
func TestA0DeployBindingToMissingActionWritesNothing(t *testing.T) {
	bin := harness.Binary(t)
	sim, url := harness.StartSim(t, nil, auth0sim.Options{})
	ws := t.TempDir()
	harness.WriteFiles(t, ws, map[string]string{
		"rules/a.js":             "function (user, context, callback) {\n  callback(null, user, context);\n}\n",
		"rules/a.json":           `{"name": "a", "script": "./a.js", "order": 1}`,
		"actions/x.json":         `{"name": "x", "code": "./actions/x/code.js", "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": true}`,
		"actions/x/code.js":      "exports.onExecutePostLogin = async () => {};\n",
		"triggers/triggers.json": "{\n  \"post-login\": [\n    {\"action_name\": \"x\", \"display_name\": \"x\"},\n    {\"action_name\": \"ghost\", \"display_name\": \"ghost\"}\n  ]\n}\n",
	})
	res := harness.Run(t, bin, ws, map[string]string{"AUTH0_DOMAIN": url, "AUTH0_CLIENT_ID": harness.ClientID, "AUTH0_CLIENT_SECRET": harness.ClientSecret})
	require.Equal(t, 2, res.Code, res.Stdout)
	assert.Contains(t, res.Stdout, `triggers/triggers.json:2: error: trigger post-login binds action "ghost", which is neither in the repository nor in the tenant`)
	assert.Empty(t, writeLines(sim.Requests()), "nothing may be written")
	assert.Equal(t, report.StatusInvalid, res.Report.Status)
	assert.Empty(t, sim.Snapshot().Rules)
}
