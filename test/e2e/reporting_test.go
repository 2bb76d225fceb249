package e2e

// reporting_test.go: the built binary against the three stand-ins (Auth0,
// Bitbucket Code Insights, Slack). Each outcome's Code Insights report, its
// annotations and the Slack message are compared with golden files
// (test/e2e/testdata/reporting/*.golden; regenerate with -update).

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/bbsim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/slacksim"
)

const (
	reportRepo   = "acme/auth0-tenant"
	reportCommit = "0123456789abcdef0123456789abcdef01234567"
	slackHook    = "/services/T000/B000/E2ESECRETPATH"
)

type stands struct {
	sim    *auth0sim.Sim
	bb     *bbsim.Server
	slack  *slacksim.Server
	env    map[string]string
	tenant string
}

func startStands(t *testing.T, st *auth0sim.State, opts auth0sim.Options) *stands {
	sim, url := harness.StartSim(t, st, opts)
	bb := bbsim.New(bbsim.Options{})
	bbSrv := httptest.NewServer(bb)
	t.Cleanup(bbSrv.Close)
	sl := slacksim.New(slacksim.Options{Path: slackHook})
	slSrv := httptest.NewServer(sl)
	t.Cleanup(slSrv.Close)
	env := harness.ExampleEnv(url)
	for k, v := range map[string]string{
		"BITBUCKET_REPO_FULL_NAME": reportRepo,
		"BITBUCKET_COMMIT":         reportCommit,
		"BITBUCKET_BRANCH":         "main",
		"BITBUCKET_BUILD_NUMBER":   "42",
		"BITBUCKET_PROXY":          bbSrv.URL,
		"CODE_INSIGHTS":            "true",
		"SLACK_INCOMING_WEBHOOK":   slSrv.URL + slackHook,
	} {
		env[k] = v
	}
	return &stands{sim: sim, bb: bb, slack: sl, env: env, tenant: strings.TrimPrefix(url, "http://")}
}

var stampRe = regexp.MustCompile(`\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?( UTC|Z)?`)

var durationRe = regexp.MustCompile(`\b\d+(\.\d+)? ?(s|ms)\b|"duration_ms":\s*\d+|"value":\s*\d+(,\s*"type":\s*"DURATION")`)

// render shows what Code Insights and Slack received, stable across runs.
func (s *stands) render(t *testing.T) string {
	var b strings.Builder
	for _, r := range s.bb.Reports() {
		b.WriteString(bbsim.FormatReport(r))
		for _, a := range r.Annotations {
			b.WriteString(strings.TrimRight(bbsim.FormatAnnotation(a), "\n") + "\n")
		}
	}
	for _, m := range s.slack.Messages() {
		b.WriteString(slacksim.Format(m))
	}
	out := strings.ReplaceAll(b.String(), s.tenant, "TENANT")
	out = durationRe.ReplaceAllString(out, "DURATION")
	out = stampRe.ReplaceAllString(out, "TIMESTAMP")
	return out
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "reporting", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./test/e2e -run TestReporting -update")
	assert.Equal(t, string(want), got)
}

func TestReportingOutcomes(t *testing.T) {
	bin := harness.Binary(t)
	t.Run("deploy", func(t *testing.T) {
		st := harness.ExampleState()
		s := startStands(t, &st, auth0sim.Options{})
		res := harness.Run(t, bin, exampleWorkspace(t), s.env)
		require.Equal(t, 0, res.Code, res.Stdout)
		checkGolden(t, "deploy", s.render(t))
	})
	t.Run("plan with pending changes", func(t *testing.T) {
		st := harness.ExampleState()
		s := startStands(t, &st, auth0sim.Options{})
		s.env["MODE"] = "plan"
		res := harness.Run(t, bin, exampleWorkspace(t), s.env)
		require.Equal(t, 0, res.Code, res.Stdout)
		assert.Empty(t, writeLines(s.sim.Requests()))
		checkGolden(t, "plan", s.render(t))
	})
	t.Run("validation failure", func(t *testing.T) {
		s := startStands(t, nil, auth0sim.Options{})
		ws := t.TempDir()
		harness.WriteFiles(t, ws, map[string]string{
			"rules/good.js":          "function (user, context, callback) {\n  callback(null, user, context);\n}\n",
			"rules/broken.js":        "function (user, context, callback) {\n  if (user {\n  callback(null, user, context);\n}\n",
			"rules/bad-meta.js":      "function (user, context, callback) {\n  callback(null, user, context);\n}\n",
			"rules/bad-meta.json":    "{\n  \"enabled\": true,\n  \"order\": 10,\n  \"colour\": \"red\"\n}\n",
			"pages/login.json":       "{\"enabled\": true}\n",
			"rules-configs/KEY.json": "{\"value\": \"x\",}\n",
		})
		res := harness.Run(t, bin, ws, s.env)
		require.Equal(t, 2, res.Code, res.Stdout)
		assert.Empty(t, s.sim.Requests(), "an invalid repository never reaches the tenant")
		got := s.render(t)
		assert.Contains(t, got, "rules/broken.js:2")
		checkGolden(t, "validation-failure", got)
	})
	t.Run("failed deploy", func(t *testing.T) {
		// A swap is a chain of writes (temporary move, then each rule);
		// failing its middle write gives the same account on every run.
		st := stateWithRules(map[string]int{"alpha": 1, "beta": 2, "gamma": 3})
		s := startStands(t, &st, auth0sim.Options{})
		s.sim.InjectFault(auth0sim.Fault{Method: "PATCH", PathPattern: "/api/v2/rules/" + rulesByName(st)["beta"].ID, Status: 400, Times: -1,
			Body: `{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Object didn't pass validation'","errorCode":"invalid_body"}`})
		res := harness.Run(t, bin, rulesRepo(t, map[string]int{"alpha": 2, "beta": 1}), s.env)
		require.Equal(t, 1, res.Code, res.Stdout)
		assert.Contains(t, ruleOrders(s.sim.Snapshot()), "gamma", "no deletion after the failure")
		checkGolden(t, "failed-deploy", s.render(t))
	})
}

