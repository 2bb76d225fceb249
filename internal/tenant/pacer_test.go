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

// Under Essentials (10 burst, 150 a minute) the pacer keeps the sustained
// rate: 200 requests, sent one after another with 50 ms of latency, take
// within 10% of the token-bucket arithmetic, (200-10)/2.5 s, and meet no
// 429. (Waiting for Reset each time the bucket empties takes about 20% more.)
func TestPacingKeepsTheSustainedRate(t *testing.T) {
	clk := newFakeClock()
	start := clk.Now()
	b := essentialsBucket(clk, resetWhenFull)
	// Each request takes 50 ms to reach the bucket (one at a time).
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		clk.Advance(50 * time.Millisecond)
		b.serve(w, r)
	})
	c := newTestClient(t, f.srv.URL, clk)
	const writes = 200
	for i := range writes {
		require.NoError(t, c.UpdateRule(context.Background(), fmt.Sprintf("rul_%d", i), model.RulePatch{Enabled: ptr(true)}))
	}
	assert.Equal(t, 0, b.limited, "no 429 met")
	floor := time.Duration(float64(writes-10) / 2.5 * float64(time.Second))
	elapsed := clk.Now().Sub(start)
	assert.LessOrEqual(t, elapsed, floor+floor/10, "within 10%% of the floor %s", floor)
	assert.GreaterOrEqual(t, elapsed, floor, "never faster than the bucket allows")
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

// rlAnswer is an answer carrying rate-limit headers.
func rlAnswer(status int, limit, remaining int, reset time.Time) *http.Response {
	h := http.Header{}
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	return &http.Response{StatusCode: status, Header: h}
}

// mustGo takes a token that must be granted at once.
func mustGo(t *testing.T, p *pacer, at time.Time, why string) ticket {
	t.Helper()
	tk, wait, ch := p.take(at)
	require.Nil(t, ch, why)
	require.Equal(t, time.Duration(0), wait, why)
	return tk
}

// mustWait asks for a token that must be refused, and returns the wait.
func mustWait(t *testing.T, p *pacer, at time.Time, why string) time.Duration {
	t.Helper()
	_, wait, ch := p.take(at)
	require.Nil(t, ch, why)
	require.Positive(t, wait, why)
	return wait
}

func TestPacerView(t *testing.T) {
	now := time.Unix(1000, 0)
	reset := now.Add(3 * time.Second)
	p := &pacer{}
	a := mustGo(t, p, now, "unknown bucket: go")
	p.done(a, now, rlAnswer(200, 10, 1, reset))
	b := mustGo(t, p, now, "one token left")
	assert.Equal(t, 3*time.Second, mustWait(t, p, now, "empty"), "empty: wait until reset")
	p.done(b, now, rlAnswer(200, 10, 0, reset))
	assert.Equal(t, 3*time.Second, mustWait(t, p, now, "still empty"))

	probe := mustGo(t, p, reset, "after reset one request probes")
	_, _, answered := p.take(reset)
	require.NotNil(t, answered, "others wait for its answer")
	p.done(probe, reset, rlAnswer(200, 10, 8, reset.Add(time.Second)))
	select {
	case <-answered:
	default:
		t.Fatal("an answer wakes the waiters")
	}
	mustGo(t, p, reset, "the probe's answer refills the view")
	limit, tokens, known := p.view(reset)
	assert.Equal(t, 10, limit)
	assert.Equal(t, 7, tokens)
	assert.True(t, known)
}

// An answer that arrives after another cannot give back tokens the other
// requests may have spent: only requests answered before it was sent are
// known to be in its count.
func TestPacerLateAnswerAddsNoSpentTokens(t *testing.T) {
	now := time.Unix(1000, 0)
	reset := now.Add(5 * time.Second)
	p := &pacer{}
	first := mustGo(t, p, now, "unknown")
	p.done(first, now, rlAnswer(200, 10, 4, reset))
	a := mustGo(t, p, now, "4 left")
	b := mustGo(t, p, now, "3 left")
	c := mustGo(t, p, now, "2 left")
	d := mustGo(t, p, now, "1 left")
	mustWait(t, p, now, "four in flight")
	// The server counted d, c, b, a in that order; a's answer comes last.
	p.done(d, now, rlAnswer(200, 10, 3, reset))
	p.done(c, now, rlAnswer(200, 10, 2, reset))
	p.done(b, now, rlAnswer(200, 10, 1, reset))
	_, tokens, _ := p.view(now)
	assert.Equal(t, 0, tokens, "a is still in flight and may not be in b's count")
	p.done(a, now, rlAnswer(200, 10, 0, reset))
	_, tokens, _ = p.view(now)
	assert.Equal(t, 0, tokens)
	mustWait(t, p, now, "empty")
}

