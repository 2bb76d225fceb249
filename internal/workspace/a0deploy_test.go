package workspace

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

const actionJS = "exports.onExecutePostLogin = async (event, api) => {};\n"

func TestLayoutDetection(t *testing.T) {
	a0Rule := fstest.MapFS{"rules/a.json": file(`{"name": "a", "script": "./a.js"}`), "rules/a.js": file(ruleJS)}
	cases := []struct {
		name   string
		fsys   fstest.MapFS
		layout string
		want   string
	}{
		{"no markers: the extension's", fstest.MapFS{"rules/a.js": file(ruleJS), "rules-configs/K.json": file(`{"value": "v"}`)}, "", LayoutExtension},
		{"rule with name and script", a0Rule, "", LayoutA0Deploy},
		{"auto spelled out", a0Rule, "auto", LayoutA0Deploy},
		{"upper case", a0Rule, " A0DEPLOY ", LayoutA0Deploy},
		{"action with code", fstest.MapFS{"actions/x.json": file(`{"name": "x", "code": "./x.js", "supported_triggers": [{"id": "post-login"}], "deployed": true}`), "x.js": file(actionJS)}, "", LayoutA0Deploy},
		{"page with name", fstest.MapFS{"pages/login.json": file(`{"name": "login"}`), "pages/login.html": file("<p>")}, "", LayoutA0Deploy},
		{"database.json", fstest.MapFS{"database-connections/db/database.json": file(`{"name": "db", "options": {"customScripts": {"login": "./login.js"}}}`), "database-connections/db/login.js": file("function login() {}")}, "", LayoutA0Deploy},
		{"triggers", fstest.MapFS{"triggers/triggers.json": file(`{}`)}, "", LayoutA0Deploy},
		{"extension metadata", fstest.MapFS{"rules/a.json": file(`{"order": 1}`), "rules/a.js": file(ruleJS)}, "", LayoutExtension},
		// Files of both layouts: a clear majority (more than twice as many)
		// decides, else nothing is read ("").
		{"a0deploy majority, a connection folder without database.json", fstest.MapFS{
			"rules/a.json": file(`{"name": "a", "script": "./a.js"}`), "rules/a.js": file(ruleJS),
			"rules/b.json": file(`{"name": "b", "script": "./a.js"}`), "triggers/triggers.json": file(`{}`),
			"database-connections/db/login.js": file("function login() {}"),
		}, "", LayoutA0Deploy},
		{"extension majority, a stray triggers/", fstest.MapFS{
			"rules/a.json": file(`{"order": 1}`), "rules/b.json": file(`{"order": 2}`), "rules/c.json": file(`{"order": 3}`),
			"rules/a.js": file(ruleJS), "rules/b.js": file(ruleJS), "rules/c.js": file(ruleJS), "triggers/triggers.json": file(`{}`),
		}, "", LayoutExtension},
		{"no clear majority", fstest.MapFS{
			"rules/a.json": file(`{"name": "a", "script": "./a.js"}`), "rules/a.js": file(ruleJS),
			"rules/b.json":                     file(`{"name": "b", "script": "./a.js"}`),
			"database-connections/db/login.js": file("function login() {}"),
		}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, ps := Read(tc.fsys, Options{Layout: tc.layout})
			if d.Layout != tc.want {
				t.Errorf("layout %q, want %q (problems %v)", d.Layout, tc.want, lines(ps))
			}
		})
	}
}

