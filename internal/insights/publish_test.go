package insights

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/bbsim"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	testToken    = "bbat-SECRET-access-token-0123456789"
	testUser     = "ops@acme.example"
	testPassword = "ATATT-SECRET-api-token-9876543210"
)

// loadReport reads a hand-built run report from testdata/reports.
func loadReport(t *testing.T, name string) *report.Report {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "reports", name+".json"))
	require.NoError(t, err)
	var rep report.Report
	require.NoError(t, json.Unmarshal(raw, &rep))
	return &rep
}

// newSim serves a bbsim stand-in on loopback.
func newSim(t *testing.T) (*bbsim.Server, *httptest.Server) {
	t.Helper()
	sim := bbsim.New(bbsim.Options{
		Token: testToken, User: testUser, Password: testPassword,
		Now: func() time.Time { return time.Date(2026, 12, 3, 10, 0, 9, 0, time.UTC) },
	})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

func bearer(srv *httptest.Server) Config {
	return Config{APIURL: srv.URL + "/2.0", AccessToken: testToken, RetryWait: time.Millisecond}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), string(got), "differs from %s (go test -update rewrites it)", path)
}

// TestPublishGolden publishes the four outcomes a run can have and compares
// what the stand-in received, report and annotations, with golden files.
func TestPublishGolden(t *testing.T) {
	for _, name := range []string{"deploy", "plan", "invalid", "failed"} {
		t.Run(name, func(t *testing.T) {
			sim, srv := newSim(t)
			rep := loadReport(t, name)
			require.NoError(t, Publish(context.Background(), bearer(srv), rep))

			stored := sim.Reports()
			require.Len(t, stored, 1)
			assert.Equal(t, ReportID(rep), stored[0].ID)
			got, err := json.MarshalIndent(stored[0], "", "  ")
			require.NoError(t, err)
			golden(t, name+".golden.json", append(got, '\n'))

			var log []string
			for _, r := range sim.Requests() {
				log = append(log, fmt.Sprintf("%s %d %s", r.Method, r.Status, r.Auth))
			}
			want := []string{"DELETE 404 bearer", "PUT 200 bearer"}
			if len(stored[0].Annotations) > 0 {
				want = append(want, "POST 200 bearer")
			}
			assert.Equal(t, want, log)
		})
	}
}

func TestPublishAnnotationsAtPathAndLine(t *testing.T) {
	sim, srv := newSim(t)
	rep := loadReport(t, "invalid")
	require.NoError(t, Publish(context.Background(), bearer(srv), rep))
	stored := sim.Reports()[0]
	assert.Equal(t, "FAILED", stored.Report.Result)
	assert.Equal(t, "BUG", stored.Report.ReportType)

	var got []string
	for _, a := range stored.Annotations {
		line := 0
		if a.Line != nil {
			line = *a.Line
		}
		got = append(got, fmt.Sprintf("%s %s:%d %s", a.Severity, a.Path, line, a.Summary))
	}
	assert.Equal(t, []string{
		`HIGH database-connections/Username-Password-Authentication:0 login.js is missing: every database connection needs one`,
		`HIGH rules/Block IPs.js:7 JavaScript syntax error: Unexpected "}"`,
		`HIGH rules/Geo.json:2 unknown key "enbled" (did you mean "enabled"?)`,
		`LOW rules/Geo.json:4 "stage" is the default (login_success): the key can go`,
	}, got)
}

func TestPublishThroughPipelinesProxy(t *testing.T) {
	sim, srv := newSim(t)
	cfg := Config{Proxy: srv.URL, RetryWait: time.Millisecond}
	rep := loadReport(t, "deploy")
	require.NoError(t, Publish(context.Background(), cfg, rep))

	reqs := sim.Requests()
	require.Len(t, reqs, 3)
	for _, r := range reqs {
		assert.Equal(t, "proxy", r.Auth, "%s %s", r.Method, r.Path)
		assert.Equal(t, "/2.0/repositories/acme/auth0-tenant/commit/3f6c2a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c/reports/"+ReportID(rep), strings.TrimSuffix(r.Path, "/annotations"))
	}
	_, ok := sim.Report("acme/auth0-tenant", rep.Commit, ReportID(rep))
	assert.True(t, ok)
}

func TestPublishBasicAuth(t *testing.T) {
	sim, srv := newSim(t)
	cfg := Config{APIURL: srv.URL + "/2.0", User: testUser, Password: testPassword}
	require.NoError(t, Publish(context.Background(), cfg, loadReport(t, "plan")))
	for _, r := range sim.Requests() {
		assert.Equal(t, "basic", r.Auth)
	}
	assert.Len(t, sim.Reports(), 1)
}

