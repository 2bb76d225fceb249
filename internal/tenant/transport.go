package tenant

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Retry policy. 429 answers are retried without an attempt cap (bounded by
// the run deadline); 5xx answers and network errors at most maxAttempts
// times in all, with jittered exponential backoff.
const (
	maxAttempts    = 5
	backoffBase    = 250 * time.Millisecond
	backoffMax     = 8 * time.Second
	rateLimitFloor = 500 * time.Millisecond // a 429 whose reset already passed
	rateLimitNoHdr = time.Second            // a 429 without reset headers: backoff from here
	maxBodyBytes   = 64 << 20
)

// errRunDeadline is returned by the transport when the run deadline leaves
// no time for another attempt.
var errRunDeadline = errors.New("run deadline reached")

// callTrace collects, for one logical request, what the transport did.
type callTrace struct {
	mu           sync.Mutex
	attempts     int
	stopped      string
	maybeApplied bool
}

func (t *callTrace) set(f func(t *callTrace)) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	f(t)
}

func (t *callTrace) snapshot() (attempts int, stopped string, maybeApplied bool) {
	if t == nil {
		return 0, "", false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.attempts, t.stopped, t.maybeApplied
}

type ctxKey int

const (
	traceKey ctxKey = iota
	retrySafeKey
)

func withTrace(ctx context.Context, t *callTrace) context.Context {
	return context.WithValue(ctx, traceKey, t)
}

func traceFrom(ctx context.Context) *callTrace {
	t, _ := ctx.Value(traceKey).(*callTrace)
	return t
}

// withRetrySafe marks a POST as safe to send again after an answer was lost
// (e.g. deploying an action: a second deploy only adds a version).
func withRetrySafe(ctx context.Context) context.Context {
	return context.WithValue(ctx, retrySafeKey, true)
}

// retrySafe reports whether req may be sent again when an earlier attempt
// may have reached the server: every method but POST, the token request,
// and POSTs marked with withRetrySafe.
func retrySafe(req *http.Request) bool {
	if req.Method != http.MethodPost {
		return true
	}
	if strings.HasSuffix(req.URL.Path, "/oauth/token") {
		return true
	}
	safe, _ := req.Context().Value(retrySafeKey).(bool)
	return safe
}

func isManagementAPI(path string) bool {
	return strings.HasPrefix(path, "/api/v2/")
}

// usage counts traffic; safe for concurrent use.
type usage struct {
	mu          sync.Mutex
	requests    int
	reads       int
	writes      int
	retries     int
	rateLimited int
	waits       int
	waited      time.Duration
}

func (u *usage) request(method string, api bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.requests++
	if !api {
		return
	}
	if method == http.MethodGet || method == http.MethodHead {
		u.reads++
	} else {
		u.writes++
	}
}

func (u *usage) add(f func(u *usage)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	f(u)
}

// transport is the retrying, rate-limit-pacing RoundTripper under go-auth0
// and under the token request.
type transport struct {
	base           http.RoundTripper
	now            func() time.Time
	sleep          func(ctx context.Context, d time.Duration) error
	deadline       time.Time // zero: none
	attemptTimeout time.Duration
	pacer          *pacer
	usage          *usage
	log            zerolog.Logger
	// deadlineLabel names the deadline in messages ("TIMEOUT=10m"); "":
	// "run deadline".
	deadlineLabel string

	jitterMu sync.Mutex
	jitter   func() float64 // in [0,1); tests make it deterministic
}

// RoundTrip sends req, retrying and pacing per the package's policy. The
// answer's body is read completely within the attempt (so a hung body is
// retried too) and handed back from memory.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	trace := traceFrom(ctx)
	body, err := bufferBody(req)
	if err != nil {
		return nil, err
	}
	api := isManagementAPI(req.URL.Path)
	safe := retrySafe(req)
	failures := 0 // 5xx answers and network errors so far
	backoffs429 := 0
	for attempt := 1; ; attempt++ {
		trace.set(func(t *callTrace) { t.attempts = attempt })
		var tk ticket
		if api {
			if tk, err = t.pace(ctx, trace); err != nil {
				return nil, err
			}
		}
		resp, written, err := t.try(ctx, req, body, attempt, api)
		if api {
			t.pacer.done(tk, t.now(), resp)
		}

		var wait time.Duration
		rateLimit := false
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if !retryableError(err) {
				return nil, err
			}
			if written && !safe {
				// The server may have acted on it: let the caller check.
				trace.set(func(t *callTrace) { t.maybeApplied = true })
				return nil, err
			}
			failures++
			if failures >= maxAttempts {
				return nil, err
			}
			wait = t.backoff(failures)
		case resp.StatusCode == http.StatusTooManyRequests:
			t.usage.add(func(u *usage) { u.rateLimited++ })
			rateLimit = true
			var ok bool
			if wait, ok = rateLimitWait(resp.Header, t.now()); !ok {
				backoffs429++
				wait = min(rateLimitNoHdr*time.Duration(1<<min(backoffs429-1, 3)), backoffMax)
			}
		case retryableStatus(resp.StatusCode):
			if !safe {
				return resp, nil // the caller decides whether it was applied
			}
			failures++
			if failures >= maxAttempts {
				return resp, nil
			}
			wait = t.backoff(failures)
		default:
			return resp, nil
		}

		if !t.fits(wait) {
			trace.set(func(tr *callTrace) { tr.stopped = t.stoppedByDeadline() })
			if resp != nil {
				return resp, nil
			}
			return nil, err
		}
		t.usage.add(func(u *usage) {
			u.retries++
			u.waited += wait
			if rateLimit {
				u.waits++
			}
		})
		ev := t.log.Debug().Str("method", req.Method).Str("path", req.URL.Path).Int("attempt", attempt).Dur("wait", wait)
		if resp != nil {
			ev = ev.Int("status", resp.StatusCode)
		} else {
			ev = ev.Str("error", oneLine(causeText(err)))
		}
		ev.Msg("auth0 retry")
		if resp != nil {
			resp.Body.Close()
		}
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// pace waits until the shared rate-limit view lets a request start and
// returns the request's ticket, to be given back to the pacer with its
// answer.
func (t *transport) pace(ctx context.Context, trace *callTrace) (ticket, error) {
	for {
		tk, wait, answered := t.pacer.take(t.now())
		if answered != nil {
			// The bucket is empty and a request in flight will say when it
			// refills: wait for any answer, then look again.
			select {
			case <-answered:
				continue
			case <-ctx.Done():
				return ticket{}, ctx.Err()
			}
		}
		if wait <= 0 {
			return tk, nil
		}
		if !t.fits(wait) {
			trace.set(func(tr *callTrace) { tr.stopped = t.stoppedByDeadline() })
			return ticket{}, fmt.Errorf("waiting %s for the tenant's rate limit would pass %s: %w", wait.Round(time.Millisecond), t.deadlineName(), errRunDeadline)
		}
		t.usage.add(func(u *usage) { u.waits++; u.waited += wait })
		limit, tokens, _ := t.pacer.view(t.now())
		t.log.Debug().Dur("wait", wait).Int("limit", limit).Int("remaining", tokens).Msg("auth0 rate limit: pacing")
		if err := t.sleep(ctx, wait); err != nil {
			return ticket{}, err
		}
	}
}

// try makes one attempt and reads the whole answer.
func (t *transport) try(ctx context.Context, req *http.Request, body []byte, attempt int, api bool) (*http.Response, bool, error) {
	timeout := t.attemptTimeout
	byDeadline := false
	if !t.deadline.IsZero() {
		left := t.deadline.Sub(t.now())
		if left <= 0 {
			return nil, false, errRunDeadline
		}
		if left < timeout {
			timeout, byDeadline = left, true
		}
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var written atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				written.Store(true)
			}
		},
	})
	r := req.Clone(actx)
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		r.ContentLength = int64(len(body))
	}

	t.usage.request(req.Method, api)
	start := time.Now()
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
		resp.Body.Close()
		if rerr != nil {
			// The answer started, so the request reached the server.
			written.Store(true)
			resp, err = nil, fmt.Errorf("reading the answer: %w", rerr)
		} else {
			resp.Body = io.NopCloser(bytes.NewReader(b))
			resp.ContentLength = int64(len(b))
		}
	}
	if err != nil && ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		if byDeadline {
			err = fmt.Errorf("%w: %w", errRunDeadline, err)
		} else {
			err = fmt.Errorf("no answer within %s: %w", timeout, err)
		}
	}

	ev := t.log.Debug().Str("method", req.Method).Str("path", logPath(req)).Dur("duration", time.Since(start))
	if attempt > 1 {
		ev = ev.Int("attempt", attempt)
	}
	if resp != nil {
		ev = ev.Int("status", resp.StatusCode)
		if rem := resp.Header.Get("X-RateLimit-Remaining"); rem != "" {
			ev = ev.Str("remaining", rem)
		}
	} else {
		ev = ev.Str("error", oneLine(causeText(err)))
	}
	ev.Msg("auth0 request")
	return resp, written.Load(), err
}

