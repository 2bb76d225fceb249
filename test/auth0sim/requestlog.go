package auth0sim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Request is one entry of the request log: every request the simulator
// served (the token endpoint and rejected calls included), in completion
// order. /_sim/ control calls are not logged.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Query is the raw query string, without "?".
	Query string `json:"query,omitempty"`
	// Status is the HTTP status sent; 0 when the connection was reset.
	Status int `json:"status"`
	// Time is when the request arrived, on the simulator's clock.
	Time time.Time `json:"time"`
	// Duration is the real time spent serving it (latency included).
	Duration time.Duration `json:"duration_ns"`
	// Fault names the injected fault that fired on this request, if any:
	// "status", "reset" or "delay".
	Fault string `json:"fault,omitempty"`
}

// IsWrite reports whether the request could change the tenant (any method
// but GET, HEAD and OPTIONS).
func (r Request) IsWrite() bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// IsAPI reports whether the request went to the Management API (/api/v2/).
func (r Request) IsAPI() bool { return strings.HasPrefix(r.Path, "/api/v2/") }

// IsToken reports whether the request went to /oauth/token.
func (r Request) IsToken() bool { return r.Path == "/oauth/token" }

// String renders "METHOD /path?query STATUS", the form the command logs.
func (r Request) String() string {
	p := r.Path
	if r.Query != "" {
		p += "?" + r.Query
	}
	s := fmt.Sprintf("%s %s %d", r.Method, p, r.Status)
	if r.Fault != "" {
		s += " fault=" + r.Fault
	}
	return s
}

// APIWrites filters reqs down to Management API writes, keeping their order.
func APIWrites(reqs []Request) []Request {
	out := []Request{}
	for _, r := range reqs {
		if r.IsAPI() && r.IsWrite() {
			out = append(out, r)
		}
	}
	return out
}

// Lines renders each request with String, for compact test assertions.
func Lines(reqs []Request) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.String()
	}
	return out
}

func (s *Sim) logRequest(r Request) {
	s.logMu.Lock()
	s.requests = append(s.requests, r)
	s.logMu.Unlock()
	if s.opts.Log != nil {
		s.opts.Log(r)
	}
}

// Requests returns a copy of the request log.
func (s *Sim) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetRequests empties the request log.
func (s *Sim) ResetRequests() {
	s.logMu.Lock()
	s.requests = nil
	s.logMu.Unlock()
}

// APIWrites returns the Management API writes of the request log.
func (s *Sim) APIWrites() []Request { return APIWrites(s.Requests()) }

func sortStrings(v []string) { sort.Strings(v) }
