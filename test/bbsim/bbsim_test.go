package bbsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const reportPath = "/2.0/repositories/acme/site/commit/abc1234/reports/auth0-deploy-1"

type client struct {
	t     *testing.T
	base  string
	http  *http.Client
	token string
}

func newServer(t *testing.T, opts Options) (*Server, *client) {
	t.Helper()
	if opts.Token == "" {
		opts.Token = "tok"
	}
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, &client{t: t, base: srv.URL, http: srv.Client(), token: "tok"}
}

// do sends a request and returns the status and the decoded body.
func (c *client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(c.t, err)
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

func errMessage(body map[string]any) string {
	if e, ok := body["error"].(map[string]any); ok {
		s, _ := e["message"].(string)
		return s
	}
	s, _ := body["message"].(string)
	return s
}

func validReport() map[string]any {
	return map[string]any{
		"title": "Auth0 deploy", "report_type": "TEST", "result": "PASSED",
		"data": []any{map[string]any{"title": "Created", "type": "NUMBER", "value": 1}},
	}
}

func annotations(n, from int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"external_id": fmt.Sprintf("a-%d", from+i), "annotation_type": "BUG", "summary": "s", "path": "rules/a.js", "line": 1}
	}
	return out
}

func TestReportLifecycle(t *testing.T) {
	s, c := newServer(t, Options{Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }})
	status, _ := c.do(http.MethodDelete, reportPath, nil)
	assert.Equal(t, 404, status, "no report yet")

	status, body := c.do(http.MethodPut, reportPath, validReport())
	require.Equal(t, 200, status, body)
	assert.Equal(t, "auth0-deploy-1", body["external_id"])
	assert.Equal(t, "2026-01-02T03:04:05Z", body["created_on"])

	status, _ = c.do(http.MethodPost, reportPath+"/annotations", annotations(100, 0))
	require.Equal(t, 200, status)
	// PUT again keeps the annotations, as Bitbucket does.
	status, _ = c.do(http.MethodPut, reportPath, validReport())
	require.Equal(t, 200, status)
	r, ok := s.Report("acme/site", "abc1234", "auth0-deploy-1")
	require.True(t, ok)
	assert.Len(t, r.Annotations, 100)

	// DELETE removes the report and its annotations.
	status, _ = c.do(http.MethodDelete, reportPath, nil)
	assert.Equal(t, 204, status)
	assert.Empty(t, s.Reports())
	status, _ = c.do(http.MethodPost, reportPath+"/annotations", annotations(1, 0))
	assert.Equal(t, 404, status, "annotations need a report")
}

func TestLimits(t *testing.T) {
	_, c := newServer(t, Options{})
	require.Equal(t, 200, first(c.do(http.MethodPut, reportPath, validReport())))

	status, body := c.do(http.MethodPost, reportPath+"/annotations", annotations(101, 0))
	assert.Equal(t, 400, status)
	assert.Equal(t, map[string]any{"code": float64(400), "message": "Bulk upload supports a maximum of /100 annotations."}, body)

	for i := range 10 {
		require.Equal(t, 200, first(c.do(http.MethodPost, reportPath+"/annotations", annotations(100, i*100))))
	}
	status, body = c.do(http.MethodPost, reportPath+"/annotations", annotations(1, 5000))
	assert.Equal(t, 400, status)
	assert.Equal(t, "A report can have at most 1000 annotations (it has 1000, this request adds 1).", errMessage(body))

	// Re-sending known external ids replaces them: still 1000.
	assert.Equal(t, 200, first(c.do(http.MethodPost, reportPath+"/annotations", annotations(100, 0))))
}

func first(status int, _ map[string]any) int { return status }

