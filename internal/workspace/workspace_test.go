package workspace

import (
	"io/fs"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

const ruleJS = "function (user, context, callback) {\n  callback(null, user, context);\n}\n"

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func link(target string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink}
}

func lines(ps model.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func wantLines(t *testing.T, ps model.Problems, want ...string) {
	t.Helper()
	if got := lines(ps); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

func TestKeywordReplacementReachesDesiredState(t *testing.T) {
	fsys := fstest.MapFS{
		"rules/a.js":                       file("function (user, context, callback) {\n  context.idToken['##NS##/x'] = @@OBJ@@;\n  callback(null, user, context);\n}\n"),
		"rules/a.json":                     file(`{"order": @@ORDER@@, "enabled": @@ON@@}`),
		"rules-configs/KEY.json":           file(`{"value": "@@SECRET@@"}`),
		"pages/login.html":                 file("<title>##NAME##</title><script>'@@config@@'</script>"),
		"pages/error_page.html":            file("<p>error</p>"),
		"pages/error_page.json":            file(`{"enabled": false, "url": "##ERR_URL##", "show_log_link": true}`),
		"database-connections/db/login.js": file("function login(e, p, cb) {\n  cb(null, {id: '##NS##'});\n}\n"),
	}
	d, ps := Read(fsys, Options{Mappings: map[string]any{
		"NS": "https://example.com", "OBJ": map[string]any{"a": []any{1.0, "x"}}, "ORDER": 5.0, "ON": false,
		"SECRET": "va$&l\"ue\nline2", "NAME": "Acme", "ERR_URL": "https://example.com/error",
	}})
	wantLines(t, ps)
	r := d.Rules[0]
	if !strings.Contains(r.Script, `context.idToken['https://example.com/x'] = {"a":[1,"x"]};`) {
		t.Errorf("script = %q", r.Script)
	}
	if r.Order == nil || *r.Order != 5 || r.Enabled || !r.EnabledSet {
		t.Errorf("rule metadata: %+v", r)
	}
	if got := d.RulesConfigs[0].Value; got != "va$&l\"ue\nline2" {
		t.Errorf("rules config value = %q", got)
	}
	if d.Pages[0].HTML != "<title>Acme</title><script>'@@config@@'</script>" {
		t.Errorf("login = %q", d.Pages[0].HTML)
	}
	if ep := d.Pages[1]; ep.Enabled || ep.URL != "https://example.com/error" || ep.ShowLogLink == nil || !*ep.ShowLogLink {
		t.Errorf("error page = %+v", ep)
	}
	if !strings.Contains(d.Databases[0].Scripts["login"].Code, "{id: 'https://example.com'}") {
		t.Errorf("db script = %q", d.Databases[0].Scripts["login"].Code)
	}
}

// An unresolved UPPER_CASE marker would reach the tenant as it is: an error
// in plan and deploy, a warning in validate; lower-case markers are
// template variables and never reported; a manual rule's or action's code,
// never deployed, keeps the warning.
func TestUnresolvedKeywords(t *testing.T) {
	fsys := fstest.MapFS{
		"rules-configs/API_KEY.json":       file(`{"value": "@@API_KEY@@"}`),
		"pages/login.html":                 file("<title>##TENANT_NAME##</title><script>var c = '@@config@@'; var t = '##tenant##';</script>"),
		"rules/a.js":                       file("function (user, context, callback) {\n  context.x = '##NS##';\n  callback(null, user, context);\n}\n"),
		"rules/Manual.js":                  file("function (u, c, cb) { c.x = '##NS##'; cb(null, u, c); }"),
		"actions/m.js":                     file("exports.onExecutePostLogin = async () => '##NS##';"),
		"actions/m.json":                   file(`{"trigger": "post-login"}`),
		"database-connections/db/login.js": file("function login(e, p, cb) { cb(null, {id: '@@PREFIX@@' + e}); }"),
	}
	opts := Options{ManualRules: []string{"Manual"}, ManualActions: []string{"m"}, Mappings: map[string]any{"NS": "https://example.com"}}
	_, ps := Read(fsys, opts)
	wantLines(t, ps,
		"database-connections/db/login.js:1:43: warning: unresolved keyword @@PREFIX@@: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"pages/login.html:1:8: warning: unresolved keyword ##TENANT_NAME##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"rules-configs/API_KEY.json:1:12: warning: unresolved keyword @@API_KEY@@: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
	)

	// plan/deploy. ##NS## resolves; in the manual items it would not matter.
	opts.RequireSecretValues = true
	opts.Mappings = map[string]any{}
	d, ps := Read(fsys, opts)
	wantLines(t, ps,
		"database-connections/db/login.js:1:43: error: unresolved keyword @@PREFIX@@: not in AUTH0_KEYWORD_REPLACE_MAPPINGS (deploying it would write the marker itself)",
		"pages/login.html:1:8: error: unresolved keyword ##TENANT_NAME##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS (deploying it would write the marker itself)",
		"rules-configs/API_KEY.json:1:12: error: unresolved keyword @@API_KEY@@: not in AUTH0_KEYWORD_REPLACE_MAPPINGS (deploying it would write the marker itself)",
		"rules/a.js:2:16: error: unresolved keyword ##NS##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS (deploying it would write the marker itself)",
		"actions/m.js:1:43: warning: unresolved keyword ##NS##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"rules/Manual.js:1:30: warning: unresolved keyword ##NS##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
	)
	if got := d.Pages[0].HTML; !strings.Contains(got, "'@@config@@'") || !strings.Contains(got, "'##tenant##'") {
		t.Errorf("lower-case markers changed: %q", got)
	}

	// With the mappings, nothing is reported and the values are in place.
	opts.Mappings = map[string]any{"API_KEY": "k", "TENANT_NAME": "Acme", "NS": "n", "PREFIX": "p"}
	d, ps = Read(fsys, opts)
	wantLines(t, ps)
	if d.RulesConfigs[0].Value != "k" || !strings.HasPrefix(d.Pages[0].HTML, "<title>Acme</title>") {
		t.Errorf("desired = %+v %+v", d.RulesConfigs, d.Pages)
	}
}

// A file with unresolved markers outside quotes is still checked: each
// marker stands in for a neutral value of its length, so the file's own
// errors are found at their own columns, and a marker is never a syntax or
// type error of its own (it is reported once, as unresolved).
func TestUnresolvedKeywordsStillChecked(t *testing.T) {
	fsys := fstest.MapFS{
		"rules/a.js": file("function (user, context, callback) {\n  var urls = @@URLS@@; var r = ##REGION##; if (x {\n  callback(null, user, context);\n}\n"),
		// "enabled" is wrong; "stage" is unknown (null stands in for it).
		"rules/a.json": file(`{"order": @@ORDER@@, "enabled": "yes", "stage": ##STAGE##}`),
		"rules/b.js":   file(ruleJS),
		"rules/b.json": file(`{"order": @@B_ORDER@@, "enabled": @@B_ON@@ "stage": "login_success"}`),
		// A ##KEY## that inserts members cannot be stood in for: the
		// error at the marker is left out, the marker is reported.
		"actions/x.js":   file("exports.onExecutePostLogin = async (event, api) => {};\n"),
		"actions/x.json": file(`{"trigger": "post-login", ##MORE##}`),
		// Keys and values from markers are not checked either.
		"actions/y.js":   file("exports.onExecutePostLogin = async (event, api) => {};\n"),
		"actions/y.json": file(`{"trigger": "##TRIGGER##", "##EXTRA_KEY##": 1, "secrets": ["@@SECRET_NAME@@"], "dependencies": {"##PKG##": @@PKG_VERSION@@}}`),
	}
	_, ps := Read(fsys, Options{})
	wantLines(t, ps,
		"rules/a.js:2:50: error: invalid JavaScript: expected \")\" but found \"{\"",
		"rules/a.json:1:33: error: \"enabled\" must be true or false, not a string",
		"rules/b.json:1:44: error: invalid JSON: expected ',' or '}' after object value",
		"actions/x.json:1:27: warning: unresolved keyword ##MORE##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"actions/y.json:1:14: warning: unresolved keyword ##TRIGGER##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"actions/y.json:1:29: warning: unresolved keyword ##EXTRA_KEY##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"actions/y.json:1:61: warning: unresolved keyword @@SECRET_NAME@@: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"actions/y.json:1:98: warning: unresolved keyword ##PKG##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"actions/y.json:1:108: warning: unresolved keyword @@PKG_VERSION@@: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"rules/a.js:2:14: warning: unresolved keyword @@URLS@@: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"rules/a.js:2:32: warning: unresolved keyword ##REGION##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"rules/a.json:1:11: warning: unresolved keyword @@ORDER@@: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"rules/a.json:1:49: warning: unresolved keyword ##STAGE##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"rules/b.json:1:11: warning: unresolved keyword @@B_ORDER@@: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
		"rules/b.json:1:35: warning: unresolved keyword @@B_ON@@: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is",
	)
}

// A hidden entry inside a managed folder is a warning (it would otherwise
// be silently skipped), in both layouts, except .gitkeep, .keep and
// .DS_Store; hidden entries at the top level say nothing.
func TestHiddenFiles(t *testing.T) {
	fsys := fstest.MapFS{
		".gitignore":               file("x"),
		".github/workflows/x.yml":  file("x"),
		"rules/a.js":               file(ruleJS),
		"rules/.old.js":            file(ruleJS),
		"rules/.gitkeep":           file(""),
		"rules/.DS_Store":          file("\x00"),
		"rules/.link.js":           link("a.js"),
		"pages/.keep":              file(""),
		"pages/.drafts/login.html": file("<p>x</p>"),
	}
	_, ps := Read(fsys, Options{})
	wantLines(t, ps,
		"pages/.drafts: warning: hidden folder (its name starts with \".\"): not read",
		"rules/.link.js: warning: hidden file (its name starts with \".\"): not read",
		"rules/.old.js: warning: hidden file (its name starts with \".\"): not read",
	)

	a0 := fstest.MapFS{
		".env":                file("x"),
		"rules/a.json":        file(`{"name": "a", "script": "./a.js"}`),
		"rules/a.js":          file(ruleJS),
		"rules/.a.json.orig":  file("{}"),
		"actions/x/.gitkeep":  file(""),
		"actions/x/.eslintrc": file("{}"),
	}
	_, ps = Read(a0, Options{Layout: LayoutA0Deploy})
	wantLines(t, ps,
		"actions/x: warning: folder not expected here: nothing in it is named by a metadata file: not read",
		"rules/.a.json.orig: warning: hidden file (its name starts with \".\"): not read",
	)
}

func TestPathPrefixAndSources(t *testing.T) {
	fsys := fstest.MapFS{
		"rules/a.js":                       file(ruleJS),
		"rules/a.json":                     file(`{"order": "x"}`),
		"pages/login.html":                 file("<html></html>"),
		"actions/x.js":                     file("exports.onExecutePostLogin = async () => {};"),
		"actions/x.json":                   file(`{"trigger": "post-login"}`),
		"database-connections/db/login.js": file("function login() {}"),
	}
	for _, prefix := range []string{"tenants/dev", "./tenants/dev/", "/tenants/dev"} {
		d, ps := Read(fsys, Options{PathPrefix: prefix})
		wantLines(t, ps, `tenants/dev/rules/a.json:1:11: error: "order" must be a whole number from 1 to 2147483647, not a string`)
		if got := []string{d.Rules[0].ScriptSource.Path, d.Rules[0].MetaSource.Path, d.Pages[0].HTMLSource.Path, d.Actions[0].CodeSource.Path,
			d.Actions[0].MetaSource.Path, d.Databases[0].Source.Path, d.Databases[0].Scripts["login"].Source.Path}; !reflect.DeepEqual(got, []string{
			"tenants/dev/rules/a.js", "tenants/dev/rules/a.json", "tenants/dev/pages/login.html", "tenants/dev/actions/x.js",
			"tenants/dev/actions/x.json", "tenants/dev/database-connections/db", "tenants/dev/database-connections/db/login.js"}) {
			t.Errorf("prefix %q: sources %v", prefix, got)
		}
	}
}

func TestManagedFlags(t *testing.T) {
	d, ps := Read(fstest.MapFS{"rules": &fstest.MapFile{Mode: fs.ModeDir}, "pages/.gitkeep": file("")}, Options{})
	wantLines(t, ps)
	if !d.RulesManaged || d.RulesConfigsManaged || d.DatabasesManaged || d.ActionsManaged || len(d.Rules) != 0 || len(d.Pages) != 0 {
		t.Errorf("desired = %+v", d)
	}
	if d.Layout != "extension" {
		t.Errorf("layout = %q", d.Layout)
	}
}

func TestRuleDefaults(t *testing.T) {
	d, ps := Read(fstest.MapFS{
		"rules/plain.js":         file(ruleJS),
		"rules/meta.js":          file(ruleJS),
		"rules/meta.json":        file(`{"order": 1e1, "stage": "login_success"}`),
		"rules/Manual Rule.js":   file(ruleJS),
		"rules/Manual Rule.json": file(`{}`),
	}, Options{ManualRules: []string{"Manual Rule"}})
	wantLines(t, ps)
	got := map[string]model.Rule{}
	for _, r := range d.Rules {
		got[r.Name] = r
	}
	if r := got["plain"]; !r.Enabled || r.EnabledSet || r.Order != nil || r.MetaSource.Path != "" || r.MetadataOnly {
		t.Errorf("plain = %+v", r)
	}
	if r := got["meta"]; !r.Enabled || r.EnabledSet || r.Order == nil || *r.Order != 10 {
		t.Errorf("meta = %+v", r)
	}
	// A manual rule with a script is read (and validated); the planner skips it.
	if r := got["Manual Rule"]; r.MetadataOnly || r.Script == "" {
		t.Errorf("manual = %+v", r)
	}
}

func sec(name, value string) model.ActionSecret { return model.ActionSecret{Name: name, Value: value} }

func TestActionSecrets(t *testing.T) {
	fsys := fstest.MapFS{
		"actions/a.js":   file("exports.onExecutePostLogin = async (event, api) => {};"),
		"actions/a.json": file(`{"trigger": "post-login", "secrets": ["FROM_MAP", "FROM_ENV", "AUTH0_CLIENT_SECRET", "BITBUCKET_STEP_OIDC_TOKEN", "NONE"], "runtime": "node18", "order": 3, "enabled": false, "dependencies": {"z": "1", "@scope/a": "latest"}}`),
	}
	env := map[string]string{"FROM_ENV": "env-value", "FROM_MAP": "env-loses", "AUTH0_CLIENT_SECRET": "pipe-secret", "BITBUCKET_STEP_OIDC_TOKEN": "oidc"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	opts := Options{Mappings: map[string]any{"FROM_MAP": "map-value"}, LookupEnv: lookup}

	d, ps := Read(fsys, opts)
	wantLines(t, ps,
		`actions/a.json:1:63: warning: secret "AUTH0_CLIENT_SECRET" has no value: variables named AUTH0_*, BITBUCKET_* or SLACK_* are never read for actions; add it to AUTH0_KEYWORD_REPLACE_MAPPINGS`,
		`actions/a.json:1:86: warning: secret "BITBUCKET_STEP_OIDC_TOKEN" has no value: variables named AUTH0_*, BITBUCKET_* or SLACK_* are never read for actions; add it to AUTH0_KEYWORD_REPLACE_MAPPINGS`,
		`actions/a.json:1:115: warning: secret "NONE" has no value: add it to AUTH0_KEYWORD_REPLACE_MAPPINGS or set it as a (secured) variable`,
	)
	a := d.Actions[0]
	wantSecrets := []model.ActionSecret{sec("AUTH0_CLIENT_SECRET", ""), sec("BITBUCKET_STEP_OIDC_TOKEN", ""), sec("FROM_ENV", "env-value"), sec("FROM_MAP", "map-value"), sec("NONE", "")}
	if !reflect.DeepEqual(a.Secrets, wantSecrets) {
		t.Errorf("secrets = %+v", a.Secrets)
	}
	if a.Runtime != "node18" || a.Order == nil || *a.Order != 3 || a.Enabled ||
		!reflect.DeepEqual(a.Dependencies, []model.Dependency{{Name: "@scope/a", Version: "latest"}, {Name: "z", Version: "1"}}) {
		t.Errorf("action = %+v", a)
	}

	// plan/deploy: a secret without a value is an error.
	opts.RequireSecretValues = true
	d, ps = Read(fsys, opts)
	if errs, _ := ps.Count(); errs != 3 {
		t.Errorf("RequireSecretValues: %d errors, want 3:\n%s", errs, strings.Join(lines(ps), "\n"))
	}
	if got := d.Actions[0].Secrets; !reflect.DeepEqual(got, []model.ActionSecret{sec("FROM_ENV", "env-value"), sec("FROM_MAP", "map-value")}) {
		t.Errorf("secrets = %+v", got)
	}
}

// An empty value is no value: sent empty, Auth0 would keep the secret's
// old value, so a rotation through an unset variable would silently do
// nothing.
func TestActionSecretsEmptyValues(t *testing.T) {
	fsys := fstest.MapFS{
		"actions/a.js":   file("exports.onExecutePostLogin = async (event, api) => {};"),
		"actions/a.json": file(`{"trigger": "post-login", "secrets": ["EMPTY_MAP", "EMPTY_ENV"]}`),
	}
	env := map[string]string{"EMPTY_ENV": "", "EMPTY_MAP": "env-never-used"}
	opts := Options{Mappings: map[string]any{"EMPTY_MAP": ""}, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		RequireSecretValues: true}
	d, ps := Read(fsys, opts)
	wantLines(t, ps,
		`actions/a.json:1:39: error: secret "EMPTY_MAP" has an empty value in AUTH0_KEYWORD_REPLACE_MAPPINGS: Auth0 keeps a secret's old value when it is sent empty`,
		`actions/a.json:1:52: error: secret "EMPTY_ENV" has no value: the variable of that name is empty (Auth0 keeps a secret's old value when it is sent empty)`,
	)
	if got := d.Actions[0].Secrets; len(got) != 0 {
		t.Errorf("secrets = %+v", got)
	}
}

func TestManualActionMetadataOnly(t *testing.T) {
	d, ps := Read(fstest.MapFS{"actions/vendor.json": file(`{"trigger": "post-login", "order": 1}`)}, Options{ManualActions: []string{"vendor"}})
	wantLines(t, ps)
	if a := d.Actions[0]; a.Name != "vendor" || a.Code != "" || a.Source().Path != "actions/vendor.json" || a.Trigger != "post-login" {
		t.Errorf("action = %+v", a)
	}
}

func TestSymlinks(t *testing.T) {
	fsys := fstest.MapFS{
		"rules/a.js":            file(ruleJS),
		"rules/alias.js":        link("a.js"),
		"rules/via-dir.js":      link("../lib/b.js"),
		"lib":                   link("shared"),
		"shared/b.js":           file(ruleJS),
		"rules/escape.js":       link("../../x.js"),
		"rules/abs.js":          link("/etc/passwd"),
		"rules/dir-escape.js":   link("../out/x.js"),
		"out":                   link(".."),
		"pages/login.html":      link("../shared"),
		"rules/chain.js":        link("alias.js"),
		"rules/self.js":         link("self.js"),
		"rules/through-file.js": link("a.js/x"),
	}
	d, ps := Read(fsys, Options{})
	// lib and out are not managed folders: not followed, not checked.
	wantLines(t, ps,
		"pages/login.html: error: symbolic link to a folder: not followed (commit the folder itself)",
		"rules/abs.js: error: symbolic link points outside BASE_DIR (absolute target): not read",
		"rules/dir-escape.js: error: symbolic link points outside BASE_DIR: not read",
		"rules/escape.js: error: symbolic link points outside BASE_DIR: not read",
		"rules/self.js: error: symbolic link chain is longer than 16 links (a loop?): not read",
		"rules/through-file.js: error: symbolic link leads to a file that does not exist: not read",
		"lib: warning: not managed by this pipe",
		"out: warning: not managed by this pipe",
		"shared: warning: not managed by this pipe",
	)
	var read []string
	for _, r := range d.Rules {
		if r.Script != "" {
			read = append(read, r.Name+"="+r.ScriptSource.Path)
		}
	}
	if want := []string{"a=rules/a.js", "alias=rules/alias.js", "chain=rules/chain.js", "via-dir=rules/via-dir.js"}; !reflect.DeepEqual(read, want) {
		t.Errorf("rules read through links: %v, want %v", read, want)
	}
}

// An empty page that is enabled would replace the tenant's page with a
// blank one: an error; disabled, a warning; a redirecting error page, whose
// HTML is cleared anyway, nothing. The same in both layouts.
func TestEmptyPages(t *testing.T) {
	_, ps := Read(fstest.MapFS{
		"pages/login.html":                file(""),
		"pages/guardian_multifactor.html": file(" \r\n\t\n"),
		"pages/guardian_multifactor.json": file(`{"enabled": true}`),
		"pages/password_reset.html":       file("\n"),
		"pages/password_reset.json":       file(`{"enabled": false}`),
		"pages/error_page.html":           file(""),
		"pages/error_page.json":           file(`{"enabled": false, "url": "https://example.com/error"}`),
	}, Options{})
	wantLines(t, ps,
		`pages/guardian_multifactor.html: error: page is empty: deploying it would show a blank guardian_multifactor page (add its HTML, or set "enabled": false in pages/guardian_multifactor.json)`,
		`pages/login.html: error: page is empty: deploying it would show a blank login page (add its HTML, or set "enabled": false in pages/login.json)`,
		`pages/password_reset.html: warning: page is empty (it is disabled, so nothing is shown)`,
	)
	// A keyword whose value is empty empties the page too.
	_, ps = Read(fstest.MapFS{"pages/login.html": file("##LOGIN_HTML##\n")}, Options{Mappings: map[string]any{"LOGIN_HTML": ""}})
	wantLines(t, ps, `pages/login.html: error: page is empty: deploying it would show a blank login page (add its HTML, or set "enabled": false in pages/login.json)`)

	_, ps = Read(fstest.MapFS{
		"pages/login.json":          file(`{"name": "login", "enabled": true}`),
		"pages/login.html":          file(" "),
		"pages/password_reset.json": file(`{"name": "password_reset", "enabled": false}`),
		"pages/password_reset.html": file(""),
		"pages/error_page.json":     file(`{"name": "error_page", "url": "https://example.com/error"}`),
		"pages/error_page.html":     file(""),
	}, Options{Layout: LayoutA0Deploy})
	wantLines(t, ps,
		`pages/login.html: error: page is empty: deploying it would show a blank login page (add its HTML, or set "enabled": false in pages/login.json)`,
		`pages/password_reset.html: warning: page is empty (it is disabled, so nothing is shown)`,
	)
}

// touchFS records every path opened, listed, lstat'ed or read as a link.
type touchFS struct {
	fstest.MapFS
	touched map[string]bool
}

func (f *touchFS) Open(name string) (fs.File, error) {
	f.touched[name] = true
	return f.MapFS.Open(name)
}
func (f *touchFS) ReadLink(name string) (string, error) {
	f.touched[name] = true
	return f.MapFS.ReadLink(name)
}
func (f *touchFS) Lstat(name string) (fs.FileInfo, error) {
	f.touched[name] = true
	return f.MapFS.Lstat(name)
}

// Entries at the top level that are not managed folders are never errors,
// whatever they are, and symbolic links among them are never followed nor
// checked: furniture is silent, anything else gets one warning. This is
// BASE_DIR "/" on a merged-/usr system, plus repository furniture.
func TestTopLevelEntriesAreNeverErrors(t *testing.T) {
	for _, layout := range []string{LayoutExtension, LayoutA0Deploy} {
		t.Run(layout, func(t *testing.T) {
			m := fstest.MapFS{
				"bin":           link("usr/bin"),
				"lib64":         link("usr/lib64"), // dangling here
				"usr/bin/sh":    file("#!"),
				"proc/1/status": file(""),
				"dangling":      link("/nonexistent"),
				"scripts":       link("tools/scripts"),
				"tools/scripts": &fstest.MapFile{Mode: fs.ModeDir},
				"loop":          link("loop"),
				"outside":       link("../.."),
				"README.md":     link("README.real"), // dangling
				"LICENSE":       link("/etc/passwd"),
				"CHANGELOG.md":  &fstest.MapFile{Mode: fs.ModeDir},
				"fifo":          &fstest.MapFile{Mode: fs.ModeNamedPipe},
				"README.socket": &fstest.MapFile{Mode: fs.ModeSocket},
				"Rules":         link("/elsewhere"),
				"rules-configs": &fstest.MapFile{Mode: fs.ModeDir},
			}
			if layout == LayoutA0Deploy {
				m["rules/a.json"] = file(`{"name": "a", "script": "./a.js"}`)
				m["rules/a.js"] = file(ruleJS)
			} else {
				m["rules/a.js"] = file(ruleJS)
			}
			fsys := &touchFS{MapFS: m, touched: map[string]bool{}}
			d, ps := Read(fsys, Options{Layout: layout})
			wantLines(t, ps,
				"Rules: error: name differs only in letter case from rules",
				"rules: error: name differs only in letter case from Rules",
				"Rules: warning: not managed by this pipe (names are case-sensitive: did you mean rules?)",
				"bin: warning: not managed by this pipe",
				"dangling: warning: not managed by this pipe",
				"fifo: warning: not managed by this pipe",
				"lib64: warning: not managed by this pipe",
				"loop: warning: not managed by this pipe",
				"outside: warning: not managed by this pipe",
				"proc: warning: not managed by this pipe",
				"scripts: warning: not managed by this pipe",
				"tools: warning: not managed by this pipe",
				"usr: warning: not managed by this pipe",
			)
			if len(d.Rules) != 1 || d.Rules[0].Script != ruleJS || !d.RulesConfigsManaged {
				t.Errorf("desired = %+v", d)
			}
			for _, name := range []string{"bin", "lib64", "dangling", "scripts", "loop", "outside", "README.md", "LICENSE", "Rules", "usr/bin", "tools/scripts"} {
				if fsys.touched[name] {
					t.Errorf("%s was followed or checked", name)
				}
			}
		})
	}
}

// Options.Ignore (the pipe's REPORT_DIR inside BASE_DIR) is skipped without
// a word and never looked into, in both layouts, whatever it is.
func TestIgnoredTopLevelEntries(t *testing.T) {
	for _, layout := range []string{LayoutExtension, LayoutA0Deploy} {
		for _, report := range []*fstest.MapFile{nil, link("/tmp/reports")} {
			m := fstest.MapFS{
				"rules/a.json": file(`{"name": "a", "script": "./a.js"}`),
				"rules/a.js":   file(ruleJS),
				"other/x.txt":  file("x"),
			}
			if layout == LayoutExtension {
				delete(m, "rules/a.json")
			}
			if report == nil {
				m["auth0-deploy-report/report.json"] = file("{")
				m["auth0-deploy-report/backup/rules/old.js"] = file(ruleJS)
			} else {
				m["auth0-deploy-report"] = report
			}
			fsys := &touchFS{MapFS: m, touched: map[string]bool{}}
			d, ps := Read(fsys, Options{Layout: layout, Ignore: []string{"auth0-deploy-report"}})
			wantLines(t, ps, "other: warning: not managed by this pipe")
			if len(d.Rules) != 1 {
				t.Errorf("%s: rules %+v", layout, d.Rules)
			}
			for name := range fsys.touched {
				if strings.HasPrefix(name, "auth0-deploy-report") {
					t.Errorf("%s: %s was looked at", layout, name)
				}
			}
		}
	}
}

// A managed folder may be a symbolic link to a folder inside BASE_DIR (it
// is read as if it were there); one that leads outside BASE_DIR, dangles or
// loops is an error, as is a link to a folder inside a managed folder.
func TestSymlinkedManagedFolders(t *testing.T) {
	d, ps := Read(fstest.MapFS{
		"rules":                        link("shared/rules"),
		"shared/rules/a.js":            file(ruleJS),
		"shared/rules/alias.js":        link("a.js"),
		"shared/rules/up.js":           link("../common.js"),
		"shared/common.js":             file(ruleJS),
		"shared/rules/sub":             link("../.."),
		"pages":                        link("../pages"),
		"actions":                      link("/srv/actions"),
		"rules-configs":                link("missing"),
		"database-connections":         link("database-connections"),
		"tenants/dev/pages/login.html": file("<p>"),
	}, Options{})
	wantLines(t, ps,
		"actions: error: symbolic link points outside BASE_DIR (absolute target): not read",
		"database-connections: error: symbolic link chain is longer than 16 links (a loop?): not read",
		"pages: error: symbolic link points outside BASE_DIR: not read",
		"rules-configs: error: symbolic link leads to a folder that does not exist: not read",
		"rules/sub: error: symbolic link to a folder: not followed (commit the folder itself)",
		"shared: warning: not managed by this pipe",
		"tenants: warning: not managed by this pipe",
	)
	var got []string
	for _, r := range d.Rules {
		got = append(got, r.Name+"="+r.ScriptSource.Path)
	}
	if want := []string{"a=rules/a.js", "alias=rules/alias.js", "up=rules/up.js"}; !reflect.DeepEqual(got, want) || d.Rules[2].Script != ruleJS {
		t.Errorf("rules read through the linked folder: %v, want %v", got, want)
	}
}

// noLinkFS hides ReadLinkFS but still reports symbolic links in listings.
type noLinkFS struct{ fs.FS }

func TestSymlinkWithoutReadLinkFS(t *testing.T) {
	_, ps := Read(noLinkFS{fstest.MapFS{"rules/a.js": file(ruleJS), "rules/b.js": link("a.js")}}, Options{})
	wantLines(t, ps, "rules/b.js: error: symbolic link cannot be checked on this file system: not read")
}

// noInfoFS lists folders without file sizes (DirEntry.Info fails) and
// offers no ReadDirFile batches.
type noInfoFS struct{ m fstest.MapFS }

func (n noInfoFS) Open(name string) (fs.File, error) {
	f, err := n.m.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return noInfoDir{f}, nil
	}
	return f, nil
}

func (n noInfoFS) ReadDir(name string) ([]fs.DirEntry, error) {
	list, err := n.m.ReadDir(name)
	for i, de := range list {
		list[i] = noInfoEntry{de}
	}
	return list, err
}

type noInfoDir struct{ fs.File } // hides ReadDir: fs.ReadDir falls back to noInfoFS.ReadDir

type noInfoEntry struct{ fs.DirEntry }

func (noInfoEntry) Info() (fs.FileInfo, error) { return nil, fs.ErrPermission }

func TestTextChecksAndBounds(t *testing.T) {
	fsys := fstest.MapFS{
		"rules/bom.js":      file("\ufefffunction (u, c, cb) {\r\n  cb(null, u, c)\r\n}\r\n"),
		"rules/nul.js":      file("function () {}\x00"),
		"rules/latin1.js":   file("function () { 'caf\xe9' }"),
		"rules/big.js":      file("function () {}" + strings.Repeat(" ", 200)),
		"rules/exact.js":    file("function () {}" + strings.Repeat(" ", 186)),
		"rules/errors.json": file("\ufeff{\r\n  \"order\": 1,\r\n  \"enabled\": tru\r\n}"),
	}
	d, ps := Read(fsys, Options{MaxFileSize: 200})
	wantLines(t, ps,
		"rules/big.js: error: file is too large (214 bytes; the limit is 200 bytes)",
		"rules/errors.json: error: no errors.js next to it: a metadata file without a script is allowed only for a rule listed in MANUAL_RULES",
		"rules/errors.json:3:14: error: invalid JSON: invalid literal (expected true, false or null; strings need double quotes)",
		"rules/latin1.js:1:19: error: invalid UTF-8: files must be UTF-8 text",
		"rules/nul.js:1:15: error: NUL byte: not a text file",
	)
	if d.Rules[0].Name != "big" || d.Rules[1].Name != "bom" || !strings.HasPrefix(d.Rules[1].Script, "function (u, c, cb) {\r\n") {
		t.Errorf("BOM not stripped: %q", d.Rules[1].Script)
	}
	// When the listing gives no size, the bound still holds while reading.
	_, ps = Read(noInfoFS{fsys}, Options{MaxFileSize: 200})
	if !strings.Contains(strings.Join(lines(ps), "\n"), "rules/big.js: error: file is too large (more than 200 bytes; the limit is 200 bytes)") {
		t.Errorf("plain FS: %s", strings.Join(lines(ps), "\n"))
	}
}

func TestEntryAndByteBounds(t *testing.T) {
	fsys := fstest.MapFS{}
	for i := 0; i < 30; i++ {
		fsys["rules/r"+strconv.Itoa(100+i)+".js"] = file(ruleJS)
	}
	_, ps := read(fsys, Options{}, limits{maxEntries: 10, maxTotalBytes: 1 << 20})
	if got := lines(ps); len(got) != 1 || got[0] != ".: error: more than 10 files and folders under BASE_DIR: stopped reading (is BASE_DIR right?)" {
		t.Errorf("entries bound: %v", got)
	}
	_, ps = read(fsys, Options{}, limits{maxEntries: 100, maxTotalBytes: 3 * int64(len(ruleJS))})
	if got := lines(ps); len(got) != 1 || got[0] != ".: error: the files under BASE_DIR exceed "+strconv.Itoa(3*len(ruleJS))+" bytes in total: stopped reading" {
		t.Errorf("bytes bound: %v", got)
	}
}

func TestUnreadableRoot(t *testing.T) {
	sub, err := fs.Sub(fstest.MapFS{"x": file("")}, "missing")
	if err != nil {
		t.Fatal(err)
	}
	_, ps := Read(sub, Options{PathPrefix: "tenant"})
	wantLines(t, ps, "tenant: error: cannot read folder: not found")
}

func TestDisplayPath(t *testing.T) {
	for in, want := range map[string]string{
		"rules/a b.js":      "rules/a b.js",
		"rules/a\nb.js":     `rules/a\u000ab.js`,
		"rules/caf\xe9.js":  `rules/caf\xe9.js`,
		"rules/é\u2028.js":  `rules/é\u2028.js`,
		"rules/\x1b[31m.js": `rules/\u001b[31m.js`,
	} {
		if got := displayPath(in); got != want {
			t.Errorf("displayPath(%q) = %q, want %q", in, got, want)
		}
	}
	_, ps := Read(fstest.MapFS{"rules/evil\nname.js": file(ruleJS)}, Options{})
	for _, l := range lines(ps) {
		if strings.Contains(l, "\n") {
			t.Errorf("problem line with a newline: %q", l)
		}
	}
	if len(ps) != 1 || ps[0].Path != `rules/evil\u000aname.js` {
		t.Errorf("problems: %v", lines(ps))
	}
}

func TestLineCol(t *testing.T) {
	text := "ab\ncé\r\nx"
	for _, tc := range []struct{ off, line, col int }{{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {4, 2, 2}, {6, 2, 3}, {8, 3, 1}, {99, 3, 2}, {-1, 1, 1}} {
		if l, c := lineCol(text, tc.off); l != tc.line || c != tc.col {
			t.Errorf("lineCol(%d) = %d:%d, want %d:%d", tc.off, l, c, tc.line, tc.col)
		}
	}
}