func TestMixedLayoutsNameTheFilesThatDisagree(t *testing.T) {
	fsys := fstest.MapFS{
		"rules/a.json":                     file(`{"name": "a", "script": "./a.js"}`),
		"rules/a.js":                       file(ruleJS),
		"rules/b.json":                     file(`{"order": 2}`),
		"rules/b.js":                       file(ruleJS),
		"actions/x.json":                   file(`{"trigger": "post-login"}`),
		"actions/x.js":                     file(actionJS),
		"triggers/triggers.json":           file(`{}`),
		"database-connections/db/login.js": file("function login() {}"),
	}
	d, ps := Read(fsys, Options{})
	const tail = ": a repository is read in one layout; convert the files, or set LAYOUT=a0deploy or LAYOUT=extension to choose (files of the other layout are then reported against it)"
	wantLines(t, ps,
		`actions/x.json: error: in the extension's layout ("trigger"), while rules/a.json (and 1 more) are in auth0-deploy-cli's layout`+tail,
		`database-connections/db: error: in the extension's layout (scripts without database.json), while rules/a.json (and 1 more) are in auth0-deploy-cli's layout`+tail,
		`rules/a.json: error: in auth0-deploy-cli's layout ("name" and "script"), while rules/b.json (and 2 more) are in the extension's layout`+tail,
		`rules/b.json: error: in the extension's layout (rule metadata without "name" and "script"), while rules/a.json (and 1 more) are in auth0-deploy-cli's layout`+tail,
		`triggers/triggers.json: error: in auth0-deploy-cli's layout (trigger bindings), while rules/b.json (and 2 more) are in the extension's layout`+tail,
	)
	if d.Layout != "" || d.RulesManaged || d.ActionsManaged || d.DatabasesManaged {
		t.Errorf("a mixed repository manages nothing: %+v", d)
	}

	// An explicit LAYOUT reads it in that layout, with one warning.
	d, ps = Read(fsys, Options{Layout: LayoutExtension})
	if d.Layout != LayoutExtension || !ps.HasErrors() {
		t.Fatalf("layout %q, problems %v", d.Layout, lines(ps))
	}
	if got := lines(ps); !contains(got, `rules/a.json: warning: in auth0-deploy-cli's layout ("name" and "script") (and 1 more file(s)), but LAYOUT=extension: read as the extension's layout (LAYOUT=a0deploy reads auth0-deploy-cli's layout)`) ||
		!contains(got, `rules/a.json:1:2: error: unknown key "name" (allowed: enabled, order, stage)`) || !contains(got, "triggers: warning: not managed by this pipe") {
		t.Errorf("LAYOUT=extension:\n%s", strings.Join(got, "\n"))
	}
	d, ps = Read(fsys, Options{Layout: LayoutA0Deploy})
	if got := lines(ps); d.Layout != LayoutA0Deploy ||
		!contains(got, `rules/b.json: warning: in the extension's layout (rule metadata without "name" and "script") (and 2 more file(s)), but LAYOUT=a0deploy: read as auth0-deploy-cli's layout (LAYOUT=extension reads the extension's layout)`) ||
		!contains(got, `rules/b.json:1:1: error: "name" is required: a rule is named by its file, rules/<name>.json`) {
		t.Errorf("LAYOUT=a0deploy:\n%s", strings.Join(got, "\n"))
	}

	_, ps = Read(fsys, Options{Layout: "yaml"})
	wantLines(t, ps, `error: LAYOUT must be auto, extension or a0deploy (got "yaml")`)
}

