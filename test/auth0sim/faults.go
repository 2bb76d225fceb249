package auth0sim

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path"
	"strconv"
	"sync"
	"time"
)

// Fault is an injected failure. It fires on requests whose method and path
// match, at most Times times, before rate limiting and authentication.
type Fault struct {
	// ID is assigned by InjectFault.
	ID int `json:"id"`
	// Method to match; "" matches any.
	Method string `json:"method,omitempty"`
	// PathPattern is a path.Match pattern on the URL path (no query), e.g.
	// "/api/v2/rules/*" or "/api/v2/actions/actions/*/deploy". "" matches any.
	PathPattern string `json:"path,omitempty"`
	// Status, when set, is sent instead of serving the request.
	Status int `json:"status,omitempty"`
	// Body of the fault reply; default is Auth0's error body for Status
	// (the real 429 body for 429).
	Body string `json:"body,omitempty"`
	// Headers added to the fault reply (e.g. {"Retry-After": "1"}). A 429
	// without them carries x-ratelimit-* headers with a reset 1 s ahead.
	Headers map[string]string `json:"headers,omitempty"`
	// Reset closes the connection without a reply (TCP reset).
	Reset bool `json:"reset,omitempty"`
	// Delay holds the request this long (real time) first; with no Status and
	// no Reset the request is then served normally. JSON: "250ms" or a
	// number of milliseconds.
	Delay Duration `json:"delay,omitempty"`
	// Times is how many requests the fault fires on: 0 means once, a
	// negative number means every matching request until cleared.
	Times int `json:"times,omitempty"`
	// Fired counts the requests it has fired on (read-only).
	Fired int `json:"fired"`
}

func (f Fault) kind() string {
	switch {
	case f.Reset:
		return "reset"
	case f.Status != 0:
		return "status"
	default:
		return "delay"
	}
}

func (f Fault) validate() error {
	if f.PathPattern != "" {
		if _, err := path.Match(f.PathPattern, "/"); err != nil {
			return fmt.Errorf("fault path pattern %q: %w", f.PathPattern, err)
		}
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
		return fmt.Errorf("fault status %d is not an HTTP status", f.Status)
	}
	if f.Status == 0 && !f.Reset && f.Delay <= 0 {
		return fmt.Errorf("fault needs a status, reset or a delay")
	}
	return nil
}

// Duration is a time.Duration that reads "250ms" or a number of milliseconds
// from JSON and writes the string form.
type Duration time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "1.5s" or 1500 (milliseconds).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %w", s, err)
		}
		*d = Duration(v)
		return nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("duration must be a string like \"250ms\" or a number of milliseconds")
	}
	*d = Duration(ms * float64(time.Millisecond))
	return nil
}

// faultSet holds the armed faults, in injection order.
type faultSet struct {
	mu     sync.Mutex
	nextID int
	list   []*Fault
}

func (fs *faultSet) add(f Fault) Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.nextID++
	f.ID = fs.nextID
	f.Fired = 0
	if f.Times == 0 {
		f.Times = 1
	}
	fs.list = append(fs.list, &f)
	return f
}

// match returns the first armed fault for the request and counts it; a
// fault that has fired Times times is removed.
func (fs *faultSet) match(method, p string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.list {
		if f.Method != "" && f.Method != method {
			continue
		}
		if f.PathPattern != "" {
			if ok, _ := path.Match(f.PathPattern, p); !ok {
				continue
			}
		}
		f.Fired++
		out := *f
		if f.Times > 0 && f.Fired >= f.Times {
			fs.list = append(fs.list[:i], fs.list[i+1:]...)
		}
		return out, true
	}
	return Fault{}, false
}

func (fs *faultSet) snapshot() []Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]Fault, 0, len(fs.list))
	for _, f := range fs.list {
		out = append(out, *f)
	}
	return out
}

func (fs *faultSet) clear() {
	fs.mu.Lock()
	fs.list = nil
	fs.mu.Unlock()
}

// InjectFault arms a fault and returns it with its ID. It panics on an
// invalid fault (a programming error in a test); the control API validates
// and answers 400 instead.
func (s *Sim) InjectFault(f Fault) Fault {
	if err := f.validate(); err != nil {
		panic("auth0sim: " + err.Error())
	}
	return s.faults.add(f)
}

// Faults returns the faults still armed.
func (s *Sim) Faults() []Fault { return s.faults.snapshot() }

// ClearFaults disarms every fault.
func (s *Sim) ClearFaults() { s.faults.clear() }

func (s *Sim) writeFault(w http.ResponseWriter, f Fault) {
	for k, v := range f.Headers {
		w.Header().Set(k, v)
	}
	if f.Status == http.StatusTooManyRequests && len(f.Headers) == 0 {
		limit := 10
		if s.limiter != nil {
			limit = s.limiter.limit.Limit
		}
		w.Header().Set("x-ratelimit-limit", strconv.Itoa(limit))
		w.Header().Set("x-ratelimit-remaining", "0")
		w.Header().Set("x-ratelimit-reset", strconv.FormatInt(ceilUnix(s.clock.Now().Add(time.Second)), 10))
	}
	if f.Body != "" {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		}
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	if f.Status == http.StatusTooManyRequests {
		writeJSON(w, f.Status, tooManyRequests)
		return
	}
	if f.Status < 400 {
		writeNoContent(w, f.Status)
		return
	}
	writeError(w, f.Status, fmt.Sprintf("Injected fault: %d %s", f.Status, http.StatusText(f.Status)), "")
}

// resetConnection drops the client's connection without a reply: a TCP RST
// where the connection can be hijacked (HTTP/1.x), else an aborted stream.
func resetConnection(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	} else if tc, ok := underlyingTCP(conn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// underlyingTCP digs the TCP connection out of a TLS connection.
func underlyingTCP(c net.Conn) (*net.TCPConn, bool) {
	type netConner interface{ NetConn() net.Conn }
	if nc, ok := c.(netConner); ok {
		tc, ok := nc.NetConn().(*net.TCPConn)
		return tc, ok
	}
	return nil, false
}
