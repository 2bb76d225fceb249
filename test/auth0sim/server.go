package auth0sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Default credentials of the client-credentials application the simulator
// accepts when Options leaves them empty.
const (
	DefaultClientID     = "sim-client-id"
	DefaultClientSecret = "sim-client-secret"
)

// Options configure a Sim. The zero value is a usable simulator: default
// credentials, all scopes granted, no rate limit, no latency, actions built
// instantly, the default seed state, the system clock.
type Options struct {
	// ClientID and ClientSecret are the only credentials /oauth/token accepts.
	ClientID, ClientSecret string
	// Audiences accepted by /oauth/token besides <scheme>://<Host>/api/v2/
	// of the request itself (e.g. "https://tenant.eu.auth0.com/api/v2/" when
	// the caller uses a custom domain).
	Audiences []string
	// Scopes granted to issued tokens. Nil grants every scope; a call whose
	// scope is missing gets 403 insufficient_scope.
	Scopes []string
	// StaticTokens are bearer tokens accepted without /oauth/token (for
	// callers that bring their own token, e.g. auth0-deploy-cli's
	// AUTH0_ACCESS_TOKEN). They carry all scopes.
	StaticTokens []string
	// TokenLifetime of issued tokens; default 24h (expires_in 86400).
	TokenLifetime time.Duration
	// Profile names the rate-limit profile: "off" (default), "free",
	// "essentials", "enterprise". RateLimit, when set, wins over Profile.
	Profile   string
	RateLimit *RateLimit
	// Latency is added to every request (slept for real) before it is served.
	Latency time.Duration
	// BuildDelay is how long (on Clock) an action draft takes from creation
	// or change to "built": "pending" for the first half, "building" for the
	// second. Zero means built at once.
	BuildDelay time.Duration
	// DeployDelay is how long after a deploy the deployed version reports
	// deployed:true. Zero means at once (the deploy reply itself always says
	// deployed:false, as the real API does).
	DeployDelay time.Duration
	// FailBuilds maps action names to a build error message: builds of those
	// actions end in status "failed".
	FailBuilds map[string]string
	// RulesEOL makes every /api/v2/rules* call answer 403, as tenants without
	// Rules (end of life 2026-11-18) do.
	RulesEOL bool
	// Clock drives build delays, token expiry and rate limits; default system
	// time.
	Clock Clock
	// State is the initial tenant; nil means DefaultState().
	State *State
	// Log, when set, receives every logged request as it completes (the
	// command prints them on stderr).
	Log func(Request)
}

// Sim is the simulated tenant. It is an http.Handler; every method is safe
// for concurrent use.
type Sim struct {
	opts    Options
	clock   Clock
	mux     *http.ServeMux
	control *http.ServeMux
	signKey []byte

	mu    sync.Mutex // guards state
	state State

	logMu    sync.Mutex
	requests []Request

	faults  faultSet
	limiter *bucket
}

// New builds a simulator. It panics on an unknown Profile name (use
// ParseProfile to validate user input first).
func New(opts Options) *Sim {
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = 24 * time.Hour
	}
	if opts.Clock == nil {
		opts.Clock = systemClock{}
	}
	s := &Sim{opts: opts, clock: opts.Clock, signKey: []byte(randomString(48))}
	if opts.State != nil {
		s.state = opts.State.clone()
	} else {
		s.state = DefaultState()
		s.state.normalise()
	}
	limit := opts.RateLimit
	if limit == nil {
		p, err := ParseProfile(opts.Profile)
		if err != nil {
			panic(fmt.Sprintf("auth0sim: %v", err))
		}
		limit = p
	}
	if limit != nil {
		s.limiter = newBucket(*limit, s.clock.Now())
	}
	s.routes()
	return s
}

// Start serves the simulator on a loopback httptest server that t's cleanup
// closes, and returns its base URL (http://127.0.0.1:PORT).
func (s *Sim) Start(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL
}

// StartTLS is Start over HTTPS with httptest's certificate; the returned
// client trusts it.
func (s *Sim) StartTLS(t testing.TB) (string, *http.Client) {
	t.Helper()
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	return srv.URL, srv.Client()
}

// Snapshot returns a deep copy of the current tenant state.
func (s *Sim) Snapshot() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.clone()
}

// SetState replaces the tenant state with a deep copy of st.
func (s *Sim) SetState(st State) {
	c := st.clone()
	s.mu.Lock()
	s.state = c
	s.mu.Unlock()
}

// Update runs fn on the live state under the simulator's lock, for tests that
// need to arrange something the API cannot (e.g. a half-built action).
func (s *Sim) Update(fn func(*State)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.state)
	s.state.normalise()
}

// route registers an /api/v2 endpoint with the scope it requires.
func (s *Sim) route(pattern, scope string, h http.HandlerFunc) {
	s.mux.Handle(pattern, scopeCheck(scope, h))
}

func (s *Sim) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /oauth/token", s.token)
	s.mux.HandleFunc("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found", "")
	})
	s.mux.HandleFunc("/api/v2/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found", "")
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found", "")
	})
	s.rulesRoutes()
	s.rulesConfigsRoutes()
	s.connectionsRoutes()
	s.clientsRoutes()
	s.tenantRoutes()
	s.actionsRoutes()
	s.bindingsRoutes()
	s.brandingRoutes()
	s.control = s.controlRoutes()
}