// logPath is the path and the query (names and flags only: the pipe never
// puts secrets in query strings).
func logPath(req *http.Request) string {
	if req.URL.RawQuery == "" {
		return req.URL.Path
	}
	return req.URL.Path + "?" + req.URL.RawQuery
}

// stoppedByDeadline is Error.Stopped for retries cut short by the deadline.
func (t *transport) stoppedByDeadline() string {
	if t.deadlineLabel != "" {
		return t.deadlineLabel + " reached"
	}
	return "run deadline"
}

// deadlineName is the deadline as a sentence names it.
func (t *transport) deadlineName() string {
	if t.deadlineLabel != "" {
		return t.deadlineLabel
	}
	return "the run deadline"
}

// fits reports whether waiting d still ends before the run deadline.
func (t *transport) fits(d time.Duration) bool {
	return t.deadline.IsZero() || !t.now().Add(d).After(t.deadline)
}

// backoff returns the jittered exponential delay before retry n (1-based):
// half of base·2^(n-1) (capped) plus a random share of the other half.
func (t *transport) backoff(n int) time.Duration {
	d := time.Duration(float64(backoffBase) * math.Pow(2, float64(n-1)))
	if d > backoffMax {
		d = backoffMax
	}
	t.jitterMu.Lock()
	j := t.jitter
	if j == nil {
		j = rand.Float64
	}
	r := j()
	t.jitterMu.Unlock()
	return d/2 + time.Duration(r*float64(d/2))
}