// a0Repo is a small, valid repository in auth0-deploy-cli's format.
func a0Repo() fstest.MapFS {
	return fstest.MapFS{
		"rules/add-roles.json":    file(`{"name": "add-roles", "script": "./add-roles.js", "stage": "login_success", "enabled": false, "order": 2}`),
		"rules/add-roles.js":      file(ruleJS),
		"rules/lib/shared.js":     file(ruleJS),
		"rules/uses-lib.json":     file(`{"name": "uses-lib", "script": "lib\\shared.js"}`),
		"rules-configs/KEY.json":  file(`{"key": "KEY", "value": "@@SECRET@@"}`),
		"rules-configs/BARE.json": file(`{"value": "plain"}`),
		"database-connections/users/database.json": file(`{
  "name": "users", "strategy": "auth0", "enabled_clients": ["My SPA"], "realms": ["users"],
  "options": {"passwordPolicy": "fair", "password_history": {"enable": true, "size": 5}, "strategy_version": 2,
    "enabledDatabaseCustomization": true, "import_mode": false,
    "customScripts": {"login": "./login.js", "get_user": "./scripts/get_user.js"}}
}`),
		"database-connections/users/login.js":                                 file("function login(email, password, callback) {\n  callback(null, {user_id: '##NS##'});\n}\n"),
		"database-connections/users/scripts/get_user.js":                      file("function getByEmail(email, callback) { callback(null); }\n"),
		"database-connections/users/create.js":                                file("function create(user, callback) { callback(null); }\n"),
		"database-connections/Username-Password-Authentication/database.json": file(`{"name": "Username-Password-Authentication", "strategy": "auth0", "options": {"passwordPolicy": "good"}}`),
		"pages/login.json":          file(`{"name": "login", "enabled": true, "html": "./login.html"}`),
		"pages/login.html":          file("<title>##NAME##</title>"),
		"pages/error_page.json":     file(`{"name": "error_page", "html": "./error_page.html", "url": "https://example.com/oops", "show_log_link": true}`),
		"pages/error_page.html":     file(""),
		"pages/password_reset.html": file("<p>no json</p>"),
		"actions/tag-user.json": file(`{"name": "tag-user", "code": "./actions/tag-user/code.js", "runtime": "node18", "status": "built",
  "dependencies": [{"name": "lodash", "version": "4.17.21"}, {"name": "@acme/util", "version": "1.0.0"}],
  "secrets": [{"name": "FROM_KEYWORD", "value": "##SECRET##"}, {"name": "LITERAL", "value": "hunter2"}, {"name": "PLACEHOLDER", "value": "_VALUE_NOT_SHOWN_"}, {"name": "NO_VALUE"}],
  "supported_triggers": [{"id": "post-login", "version": "v2"}], "deployed": true}`),
		"actions/tag-user/code.js":   file(actionJS),
		"actions/tag-user/notes.txt": file("x"),
		"actions/draft.json":         file(`{"name": "draft", "code": "src/draft.js", "supported_triggers": [{"id": "credentials-exchange", "version": "v2"}]}`),
		"src/draft.js":               file("exports.onExecuteCredentialsExchange = async () => {};\n"),
		"src/unused.js":              file("x"),
		"actions/stray.js":           file(actionJS),
		"triggers/triggers.json":     file(`{"post-login": [{"action_name": "tag-user", "display_name": "Tag the user"}, {"action_name": "from-marketplace"}], "login-post-identifier": []}`),
		"triggers/more.json":         file(`{"credentials-exchange": []}`),
		"tenant.json":                file(`{"friendly_name": "x"}`),
		"clients/app.json":           file(`{}`),
	}
}

