package tenant

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// testBucket is a token bucket on the fake clock that answers like the
// Management API: x-ratelimit-* headers on every answer, 429 when empty.
type testBucket struct {
	mu       sync.Mutex
	clk      *fakeClock
	limit    int
	perSec   float64
	tokens   float64
	last     time.Time
	resetsAt func(b *testBucket, now time.Time) time.Time
	served   int
	limited  int
}

// resetWhenFull: X-RateLimit-Reset is when the bucket is full again.
func resetWhenFull(b *testBucket, now time.Time) time.Time {
	return now.Add(time.Duration((float64(b.limit) - b.tokens) / b.perSec * float64(time.Second)))
}

// resetAtNextToken: X-RateLimit-Reset is when the next token is added.
func resetAtNextToken(b *testBucket, now time.Time) time.Time {
	frac := b.tokens - math.Floor(b.tokens)
	return now.Add(time.Duration((1 - frac) / b.perSec * float64(time.Second)))
}

func essentialsBucket(clk *fakeClock, resets func(*testBucket, time.Time) time.Time) *testBucket {
	return &testBucket{clk: clk, limit: 10, perSec: 150.0 / 60, tokens: 10, last: clk.Now(), resetsAt: resets}
}

func (b *testBucket) serve(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	now := b.clk.Now()
	if now.After(b.last) {
		b.tokens = math.Min(float64(b.limit), b.tokens+now.Sub(b.last).Seconds()*b.perSec)
		b.last = now
	}
	okay := b.tokens >= 1
	if okay {
		b.tokens--
		b.served++
	} else {
		b.limited++
	}
	reset := b.resetsAt(b, now)
	sec := reset.Unix()
	if reset.Nanosecond() > 0 {
		sec++
	}
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(b.limit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(int(math.Floor(b.tokens))))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(sec, 10))
	b.mu.Unlock()
	if !okay {
		apiErr(w, 429, "Global limit has been reached", "too_many_requests")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func TestPacingUnderEssentials(t *testing.T) {
	resets := map[string]func(*testBucket, time.Time) time.Time{
		"reset when the bucket is full":   resetWhenFull,
		"reset when the next token comes": resetAtNextToken,
	}
	for rname, reset := range resets {
		for _, workers := range []int{1, 5} {
			t.Run(fmt.Sprintf("%s, %d at once", rname, workers), func(t *testing.T) {
				clk := newFakeClock()
				b := essentialsBucket(clk, reset)
				f := newFakeServer(t, b.serve)
				c := newTestClient(t, f.srv.URL, clk)
				const writes = 60
				g := new(errgroup.Group)
				g.SetLimit(workers)
				for i := range writes {
					g.Go(func() error {
						return c.UpdateRule(context.Background(), fmt.Sprintf("rul_%d", i), model.RulePatch{Enabled: ptr(true)})
					})
				}
				require.NoError(t, g.Wait())
				assert.Equal(t, 0, b.limited, "no 429 met")
				assert.Equal(t, writes, b.served)
				u := c.Usage()
				assert.Equal(t, 0, u.RateLimited)
				assert.Equal(t, 0, u.Retries)
				assert.Equal(t, writes, u.Writes)
				assert.Positive(t, u.RateLimitWaits, "the pacer held requests back")
				assert.Equal(t, 5, c.Concurrency(), "half the bucket of 10")
			})
		}
	}
}

func TestConcurrencyFromReportedLimit(t *testing.T) {
	tests := []struct {
		limit string
		max   int
		want  int
	}{
		{"", 0, 2},
		{"1", 0, 1},
		{"2", 0, 1},
		{"10", 0, 5},
		{"50", 0, 8},
		{"50", 3, 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("limit %q max %d", tt.limit, tt.max), func(t *testing.T) {
			f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.limit != "" {
					w.Header().Set("X-RateLimit-Limit", tt.limit)
					w.Header().Set("X-RateLimit-Remaining", tt.limit)
					w.Header().Set("X-RateLimit-Reset", "0")
				}
				w.WriteHeader(http.StatusNoContent)
			})
			c := newTestClient(t, f.srv.URL, newFakeClock(), func(o *Options) { o.MaxConcurrency = tt.max })
			require.NoError(t, c.DeleteRule(context.Background(), "rul_1"))
			assert.Equal(t, tt.want, c.Concurrency())
		})
	}
}

func TestPacerView(t *testing.T) {
	now := time.Unix(1000, 0)
	hdr := func(status int, limit, remaining string, reset int64) *http.Response {
		h := http.Header{}
		h.Set("X-RateLimit-Limit", limit)
		h.Set("X-RateLimit-Remaining", remaining)
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
		return &http.Response{StatusCode: status, Header: h}
	}
	p := &pacer{}
	take := func(at time.Time) time.Duration {
		d, ch := p.take(at)
		require.Nil(t, ch)
		return d
	}
	assert.Equal(t, time.Duration(0), take(now), "unknown bucket: go")
	p.done(hdr(200, "10", "1", 1003))
	assert.Equal(t, time.Duration(0), take(now), "one token left")
	assert.Equal(t, 3*time.Second, take(now), "empty: wait until reset")
	p.done(hdr(200, "10", "5", 1003))
	assert.Equal(t, 3*time.Second, take(now), "a stale answer of the same window does not add tokens")
	assert.Equal(t, time.Duration(0), take(now.Add(3*time.Second)), "after reset one request probes")
	_, answered := p.take(now.Add(3 * time.Second))
	require.NotNil(t, answered, "others wait for its answer")
	p.done(hdr(200, "10", "9", 1002))
	assert.Equal(t, 3*time.Second, take(now), "a stale answer (older window) adds no tokens")
	assert.Equal(t, time.Duration(0), take(now.Add(3*time.Second)), "nothing in flight: probe again")
	_, answered = p.take(now.Add(3 * time.Second))
	require.NotNil(t, answered)
	p.done(hdr(200, "10", "8", 1004))
	select {
	case <-answered:
	default:
		t.Fatal("an answer wakes the waiters")
	}
	assert.Equal(t, time.Duration(0), take(now.Add(3*time.Second)), "a new window refills the view")
	limit, tokens, known := p.view()
	assert.Equal(t, 10, limit)
	assert.Equal(t, 7, tokens)
	assert.True(t, known)
}
