// Package e2e runs the built pipe binary (test/harness) the way Bitbucket
// Pipelines does and checks what it prints, writes and sends.
package e2e

import (
	"flag"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/corpus"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
)

// This file covers MODE=validate: the bundled example repository passes,
// every case of the malformed-repository corpus (test/testdata/invalid)
// fails with exactly its golden problem lines, secrets never reach the
// output, and nothing contacts the tenant.
//
// Regenerate the golden files with: go test ./test/e2e -run TestValidateCorpus -update

var update = flag.Bool("update", false, "rewrite the golden files of test/testdata/invalid from the binary's output")

// tenantTrap is a TCP listener standing in for the tenant: MODE=validate
// must never connect to it. (A closed port would only show an attempt by
// its failure; this counts every attempt.)
type tenantTrap struct {
	ln    net.Listener
	conns atomic.Int64
}

func newTenantTrap(t *testing.T) *tenantTrap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	trap := &tenantTrap{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			trap.conns.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		if n := trap.conns.Load(); n != 0 {
			t.Errorf("MODE=validate opened %d connection(s) to AUTH0_DOMAIN", n)
		}
	})
	return trap
}

func (tt *tenantTrap) url() string { return "http://" + tt.ln.Addr().String() }

// validateEnv is the environment of an offline validation run.
func validateEnv(trap *tenantTrap, extra map[string]string) map[string]string {
	env := map[string]string{
		"MODE":          "validate",
		"AUTH0_DOMAIN":  trap.url(),
		"CODE_INSIGHTS": "false",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

func TestValidateCorpus(t *testing.T) {
	root := filepath.Join(harness.RepoRoot(), "test", "testdata", "invalid")
	cases, err := corpus.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	failing := 0
	for _, c := range cases {
		if hasError(c.Want) {
			failing++
		}
	}
	if failing < 40 {
		t.Fatalf("the corpus has %d malformed repositories, want at least 40", failing)
	}
	bin := harness.Binary(t)
	trap := newTenantTrap(t)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			ws := t.TempDir()
			if err := c.Materialize(ws); err != nil {
				t.Fatal(err)
			}
			res := harness.Run(t, bin, ws, validateEnv(trap, c.Env))
			got := corpus.ProblemLines(res.Stdout)
			if *update {
				if err := c.WriteGolden(got); err != nil {
					t.Fatal(err)
				}
				return
			}
			if strings.Join(got, "\n") != strings.Join(c.Want, "\n") {
				t.Errorf("problem lines differ from %s\n got:\n%s\nwant:\n%s\nstdout:\n%s\nstderr:\n%s",
					corpus.GoldenFile, strings.Join(got, "\n"), strings.Join(c.Want, "\n"), res.Stdout, res.Stderr)
			}
			want := 0
			if hasError(c.Want) {
				want = 2
			}
			if res.Code != want {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, want, res.Stdout, res.Stderr)
			}
		})
	}
}

func hasError(lines []string) bool {
	for _, l := range lines {
		if strings.Contains(l, ": error: ") || strings.HasPrefix(l, "error: ") {
			return true
		}
	}
	return false
}

// The bundled example passes and the output lists every item found.
func TestValidateExample(t *testing.T) {
	bin := harness.Binary(t)
	trap := newTenantTrap(t)
	ws := harness.ExampleRepository(t)
	res := harness.Run(t, bin, ws, validateEnv(trap, map[string]string{
		"MANUAL_RULES": "auth0-authorization-extension",
		"AUTH0_KEYWORD_REPLACE_MAPPINGS": `{"COUNTRY_CLAIM": "https://example.com/country", "TENANT_NAME": "Example Corp",
			"SIGNUP_WEBHOOK_URL": "https://hooks.example.com/signup"}`,
	}))
	if res.Code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	if lines := corpus.ProblemLines(res.Stdout); len(lines) != 0 {
		t.Errorf("problems in the example:\n%s", strings.Join(lines, "\n"))
	}
	for _, p := range []string{
		"rules/add-country-claim.js", "rules/auth0-authorization-extension.json", "rules/log-login-context.js", "rules/require-verified-email.js",
		"rules-configs/COUNTRY_CLAIM.json", "database-connections/legacy-users",
		"pages/login.html", "pages/password_reset.html", "pages/guardian_multifactor.html", "pages/error_page.html",
		"actions/add-country-claim.js", "actions/notify-signup.js",
	} {
		if !strings.Contains(res.Stdout, p) {
			t.Errorf("the output does not list %s:\n%s", p, res.Stdout)
		}
	}

	// Without the mappings the markers and secrets are warnings only: still exit 0.
	res = harness.Run(t, bin, ws, validateEnv(trap, map[string]string{"MANUAL_RULES": "auth0-authorization-extension"}))
	if res.Code != 0 || len(corpus.ProblemLines(res.Stdout)) != 6 || hasError(corpus.ProblemLines(res.Stdout)) {
		t.Errorf("without mappings: exit %d, want 0 with 6 warnings\n%s", res.Code, res.Stdout)
	}
}

// canaryStem starts every canary.
const canaryStem = "c4n4ry"