func TestA0DeployRepository(t *testing.T) {
	d, ps := Read(a0Repo(), Options{
		Mappings:  map[string]any{"SECRET": "s3cr3t", "NS": "https://ns.example.com", "NAME": "Acme"},
		LookupEnv: func(name string) (string, bool) { return "env-" + name, name == "NO_VALUE" || name == "PLACEHOLDER" },
	})
	wantLines(t, ps,
		`actions/draft.json:1:1: warning: "deployed" is not set: the action is created or updated but not deployed (as auth0-deploy-cli does); add "deployed": true to deploy it`,
		`actions/stray.js: warning: not named by the "code" of any actions/*.json: not deployed`,
		`actions/tag-user.json:3:93: warning: the value of secret "LITERAL" is written in the repository: use a keyword ("value": "@@LITERAL@@" with AUTH0_KEYWORD_REPLACE_MAPPINGS), or leave "value" out to take it from the mapping or the secured variable LITERAL`,
		`actions/tag-user/notes.txt: warning: not an action file: in auth0-deploy-cli's layout actions/ holds <name>.json files naming their code`,
		`clients: warning: not managed by this pipe (auth0-deploy-cli's applications): left as it is in the tenant`,
		`database-connections/Username-Password-Authentication/database.json:1:1: warning: no options.customScripts: this pipe deploys a connection's scripts (and its options with them), so this connection is left as it is`,
		`database-connections/users/create.js: warning: not named in database.json's options.customScripts: not deployed`,
		`database-connections/users/database.json:1:1: warning: "realms": not managed by this pipe (only "options" and the scripts are): left as they are in the tenant`,
		`database-connections/users/database.json:2:60: warning: "enabled_clients" is not managed by this pipe: the connection's applications are left as they are`,
		`pages/password_reset.html: warning: no password_reset.json next to it: auth0-deploy-cli's layout describes a page in pages/<page>.json: not deployed`,
		`src/unused.js: warning: not named by any metadata file: not read`,
		`tenant.json: warning: not managed by this pipe (auth0-deploy-cli's tenant settings): left as it is in the tenant`,
		`triggers/triggers.json:1:116: warning: bindings of trigger "login-post-identifier" are not managed by this pipe: left as they are`,
	)
	if d.Layout != LayoutA0Deploy || !d.RulesManaged || !d.RulesConfigsManaged || !d.DatabasesManaged || !d.ActionsManaged {
		t.Fatalf("desired: %+v", d)
	}

	if len(d.Rules) != 2 {
		t.Fatalf("rules: %+v", d.Rules)
	}
	if r := d.Rules[0]; r.Name != "add-roles" || r.Enabled || !r.EnabledSet || *r.Order != 2 || r.Script != ruleJS ||
		r.ScriptSource.Path != "rules/add-roles.js" || r.MetaSource.Path != "rules/add-roles.json" {
		t.Errorf("rule: %+v", r)
	}
	if r := d.Rules[1]; r.Name != "uses-lib" || !r.Enabled || r.Order != nil || r.ScriptSource.Path != "rules/lib/shared.js" {
		t.Errorf("a script path relative to rules/ (backslashes allowed): %+v", r)
	}

	if got := []model.RuleConfig{{Key: "BARE", Value: "plain", Source: model.Source{Path: "rules-configs/BARE.json"}},
		{Key: "KEY", Value: "s3cr3t", Source: model.Source{Path: "rules-configs/KEY.json"}}}; !reflect.DeepEqual(d.RulesConfigs, got) {
		t.Errorf("rules configs: %+v", d.RulesConfigs)
	}

	if len(d.Databases) != 1 {
		t.Fatalf("only the connection with scripts is deployed: %+v", d.Databases)
	}
	db := d.Databases[0]
	if db.Name != "users" || db.Source.Path != "database-connections/users/database.json" || len(db.Scripts) != 2 ||
		db.Scripts["login"].Code != "function login(email, password, callback) {\n  callback(null, {user_id: 'https://ns.example.com'});\n}\n" ||
		db.Scripts["get_user"].Source.Path != "database-connections/users/scripts/get_user.js" {
		t.Errorf("database: %+v", db)
	}
	wantOptions := map[string]any{"passwordPolicy": "fair", "password_history": map[string]any{"enable": true, "size": json.Number("5")},
		"strategy_version": json.Number("2"), "import_mode": false}
	if !reflect.DeepEqual(db.Options, wantOptions) {
		t.Errorf("options merged into the connection: %#v", db.Options)
	}

	if len(d.Pages) != 2 {
		t.Fatalf("pages: %+v", d.Pages)
	}
	if p := d.Pages[0]; p.Name != "login" || !p.Enabled || p.HTML != "<title>Acme</title>" {
		t.Errorf("login: %+v", p)
	}
	if p := d.Pages[1]; p.Name != "error_page" || p.Enabled || p.URL != "https://example.com/oops" || p.ShowLogLink == nil || !*p.ShowLogLink {
		t.Errorf("error page (a URL: redirect, not enabled): %+v", p)
	}

	if len(d.Actions) != 2 {
		t.Fatalf("actions: %+v", d.Actions)
	}
	draft, tag := d.Actions[0], d.Actions[1]
	if draft.Name != "draft" || draft.Deploy || draft.Enabled || draft.Trigger != "credentials-exchange" || draft.TriggerVersion != "v2" ||
		draft.CodeSource.Path != "src/draft.js" || draft.Runtime != DefaultRuntime {
		t.Errorf("draft (code relative to BASE_DIR, deployed unset): %+v", draft)
	}
	if tag.Name != "tag-user" || !tag.Deploy || !tag.Enabled || tag.Trigger != "post-login" || tag.TriggerVersion != "v2" || tag.Runtime != "node18" ||
		tag.Code != actionJS || tag.CodeSource.Path != "actions/tag-user/code.js" ||
		!reflect.DeepEqual(tag.Dependencies, []model.Dependency{{Name: "@acme/util", Version: "1.0.0"}, {Name: "lodash", Version: "4.17.21"}}) ||
		!reflect.DeepEqual(tag.Secrets, []model.ActionSecret{{Name: "FROM_KEYWORD", Value: "s3cr3t"}, {Name: "LITERAL", Value: "hunter2"},
			{Name: "NO_VALUE", Value: "env-NO_VALUE"}, {Name: "PLACEHOLDER", Value: "env-PLACEHOLDER"}}) {
		t.Errorf("tag-user: %+v", tag)
	}

	wantBindings := map[string][]model.BindingRef{
		"post-login":           {{ActionName: "tag-user", DisplayName: "Tag the user"}, {ActionName: "from-marketplace"}},
		"credentials-exchange": {},
	}
	if !reflect.DeepEqual(d.Bindings, wantBindings) {
		t.Errorf("bindings: %+v", d.Bindings)
	}
	if got := d.BindingsSource; got["post-login"] != (model.Source{Path: "triggers/triggers.json", Line: 1}) || got["credentials-exchange"].Path != "triggers/more.json" {
		t.Errorf("bindings sources: %+v", got)
	}
}

