package auth0sim

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RateLimit is a token bucket: Limit requests of burst, refilled at PerSecond.
type RateLimit struct {
	Limit     int
	PerSecond float64
}

// Profiles are the Management API limits of Auth0's plans (auth0 docs,
// rate-limit configurations, 2026). Essentials/Professional have no global
// row; 10 burst / 150 per minute is the "all other endpoints combined"
// bucket that rules, actions, tenant settings and branding share.
var Profiles = map[string]RateLimit{
	"free":       {Limit: 2, PerSecond: 2},
	"essentials": {Limit: 10, PerSecond: 150.0 / 60},
	"enterprise": {Limit: 50, PerSecond: 16},
}

// ParseProfile resolves a profile name; "" and "off" mean no rate limit (nil).
func ParseProfile(name string) (*RateLimit, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "off", "none":
		return nil, nil
	}
	p, ok := Profiles[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, fmt.Errorf("unknown rate-limit profile %q (want off, free, essentials or enterprise)", name)
	}
	return &p, nil
}

// bucket is a token bucket measured on the simulator's clock.
type bucket struct {
	mu     sync.Mutex
	limit  RateLimit
	tokens float64
	last   time.Time
}

func newBucket(l RateLimit, now time.Time) *bucket {
	return &bucket{limit: l, tokens: float64(l.Limit), last: now}
}

// take refills the bucket up to now and consumes one token if there is one.
// It returns whether the request may proceed, the whole tokens left and the
// time at which the bucket is full again.
func (b *bucket) take(now time.Time) (ok bool, remaining int, reset time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.After(b.last) {
		b.tokens = math.Min(float64(b.limit.Limit), b.tokens+now.Sub(b.last).Seconds()*b.limit.PerSecond)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		ok = true
	}
	missing := float64(b.limit.Limit) - b.tokens
	reset = now.Add(time.Duration(missing / b.limit.PerSecond * float64(time.Second)))
	return ok, int(math.Floor(b.tokens)), reset
}

// tooManyRequests is the real API's 429 body.
var tooManyRequests = apiError{
	StatusCode: http.StatusTooManyRequests, Error: "Too Many Requests",
	Message: "Global limit has been reached", ErrorCode: "too_many_requests",
}

// rateLimit applies the bucket to an /api/v2 call: it always sets the
// x-ratelimit-* headers and answers 429 (returning false) when the bucket is
// empty. x-ratelimit-reset is the UNIX second at which the bucket is full
// again, rounded up, so on a 429 it is always in the future. No Retry-After
// is sent (the Management API sends none; inject a fault with a Retry-After
// header to test that path).
func (s *Sim) rateLimit(w http.ResponseWriter) bool {
	if s.limiter == nil {
		return true
	}
	now := s.clock.Now()
	ok, remaining, reset := s.limiter.take(now)
	h := w.Header()
	h.Set("x-ratelimit-limit", strconv.Itoa(s.limiter.limit.Limit))
	h.Set("x-ratelimit-remaining", strconv.Itoa(remaining))
	h.Set("x-ratelimit-reset", strconv.FormatInt(ceilUnix(reset), 10))
	if !ok {
		writeJSON(w, http.StatusTooManyRequests, tooManyRequests)
	}
	return ok
}

// ceilUnix rounds t up to a whole UNIX second.
func ceilUnix(t time.Time) int64 {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec
}