// canaries are secret values: none may appear in anything the pipe prints,
// writes or sends, even when the files that use them are malformed.
var canaries = map[string]string{
	"AUTH0_CLIENT_SECRET":    "c4n4ry-client-secret-81f2",
	"BITBUCKET_PASSWORD":     "c4n4ry-bitbucket-password-19ad",
	"BITBUCKET_ACCESS_TOKEN": "c4n4ry-access-token-77c0",
	"ENV_ONLY_SECRET":        "c4n4ry-env-secret-3b9e",
	"map:API_KEY":            "c4n4ry-api-key-5d1c",
	"map:ORDER":              "c4n4ry-order-0e4a",
	"map:CODE":               "1 c4n4ry_code_6f2b",
	"map:OBJ":                "c4n4ry-nested-a8d3",
	"slack":                  "c4n4ry-slack-path-42e1",
}

func TestValidateNeverPrintsSecrets(t *testing.T) {
	var mu sync.Mutex
	var sent []string
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Bodies only: the webhook URL and the credential headers are
		// where those secrets legitimately go.
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		sent = append(sent, string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	}))
	defer sink.Close()

	ws := t.TempDir()
	harness.WriteFiles(t, ws, map[string]string{
		"rules-configs/API_KEY.json":       `{"value": "##API_KEY##"}`,
		"rules-configs/BROKEN.json":        `{"value": "##API_KEY##" "x": 1}`,
		"rules/a.js":                       "function (user, context, callback) {\n  var key = ##CODE##;\n  callback(null, user, context);\n}\n",
		"rules/a.json":                     `{"order": ##ORDER##, "##API_KEY##": true}`,
		"rules/b.js":                       "function (user, context, callback) {\n  var k = '##API_KEY##' @@API_KEY@@;\n}\n",
		"actions/x.js":                     "exports.onExecutePostLogin = async (event, api) => { @@OBJ@@ @@OBJ@@ };\n",
		"actions/x.json":                   `{"trigger": "post-login", "secrets": ["API_KEY", "ENV_ONLY_SECRET", "AUTH0_CLIENT_SECRET", "##ORDER##"], "dependencies": {"##ORDER##": "@@ORDER@@"}, "order": "##ORDER##"}`,
		"pages/login.html":                 "<title>##API_KEY##</title>",
		"pages/login.json":                 `{"enabled": ##API_KEY##}`,
		"pages/error_page.html":            "x",
		"pages/error_page.json":            `{"url": "##CODE##", "enabled": false}`,
		"database-connections/db/login.js": "function login(email, password, callback) {\n  callback(null, ##CODE##);\n}\n",
	})
	env := map[string]string{
		"AUTH0_CLIENT_ID":        "client-id",
		"AUTH0_CLIENT_SECRET":    canaries["AUTH0_CLIENT_SECRET"],
		"BITBUCKET_USER":         "someone@example.com",
		"BITBUCKET_PASSWORD":     canaries["BITBUCKET_PASSWORD"],
		"BITBUCKET_ACCESS_TOKEN": canaries["BITBUCKET_ACCESS_TOKEN"],
		"ENV_ONLY_SECRET":        canaries["ENV_ONLY_SECRET"],
		"SLACK_INCOMING_WEBHOOK": sink.URL + "/services/" + canaries["slack"],
		"AUTH0_KEYWORD_REPLACE_MAPPINGS": `{"API_KEY": "` + canaries["map:API_KEY"] + `", "ORDER": "` + canaries["map:ORDER"] +
			`", "CODE": "` + canaries["map:CODE"] + `", "OBJ": {"k": "` + canaries["map:OBJ"] + `"}}`,
		"BITBUCKET_API_URL":        sink.URL,
		"BITBUCKET_REPO_FULL_NAME": "acme/tenant",
		"BITBUCKET_COMMIT":         "0123456789abcdef0123456789abcdef01234567",
		"DEBUG":                    "true",
	}
	trap := newTenantTrap(t)
	for _, mode := range []string{"validate", "plan", "deploy"} {
		t.Run(mode, func(t *testing.T) {
			e := validateEnv(trap, env)
			e["MODE"] = mode
			e["CODE_INSIGHTS"] = "true"
			res := harness.Run(t, harness.Binary(t), ws, e)
			if res.Code != 2 {
				t.Fatalf("exit code %d, want 2\n%s\n%s", res.Code, res.Stdout, res.Stderr)
			}
			if len(corpus.ProblemLines(res.Stdout)) < 10 {
				t.Errorf("expected the malformed files to be reported:\n%s", res.Stdout)
			}
			outputs := map[string]string{"stdout": res.Stdout, "stderr": res.Stderr}
			_ = filepath.WalkDir(res.ReportDir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					b, _ := os.ReadFile(p)
					outputs[p] = string(b)
				}
				return nil
			})
			mu.Lock()
			for i, s := range sent {
				outputs["request body "+strconv.Itoa(i)] = s
			}
			mu.Unlock()
			for where, text := range outputs {
				for name, secret := range canaries {
					if strings.Contains(text, secret) {
						t.Errorf("%s contains the secret %s", where, name)
					}
				}
				// Not even a part of one: every canary starts with this.
				if strings.Contains(text, canaryStem) {
					t.Errorf("%s contains part of a secret:\n%s", where, text)
				}
			}
		})
	}
}