// Without triggers/ no binding is managed: the map is empty, not nil (nil
// would make the planner derive bindings from the actions).
func TestA0DeployWithoutTriggersManagesNoBinding(t *testing.T) {
	d, ps := Read(fstest.MapFS{
		"actions/x.json":    file(`{"name": "x", "code": "./actions/x/code.js", "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": true}`),
		"actions/x/code.js": file(actionJS),
	}, Options{})
	wantLines(t, ps)
	if d.Bindings == nil || len(d.Bindings) != 0 {
		t.Errorf("bindings: %#v", d.Bindings)
	}
}

// The canary test of canary_test.go, in auth0-deploy-cli's layout: values
// from keywords and secret values written in files never appear in a
// problem, even where the files are malformed right at them.
func TestA0DeployProblemsNeverShowSecrets(t *testing.T) {
	const stem = "c4n4ry"
	mappings := map[string]any{"API_KEY": stem + "-api-key", "PATH": "../" + stem + "-path.js", "NAME": stem + "_name", "OBJ": map[string]any{"k": stem}}
	fsys := fstest.MapFS{
		"rules/a.json":           file(`{"name": "##NAME##", "script": "##PATH##", "order": "##API_KEY##"}`),
		"rules/b.json":           file(`{"name": "b", "script": "./##NAME##.js", "##API_KEY##": 1}`),
		"rules-configs/KEY.json": file(`{"key": "##API_KEY##", "value": @@OBJ@@}`),
		"actions/x.json": file(`{"name": "x", "code": "##PATH##", "deployed": true,
  "supported_triggers": [{"id": "##NAME##", "version": "##API_KEY##"}],
  "secrets": [{"name": "LITERAL", "value": "` + stem + `-literal"}, {"name": "##NAME##", "value": "##API_KEY##"}, {"name": "OBJ", "value": @@OBJ@@}],
  "dependencies": [{"name": "##NAME##", "version": "@@OBJ@@"}]}`),
		"database-connections/db/database.json": file(`{"name": "##NAME##", "strategy": "##API_KEY##", "options": {"customScripts": {"##NAME##": "./x.js", "login": "##PATH##"}}, "##API_KEY##": 1}`),
		"pages/login.json":                      file(`{"name": "##NAME##", "html": "##PATH##"}`),
		"pages/login.html":                      file("<p>"),
		"triggers/triggers.json":                file(`{"##NAME##": [], "post-login": [{"action_name": "##NAME##", "display_name": @@OBJ@@}, {"action_name": "##NAME##"}]}`),
	}
	_, ps := Read(fsys, Options{Mappings: mappings, RequireSecretValues: true})
	if errs, _ := ps.Count(); errs < 15 {
		t.Fatalf("only %d errors; the files are malformed on purpose:\n%s", errs, strings.Join(lines(ps), "\n"))
	}
	for _, l := range lines(ps) {
		if strings.Contains(l, stem) {
			t.Errorf("problem shows a secret: %s", l)
		}
	}
}

// Paths named in metadata follow symbolic links only inside BASE_DIR, and
// name files, not folders.
func TestA0DeployReferencedPaths(t *testing.T) {
	_, ps := Read(fstest.MapFS{
		"rules/in.json":    file(`{"name": "in", "script": "./alias.js"}`),
		"rules/alias.js":   link("real/in.js"),
		"rules/real/in.js": file(ruleJS),
		"rules/out.json":   file(`{"name": "out", "script": "./escape.js"}`),
		"rules/escape.js":  link("../../secret.js"),
		"rules/dir.json":   file(`{"name": "dir", "script": "./real"}`),
		"rules/empty.json": file(`{"name": "empty", "script": ""}`),
		"rules/num.json":   file(`{"name": "num", "script": 1}`),
		"rules/win.json":   file(`{"name": "win", "script": "C:\\rules\\win.js"}`),
	}, Options{})
	wantLines(t, ps,
		`rules/dir.json:1:27: error: "script" "./real": rules/real is a folder, not a file`,
		`rules/empty.json:1:29: error: "script" must be the path of a file (a non-empty string), not an empty string`,
		`rules/escape.js: error: symbolic link points outside BASE_DIR: not read`,
		`rules/num.json:1:27: error: "script" must be the path of a file (a non-empty string), not a number`,
		`rules/out.json:1:27: error: "script" "./escape.js": not read: rules/escape.js (a symbolic link on its way) points outside BASE_DIR`,
		`rules/win.json:1:27: error: "script" "C:\\rules\\win.js" is an absolute path: paths are relative to rules/`,
	)
}