func TestValidation(t *testing.T) {
	withReport := func(edit func(map[string]any)) map[string]any {
		r := validReport()
		edit(r)
		return r
	}
	data := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"title": fmt.Sprint(i), "type": "NUMBER", "value": i}
		}
		return out
	}
	reportCases := []struct {
		name string
		body map[string]any
		want string
	}{
		{"no title", withReport(func(r map[string]any) { delete(r, "title") }), "title: this field is required"},
		{"bad type", withReport(func(r map[string]any) { r["report_type"] = "DEPLOYMENT" }), `report_type: "DEPLOYMENT" is not one of SECURITY, COVERAGE, TEST, BUG`},
		{"bad result", withReport(func(r map[string]any) { r["result"] = "OK" }), `result: "OK" is not one of PASSED, FAILED, PENDING`},
		{"11 data", withReport(func(r map[string]any) { r["data"] = data(11) }), "data: at most 10 elements (got 11)"},
		{"unknown field", withReport(func(r map[string]any) { r["titel"] = "x" }), `invalid JSON body: json: unknown field "titel"`},
		{"link data without href", withReport(func(r map[string]any) {
			r["data"] = []any{map[string]any{"title": "Pipeline", "type": "LINK", "value": map[string]any{"text": "#1"}}}
		}), `data[0] "Pipeline": type LINK needs an absolute href, got {"text":"#1"}`},
		{"text as number", withReport(func(r map[string]any) {
			r["data"] = []any{map[string]any{"title": "Tenant", "type": "TEXT", "value": 3}}
		}), `data[0] "Tenant": type TEXT needs a string, got 3`},
		{"relative link", withReport(func(r map[string]any) { r["link"] = "/pipelines/1" }), `link: "/pipelines/1" is not an absolute http(s) URL`},
	}
	for _, tc := range reportCases {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newServer(t, Options{})
			status, body := c.do(http.MethodPut, reportPath, tc.body)
			assert.Equal(t, 400, status)
			assert.Equal(t, "error", body["type"])
			assert.Equal(t, tc.want, errMessage(body))
		})
	}
	assert.Equal(t, 200, first(newServerClient(t).do(http.MethodPut, reportPath, withReport(func(r map[string]any) { r["data"] = data(10) }))))

	ann := func(edit func(map[string]any)) []any {
		a := map[string]any{"external_id": "x", "annotation_type": "BUG", "summary": "s"}
		edit(a)
		return []any{a}
	}
	annCases := []struct {
		name string
		body []any
		want string
	}{
		{"summary 451", ann(func(a map[string]any) { a["summary"] = strings.Repeat("a", 451) }), "annotation 0: summary is 451 characters long, at most 450 are allowed"},
		{"summary 226 astral", ann(func(a map[string]any) { a["summary"] = strings.Repeat("🚀", 226) }), "annotation 0: summary is 452 characters long, at most 450 are allowed"},
		{"no summary", ann(func(a map[string]any) { delete(a, "summary") }), "annotation 0: summary is required"},
		{"no type", ann(func(a map[string]any) { delete(a, "annotation_type") }), "annotation 0: annotation_type is required"},
		{"bad type", ann(func(a map[string]any) { a["annotation_type"] = "WARNING" }), `annotation 0: annotation_type "WARNING" is not one of VULNERABILITY, CODE_SMELL, BUG`},
		{"bad severity", ann(func(a map[string]any) { a["severity"] = "ERROR" }), `annotation 0: severity "ERROR" is not one of CRITICAL, HIGH, MEDIUM, LOW`},
		{"bad result", ann(func(a map[string]any) { a["result"] = "PENDING" }), `annotation 0: result "PENDING" is not one of PASSED, FAILED, SKIPPED, IGNORED`},
		{"line 0", ann(func(a map[string]any) { a["line"] = 0 }), "annotation 0: line must be at least 1"},
		{"absolute path", ann(func(a map[string]any) { a["path"] = "/etc/passwd" }), `annotation 0: path "/etc/passwd" is not relative to the repository root`},
		{"no external id", ann(func(a map[string]any) { delete(a, "external_id") }), "annotation 0: external_id is required"},
		{"duplicate ids", append(ann(func(map[string]any) {}), ann(func(map[string]any) {})...), `annotation 1: external_id "x" appears twice in the request`},
	}
	for _, tc := range annCases {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newServer(t, Options{})
			require.Equal(t, 200, first(c.do(http.MethodPut, reportPath, validReport())))
			status, body := c.do(http.MethodPost, reportPath+"/annotations", tc.body)
			assert.Equal(t, 400, status)
			assert.Equal(t, tc.want, errMessage(body))
		})
	}
}

func newServerClient(t *testing.T) *client {
	_, c := newServer(t, Options{})
	return c
}

func TestAuthentication(t *testing.T) {
	s, c := newServer(t, Options{Token: "tok", User: "ops@acme.example", Password: "api-token"})

	c.token = "wrong"
	status, body := c.do(http.MethodPut, reportPath, validReport())
	assert.Equal(t, 401, status)
	assert.Equal(t, "Token is invalid, expired, or not supported for this endpoint.", errMessage(body))

	c.token = ""
	assert.Equal(t, 401, first(c.do(http.MethodPut, reportPath, validReport())))

	basic := func(user, pass string) int {
		raw, _ := json.Marshal(validReport())
		req, _ := http.NewRequest(http.MethodPut, c.base+reportPath, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(user, pass)
		res, err := c.http.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	assert.Equal(t, 200, basic("ops@acme.example", "api-token"))
	assert.Equal(t, 401, basic("ops", "api-token"), "a username is not the account e-mail")

	var auths []string
	for _, r := range s.Requests() {
		auths = append(auths, fmt.Sprintf("%s %d", r.Auth, r.Status))
	}
	assert.Equal(t, []string{"bearer 401", "none 401", "basic 200", "basic 401"}, auths)
}

// proxyClient sends requests as a client configured with the Pipelines
// proxy does: absolute URIs for http://api.bitbucket.org.
func proxyClient(t *testing.T, proxy string) *http.Client {
	u, err := url.Parse(proxy)
	require.NoError(t, err)
	return &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(u)}}
}