// Bitbucket and Slack failures are one-line warnings: the exit code is the
// deployment's, and no secret appears.
func TestReportingFailuresAreWarnings(t *testing.T) {
	bin := harness.Binary(t)
	cases := []struct {
		name   string
		bb     *bbsim.Fault
		slack  *slacksim.Fault
		expect string
	}{
		{name: "bitbucket 401", bb: &bbsim.Fault{Status: 401}, expect: "app passwords"},
		{name: "bitbucket 403", bb: &bbsim.Fault{Status: 403}, expect: "403"},
		{name: "bitbucket 404", bb: &bbsim.Fault{Status: 404}, expect: reportRepo},
		{name: "bitbucket 500", bb: &bbsim.Fault{Status: 500}, expect: "500"},
		// The Pipelines proxy may refuse DELETE: the report is published all the same.
		{name: "bitbucket refuses DELETE", bb: &bbsim.Fault{Status: 405, Method: "DELETE"}, expect: "published, but the previous report"},
		{name: "slack 404 no_service", slack: &slacksim.Fault{Status: 404, Answer: "no_service"}, expect: "no_service"},
		{name: "slack 429", slack: &slacksim.Fault{Status: 429, Answer: "rate_limited", RetryAfter: "30"}, expect: "rate_limited"},
		{name: "slack 500", slack: &slacksim.Fault{Status: 500, Answer: "rollup_error"}, expect: "rollup_error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := harness.ExampleState()
			s := startStands(t, &st, auth0sim.Options{})
			if tc.bb != nil {
				s.bb.SetFault(*tc.bb)
			}
			if tc.slack != nil {
				s.slack.SetFault(*tc.slack)
			}
			res := harness.Run(t, bin, exampleWorkspace(t), s.env)
			require.Equal(t, 0, res.Code, "a reporting failure never fails the deployment:\n%s", res.Stdout)
			require.Len(t, res.Report.Warnings, 1, "%v", res.Report.Warnings)
			w := res.Report.Warnings[0]
			assert.NotContains(t, w, "\n")
			assert.Contains(t, w, tc.expect)
			for _, secret := range []string{harness.ClientSecret, "E2ESECRETPATH", "https://example.com/country"} {
				assert.NotContains(t, res.Stdout+res.Stderr, secret)
				data, _ := json.Marshal(res.Report)
				assert.NotContains(t, string(data), secret)
			}
			var warnLines int
			for _, l := range harness.Lines(res.Stdout) {
				if strings.Contains(l, w) {
					warnLines++
				}
			}
			assert.Equal(t, 1, warnLines, "the warning is one line in the log")
			if tc.bb != nil && tc.bb.Method == "DELETE" {
				require.Len(t, s.bb.Reports(), 1)
				assert.NotEmpty(t, s.bb.Reports()[0].Annotations)
			}
		})
	}
}

// An invalid configuration still leaves a report and, when Slack is
// configured, a message: SLACK_NOTIFY=failure promises one.
func TestInvalidConfigurationIsReported(t *testing.T) {
	bin := harness.Binary(t)
	s := startStands(t, nil, auth0sim.Options{})
	s.env["MODE"] = "apply"
	s.env["SLACK_NOTIFY"] = "failure"
	res := harness.Run(t, bin, t.TempDir(), s.env)
	require.Equal(t, 2, res.Code, res.Stdout)
	require.NotNil(t, res.Report)
	assert.Equal(t, "invalid", string(res.Report.Status))
	require.Len(t, res.Report.Problems, 1)
	assert.Equal(t, `MODE: must be deploy, plan or validate (got "apply")`, res.Report.Problems[0].Message)
	assert.Empty(t, s.sim.Requests(), "nothing reached the tenant")
	require.Len(t, s.slack.Messages(), 1)
	assert.NotContains(t, res.Stdout, harness.ClientSecret)
}

