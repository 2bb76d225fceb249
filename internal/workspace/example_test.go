package workspace

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
)

// exampleDir returns a copy of the bundled example, examples/repository,
// holding only the repository's files: leftovers in the working copy (a
// report the README's standalone run writes there) cannot change a result.
func exampleDir(t testing.TB) string { return harness.ExampleRepository(t) }

// exampleOptions are the pipe variables examples/repository/README.md states.
func exampleOptions() Options {
	return Options{
		ManualRules: []string{"auth0-authorization-extension"},
		Mappings: map[string]any{
			"COUNTRY_CLAIM":      "https://example.com/country",
			"TENANT_NAME":        "Example Corp",
			"SIGNUP_WEBHOOK_URL": "https://hooks.example.com/signup",
		},
		RequireSecretValues: true,
	}
}

func TestExampleRepository(t *testing.T) {
	d, problems := Read(os.DirFS(exampleDir(t)), exampleOptions())
	if len(problems) != 0 {
		t.Fatalf("problems in the example:\n%v", problems)
	}
	if d.Layout != "extension" || !d.RulesManaged || !d.RulesConfigsManaged || !d.DatabasesManaged || !d.ActionsManaged {
		t.Fatalf("layout/managed flags: %+v", d)
	}

	type ruleSummary struct {
		Name                              string
		Enabled, EnabledSet, MetadataOnly bool
		Order                             int
		Source                            string
	}
	var rules []ruleSummary
	for _, r := range d.Rules {
		o := 0
		if r.Order != nil {
			o = *r.Order
		}
		rules = append(rules, ruleSummary{r.Name, r.Enabled, r.EnabledSet, r.MetadataOnly, o, r.Source().Path})
		if r.Stage != "login_success" {
			t.Errorf("rule %s stage %q", r.Name, r.Stage)
		}
		if !r.MetadataOnly && !strings.Contains(r.Script, "callback(null, user, context)") {
			t.Errorf("rule %s script not read", r.Name)
		}
	}
	wantRules := []ruleSummary{
		{"add-country-claim", false, true, false, 10, "rules/add-country-claim.js"},
		{"auth0-authorization-extension", true, true, true, 1, "rules/auth0-authorization-extension.json"},
		{"log-login-context", true, false, false, 0, "rules/log-login-context.js"},
		{"require-verified-email", true, true, false, 20, "rules/require-verified-email.js"},
	}
	if !reflect.DeepEqual(rules, wantRules) {
		t.Errorf("rules:\n got %+v\nwant %+v", rules, wantRules)
	}

	if len(d.RulesConfigs) != 1 || d.RulesConfigs[0].Key != "COUNTRY_CLAIM" || d.RulesConfigs[0].Value != "https://example.com/country" {
		t.Errorf("rules configs: %+v", d.RulesConfigs)
	}

	if len(d.Databases) != 1 || d.Databases[0].Name != "legacy-users" || d.Databases[0].Source.Path != "database-connections/legacy-users" {
		t.Fatalf("databases: %+v", d.Databases)
	}
	var scripts []string
	for name, s := range d.Databases[0].Scripts {
		scripts = append(scripts, name)
		if s.Source.Path != "database-connections/legacy-users/"+name+".js" || !strings.Contains(s.Code, "callback") {
			t.Errorf("script %s: %+v", name, s.Source)
		}
	}
	sort.Strings(scripts)
	if want := []string{"change_password", "create", "delete", "get_user", "login", "verify"}; !reflect.DeepEqual(scripts, want) {
		t.Errorf("scripts = %v, want %v", scripts, want)
	}

	var pages []string
	for _, p := range d.Pages {
		pages = append(pages, p.Name+map[bool]string{true: "+", false: "-"}[p.Enabled])
	}
	if want := []string{"login+", "password_reset+", "guardian_multifactor-", "error_page+"}; !reflect.DeepEqual(pages, want) {
		t.Errorf("pages = %v, want %v", pages, want)
	}
	login := d.Pages[0].HTML
	if !strings.Contains(login, "window.atob('@@config@@')") || !strings.Contains(login, "<title>Sign in to Example Corp</title>") || strings.Contains(login, "##TENANT_NAME##") {
		t.Errorf("login page: @@config@@ must survive and ##TENANT_NAME## be replaced")
	}
	if ep := d.Pages[3]; ep.ShowLogLink == nil || *ep.ShowLogLink || ep.URL != "" {
		t.Errorf("error page: %+v", ep)
	}

	if len(d.Actions) != 2 {
		t.Fatalf("actions: %+v", d.Actions)
	}
	a, n := d.Actions[0], d.Actions[1]
	if a.Name != "add-country-claim" || a.Trigger != "post-login" || a.TriggerVersion != "v3" || a.Runtime != "node22" ||
		a.Order == nil || *a.Order != 10 || !a.Enabled || !a.Deploy ||
		!reflect.DeepEqual(a.Secrets, []model.ActionSecret{{Name: "COUNTRY_CLAIM", Value: "https://example.com/country"}}) {
		t.Errorf("action add-country-claim: %+v", a)
	}
	if n.Name != "notify-signup" || n.Trigger != "post-user-registration" || n.TriggerVersion != "v2" || n.Runtime != "node22" || n.Order != nil ||
		!reflect.DeepEqual(n.Dependencies, []model.Dependency{{Name: "axios", Version: "1.7.9"}}) ||
		!reflect.DeepEqual(n.Secrets, []model.ActionSecret{{Name: "SIGNUP_WEBHOOK_URL", Value: "https://hooks.example.com/signup"}}) {
		t.Errorf("action notify-signup: %+v", n)
	}
}

// Without the mappings, MODE=validate still passes: the markers and the
// secrets without values are warnings.
func TestExampleRepositoryWithoutMappings(t *testing.T) {
	_, problems := Read(os.DirFS(exampleDir(t)), Options{ManualRules: []string{"auth0-authorization-extension"}})
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	want := []string{
		`actions/add-country-claim.json:6:15: warning: secret "COUNTRY_CLAIM" has no value: add it to AUTH0_KEYWORD_REPLACE_MAPPINGS or set it as a (secured) variable`,
		`actions/notify-signup.json:6:15: warning: secret "SIGNUP_WEBHOOK_URL" has no value: add it to AUTH0_KEYWORD_REPLACE_MAPPINGS or set it as a (secured) variable`,
		`pages/login.html:6:21: warning: unresolved keyword ##TENANT_NAME##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is`,
		`pages/login.html:24:37: warning: unresolved keyword ##TENANT_NAME##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is`,
		`pages/password_reset.html:5:22: warning: unresolved keyword ##TENANT_NAME##: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is`,
		`rules-configs/COUNTRY_CLAIM.json:2:13: warning: unresolved keyword @@COUNTRY_CLAIM@@: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if problems.HasErrors() {
		t.Error("the example has errors without mappings")
	}
	// Without MANUAL_RULES the metadata-only rule is an error.
	noManual := exampleOptions()
	noManual.ManualRules = nil
	_, problems = Read(os.DirFS(exampleDir(t)), noManual)
	wantLines(t, problems, "rules/auth0-authorization-extension.json: error: no auth0-authorization-extension.js next to it: a metadata file without a script is allowed only for a rule listed in MANUAL_RULES")
}
