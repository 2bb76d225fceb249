package tenant

import (
	"math"
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
// # The view
//
// The view is a lower bound of the tokens in the bucket, taken from the
// latest answer ("anchor"). An answer says how many whole tokens remained
// when the server counted its request; every request that may be missing
// from that count (those in flight when it was sent, and every one started
// since) is taken off it. An answer that arrives late therefore never adds
// tokens that other requests have spent.
//
// # Waiting for tokens
//
// When the view is empty, requests wait until X-RateLimit-Reset; then one
// request goes ("probe") and its answer tells the others how far the bucket
// refilled. This is safe whatever Reset means, but slow: the bucket sits
// full until the next whole second and the probe's round trip, each time it
// empties (about 12% of the sustained rate under Essentials' 10 burst,
// 150/min).
//
// # Pacing at the refill rate
//
// Auth0's buckets refill continuously, and on Auth0 (and the stand-in)
// Reset is the whole second by which the bucket is full again. Then an
// answer with R of L tokens left, to a request sent at s, bounds the refill
// rate from below: the L-R-1 missing whole tokens are back by Reset, so the
// rate is at least (L-R-1)/(Reset-s). The view grows at the largest such
// bound (less a margin for clock skew), so requests go as soon as a token
// must be there. The bound never exceeds the true rate and tokens of a bucket
// that is never full are not lost (an answer showing a spare token releases
// the next request at once), so the run keeps the tenant's sustained rate.
//
// Whether Reset means "full again" (rather than, say, "next token") is
// first confirmed by a probe: sent alone at Reset, it must find the bucket
// full (L-1 left), which under "next token" would need a refill rate that
// the earlier Reset already rules out (see confirms). Until then, and for the
// rest of the run after a probe finds the bucket not full or a 429 shows the
// view wrong (another client draining the same bucket), the pacer only waits
// for Reset.
type pacer struct {
	mu sync.Mutex
	// known is false until an answer carried rate-limit headers; until then
	// requests are not held back.
	known bool
	// limit is the bucket size (X-RateLimit-Limit); 0 when never seen.
	limit int
	// started counts requests let through; finished those answered (or
	// failed). started-finished are in flight.
	started, finished int
	// anchors are the most recent answers, oldest first.
	anchors []anchor
	// reset is the latest refill time the server reported (zero: never);
	// resetBy is the answer that reported it.
	reset   time.Time
	resetBy anchor
	// rate is the largest lower bound of the refill rate seen (tokens a
	// second). It is used once fullAtReset is confirmed, and never after
	// noRate is set.
	rate        float64
	fullAtReset bool
	noRate      bool
	// probing is true while one request, let through because reset has
	// passed, has not brought news of a newer refill window.
	probing bool
	// answered is closed (and replaced) whenever a request ends.
	answered chan struct{}
}

// maxAnchors bounds the answers the view keeps.
const maxAnchors = 8

// skewMargin is added to every refill-rate bound's time span, in case the
// runner's clock is ahead of Auth0's: a lower rate costs next to nothing
// (spare tokens show in the next answer), a higher one costs 429s.
const skewMargin = 500 * time.Millisecond

// anchor is what one answer said about the bucket.
type anchor struct {
	at        time.Time // when the answer arrived
	remaining int       // X-RateLimit-Remaining
	// base is the number of requests this answer accounts for: those answered
	// before it was sent, and itself. Every other request started so far may
	// be missing from its count.
	base int
}

// ticket is handed out by take and given back to done.
type ticket struct {
	sent time.Time
	// answeredBefore counts the requests answered before this one started,
	// inflight those in flight when it started.
	answeredBefore, inflight int
	// probe is set on a request let through because reset had passed.
	probe bool
}

// take reserves a token for a request about to start and returns its
// ticket; or returns how long to wait before asking again; or, when the
// bucket is empty and only an answer in flight can tell how it refilled, a
// channel that is closed when some request ends.
func (p *pacer) take(now time.Time) (ticket, time.Duration, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.known || p.tokensAt(now) >= 1 {
		return p.start(now, false), 0, nil
	}
	if !now.Before(p.reset) {
		// Tokens came back at reset; how many is unknown. Let one request go
		// and learn the new state from its answer; the others wait for it.
		if !p.probing || p.inflight() == 0 {
			p.probing = true
			return p.start(now, true), 0, nil
		}
		if p.answered == nil {
			p.answered = make(chan struct{})
		}
		return ticket{}, 0, p.answered
	}
	wait := p.reset.Sub(now)
	if at, ok := p.nextToken(now); ok && at.Sub(now) < wait {
		wait = max(at.Sub(now), time.Millisecond)
	}
	return ticket{}, wait, nil
}

func (p *pacer) start(now time.Time, probe bool) ticket {
	t := ticket{sent: now, answeredBefore: p.finished, inflight: p.inflight(), probe: probe}
	p.started++
	return t
}

func (p *pacer) inflight() int { return p.started - p.finished }

// refill is the rate the view grows at: 0 until "full at reset" is
// confirmed.
func (p *pacer) refill() float64 {
	if !p.fullAtReset || p.noRate {
		return 0
	}
	return p.rate
}

// current is the anchor the view stands on: of the answers to the requests
// sent last (the most answers known when they were sent), the one that
// leaves the fewest tokens. Every anchor is a lower bound while only this
// run uses the bucket; the latest one also counts what other clients took.
func (p *pacer) current(now time.Time) (anchor, bool) {
	var cur anchor
	found := false
	for _, a := range p.anchors {
		if !found || a.base > cur.base || a.base == cur.base && p.bound(a, now) < p.bound(cur, now) {
			cur, found = a, true
		}
	}
	return cur, found
}

// tokensAt is the view: the tokens the current anchor guarantees at now.
func (p *pacer) tokensAt(now time.Time) float64 {
	a, ok := p.current(now)
	if !ok {
		return 0
	}
	return p.bound(a, now)
}

// bound is the tokens anchor a guarantees at now, after the requests that
// may be missing from its count.
func (p *pacer) bound(a anchor, now time.Time) float64 {
	tokens := float64(a.remaining)
	if r := p.refill(); r > 0 && now.After(a.at) {
		tokens = min(float64(p.limit), tokens+r*now.Sub(a.at).Seconds())
	}
	return tokens - float64(p.started-a.base)
}

// nextToken is when, by the refill rate, the view holds a token for one
// more request; ok is false without a rate or when more than a full bucket
// is spent since the current anchor.
func (p *pacer) nextToken(now time.Time) (time.Time, bool) {
	r := p.refill()
	a, ok := p.current(now)
	if r <= 0 || !ok {
		return time.Time{}, false
	}
	spent := p.started - a.base + 1
	if spent > p.limit {
		return time.Time{}, false
	}
	need := float64(spent - a.remaining)
	return a.at.Add(time.Duration(math.Ceil(need / r * float64(time.Second)))), true
}

// done records the end of the request of ticket t at now, and learns from
// its answer's headers (resp may be nil when there was no answer).
func (p *pacer) done(t ticket, now time.Time, resp *http.Response) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished++
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
	limited := resp.StatusCode == http.StatusTooManyRequests
	if limited && !remainingOK {
		remaining, remainingOK = 0, true
	}
	if !remainingOK {
		return
	}
	if limitOK && limit > 0 {
		p.limit = limit
	}
	if limited {
		remaining = 0
		if p.refill() > 0 {
			// The bucket held less than the view promised: stop trusting
			// the refill rate for this run.
			p.noRate = true
		}
	}
	a := anchor{at: now, remaining: remaining, base: t.answeredBefore + 1}
	if t.probe && !limited && t.inflight == 0 && !p.fullAtReset && !p.noRate {
		switch {
		case p.confirms(t, a):
			p.fullAtReset = true
		case remaining < p.limit-1:
			// Sent alone after reset, it did not find the bucket full:
			// another client shares it, or Reset means something else.
			p.noRate = true
		}
	}
	if resetOK {
		reset := time.Unix(int64(resetEpoch), 0)
		if reset.After(p.reset) {
			p.reset, p.resetBy = reset, a
			p.probing = false
		}
		if missing, span := p.limit-remaining-1, reset.Sub(t.sent)+skewMargin; !limited && missing > 0 && span > 0 && !t.sent.IsZero() {
			// The missing whole tokens are back by reset at the latest.
			p.rate = max(p.rate, float64(missing)/span.Seconds())
		}
	}
	p.anchors = append(p.anchors, a)
	if len(p.anchors) > maxAnchors {
		p.anchors = p.anchors[len(p.anchors)-maxAnchors:]
	}
	p.known = true
}