// A rerun on the same commit replaces the report and its annotations
// instead of adding to them.
func TestPublishRerunReplaces(t *testing.T) {
	sim, srv := newSim(t)
	rep := loadReport(t, "invalid")
	require.NoError(t, Publish(context.Background(), bearer(srv), rep))
	require.Len(t, sim.Reports()[0].Annotations, 4)

	rep.Problems = rep.Problems[:1]
	require.NoError(t, Publish(context.Background(), bearer(srv), rep))
	stored := sim.Reports()
	require.Len(t, stored, 1)
	require.Len(t, stored[0].Annotations, 1)
	assert.Equal(t, `"stage" is the default (login_success): the key can go`, stored[0].Annotations[0].Summary)
	assert.Equal(t, 204, sim.Requests()[3].Status, "the second run deletes the first report")
}

// Two tenants deployed from one repository and commit keep a report each.
func TestPublishTwoTenantsOnOneCommit(t *testing.T) {
	sim, srv := newSim(t)
	prod := loadReport(t, "deploy")
	staging := loadReport(t, "deploy")
	staging.Tenant = "acme-staging.eu.auth0.com"
	require.NoError(t, Publish(context.Background(), bearer(srv), prod))
	require.NoError(t, Publish(context.Background(), bearer(srv), staging))
	assert.Len(t, sim.Reports(), 2)
}

// 1,500 problems: 1,000 annotations in ten requests of 100, errors first,
// the rest counted in the details.
func TestPublishOverflow(t *testing.T) {
	sim, srv := newSim(t)
	rep := loadReport(t, "invalid")
	rep.Problems = nil
	for i := range 1500 {
		sev := model.SeverityError
		if i%3 == 0 {
			sev = model.SeverityWarning
		}
		rep.Problems = append(rep.Problems, model.Problem{Severity: sev, Path: fmt.Sprintf("rules/r%04d.js", i), Line: i%40 + 1, Message: "problem " + strings.Repeat("x", i%700)})
	}
	require.NoError(t, Publish(context.Background(), bearer(srv), rep))

	stored := sim.Reports()[0]
	require.Len(t, stored.Annotations, 1000)
	posts := 0
	for _, r := range sim.Requests() {
		if r.Method == http.MethodPost {
			posts++
			assert.Equal(t, 100, r.Annotations)
		}
	}
	assert.Equal(t, 10, posts)
	assert.Contains(t, stored.Report.Details, "500 more annotations not shown")
	errs := 0
	for _, a := range stored.Annotations {
		if a.Severity == "HIGH" {
			errs++
		}
	}
	assert.Equal(t, 1000, errs, "all 1,000 errors are kept before any warning")
}

func TestPublishErrors(t *testing.T) {
	rep := loadReport(t, "deploy")
	id := ReportID(rep)
	configs := map[string]func(srv *httptest.Server) Config{
		"bearer": bearer,
		"basic": func(srv *httptest.Server) Config {
			return Config{APIURL: srv.URL + "/2.0", User: testUser, Password: testPassword, RetryWait: time.Millisecond}
		},
		"proxy": func(srv *httptest.Server) Config { return Config{Proxy: srv.URL, RetryWait: time.Millisecond} },
	}
	cases := []struct {
		name   string
		auth   string
		fault  bbsim.Fault
		want   string
		nRetry int
	}{
		{"401 bearer", "bearer", bbsim.Fault{Status: 401},
			"Code Insights report for acme/auth0-tenant@3f6c2a9d8e7b not published: create report " + id + ": 401 Unauthorized: Bitbucket rejected the access token in BITBUCKET_ACCESS_TOKEN (Bearer): the token is invalid, expired or revoked; app passwords no longer work (Atlassian removed them in July 2026) (Bitbucket: Token is invalid, expired, or not supported for this endpoint.)", 0},
		{"401 basic", "basic", bbsim.Fault{Status: 401},
			"Code Insights report for acme/auth0-tenant@3f6c2a9d8e7b not published: create report " + id + ": 401 Unauthorized: Bitbucket rejected BITBUCKET_USER + BITBUCKET_PASSWORD (Basic: Atlassian account e-mail + API token): BITBUCKET_USER must be your Atlassian account e-mail (not your username) and BITBUCKET_PASSWORD an API token that is neither expired nor revoked; app passwords no longer work (Atlassian removed them in July 2026) (Bitbucket: Token is invalid, expired, or not supported for this endpoint.)", 0},
		{"401 proxy", "proxy", bbsim.Fault{Status: 401},
			"401 Unauthorized: Bitbucket rejected the Pipelines auth proxy", 0},
		{"403", "bearer", bbsim.Fault{Status: 403},
			"Code Insights report for acme/auth0-tenant@3f6c2a9d8e7b not published: create report " + id + ": 403 Forbidden: the access token in BITBUCKET_ACCESS_TOKEN (Bearer) may not write Code Insights reports on acme/auth0-tenant: it needs the repository:write scope (Bitbucket: Your credentials lack one or more required privilege scopes.)", 0},
		{"404", "basic", bbsim.Fault{Status: 404},
			"Code Insights report for acme/auth0-tenant@3f6c2a9d8e7b not published: create report " + id + ": 404 Not Found: Bitbucket finds no commit 3f6c2a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c in repository acme/auth0-tenant: check BITBUCKET_REPOSITORY, that the commit is pushed, and that BITBUCKET_USER + BITBUCKET_PASSWORD (Basic: Atlassian account e-mail + API token) can read the repository (Bitbucket: Commit not found)", 0},
		{"500", "bearer", bbsim.Fault{Status: 500},
			"Code Insights report for acme/auth0-tenant@3f6c2a9d8e7b not published: create report " + id + ": 500 Internal Server Error: Bitbucket failed; a rerun usually publishes the report (Bitbucket: Something went wrong) (deleting the previous report first failed too: 500 Internal Server Error)", 1},
		{"429", "proxy", bbsim.Fault{Status: 429, RetryAfter: "30"},
			"not published: create report " + id + ": 429 Too Many Requests: Bitbucket's rate limit was reached (Retry-After 30 s) (Bitbucket: Rate limit for this resource has been exceeded) (deleting the previous report first failed too: 429 Too Many Requests)", 0},
		{"annotations 500", "bearer", bbsim.Fault{Status: 500, Method: http.MethodPost},
			"Code Insights report for acme/auth0-tenant@3f6c2a9d8e7b published without all annotations: upload annotations 1-6 of 6: 500 Internal Server Error", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, srv := newSim(t)
			f := tc.fault
			if f.Status == 401 || f.Status == 403 || f.Status == 404 {
				f.Method = http.MethodPut // DELETE answers 404 for a first run anyway
			}
			sim.SetFault(f)
			err := Publish(context.Background(), configs[tc.auth](srv), rep)
			require.Error(t, err)
			msg := err.Error()
			assert.Contains(t, msg, tc.want)
			assertSafe(t, msg)
			if tc.nRetry > 0 {
				assert.Equal(t, tc.fault.Status, sim.Requests()[len(sim.Requests())-2].Status, "retried once")
			}
		})
	}
}