// ServeHTTP serves the Management API, /oauth/token and the /_sim/ control
// API.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_sim" || strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.control.ServeHTTP(w, r)
		return
	}
	start := s.clock.Now()
	began := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	entry := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Time: start}
	logged := false
	// A normal reply reaches the client only after the handler returns, so
	// logging in a deferred call keeps the log ahead of the client.
	defer func() {
		if !logged {
			entry.Status = rec.status
			entry.Duration = time.Since(began)
			s.logRequest(entry)
		}
	}()

	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	if f, ok := s.faults.match(r.Method, r.URL.Path); ok {
		entry.Fault = f.kind()
		if f.Delay > 0 {
			time.Sleep(time.Duration(f.Delay))
		}
		if f.Reset {
			// Log first: the client sees the reset as soon as the
			// connection closes, and may look at the log right away.
			entry.Duration = time.Since(began)
			s.logRequest(entry)
			logged = true
			resetConnection(rec, r)
			return
		}
		if f.Status != 0 {
			s.writeFault(rec, f)
			return
		}
	}
	if strings.HasPrefix(r.URL.Path, "/api/v2/") {
		if !s.rateLimit(rec) {
			return
		}
		tok, ok := s.authenticate(rec, r)
		if !ok {
			return
		}
		r = r.WithContext(withGrant(r.Context(), tok))
		if s.opts.RulesEOL && (r.URL.Path == "/api/v2/rules" || strings.HasPrefix(r.URL.Path, "/api/v2/rules/") ||
			r.URL.Path == "/api/v2/rules-configs" || strings.HasPrefix(r.URL.Path, "/api/v2/rules-configs/")) {
			writeError(rec, http.StatusForbidden, rulesEOLMessage, "feature_not_available")
			return
		}
	}
	s.mux.ServeHTTP(rec, r)
}

// rulesEOLMessage is what the simulator answers on /rules* with RulesEOL.
// The real post-EOL wording is not documented; this one contains
// "deprecated feature", which auth0-deploy-cli keys on.
const rulesEOLMessage = "Rules reached end of life on 2026-11-18: this is a deprecated feature and is no longer available on this tenant. Use Actions instead."

// statusRecorder remembers the status code written through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (Hijack).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// errorName is the "error" string of Auth0's error bodies for a status.
func errorName(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "Too Many Requests"
	default:
		return http.StatusText(status)
	}
}

// apiError is Auth0's error body.
type apiError struct {
	StatusCode int            `json:"statusCode"`
	Error      string         `json:"error"`
	Message    string         `json:"message"`
	ErrorCode  string         `json:"errorCode,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// writeError sends {statusCode, error, message, errorCode}; errorCode is
// left out when empty, as the real API does for e.g. actions.
func writeError(w http.ResponseWriter, status int, message, code string) {
	writeJSON(w, status, apiError{StatusCode: status, Error: errorName(status), Message: message, ErrorCode: code})
}

// payloadError is the 400 the real API sends for a schema violation.
func payloadError(w http.ResponseWriter, message string) {
	writeError(w, http.StatusBadRequest, "Payload validation error: "+message, "invalid_body")
}

// writeJSON sends v as JSON with Auth0's content type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, fmt.Sprintf("auth0sim: encode response: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// writeNoContent sends an empty reply with status (204, 202 …).
func writeNoContent(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
}

// maxBody bounds request bodies (the largest legitimate one is a 100 KB page
// template).
const maxBody = 4 << 20

// readBody returns the request body or writes a 400 and returns false.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Could not read request body: "+err.Error(), "invalid_body")
		return nil, false
	}
	if len(data) > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "Request payload is too large", "")
		return nil, false
	}
	return data, true
}

// decodeObject reads a JSON object body. An absent body is an empty object
// only when allowEmpty.
func decodeObject(w http.ResponseWriter, r *http.Request, allowEmpty bool) (Object, bool) {
	data, ok := readBody(w, r)
	if !ok {
		return nil, false
	}
	if len(strings.TrimSpace(string(data))) == 0 || strings.TrimSpace(string(data)) == "null" {
		if allowEmpty {
			return Object{}, true
		}
		writeError(w, http.StatusBadRequest, "Payload validation error: 'Expected type object but found type null'.", "invalid_body")
		return nil, false
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid request payload JSON format", "invalid_body")
		return nil, false
	}
	obj, isObj := v.(Object)
	if !isObj {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Payload validation error: 'Expected type object but found type %s'.", jsonType(v)), "invalid_body")
		return nil, false
	}
	return obj, true
}

// jsonType names a decoded JSON value's type as the API's messages do.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case Object:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// checkKeys returns a payload error message when obj has keys outside
// allowed, in the real API's wording, or "".
func checkKeys(obj Object, allowed ...string) string {
	var extra []string
	for k := range obj {
		found := false
		for _, a := range allowed {
			if k == a {
				found = true
				break
			}
		}
		if !found {
			extra = append(extra, k)
		}
	}
	if len(extra) == 0 {
		return ""
	}
	sortStrings(extra)
	return fmt.Sprintf("'Additional properties not allowed: %s'.", strings.Join(extra, ","))
}

// jsonStrict decodes data into v, rejecting unknown properties.
func jsonStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid request body: %w", err)
	}
	return nil
}

// str returns v as a string ("" when it is not one).
func str(v any) string {
	s, _ := v.(string)
	return s
}