// Code named through a top-level symbolic link to a folder inside BASE_DIR
// is read; the link itself gets no warning; other top-level links are one
// warning each and never followed.
func TestA0DeployCodeThroughTopLevelLink(t *testing.T) {
	d, ps := Read(fstest.MapFS{
		"actions/x.json":  file(`{"name": "x", "code": "./src/x.js", "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": true}`),
		"src":             link("lib/src"),
		"lib/src/x.js":    file(actionJS),
		"vendor":          link("/opt/vendor"),
		"clients":         link("nowhere"),
		"triggers/t.json": file(`{}`),
	}, Options{})
	wantLines(t, ps,
		"clients: warning: not managed by this pipe (auth0-deploy-cli's applications): left as it is in the tenant",
		"vendor: warning: not managed by this pipe",
	)
	if len(d.Actions) != 1 || d.Actions[0].Code != actionJS || d.Actions[0].CodeSource.Path != "src/x.js" {
		t.Errorf("actions = %+v", d.Actions)
	}
}

func TestA0DeployPages(t *testing.T) {
	d, ps := Read(fstest.MapFS{
		"pages/login.json":                file(`{"name": "login", "enabled": false}`),
		"pages/guardian_multifactor.json": file(`{"name": "guardian_multifactor", "enabled": true}`),
		"pages/error_page.json":           file(`{"name": "error_page", "enabled": true, "url": "https://example.com/e", "show_log_link": false}`),
		"pages/error_page.html":           file("<p>oops</p>"),
		"pages/password_reset.json":       file(`{"name": "password_reset", "url": "https://example.com"}`),
		"pages/password_reset.html":       file("<p>reset</p>"),
	}, Options{})
	wantLines(t, ps,
		`pages/guardian_multifactor.json: error: no guardian_multifactor.html next to it: an enabled page needs its HTML file`,
		`pages/password_reset.json:1:28: error: unknown key "url" (allowed: name, html, enabled)`,
		`pages/error_page.json:1:48: warning: "url" is not used while the page is enabled (the HTML is shown instead)`,
	)
	var got []string
	for _, p := range d.Pages {
		got = append(got, p.Name+map[bool]string{true: "+", false: "-"}[p.Enabled]+" "+p.HTML)
	}
	if want := []string{"login- ", "password_reset+ <p>reset</p>", "error_page+ <p>oops</p>"}; !reflect.DeepEqual(got, want) {
		t.Errorf("pages %q, want %q", got, want)
	}

	// A redirecting error page with HTML: the HTML is not deployed, and
	// the warning says so.
	_, ps = Read(fstest.MapFS{
		"pages/error_page.json": file(`{"name": "error_page", "html": "./error_page.html", "url": "https://example.com/e"}`),
		"pages/error_page.html": file("<p>oops</p>"),
	}, Options{})
	wantLines(t, ps, `pages/error_page.html: warning: not deployed while "url" redirects the error page (the tenant's error page HTML is cleared); set "url": "" to show this HTML`)
}

func TestA0DeployManualItems(t *testing.T) {
	d, ps := Read(fstest.MapFS{
		"rules/auth0-authorization-extension.json": file(`{"name": "auth0-authorization-extension", "order": 1, "enabled": true}`),
		"rules/other.json":                         file(`{"name": "other", "script": "./other.js"}`),
		"rules/other.js":                           file(ruleJS),
		"actions/market.json":                      file(`{"name": "market", "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": true}`),
	}, Options{ManualRules: []string{"auth0-authorization-extension"}, ManualActions: []string{"market"}})
	wantLines(t, ps)
	if r := d.Rules[0]; !r.MetadataOnly || *r.Order != 1 || !r.EnabledSet {
		t.Errorf("manual rule: %+v", r)
	}
	if a := d.Actions[0]; a.Name != "market" || a.Code != "" || a.CodeSource.Path != "" {
		t.Errorf("manual action: %+v", a)
	}
}