// assertSafe checks that an error is one line and carries no secret.
func assertSafe(t *testing.T, msg string) {
	t.Helper()
	assert.NotContains(t, msg, "\n")
	for _, secret := range []string{testToken, testPassword, "SECRET"} {
		assert.NotContains(t, msg, secret)
	}
}

func TestPublishRetriesTransientFailureOnce(t *testing.T) {
	sim, srv := newSim(t)
	sim.SetFault(bbsim.Fault{Status: 503, Method: http.MethodPut, Times: 1})
	require.NoError(t, Publish(context.Background(), bearer(srv), loadReport(t, "deploy")))
	var statuses []int
	for _, r := range sim.Requests() {
		statuses = append(statuses, r.Status)
	}
	assert.Equal(t, []int{404, 503, 200, 200}, statuses)
}

func TestPublishWrongCredentialsAgainstSim(t *testing.T) {
	_, srv := newSim(t)
	cfg := Config{APIURL: srv.URL + "/2.0", AccessToken: "bbat-SECRET-wrong", RetryWait: -1}
	err := Publish(context.Background(), cfg, loadReport(t, "deploy"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not published: create report")
	assert.Contains(t, err.Error(), "401 Unauthorized: Bitbucket rejected the access token in BITBUCKET_ACCESS_TOKEN")
	assert.Contains(t, err.Error(), "(deleting the previous report first failed too: 401 Unauthorized)")
	assertSafe(t, err.Error())
}

// A DELETE that Bitbucket (or the Pipelines proxy) refuses does not stop
// the publication: the report is created and the annotations uploaded,
// and the warning says the previous report could not be deleted. The
// annotations' external ids depend on their content only, so a rerun of
// the same run upserts them instead of piling them up.
func TestPublishDeleteRefused(t *testing.T) {
	sim, srv := newSim(t)
	cfg := Config{Proxy: srv.URL, RetryWait: time.Millisecond}
	rep := loadReport(t, "invalid")
	require.NoError(t, Publish(context.Background(), cfg, rep))
	first := sim.Reports()[0]
	require.Len(t, first.Annotations, 4)

	sim.SetFault(bbsim.Fault{Status: http.StatusMethodNotAllowed, Method: http.MethodDelete})
	start := len(sim.Requests())
	err := Publish(context.Background(), cfg, rep)
	require.Error(t, err)
	assert.Equal(t, "Code Insights report for acme/auth0-tenant@1b2c3d4e5f60 published, but the previous report "+ReportID(rep)+
		" could not be deleted first: 405 Method Not Allowed (Bitbucket: Method Not Allowed); annotations of an earlier run on this commit may remain next to this run's", err.Error())
	assertSafe(t, err.Error())
	var log []string
	for _, r := range sim.Requests()[start:] {
		log = append(log, fmt.Sprintf("%s %d", r.Method, r.Status))
	}
	assert.Equal(t, []string{"DELETE 405", "PUT 200", "POST 200"}, log, "the report is created and annotated all the same")
	stored := sim.Reports()
	require.Len(t, stored, 1)
	assert.Len(t, stored[0].Annotations, 4, "the same annotations are upserted, not added again")
	for i, a := range stored[0].Annotations {
		assert.Equal(t, first.Annotations[i].ExternalID, a.ExternalID)
	}

	// A different run on the same commit: its report replaces the old one.
	rep.Problems = rep.Problems[:1]
	rep.Error = "one problem left"
	require.Error(t, Publish(context.Background(), cfg, rep))
	stored = sim.Reports()
	require.Len(t, stored, 1)
	assert.Contains(t, stored[0].Report.Details, "one problem left")
}

func TestPublishUnreachable(t *testing.T) {
	_, srv := newSim(t)
	srv.Close()
	for name, cfg := range map[string]Config{
		"direct": {APIURL: srv.URL + "/2.0", AccessToken: testToken, RetryWait: -1},
		"proxy":  {Proxy: srv.URL, RetryWait: -1},
	} {
		t.Run(name, func(t *testing.T) {
			err := Publish(context.Background(), cfg, loadReport(t, "deploy"))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "cannot reach Bitbucket")
			assert.Contains(t, err.Error(), "connection refused")
			assertSafe(t, err.Error())
		})
	}
}

func TestPublishRequestTimeout(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	cfg := Config{APIURL: srv.URL + "/2.0", AccessToken: testToken, RetryWait: -1,
		HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}}
	err := Publish(context.Background(), cfg, loadReport(t, "deploy"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "timed out")
	assertSafe(t, err.Error())
}

func TestPublishMissingInputs(t *testing.T) {
	rep := loadReport(t, "deploy")
	cases := map[string]struct {
		cfg  Config
		edit func(*report.Report)
		want string
	}{
		"no repository": {Config{AccessToken: testToken}, func(r *report.Report) { r.Repository = "" },
			"Code Insights report not published: no repository (set BITBUCKET_REPOSITORY)"},
		"no commit": {Config{AccessToken: testToken}, func(r *report.Report) { r.Commit = "" },
			"Code Insights report not published: no commit (BITBUCKET_COMMIT is not set)"},
		"no credentials": {Config{}, func(*report.Report) {},
			"Code Insights report not published: no Bitbucket credentials"},
		"bad commit": {Config{AccessToken: testToken}, func(r *report.Report) { r.Commit = "../../x" },
			`not published: commit "../../x" is not a hexadecimal commit hash`},
		"token over plain http": {Config{AccessToken: testToken, APIURL: "http://bitbucket.example/2.0"}, func(*report.Report) {},
			"credentials would travel unencrypted"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := *rep
			tc.edit(&r)
			err := Publish(context.Background(), tc.cfg, &r)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assertSafe(t, err.Error())
		})
	}
}

