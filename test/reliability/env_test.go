package reliability

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/bbsim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/slacksim"
)

// Credentials of the runs. The canary test uses its own.
const (
	clientID     = "reliability-client"
	clientSecret = "reliability-secret-0123456789"
	repoName     = "acme/tenant"
	slackPath    = "/services/T000/B000/RELIABILITY"
)

// rawRequest is one request a stand-in received, whole: for the canary
// test, which greps every byte that left the pipe.
type rawRequest struct {
	Method, URL string
	Header      http.Header
	Body        string
}

// recorder keeps every request a handler receives.
type recorder struct {
	mu   sync.Mutex
	reqs []rawRequest
}

func (rc *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, rawRequest{Method: r.Method, URL: r.URL.String(), Header: r.Header.Clone(), Body: string(body)})
		rc.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (rc *recorder) all() []rawRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]rawRequest(nil), rc.reqs...)
}

// hook runs before the stand-in serves a request it matches: a hand edit
// of the tenant "between plan and apply", made exactly when the pipe's
// first write of that item arrives.
type hook struct {
	method, pattern string // path.Match pattern on the URL path
	edit            func(r *http.Request)
	fired           bool
}

// hooks holds the armed hooks; each fires once. Every-hooks see every
// request.
type hooks struct {
	mu     sync.Mutex
	list   []*hook
	always []func(r *http.Request)
}

// every runs f before the stand-in serves any request.
func (hs *hooks) every(f func(r *http.Request)) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.always = append(hs.always, f)
}

func (hs *hooks) add(method, pattern string, edit func(r *http.Request)) *hook {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	h := &hook{method: method, pattern: pattern, edit: edit}
	hs.list = append(hs.list, h)
	return h
}

// unfired names the hooks that never fired.
func (hs *hooks) unfired() []string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	var out []string
	for _, h := range hs.list {
		if !h.fired {
			out = append(out, h.method+" "+h.pattern)
		}
	}
	return out
}

func (hs *hooks) clear() {
	hs.mu.Lock()
	hs.list, hs.always = nil, nil
	hs.mu.Unlock()
}

func (hs *hooks) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.mu.Lock()
		var fire *hook
		for _, h := range hs.list {
			if ok, _ := path.Match(h.pattern, r.URL.Path); ok && !h.fired && h.method == r.Method {
				h.fired, fire = true, h
				break
			}
		}
		always := append([]func(*http.Request){}, hs.always...)
		hs.mu.Unlock()
		for _, f := range always {
			f(r)
		}
		if fire != nil {
			fire.edit(r)
		}
		next.ServeHTTP(w, r)
	})
}

// stack is one tenant stand-in with Code Insights and Slack stand-ins, and
// the built pipe binary.
type stack struct {
	t        *testing.T
	bin      string
	sim      *auth0sim.Sim
	auth0URL string
	auth0Raw *recorder
	hooks    *hooks
	bb       *bbsim.Server
	bbURL    string
	bbRaw    *recorder
	slack    *slacksim.Server
	slackURL string
	slackRaw *recorder
}

type stackOptions struct {
	state        *auth0sim.State
	clientSecret string
	bbUser       string
	bbPassword   string
	bbToken      string
	slackPath    string
}

func newStack(t *testing.T, o stackOptions) *stack {
	t.Helper()
	if o.clientSecret == "" {
		o.clientSecret = clientSecret
	}
	s := &stack{t: t, bin: harness.Binary(t), auth0Raw: &recorder{}, hooks: &hooks{}, bbRaw: &recorder{}, slackRaw: &recorder{}}
	s.sim = auth0sim.New(auth0sim.Options{ClientID: clientID, ClientSecret: o.clientSecret, State: o.state})
	s.auth0URL = serve(t, s.auth0Raw.wrap(s.hooks.wrap(s.sim)))
	if o.slackPath == "" {
		o.slackPath = slackPath
	}
	s.bb = bbsim.New(bbsim.Options{User: o.bbUser, Password: o.bbPassword, Token: o.bbToken})
	s.bbURL = serve(t, s.bbRaw.wrap(s.bb))
	s.slack = slacksim.New(slacksim.Options{Path: o.slackPath})
	s.slackURL = serve(t, s.slackRaw.wrap(s.slack))
	return s
}

func serve(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// env is the pipe's environment for a deploy of workspace ws against the
// stack; extra overrides it.
func (s *stack) env(extra map[string]string) map[string]string {
	env := map[string]string{
		"AUTH0_DOMAIN":             s.auth0URL,
		"AUTH0_CLIENT_ID":          clientID,
		"AUTH0_CLIENT_SECRET":      clientSecret,
		"BITBUCKET_REPO_FULL_NAME": repoName,
		"BITBUCKET_BRANCH":         "main",
		"BITBUCKET_COMMIT":         "0123456789abcdef0123456789abcdef01234567",
		"BITBUCKET_BUILD_NUMBER":   "7",
		"BITBUCKET_PROXY":          s.bbURL,
		"CODE_INSIGHTS":            "true",
		"SLACK_INCOMING_WEBHOOK":   s.slackURL + slackPath,
		"TIMEOUT":                  "20s",
	}
	for k, v := range extra {
		if v == "" {
			delete(env, k)
			continue
		}
		env[k] = v
	}
	return env
}

// run runs the pipe on workspace ws.
func (s *stack) run(ws string, extra map[string]string) harness.Result {
	s.t.Helper()
	return harness.Run(s.t, s.bin, ws, s.env(extra))
}

// mustDeploy deploys ws and fails the test unless it exits 0.
func (s *stack) mustDeploy(ws string) harness.Result {
	s.t.Helper()
	res := s.run(ws, nil)
	if res.Code != 0 {
		s.t.Fatalf("deploy exited %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	return res
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// shortHash identifies a file's content in listings.
func shortHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:6])
}