// An action secret written as a keyword marker takes its value from the
// secured variable of the secret's name when the mappings lack it: the
// marker is then not an unresolved keyword (docs/a0deploy.md).
func TestA0DeploySecretMarkerFromEnvironment(t *testing.T) {
	repo := fstest.MapFS{
		"actions/tag-user.json": file(`{"name": "tag-user", "code": "./actions/tag-user/code.js", "runtime": "node22", "deployed": true,
  "secrets": [{"name": "API_KEY", "value": "@@API_KEY@@"}], "supported_triggers": [{"id": "post-login", "version": "v3"}]}`),
		"actions/tag-user/code.js": file(actionJS),
	}
	for _, tc := range []struct {
		env  map[string]string
		want []string
	}{
		{env: map[string]string{"API_KEY": "from-the-environment"}},
		{env: nil, want: []string{
			`actions/tag-user.json:2:24: error: secret "API_KEY" has no value: add it to AUTH0_KEYWORD_REPLACE_MAPPINGS or set it as a (secured) variable`,
			`actions/tag-user.json:2:45: error: unresolved keyword @@API_KEY@@: not in AUTH0_KEYWORD_REPLACE_MAPPINGS (deploying it would write the marker itself)`,
		}},
	} {
		d, ps := Read(repo, Options{Layout: LayoutA0Deploy, RequireSecretValues: true,
			LookupEnv: func(name string) (string, bool) { v, ok := tc.env[name]; return v, ok }})
		var got []string
		for _, p := range ps {
			if p.Severity == model.SeverityError {
				got = append(got, p.String())
			}
		}
		if len(tc.want) == 0 {
			if len(got) != 0 || len(d.Actions) != 1 || !reflect.DeepEqual(d.Actions[0].Secrets, []model.ActionSecret{{Name: "API_KEY", Value: "from-the-environment"}}) {
				t.Errorf("with the variable set: problems %q, actions %+v", got, d.Actions)
			}
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("without a value: %q", got)
		}
	}
}

// An export names each file after the item's name through
// sanitize-filename (exportFileName): action "Roles: add to token" is in
// actions/Roles- add to token.json, rule "CON" in rules/-.json. The item
// keeps the name of its JSON, which bindings and MANUAL_ACTIONS use.
func TestA0DeployExportedFileNames(t *testing.T) {
	d, ps := Read(fstest.MapFS{
		"actions/Roles- add to token.json": file(`{"name": "Roles: add to token", "code": "./actions/Roles- add to token/code.js",
  "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": true}`),
		"actions/Roles- add to token/code.js": file(actionJS),
		"actions/A-B- -v2-.json":              file(`{"name": "A/B? <v2>", "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": true}`),
		"triggers/triggers.json":              file(`{"post-login": [{"action_name": "Roles: add to token", "display_name": "roles"}, {"action_name": "A/B? <v2>"}]}`),
		"rules/-.json":                        file(`{"name": "CON", "script": "./-.js"}`),
		"rules/-.js":                          file(ruleJS),
	}, Options{ManualActions: []string{"A/B? <v2>"}})
	wantLines(t, ps)
	if d.Layout != LayoutA0Deploy || len(d.Actions) != 2 || len(d.Rules) != 1 {
		t.Fatalf("layout %q, actions %+v, rules %+v", d.Layout, d.Actions, d.Rules)
	}
	names := []string{d.Actions[0].Name, d.Actions[1].Name}
	if !reflect.DeepEqual(names, []string{"A/B? <v2>", "Roles: add to token"}) || d.Rules[0].Name != "CON" {
		t.Errorf("names %q, rule %q", names, d.Rules[0].Name)
	}
	if a := d.Actions[1]; a.Code != actionJS || a.CodeSource.Path != "actions/Roles- add to token/code.js" || !a.Enabled {
		t.Errorf("action: %+v", a)
	}
	want := []model.BindingRef{{ActionName: "Roles: add to token", DisplayName: "roles"}, {ActionName: "A/B? <v2>"}}
	if got := d.Bindings["post-login"]; !reflect.DeepEqual(got, want) {
		t.Errorf("bindings %+v", got)
	}
}