func TestProxyForm(t *testing.T) {
	s := New(Options{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	hc := proxyClient(t, srv.URL)

	put := func(target, auth string) (int, string) {
		raw, _ := json.Marshal(validReport())
		req, _ := http.NewRequest(http.MethodPut, target, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := hc.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(res.Body).Decode(&body)
		return res.StatusCode, errMessage(body)
	}
	status, msg := put("http://api.bitbucket.org"+reportPath, "")
	assert.Equal(t, 200, status, msg)
	status, msg = put("http://api.bitbucket.org"+reportPath, "Bearer leaked")
	assert.Equal(t, 400, status)
	assert.Equal(t, "a request through the Pipelines auth proxy must not carry credentials", msg)
	status, _ = put("http://example.org"+reportPath, "")
	assert.Equal(t, 502, status)
	assert.Equal(t, "proxy", s.Requests()[0].Auth)

	// Direct Bitbucket does not proxy.
	s2 := New(Options{DisableProxy: true})
	srv2 := httptest.NewServer(s2)
	defer srv2.Close()
	hc = proxyClient(t, srv2.URL)
	status, _ = put("http://api.bitbucket.org"+reportPath, "")
	assert.Equal(t, 400, status)
}

func TestFaults(t *testing.T) {
	s, c := newServer(t, Options{Repositories: []string{"acme/site"}})
	s.SetFault(Fault{Status: 403, Method: http.MethodPut, Times: 1})
	status, body := c.do(http.MethodPut, reportPath, validReport())
	assert.Equal(t, 403, status)
	assert.Equal(t, "Your credentials lack one or more required privilege scopes.", errMessage(body))
	assert.Equal(t, map[string]any{"granted": []any{"repository"}, "required": []any{"repository:write"}}, body["error"].(map[string]any)["detail"])
	assert.Equal(t, 200, first(c.do(http.MethodPut, reportPath, validReport())), "the fault was for one request")

	s.SetFault(Fault{Status: 429, RetryAfter: "7"})
	req, _ := http.NewRequest(http.MethodDelete, c.base+reportPath, nil)
	req.Header.Set("Authorization", "Bearer tok")
	res, err := c.http.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 429, res.StatusCode)
	assert.Equal(t, "7", res.Header.Get("Retry-After"))
	s.ClearFault()

	status, body = c.do(http.MethodPut, strings.Replace(reportPath, "acme/site", "acme/other", 1), validReport())
	assert.Equal(t, 404, status)
	assert.Equal(t, "Repository acme/other not found", errMessage(body))
}

func TestLogAndOutDir(t *testing.T) {
	var log bytes.Buffer
	dir := t.TempDir()
	_, c := newServer(t, Options{Log: &log, OutDir: dir})
	rep := validReport()
	rep["data"] = []any{
		map[string]any{"title": "Duration", "type": "DURATION", "value": 8400},
		map[string]any{"title": "Pipeline", "type": "LINK", "value": map[string]any{"text": "#42", "href": "https://bitbucket.org/acme/site/pipelines/results/42"}},
	}
	require.Equal(t, 200, first(c.do(http.MethodPut, reportPath, rep)))
	require.Equal(t, 200, first(c.do(http.MethodPost, reportPath+"/annotations", annotations(2, 0))))
	c.token = "bad"
	c.do(http.MethodDelete, reportPath, nil)

	assert.Equal(t, `PUT report auth0-deploy-1 on acme/site@abc1234 (auth: bearer)
  PASSED  Auth0 deploy  [TEST]
    Duration:  8.4 s
    Pipeline:  #42 <https://bitbucket.org/acme/site/pipelines/results/42>
POST 2 annotations to report auth0-deploy-1 on acme/site@abc1234 (2 in the report)
    BUG                          rules/a.js:1  s
    BUG                          rules/a.js:1  s
DELETE /2.0/repositories/acme/site/commit/abc1234/reports/auth0-deploy-1 → 401 Token is invalid, expired, or not supported for this endpoint.
`, log.String())

	raw, err := os.ReadFile(filepath.Join(dir, "acme_site_abc1234_auth0-deploy-1.json"))
	require.NoError(t, err)
	var saved StoredReport
	require.NoError(t, json.Unmarshal(raw, &saved))
	assert.Len(t, saved.Annotations, 2)
	assert.Equal(t, "Auth0 deploy", saved.Report.Title)
}