// The lead's flow: configuration from the environment, then Publish.
func TestResolveConfigThenPublish(t *testing.T) {
	rep := loadReport(t, "plan")
	for name, vars := range map[string]map[string]string{
		"proxy in Pipelines": {"BITBUCKET_PROXY": "{srv}", "BITBUCKET_API_URL": "{srv}/2.0", "BITBUCKET_ACCESS_TOKEN": testToken},
		"access token":       {"BITBUCKET_API_URL": "{srv}/2.0", "BITBUCKET_ACCESS_TOKEN": testToken},
		"API token":          {"BITBUCKET_API_URL": "{srv}/2.0", "BITBUCKET_USER": testUser, "BITBUCKET_PASSWORD": testPassword},
	} {
		t.Run(name, func(t *testing.T) {
			sim, srv := newSim(t)
			m := map[string]string{"BITBUCKET_BUILD_NUMBER": "43", "BITBUCKET_REPO_FULL_NAME": "acme/auth0-tenant", "BITBUCKET_COMMIT": rep.Commit}
			for k, v := range vars {
				m[k] = strings.ReplaceAll(v, "{srv}", srv.URL)
			}
			cfg, err := ResolveConfig(env(m), true)
			require.NoError(t, err)
			require.NoError(t, Publish(context.Background(), cfg, rep))
			_, ok := sim.Report("acme/auth0-tenant", rep.Commit, ReportID(rep))
			assert.True(t, ok)
			want := map[string]string{"proxy in Pipelines": "proxy", "access token": "bearer", "API token": "basic"}[name]
			for _, r := range sim.Requests() {
				assert.Equal(t, want, r.Auth)
			}
		})
	}
}
