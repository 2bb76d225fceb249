package reliability

import (
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
)

// Canary values: every secret the pipe is given. Each must reach the place
// it is for (the tenant, the token request, Bitbucket's Authorization
// header, the Slack URL) and no other.
const (
	canaryClientSecret = "CANARY-client-secret-5e1f0c"
	canaryConfig       = "CANARY-mapping-config-a71b"  // a rules-config value and a rule script's constant
	canaryToken        = "CANARY-mapping-token-c93d"   // an action secret
	canaryPage         = "CANARY-mapping-page-4f28"    // text in a hosted page
	canaryBBPassword   = "CANARY-bb-api-token-0d6e"    // BITBUCKET_PASSWORD
	canaryBBToken      = "CANARY-bb-access-token-8b2a" // BITBUCKET_ACCESS_TOKEN
	canarySlackPath    = "/services/T0CANARY/B0CANARY/CANARY-slack-7c41"
	canaryBBUser       = "ci@example.com"
)

var canaryMappings = fmt.Sprintf(`{"CONFIG_VALUE": %q, "API_TOKEN": %q, "PAGE_VALUE": %q}`, canaryConfig, canaryToken, canaryPage)

// canaries names every canary for the hit list.
var canaries = map[string]string{
	"AUTH0_CLIENT_SECRET":    canaryClientSecret,
	"mapping CONFIG_VALUE":   canaryConfig,
	"mapping API_TOKEN":      canaryToken,
	"mapping PAGE_VALUE":     canaryPage,
	"BITBUCKET_PASSWORD":     canaryBBPassword,
	"BITBUCKET_ACCESS_TOKEN": canaryBBToken,
	"SLACK_INCOMING_WEBHOOK": canarySlackPath,
}

// canaryRepo uses every mapping: in a rule script, a rules-config value, a
// hosted page and an action secret.
func canaryRepo(version string) map[string]string {
	return map[string]string{
		"rules/use-config.js":                          "function (user, context, callback) {\n  const key = \"##CONFIG_VALUE##\"; // " + version + "\n  callback(null, user, context);\n}\n",
		"rules/use-config.json":                        `{"order": 1}`,
		"rules-configs/CANARY_CFG.json":                `{"value": "##CONFIG_VALUE##"}`,
		"pages/password_reset.html":                    "<html><body>##PAGE_VALUE## " + version + "</body></html>\n",
		"actions/with-secret.js":                       actionJS("uses event.secrets.API_TOKEN " + version),
		"actions/with-secret.json":                     `{"trigger": "post-login", "runtime": "node22", "order": 10, "enabled": true, "secrets": ["API_TOKEN"]}`,
		"database-connections/" + dbName + "/login.js": "function login(email, password, callback) {\n  // " + version + "\n  callback(null);\n}\n",
	}
}

// malformedCanaryRepo has errors right where the mappings land, so that an
// error message quoting its source line would quote the canary.
var malformedCanaryRepo = map[string]string{
	"rules/broken.js":                    "function (user, context, callback) {\n  const key = \"##CONFIG_VALUE##\" +;\n  callback(null, user, context);\n}\n",
	"rules/broken.json":                  `{"order": 1, "note": "##CONFIG_VALUE##"}`,
	"rules-configs/BROKEN.json":          `{"value": "##CONFIG_VALUE##",}`,
	"pages/password_reset.html":          "<html>##PAGE_VALUE##</html>\n",
	"pages/password_reset.json":          `{"enabled": "##PAGE_VALUE##"}`,
	"actions/with-secret.js":             "exports.onExecutePostLogin = async (event, api) => { const t = @@API_TOKEN@@ @@API_TOKEN@@; };\n",
	"actions/with-secret.json":           `{"trigger": "post-login", "secrets": ["API_TOKEN"], "dependencies": @@API_TOKEN@@}`,
	"actions/dup-keys.js":                actionJS("dup"),
	"actions/dup-keys.json":              `{"trigger": "post-login", "runtime": "##API_TOKEN##", "runtime": "node22"}`,
	"database-connections/nope/login.js": "function login(email, password, callback) { callback(null, \"##CONFIG_VALUE##\") }\n",
}