// A name that fits neither the file name nor the file name an export gives
// it is an error saying both; action names in this layout may hold any
// character but control characters, up to 100; one name in two files is
// an error.
func TestA0DeployItemNames(t *testing.T) {
	long := strings.Repeat("n", 101)
	_, ps := Read(fstest.MapFS{
		"actions/x.json":            file(`{"name": "Roles: x", "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": true}`),
		"actions/tab-x.json":        file(`{"name": "tab\tx", "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": true}`),
		"actions/" + long + ".json": file(`{"name": "` + long + `", "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": true}`),
		"actions/a-b.json":          file(`{"name": "a:b", "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": true}`),
		"actions/a:b.json":          file(`{"name": "a:b", "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": true}`),
		"rules/a-b.json":            file(`{"name": "a:b"}`),
	}, Options{Layout: LayoutA0Deploy, ManualActions: []string{"Roles: x", "tab\tx", long, "a:b"}, ManualRules: []string{"a:b"}})
	wantLines(t, ps,
		`actions/a:b.json: error: action "a:b" is also in actions/a-b.json: an action is in one file`,
		`actions/`+long+`.json: error: invalid action name: an action name is at most 100 characters`,
		`actions/tab-x.json: error: invalid action name: an action name cannot hold control characters`,
		// Its name did not fit its file: it is read as "x", not a manual action.
		`actions/x.json:1:1: error: "code" is required: the path of the action's code, relative to BASE_DIR ("./actions/x/code.js"); only an action listed in MANUAL_ACTIONS may leave it out`,
		`actions/x.json:1:10: error: "name" "Roles: x" differs from the file name "x" (an export names it "Roles- x"): an action is named by its file, actions/<name>.json`,
		`rules/a-b.json: error: invalid rule name: Auth0 accepts letters, digits, spaces and "-" (not first or last), at most 128 characters`,
	)
}

// Runtimes real exports carry: node18-actions (what the Management API
// reports for Node 18), node16 and node12 are deployed as they are, with a
// warning; an unknown runtime stays an error.
func TestA0DeployOldRuntimes(t *testing.T) {
	fsys := fstest.MapFS{}
	for name, rt := range map[string]string{"a": "node18-actions", "b": "node16", "c": "node12", "d": "node22", "e": "node18"} {
		fsys["actions/"+name+".json"] = file(`{"name": "` + name + `", "code": "./actions/` + name + `/code.js", "runtime": "` + rt + `", "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": true}`)
		fsys["actions/"+name+"/code.js"] = file(actionJS)
	}
	d, ps := Read(fsys, Options{})
	const warn = `; "node22" is the current runtime`
	wantLines(t, ps,
		`actions/a.json:1:57: warning: "runtime" "node18-actions": Auth0 has deprecated Node 18 and, once it removes it from the tenant, runs the action on the latest runtime`+warn,
		`actions/b.json:1:57: warning: "runtime" "node16": Auth0 has retired Node 16 (Node.js 12 and 16 lost support in 2023) and may refuse to build the action or run it on a newer runtime`+warn,
		`actions/c.json:1:57: warning: "runtime" "node12": Auth0 has retired Node 12 (Node.js 12 and 16 lost support in 2023) and may refuse to build the action or run it on a newer runtime`+warn,
	)
	var got []string
	for _, a := range d.Actions {
		got = append(got, a.Name+"="+a.Runtime)
	}
	if want := []string{"a=node18-actions", "b=node16", "c=node12", "d=node22", "e=node18"}; !reflect.DeepEqual(got, want) {
		t.Errorf("runtimes %q, want %q", got, want)
	}
	fsys["actions/a.json"] = file(`{"name": "a", "code": "./actions/a/code.js", "runtime": "node20", "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": true}`)
	if _, ps := Read(fsys, Options{}); !contains(lines(ps), `actions/a.json:1:57: error: "runtime" must be one of: node18, node22 (node12, node16 and node18-actions are accepted with a warning)`) {
		t.Errorf("unknown runtime:\n%s", strings.Join(lines(ps), "\n"))
	}
}