// drain empties an essentials bucket (10 burst, 2.5/s) from full at start
// and returns the tickets' last answer's reset.
func drain(t *testing.T, p *pacer, start time.Time) time.Time {
	t.Helper()
	var reset time.Time
	for left := 9; left >= 0; left-- {
		tk := mustGo(t, p, start, "burst")
		// Full again (10-left)/2.5 s later, rounded up to a whole second.
		full := start.Add(time.Duration(float64(10-left) / 2.5 * float64(time.Second)))
		reset = time.Unix(full.Unix(), 0)
		if full.After(reset) {
			reset = reset.Add(time.Second)
		}
		p.done(tk, start, rlAnswer(200, 10, left, reset))
	}
	return reset
}

// Once a probe sent alone at Reset finds the bucket full, Reset is known to
// mean "full again", and requests go at the refill rate instead of waiting
// for the next Reset.
func TestPacerPacesAtRefillRateOnceFullAtResetIsConfirmed(t *testing.T) {
	start := time.Unix(1000, 300_000_000)
	p := &pacer{}
	reset := drain(t, p, start)
	assert.Equal(t, reset.Sub(start), mustWait(t, p, start, "empty, not confirmed: wait until reset"))

	probe := mustGo(t, p, reset, "probe at reset")
	p.done(probe, reset, rlAnswer(200, 10, 9, reset.Add(time.Second)))
	require.True(t, p.fullAtReset, "a full bucket at reset confirms the meaning of Reset")
	for range 9 {
		tk := mustGo(t, p, reset, "the refilled bucket")
		defer p.done(tk, reset, nil)
	}
	wait := mustWait(t, p, reset, "empty again")
	// 9 tokens in at most 4.x s: the rate bound is 9/(span+0.5s) tokens a
	// second, so one token is granted within half a second, not at the next
	// Reset 4 seconds away.
	assert.Less(t, wait, 600*time.Millisecond)
	assert.Greater(t, wait, 399*time.Millisecond, "never faster than the true rate of 2.5/s")
}

// A probe that finds the bucket less than full (another client, or a Reset
// that means the next token) keeps the pacer waiting for Reset.
func TestPacerProbeNotFullKeepsWaitingForReset(t *testing.T) {
	start := time.Unix(1000, 300_000_000)
	p := &pacer{}
	reset := drain(t, p, start)
	probe := mustGo(t, p, reset, "probe at reset")
	next := reset.Add(time.Second)
	p.done(probe, reset, rlAnswer(200, 10, 0, next))
	assert.False(t, p.fullAtReset)
	assert.True(t, p.noRate)
	assert.Equal(t, time.Second, mustWait(t, p, reset, "wait until the next reset"))
}

// A 429 met while pacing at the refill rate drops the rate for the run.
func TestPacer429DropsTheRefillRate(t *testing.T) {
	start := time.Unix(1000, 300_000_000)
	p := &pacer{}
	reset := drain(t, p, start)
	probe := mustGo(t, p, reset, "probe")
	p.done(probe, reset, rlAnswer(200, 10, 9, reset.Add(time.Second)))
	require.True(t, p.fullAtReset)
	tk := mustGo(t, p, reset, "one")
	p.done(tk, reset, rlAnswer(http.StatusTooManyRequests, 10, 0, reset.Add(4*time.Second)))
	assert.True(t, p.noRate)
	assert.Zero(t, p.refill())
	assert.Equal(t, 4*time.Second, mustWait(t, p, reset, "wait until reset again"))
}