// channel is text that left the pipe, named for the hit list.
type channel struct {
	name, text string
}

func TestCanariesNeverLeak(t *testing.T) {
	t.Parallel()
	st := auth0sim.DefaultState()
	s := newStack(t, stackOptions{state: &st, clientSecret: canaryClientSecret, bbUser: canaryBBUser, bbPassword: canaryBBPassword, bbToken: canaryBBToken, slackPath: canarySlackPath})
	base := map[string]string{
		"AUTH0_CLIENT_SECRET":            canaryClientSecret,
		"AUTH0_KEYWORD_REPLACE_MAPPINGS": canaryMappings,
		"SLACK_INCOMING_WEBHOOK":         s.slackURL + canarySlackPath,
		"BITBUCKET_PROXY":                "",
		"BITBUCKET_API_URL":              s.bbURL + "/2.0",
		"BITBUCKET_USER":                 canaryBBUser,
		"BITBUCKET_PASSWORD":             canaryBBPassword,
		"DEBUG":                          "true",
		"SLACK_NOTIFY":                   "always",
	}
	withToken := map[string]string{"BITBUCKET_ACCESS_TOKEN": canaryBBToken}

	var chans []channel
	runs := []struct {
		name  string
		files map[string]string
		env   map[string]string
		fault *auth0sim.Fault
		want  int
	}{
		{"validate malformed", malformedCanaryRepo, map[string]string{"MODE": "validate"}, nil, 2},
		{"deploy malformed", malformedCanaryRepo, withToken, nil, 2},
		{"plan", canaryRepo("v1"), map[string]string{"MODE": "plan"}, nil, 0},
		{"deploy v1", canaryRepo("v1"), nil, nil, 0},
		// v2 changes the rule, the page, the action and the script: the
		// backup holds v1 as the tenant has it (mappings substituted); the
		// rules-config write fails after every retry.
		{"failed deploy v2", canaryRepo("v2"), withToken, &auth0sim.Fault{Method: "PUT", PathPattern: configPath, Status: 500, Times: -1}, 1},
		{"deploy v2", canaryRepo("v2"), nil, nil, 0},
	}
	for _, r := range runs {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for k, v := range r.env {
			env[k] = v
		}
		s.sim.ClearFaults()
		if r.fault != nil {
			s.sim.InjectFault(*r.fault)
		}
		ws := workspace(t, r.files)
		res := s.run(ws, env)
		if res.Code != r.want {
			t.Fatalf("%s: exit %d, want %d\n%s", r.name, res.Code, r.want, res.Stdout)
		}
		chans = append(chans, channel{r.name + ": stdout", res.Stdout}, channel{r.name + ": stderr", res.Stderr})
		chans = append(chans, treeChannels(t, r.name+": REPORT_DIR", res.ReportDir)...)
		if r.name == "failed deploy v2" && !strings.Contains(res.Stdout, "backed up") {
			t.Errorf("the failed deploy wrote no backup:\n%s", res.Stdout)
		}
	}

	// Code Insights: everything but the Authorization header, which is
	// where the Bitbucket credentials belong.
	sawBasic, sawBearer := false, false
	for i, r := range s.bbRaw.all() {
		auth := r.Header.Get("Authorization")
		sawBasic = sawBasic || strings.HasPrefix(auth, "Basic ") && basicPassword(auth) == canaryBBPassword
		sawBearer = sawBearer || auth == "Bearer "+canaryBBToken
		h := r.Header.Clone()
		h.Del("Authorization")
		chans = append(chans, channel{fmt.Sprintf("Code Insights request %d", i), r.Method + " " + r.URL + "\n" + headerText(h) + "\n" + r.Body})
	}
	// Slack: everything but the request path, which is the webhook URL.
	slackPosts := 0
	for i, r := range s.slackRaw.all() {
		if strings.HasPrefix(r.URL, canarySlackPath) {
			slackPosts++
		}
		chans = append(chans, channel{fmt.Sprintf("Slack request %d", i), headerText(r.Header) + "\n" + r.Body})
	}
	// The stand-in's request log, apart from the token request.
	for _, r := range s.sim.Requests() {
		if !r.IsToken() {
			chans = append(chans, channel{"Auth0 request log", r.String() + " " + r.Query})
		}
	}
	// Every Auth0 request's headers; the bodies of all but the token
	// request for the client secret (the mappings belong in the writes).
	tokenBodies := 0
	for i, r := range s.auth0Raw.all() {
		name := fmt.Sprintf("Auth0 request %d (%s %s)", i, r.Method, r.URL)
		chans = append(chans, channel{name + " headers", r.URL + "\n" + headerText(r.Header)})
		if strings.HasPrefix(r.URL, tokenPath) {
			if strings.Contains(r.Body, canaryClientSecret) {
				tokenBodies++
			}
			continue
		}
		if strings.Contains(r.Body, canaryClientSecret) {
			t.Errorf("%s: the client secret is in the body", name)
		}
	}

	// Zero hits.
	for _, c := range chans {
		for _, name := range sortedKeys(canaries) {
			if i := strings.Index(c.text, canaries[name]); i >= 0 {
				t.Errorf("%s leaked into %s: …%s…", name, c.name, excerpt(c.text, i))
			}
		}
	}

	// Not vacuous: each canary reached the place it is for.
	final := s.sim.Snapshot()
	v := viewOf(final)
	if v.RulesConfigs["CANARY_CFG"] != canaryConfig {
		t.Errorf("rules config CANARY_CFG = %q, want the mapped canary", v.RulesConfigs["CANARY_CFG"])
	}
	if !strings.Contains(v.Rules["use-config"].Script, canaryConfig) {
		t.Errorf("the rule's script lacks the mapped canary: %q", v.Rules["use-config"].Script)
	}
	if !strings.Contains(v.ResetPage, canaryPage) {
		t.Errorf("the password reset page lacks the mapped canary: %q", v.ResetPage)
	}
	if got := v.Actions["with-secret"].Secrets["API_TOKEN"]; got != canaryToken {
		t.Errorf("action secret API_TOKEN = %q, want the mapped canary", got)
	}
	if tokenBodies == 0 {
		t.Error("no token request carried the client secret")
	}
	if !sawBasic || !sawBearer {
		t.Errorf("Code Insights saw Basic with the canary password: %v, Bearer with the canary token: %v", sawBasic, sawBearer)
	}
	if slackPosts < len(runs)-1 { // validate sends nothing
		t.Errorf("%d Slack messages reached the canary webhook path, want %d", slackPosts, len(runs)-1)
	}
	if len(chans) < 20 {
		t.Errorf("only %d channels were searched", len(chans))
	}
}

// treeChannels reads every file under dir (reports and backups).
func treeChannels(t *testing.T, name, dir string) []channel {
	t.Helper()
	var out []channel
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, channel{name + "/" + filepath.ToSlash(rel), string(data)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Errorf("%s: no files", name)
	}
	return out
}

func headerText(h map[string][]string) string {
	var lines []string
	for k, vs := range h {
		for _, v := range vs {
			lines = append(lines, k+": "+v)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// basicPassword is the password of a Basic Authorization header.
func basicPassword(auth string) string {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(auth, "Basic "))
	if err != nil {
		return ""
	}
	_, pass, _ := strings.Cut(string(raw), ":")
	return pass
}

func excerpt(s string, i int) string {
	lo, hi := max(0, i-40), min(len(s), i+60)
	return strings.ReplaceAll(s[lo:hi], "\n", "⏎")
}
