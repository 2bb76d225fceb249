package packaging

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/bbsim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/slacksim"
)

// exampleVariables are the pipe variables examples/repository expects
// (its README.md).
var exampleVariables = map[string]string{
	"MANUAL_RULES":                   "auth0-authorization-extension",
	"AUTH0_KEYWORD_REPLACE_MAPPINGS": `{"COUNTRY_CLAIM": "https://example.com/country", "TENANT_NAME": "Example Corp", "SIGNUP_WEBHOOK_URL": "https://hooks.example.com/signup-0c6f1d"}`,
}

// Secrets of the runs below: none may appear in any output of the pipe.
const (
	clientSecret   = "s3cr3t-client-0123456789abcdefghijklmnopqrstuvwxyz"
	bbPassword     = "ATATT3xFfGF0-api-token-for-the-test"
	bbAccessToken  = "ATCTT3xFfGF0-access-token-for-the-test"
	slackPath      = "/services/T0TEST/B0TEST/aBcDeFgHiJkLmNoPqRsTuVwX"
	signupWebhook  = "https://hooks.example.com/signup-0c6f1d" // a mapping value used as an action secret
	manualRuleName = "auth0-authorization-extension"
)

// planDeployPlan runs the chrooted binary against the Auth0, Bitbucket and
// Slack stand-ins on loopback (which a chroot shares): a plan with drift
// detection, a deployment with every remaining variable set, then a plan
// that must find nothing left to do.
func planDeployPlan(t *testing.T, rootDir string) {
	sim := auth0sim.New(auth0sim.Options{ClientID: "pipe-client", ClientSecret: clientSecret})
	sim.Update(func(s *auth0sim.State) {
		s.Connections = append(s.Connections, auth0sim.Object{
			"id": "con_legacyusers00001", "name": "legacy-users", "strategy": "auth0",
			"enabled_clients": []any{auth0sim.DefaultAppClientID}, "realms": []any{"legacy-users"},
			"options": auth0sim.Object{"import_mode": false, "enabledDatabaseCustomization": false,
				"customScripts": auth0sim.Object{}, "passwordPolicy": "good"},
		})
		s.Rules = append(s.Rules,
			auth0sim.Rule{ID: "rul_authzextension01", Name: manualRuleName, Script: "function (user, context, callback) { callback(null, user, context); }", Order: 1, Enabled: true, Stage: "login_success"},
			auth0sim.Rule{ID: "rul_retiredrule00001", Name: "retired-rule", Script: "function (user, context, callback) { /* retired */ callback(null, user, context); }", Order: 2, Enabled: true, Stage: "login_success"},
		)
	})
	auth0URL := sim.Start(t)

	bb := bbsim.New(bbsim.Options{Token: bbAccessToken, User: "ci@example.com", Password: bbPassword})
	bbSrv := httptest.NewServer(bb)
	t.Cleanup(bbSrv.Close)
	slack := slacksim.New(slacksim.Options{Path: slackPath})
	slackSrv := httptest.NewServer(slack)
	t.Cleanup(slackSrv.Close)

	base := func() map[string]string {
		env := pipelinesEnv()
		for k, v := range exampleVariables {
			env[k] = v
		}
		env["AUTH0_DOMAIN"] = auth0URL
		env["AUTH0_CLIENT_ID"] = "pipe-client"
		env["AUTH0_CLIENT_SECRET"] = clientSecret
		return env
	}
	workspace := filepath.Join(rootDir, filepath.FromSlash(cloneDir))
	secrets := []string{clientSecret, bbPassword, bbAccessToken, slackPath, signupWebhook}
	noSecrets := func(what string, res chrootRun, reportDir string) {
		t.Helper()
		outputs := map[string]string{"stdout": res.Stdout, "stderr": res.Stderr}
		for _, f := range []string{"report.json", "report.md"} {
			b, err := os.ReadFile(filepath.Join(workspace, filepath.FromSlash(reportDir), f))
			if err != nil {
				t.Errorf("%s: %v", what, err)
			}
			outputs[f] = string(b)
		}
		for _, r := range bb.Reports() {
			b, _ := json.Marshal(r)
			outputs["code insights"] += string(b)
		}
		for _, m := range slack.Messages() {
			outputs["slack"] += string(m.Raw)
		}
		for where, text := range outputs {
			for _, s := range secrets {
				if strings.Contains(text, s) {
					t.Errorf("%s: a secret (%.6s...) appears in %s", what, s, where)
				}
			}
		}
	}

	// 1. Plan with drift detection: the tenant lacks everything, so changes
	// are pending (exit 3) and nothing is written. Code Insights with an
	// API token, Slack through the extension's variable name.
	env := base()
	env["MODE"] = "plan"
	env["DETAILED_EXITCODE"] = "true"
	env["REPORT_DIR"] = "reports/plan"
	env["CODE_INSIGHTS"] = "true"
	env["BITBUCKET_API_URL"] = bbSrv.URL + "/2.0"
	env["BITBUCKET_USER"] = "ci@example.com"
	env["BITBUCKET_PASSWORD"] = bbPassword
	env["SLACK_INCOMING_WEBHOOK_URL"] = slackSrv.URL + slackPath
	env["SLACK_NOTIFY"] = "changes"
	env["AUTH0_ALLOW_DELETE"] = "false" // auth0-deploy-cli's name: retired-rule is kept
	res := runChrooted(t, rootDir, env)
	t.Logf("plan output:\n%s", res.Stdout)
	if res.Code != 3 {
		t.Fatalf("plan: exit %d, want 3 (changes pending)\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	if w := sim.APIWrites(); len(w) != 0 {
		t.Errorf("plan wrote to the tenant: %v", w)
	}
	rep := readReport(t, rootDir, cloneDir+"/reports/plan")
	if rep["mode"] != "plan" {
		t.Errorf("plan: report mode %v", rep["mode"])
	}
	items, _ := rep["items"].([]any)
	kept := false
	for _, it := range items {
		if m, _ := it.(map[string]any); m["name"] == "retired-rule" {
			kept = m["action"] == "skip"
		}
	}
	if !kept {
		t.Error("plan: with AUTH0_ALLOW_DELETE=false, retired-rule is not reported as skipped")
	}
	if n := len(bb.Reports()); n != 1 {
		t.Errorf("plan: %d Code Insights reports, want 1", n)
	}
	if n := len(slack.Messages()); n != 1 {
		t.Errorf("plan: %d Slack messages, want 1 (SLACK_NOTIFY=changes, changes pending)", n)
	}
	noSecrets("plan", res, "reports/plan")

	// 2. Deploy with every other variable set: Code Insights through the
	// auth proxy, as inside Pipelines.
	env = base()
	delete(env, "MANUAL_RULES")
	env["MANUAL_RULES_COUNT"] = "1" // a YAML list, as Bitbucket passes it
	env["MANUAL_RULES_0"] = manualRuleName
	env["MANUAL_ACTIONS"] = "marketplace-action"
	env["REDEPLOY_ACTIONS"] = "notify-signup" // created anyway: the e2e actions test checks its effect
	env["MODE"] = "deploy"
	env["AUTH0_AUDIENCE"] = auth0URL + "/api/v2/"
	env["BITBUCKET_REPOSITORY"] = "https://bitbucket.org/acme/auth0-tenant"
	env["DEPLOY_BRANCH"] = "main"
	env["ALLOW_DELETE"] = "true"
	env["LAYOUT"] = "extension"
	env["BASE_DIR"] = "."
	env["REPORT_DIR"] = "reports/deploy"
	env["CODE_INSIGHTS"] = "true"
	env["BITBUCKET_PROXY"] = bbSrv.URL
	env["SLACK_INCOMING_WEBHOOK"] = slackSrv.URL + slackPath
	env["SLACK_NOTIFY"] = "always"
	env["TIMEOUT"] = "2m"
	env["DEBUG"] = "true"
	res = runChrooted(t, rootDir, env)
	t.Logf("deploy output:\n%s", res.Stdout)
	if res.Code != 0 {
		t.Fatalf("deploy: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	rep = readReport(t, rootDir, cloneDir+"/reports/deploy")
	if rep["mode"] != "deploy" || rep["status"] != "succeeded" || rep["repository"] != "acme/auth0-tenant" {
		t.Errorf("deploy: report mode %v status %v repository %v", rep["mode"], rep["status"], rep["repository"])
	}
	st := sim.Snapshot()
	rules := map[string]auth0sim.Rule{}
	for _, r := range st.Rules {
		rules[r.Name] = r
	}
	for _, name := range []string{"require-verified-email", "log-login-context", "add-country-claim", manualRuleName} {
		if _, ok := rules[name]; !ok {
			t.Errorf("deploy: rule %s is not in the tenant", name)
		}
	}
	if _, ok := rules["retired-rule"]; ok {
		t.Error("deploy: retired-rule (not in the repository, not manual) was not deleted")
	}
	if rules[manualRuleName].Script != "function (user, context, callback) { callback(null, user, context); }" {
		t.Error("deploy: the manual rule's script was changed")
	}
	backup, err := os.ReadFile(filepath.Join(workspace, "reports", "deploy", "backup", "rules", "retired-rule.js"))
	if err != nil || !strings.Contains(string(backup), "/* retired */") {
		t.Errorf("deploy: no backup of the deleted rule (%v)", err)
	}
	configs := map[string]string{}
	for _, c := range st.RulesConfigs {
		configs[c.Key] = c.Value
	}
	if configs["COUNTRY_CLAIM"] != "https://example.com/country" {
		t.Errorf("deploy: rules config COUNTRY_CLAIM = %q, want the mapped value", configs["COUNTRY_CLAIM"])
	}
	actions := map[string]bool{}
	for _, a := range st.Actions {
		actions[a.Name] = true
	}
	if !actions["add-country-claim"] || !actions["notify-signup"] {
		t.Errorf("deploy: actions in the tenant: %v", actions)
	}
	var proxied bool
	for _, r := range bb.Requests() {
		if r.Method == "PUT" && r.Auth == "proxy" && strings.Contains(r.Path, "/repositories/acme/auth0-tenant/commit/") {
			proxied = true
		}
	}
	if !proxied {
		t.Error("deploy: no Code Insights report through the auth proxy")
	}
	if n := len(slack.Messages()); n != 2 {
		t.Errorf("deploy: %d Slack messages in all, want 2", n)
	}
	noSecrets("deploy", res, "reports/deploy")

	// 3. Plan again, Code Insights with an access token: nothing is left to
	// do, so drift detection exits 0.
	sim.ResetRequests()
	env = base()
	env["MODE"] = "plan"
	env["DETAILED_EXITCODE"] = "true"
	env["REPORT_DIR"] = "reports/replan"
	env["BITBUCKET_API_URL"] = bbSrv.URL + "/2.0"
	env["BITBUCKET_ACCESS_TOKEN"] = bbAccessToken
	res = runChrooted(t, rootDir, env)
	if res.Code != 0 {
		t.Errorf("plan after deploy: exit %d, want 0 (nothing pending)\nstdout:\n%s", res.Code, res.Stdout)
	}
	if w := sim.APIWrites(); len(w) != 0 {
		t.Errorf("plan after deploy wrote to the tenant: %v", w)
	}
	var bearer bool
	for _, r := range bb.Requests() {
		bearer = bearer || (r.Method == "PUT" && r.Auth == "bearer")
	}
	if !bearer {
		t.Error("plan after deploy: no Code Insights report with the access token")
	}
	noSecrets("plan after deploy", res, "reports/replan")
}
