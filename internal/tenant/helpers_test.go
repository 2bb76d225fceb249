package tenant

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

const (
	testClientID     = "cid-test"
	testClientSecret = "s3cr3t-value-never-shown"
	testToken        = "tok-abc-123"
)

// fakeClock is a clock that moves only when someone sleeps on it. Sleep
// records every requested duration; concurrent sleepers starting at the same
// time end at the same time.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// seenRequest is one request the fake server received.
type seenRequest struct {
	Method string
	Path   string
	Query  string
	Body   string
	Auth   string
}

func (r seenRequest) String() string {
	s := r.Method + " " + r.Path
	if r.Query != "" {
		s += "?" + r.Query
	}
	return s
}

// fakeServer is a scripted Management API: /oauth/token answers a token
// (or tokenHandler), /api/v2/* goes to api after the bearer token is checked.
type fakeServer struct {
	t            *testing.T
	srv          *httptest.Server
	mu           sync.Mutex
	seen         []seenRequest
	api          http.HandlerFunc
	tokenHandler http.HandlerFunc
}

func newFakeServer(t *testing.T, api http.HandlerFunc) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, api: api}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.mu.Lock()
	f.seen = append(f.seen, seenRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body), Auth: r.Header.Get("Authorization")})
	f.mu.Unlock()
	if r.URL.Path == "/oauth/token" {
		if f.tokenHandler != nil {
			f.tokenHandler(w, r)
			return
		}
		writeTestJSON(w, http.StatusOK, map[string]any{"access_token": testToken, "token_type": "Bearer", "expires_in": 86400})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		writeTestJSON(w, http.StatusUnauthorized, map[string]any{"statusCode": 401, "error": "Unauthorized", "message": "Invalid token"})
		return
	}
	f.api(w, r)
}

// requests returns what the server received, optionally only under prefix.
func (f *fakeServer) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

func (f *fakeServer) apiRequests() []seenRequest {
	var out []seenRequest
	for _, r := range f.requests() {
		if strings.HasPrefix(r.Path, "/api/v2/") {
			out = append(out, r)
		}
	}
	return out
}

func writeTestJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiErr(w http.ResponseWriter, status int, msg, code string) {
	body := map[string]any{"statusCode": status, "error": http.StatusText(status), "message": msg}
	if code != "" {
		body["errorCode"] = code
	}
	writeTestJSON(w, status, body)
}

// newTestClient builds a client for url on clk with deterministic jitter
// (always the low end of the backoff range).
func newTestClient(t *testing.T, url string, clk *fakeClock, mods ...func(*Options)) *Client {
	t.Helper()
	opts := Options{
		Domain:       url,
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		Now:          clk.Now,
		Sleep:        clk.Sleep,
		Deadline:     clk.Now().Add(10 * time.Minute),
		Logger:       zerolog.Nop(),
	}
	for _, m := range mods {
		m(&opts)
	}
	c, err := New(context.Background(), opts)
	require.NoError(t, err)
	c.transport.jitter = func() float64 { return 0 }
	return c
}

// hijackAndClose drops the connection without an answer.
func hijackAndClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.Close()
}

// jsonEqual asserts that two JSON documents are equal, numbers compared by
// their literal text.
func jsonEqual(t *testing.T, want, got string) {
	t.Helper()
	require.Equal(t, canonicalJSON(t, want), canonicalJSON(t, got))
}

func canonicalJSON(t *testing.T, s string) string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), "invalid JSON: %s", s)
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