// Rules configs are written on every run (Auth0 never returns their
// values): report.json's six counts, the console, Slack and Code Insights
// count the write as an update, and all say it is not a change. A plan
// with DETAILED_EXITCODE=true does not exit 3 for them: a scheduled drift
// check would fail every day.
func TestRulesConfigRewritesAreCountedNotChanges(t *testing.T) {
	bin := harness.Binary(t)
	st := harness.ExampleState()
	s := startStands(t, &st, auth0sim.Options{})
	ws := exampleWorkspace(t)
	res := harness.Run(t, bin, ws, s.env)
	require.Equal(t, 0, res.Code, res.Stdout)

	// Second deploy: only COUNTRY_CLAIM is written again.
	res = harness.Run(t, bin, ws, s.env)
	require.Equal(t, 0, res.Code, res.Stdout)
	assert.Equal(t, report.Counts{Updated: 1, Rewritten: 1}, res.Report.Counts[model.KindRulesConfig])
	assert.Equal(t, 1, res.Report.Total.Updated)
	assert.Zero(t, res.Report.Total.Changes())
	assert.Contains(t, res.Stdout, "✔ nothing to change (1 rules config rewritten, as on every run) in ")
	assert.Contains(t, res.Stdout, "updated rules config COUNTRY_CLAIM")
	assert.Regexp(t, `Management API: \d+ requests \(1 token, \d+ reads, 1 write\), 0 retries, 0 rate-limit waits`, res.Stdout)

	msgs := s.slack.Messages()
	require.Len(t, msgs, 2)
	slackText := slacksim.Format(msgs[1])
	assert.Contains(t, msgs[1].Text, "Nothing to deploy: "+s.tenant+" is up to date")
	assert.Contains(t, slackText, "*1* updated (1 rules config rewritten, as on every run)")
	assert.Contains(t, slackText, "Updated rules config `COUNTRY_CLAIM`")

	reports := s.bb.Reports()
	require.Len(t, reports, 1)
	insights := bbsim.FormatReport(reports[0])
	assert.Contains(t, insights, "Deployed: nothing to change (")
	assert.Contains(t, insights, "; 1 rules config rewritten, as on every run).")
	assert.Contains(t, insights, "    Updated:   1\n")

	// A drift check on the same tenant: nothing pending, exit 0.
	s.env["MODE"] = "plan"
	s.env["DETAILED_EXITCODE"] = "true"
	res = harness.Run(t, bin, ws, s.env)
	require.Equal(t, 0, res.Code, "rules-config rewrites are not pending changes:\n%s", res.Stdout)
	assert.Equal(t, report.Counts{Updated: 1, Rewritten: 1}, res.Report.Counts[model.KindRulesConfig])
	assert.Contains(t, res.Stdout, "✔ no changes pending (1 rules config to rewrite, as on every deploy) in ")
	assert.Contains(t, slacksim.Format(s.slack.Messages()[2]), "is up to date")
}

// report.json has every field SPEC §5 lists even when unknown, and Code
// Insights agrees with the configuration on "inside Pipelines": a build
// number alone (no BITBUCKET_CLONE_DIR, no pipeline UUID) is not, so no
// Pipelines proxy is guessed and the warning asks for credentials.
func TestReportKeysAndPipelinesDecision(t *testing.T) {
	bin := harness.Binary(t)
	ws := exampleWorkspace(t)
	env := map[string]string{
		"MODE":                     "validate",
		"BITBUCKET_CLONE_DIR":      "",
		"BITBUCKET_BUILD_NUMBER":   "42",
		"BITBUCKET_REPO_FULL_NAME": reportRepo,
		"BITBUCKET_COMMIT":         reportCommit,
		"CODE_INSIGHTS":            "true",
	}
	for _, k := range []string{"AUTH0_KEYWORD_REPLACE_MAPPINGS", "MANUAL_RULES"} {
		env[k] = harness.ExampleEnv("x")[k]
	}
	res := harness.Run(t, bin, ws, env)
	require.Equal(t, 0, res.Code, res.Stdout)
	require.Len(t, res.Report.Warnings, 1, "%v", res.Report.Warnings)
	assert.Contains(t, res.Report.Warnings[0], "Code Insights report not published: no Bitbucket credentials")
	assert.NotContains(t, res.Stdout, "29418")

	data, err := os.ReadFile(filepath.Join(res.ReportDir, "report.json"))
	require.NoError(t, err)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(data, &raw))
	for k, want := range map[string]any{"branch": "", "error": "", "repository": reportRepo, "commit": reportCommit, "build_number": "42"} {
		assert.Equal(t, want, raw[k], k)
	}
	for _, k := range []string{"schema_version", "tool", "mode", "status", "tenant", "started_at", "duration_ms", "counts", "items", "problems", "api"} {
		assert.Contains(t, raw, k)
	}
}
