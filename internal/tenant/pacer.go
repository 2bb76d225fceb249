package tenant

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// pacer keeps a shared view of the tenant's Management API token bucket,
// built from the X-RateLimit-Limit/-Remaining/-Reset headers of every answer,
// so that requests wait for tokens instead of running into 429s.
//
// The view is conservative: a request in flight is assumed to have used a
// token that the last answer did not count yet, and within one refill window
// (same X-RateLimit-Reset) the estimate only goes down.
type pacer struct {
	mu sync.Mutex
	// known is false until an answer carried rate-limit headers; until then
	// requests are not held back.
	known bool
	// limit is the bucket size (X-RateLimit-Limit); 0 when never seen.
	limit int
	// tokens is the estimated number of requests that may start now.
	tokens int
	// reset is the latest refill time the server reported (zero: never).
	reset time.Time
	// probing is true while one request, let through because reset has
	// passed, has not brought news of a newer refill window.
	probing bool
	// inflight counts requests sent and not answered.
	inflight int
	// answered is closed (and replaced) whenever a request ends.
	answered chan struct{}
}

// take reserves a token for a request about to start and returns (0, nil);
// or returns how long to wait before asking again; or, when the bucket is
// empty and only an answer in flight can tell how it refilled, a channel
// that is closed when some request ends.
func (p *pacer) take(now time.Time) (time.Duration, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.known || p.tokens > 0 {
		p.tokens--
		p.inflight++
		return 0, nil
	}
	if now.Before(p.reset) {
		return p.reset.Sub(now), nil
	}
	// Tokens came back at reset; how many is unknown. Let one request go
	// and learn the new state from its answer; the others wait for it.
	if !p.probing || p.inflight == 0 {
		p.probing = true
		p.inflight++
		return 0, nil
	}
	if p.answered == nil {
		p.answered = make(chan struct{})
	}
	return 0, p.answered
}

// done records the end of a request started by take, and learns from its
// answer's headers (resp may be nil when there was no answer).
func (p *pacer) done(resp *http.Response) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inflight > 0 {
		p.inflight--
	}
	if p.answered != nil {
		close(p.answered)
		p.answered = nil
	}
	if resp == nil {
		return
	}
	h := resp.Header
	limit, limitOK := headerInt(h, "X-RateLimit-Limit")
	remaining, remainingOK := headerInt(h, "X-RateLimit-Remaining")
	resetEpoch, resetOK := headerInt(h, "X-RateLimit-Reset")
	if resp.StatusCode == http.StatusTooManyRequests && !remainingOK {
		remaining, remainingOK = 0, true
	}
	if !remainingOK {
		return
	}
	if limitOK && limit > 0 {
		p.limit = limit
	}
	estimate := remaining - p.inflight
	var reset time.Time
	if resetOK {
		reset = time.Unix(int64(resetEpoch), 0)
	}
	switch {
	case !p.known, resetOK && reset.After(p.reset):
		// First view, or a newer refill window: trust the answer.
		p.tokens = estimate
		if resetOK {
			p.reset = reset
		}
		p.probing = false
	default:
		// Same or older window: the estimate only goes down.
		p.tokens = min(p.tokens, estimate)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		p.tokens = min(p.tokens, 0)
	}
	p.known = true
}

// view returns the bucket size and the estimated tokens, for logs and
// Concurrency.
func (p *pacer) view() (limit, tokens int, known bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limit, p.tokens, p.known
}

func headerInt(h http.Header, key string) (int, bool) {
	v := strings.TrimSpace(h.Get(key))
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false
	}
	return int(n), true
}