// confirms reports whether the answer a to probe t shows that Reset is the
// time the bucket is full again. The probe was sent alone at or after the
// reset R0 reported by an answer a0 (with r0 tokens left, arriving at e0),
// and found the bucket full: a.remaining = L-1.
//
// Suppose instead Reset were only the time the next token comes. Then R0,
// rounded up to a whole second, is less than 1/rate+1 after a0 was counted,
// so rate < 1/(R0-e0-1); and the bucket held at most r0+1+rate*(1+d) tokens
// when the probe was counted, d = (probe's answer time) - R0. Finding it full
// needs r0+1+rate*(1+d) >= L. When (1+d)/(R0-e0-1) <= L-1-r0 the two cannot
// both hold, and "full again at Reset" is confirmed.
func (p *pacer) confirms(t ticket, a anchor) bool {
	prev := p.resetBy
	if p.limit < 2 || a.remaining != p.limit-1 || prev.at.IsZero() || t.sent.Before(p.reset) {
		return false
	}
	gap := p.reset.Sub(prev.at).Seconds() - 1
	if gap <= 0 {
		return false
	}
	d := max(a.at.Sub(p.reset).Seconds(), 0)
	return (1+d)/gap <= float64(p.limit-1-prev.remaining)
}

// view returns the bucket size and the whole tokens the view holds at now,
// for logs and Concurrency.
func (p *pacer) view(now time.Time) (limit, tokens int, known bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limit, int(math.Floor(max(p.tokensAt(now), 0))), p.known
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