// rateLimitWait reads how long a 429 asks to wait: until X-RateLimit-Reset
// (epoch seconds) or for Retry-After (seconds or an HTTP date), the later of
// the two when both are given. ok is false when neither header is usable.
func rateLimitWait(h http.Header, now time.Time) (time.Duration, bool) {
	var wait time.Duration
	found := false
	if reset, ok := headerInt(h, "X-RateLimit-Reset"); ok {
		wait, found = time.Unix(int64(reset), 0).Sub(now), true
	}
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		var d time.Duration
		ok := false
		if secs, err := strconv.Atoi(ra); err == nil {
			d, ok = time.Duration(secs)*time.Second, true
		} else if at, err := http.ParseTime(ra); err == nil {
			d, ok = at.Sub(now), true
		}
		if ok && (!found || d > wait) {
			wait, found = d, true
		}
	}
	if !found {
		return 0, false
	}
	if wait < rateLimitFloor {
		wait = rateLimitFloor
	}
	return wait, true
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryableError reports whether a failed attempt may succeed when tried
// again: connection refused/reset, EOF, timeouts yes; a host that does not
// exist, certificate problems and malformed requests no.
func retryableError(err error) bool {
	if errors.Is(err, errRunDeadline) || errors.Is(err, context.Canceled) {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return false
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var header tls.RecordHeaderError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) ||
		errors.As(err, &invalid) || errors.As(err, &header) {
		return false
	}
	msg := err.Error()
	if strings.Contains(msg, "unsupported protocol scheme") || strings.Contains(msg, "stopped after") && strings.Contains(msg, "redirects") {
		return false
	}
	return true
}

func bufferBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, fmt.Errorf("buffering the request body: %w", err)
	}
	return b, nil
}
