package tenant

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// answer is one scripted reply of the fake API.
type answer func(w http.ResponseWriter, r *http.Request, clk *fakeClock)

func status(code int, headers ...string) answer {
	return func(w http.ResponseWriter, r *http.Request, clk *fakeClock) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		if code == http.StatusTooManyRequests {
			apiErr(w, code, "Global limit has been reached", "too_many_requests")
			return
		}
		apiErr(w, code, http.StatusText(code), "")
	}
}

// resetIn answers 429 with X-RateLimit-Reset d after the fake clock's now.
func resetIn(d time.Duration) answer {
	return func(w http.ResponseWriter, r *http.Request, clk *fakeClock) {
		w.Header().Set("X-RateLimit-Limit", "10")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(clk.Now().Add(d).Unix(), 10))
		apiErr(w, http.StatusTooManyRequests, "Global limit has been reached", "too_many_requests")
	}
}

func retryAfterDate(d time.Duration) answer {
	return func(w http.ResponseWriter, r *http.Request, clk *fakeClock) {
		w.Header().Set("Retry-After", clk.Now().Add(d).UTC().Format(http.TimeFormat))
		apiErr(w, http.StatusTooManyRequests, "Global limit has been reached", "too_many_requests")
	}
}

func connReset() answer {
	return func(w http.ResponseWriter, r *http.Request, clk *fakeClock) { hijackAndClose(w) }
}

func ok() answer {
	return func(w http.ResponseWriter, r *http.Request, clk *fakeClock) {
		writeTestJSON(w, http.StatusOK, map[string]any{"id": "rul_1", "name": "r", "script": "s", "order": 1, "enabled": true})
	}
}

// scripted serves the answers in order, then keeps repeating the last one.
func scripted(clk *fakeClock, answers ...answer) (http.HandlerFunc, *atomic.Int32) {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(answers) {
			i = len(answers) - 1
		}
		answers[i](w, r, clk)
	}, &n
}

func TestRetryPolicy(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name     string
		answers  []answer
		deadline time.Duration // 0: the helper's 10 minutes
		// wantCalls is how many API attempts the server sees.
		wantCalls  int
		wantSleeps []time.Duration
		wantStatus int // 0: success
		wantErr    string
		wantUsage  func(t *testing.T, c *Client)
	}{
		{
			name:       "429 waits until X-RateLimit-Reset exactly, then succeeds",
			answers:    []answer{resetIn(3 * time.Second), ok()},
			wantCalls:  2,
			wantSleeps: []time.Duration{3 * time.Second},
			wantUsage: func(t *testing.T, c *Client) {
				u := c.Usage()
				assert.Equal(t, 1, u.RateLimited)
				assert.Equal(t, 1, u.RateLimitWaits)
				assert.Equal(t, 1, u.Retries)
				assert.Equal(t, int64(3000), u.WaitedMS)
			},
		},
		{
			name:       "429 is retried without an attempt cap",
			answers:    []answer{resetIn(time.Second), resetIn(time.Second), resetIn(time.Second), resetIn(time.Second), resetIn(time.Second), resetIn(2 * time.Second), ok()},
			wantCalls:  7,
			wantSleeps: []time.Duration{time.Second, time.Second, time.Second, time.Second, time.Second, 2 * time.Second},
		},
		{
			name:       "Retry-After in seconds",
			answers:    []answer{status(429, "Retry-After", "2"), ok()},
			wantCalls:  2,
			wantSleeps: []time.Duration{2 * time.Second},
		},
		{
			name:       "Retry-After as an HTTP date",
			answers:    []answer{retryAfterDate(5 * time.Second), ok()},
			wantCalls:  2,
			wantSleeps: []time.Duration{5 * time.Second},
		},
		{
			name:       "500, 502, 503 are retried with exponential backoff, then success",
			answers:    []answer{status(500), status(502), status(503), ok()},
			wantCalls:  4,
			wantSleeps: []time.Duration{125 * ms, 250 * ms, 500 * ms},
			wantUsage: func(t *testing.T, c *Client) {
				u := c.Usage()
				assert.Equal(t, 3, u.Retries)
				assert.Equal(t, 0, u.RateLimited)
				assert.Equal(t, 0, u.RateLimitWaits)
			},
		},
		{
			name:       "a reset connection is retried",
			answers:    []answer{connReset(), connReset(), ok()},
			wantCalls:  3,
			wantSleeps: []time.Duration{125 * ms, 250 * ms},
		},
		{
			name:       "5xx gives up after 5 attempts",
			answers:    []answer{status(503)},
			wantCalls:  5,
			wantSleeps: []time.Duration{125 * ms, 250 * ms, 500 * ms, time.Second},
			wantStatus: 503,
			wantErr:    "update rule rul_1: 503 Service Unavailable: Service Unavailable (after 5 attempts)",
		},
		{
			name:       "400 is not retried",
			answers:    []answer{status(400), ok()},
			wantCalls:  1,
			wantStatus: 400,
			wantErr:    "update rule rul_1: 400 Bad Request: Bad Request",
		},
		{
			name:       "404 is not retried",
			answers:    []answer{status(404), ok()},
			wantCalls:  1,
			wantStatus: 404,
		},
		{
			name:       "409 is not retried",
			answers:    []answer{status(409), ok()},
			wantCalls:  1,
			wantStatus: 409,
		},
		{
			name:       "a 429 whose reset is after the deadline stops at once with a clear error",
			answers:    []answer{resetIn(2 * time.Minute), ok()},
			deadline:   time.Minute,
			wantCalls:  1,
			wantStatus: 429,
			wantErr:    "update rule rul_1: 429 Too Many Requests: Global limit has been reached (too_many_requests) (stopped: run deadline)",
		},
		{
			name:       "the deadline stops 5xx retries",
			answers:    []answer{status(503)},
			deadline:   300 * ms,
			wantCalls:  2,
			wantSleeps: []time.Duration{125 * ms},
			wantStatus: 503,
			wantErr:    "update rule rul_1: 503 Service Unavailable: Service Unavailable (after 2 attempts; stopped: run deadline)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			h, calls := scripted(clk, tt.answers...)
			f := newFakeServer(t, h)
			c := newTestClient(t, f.srv.URL, clk, func(o *Options) {
				if tt.deadline > 0 {
					o.Deadline = clk.Now().Add(tt.deadline)
				}
			})
			enabled := true
			err := c.UpdateRule(context.Background(), "rul_1", model.RulePatch{Enabled: &enabled})
			assert.Equal(t, tt.wantCalls, int(calls.Load()), "API attempts")
			assert.Equal(t, tt.wantSleeps, clk.Sleeps(), "sleeps")
			if tt.wantStatus == 0 {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				assert.Equal(t, tt.wantStatus, Status(err))
				if tt.wantErr != "" {
					assert.Equal(t, tt.wantErr, err.Error())
				}
				assert.NotContains(t, err.Error(), testClientSecret)
				assert.NotContains(t, err.Error(), testToken)
				assert.NotContains(t, err.Error(), "\n")
			}
			u := c.Usage()
			assert.Equal(t, tt.wantCalls+1, u.Requests, "requests include the token request")
			assert.Equal(t, tt.wantCalls, u.Writes)
			if tt.wantUsage != nil {
				tt.wantUsage(t, c)
			}
		})
	}
}

func TestRetryPolicyDeadlineHint(t *testing.T) {
	clk := newFakeClock()
	h, _ := scripted(clk, resetIn(2*time.Minute))
	f := newFakeServer(t, h)
	c := newTestClient(t, f.srv.URL, clk, func(o *Options) { o.Deadline = clk.Now().Add(time.Minute) })
	err := c.DeleteRule(context.Background(), "rul_1")
	require.Error(t, err)
	assert.Contains(t, Hint(err), "rate limit")
	assert.Contains(t, Hint(err), "run deadline")
}

// With the pipe's TIMEOUT given, a run stopped by its deadline names the
// variable and says to raise it.
func TestDeadlineNamesTIMEOUT(t *testing.T) {
	t.Run("429 until the deadline", func(t *testing.T) {
		clk := newFakeClock()
		h, _ := scripted(clk, resetIn(2*time.Minute))
		f := newFakeServer(t, h)
		c := newTestClient(t, f.srv.URL, clk, func(o *Options) {
			o.Deadline = clk.Now().Add(time.Minute)
			o.RunTimeout = 10 * time.Minute
		})
		err := c.DeleteRule(context.Background(), "rul_1")
		require.Error(t, err)
		assert.Equal(t, "delete rule rul_1: 429 Too Many Requests: Global limit has been reached (too_many_requests) (stopped: TIMEOUT=10m reached)", err.Error())
		assert.Contains(t, Hint(err), "until TIMEOUT=10m")
		assert.Contains(t, Hint(err), "raise TIMEOUT")
	})
	t.Run("deadline passed before the request", func(t *testing.T) {
		clk := newFakeClock()
		f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { writeTestJSON(w, 200, map[string]any{}) })
		c := newTestClient(t, f.srv.URL, clk, func(o *Options) {
			o.Deadline = clk.Now().Add(time.Minute)
			o.RunTimeout = 90 * time.Second
		})
		clk.Advance(2 * time.Minute)
		err := c.DeleteRule(context.Background(), "rul_1")
		require.Error(t, err)
		assert.Equal(t, "delete rule rul_1: TIMEOUT=1m30s reached", err.Error())
		assert.Equal(t, "the run reached TIMEOUT=1m30s before Auth0 answered: raise TIMEOUT or run again (a run converges)", Hint(err))
	})
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Minute:           "30m",
		time.Hour:                  "1h",
		90 * time.Minute:           "1h30m",
		10 * time.Second:           "10s",
		90 * time.Second:           "1m30s",
		1500 * time.Millisecond:    "1.5s",
		time.Hour + 30*time.Second: "1h0m30s",
		2*time.Hour + 5*time.Minute + 0*time.Second: "2h5m",
	} {
		assert.Equal(t, want, FormatDuration(d), d.String())
	}
}

// A run stopped by a signal says which one: os/signal.NotifyContext records
// it as the context's cause.
func TestCanceledBySignalNamesIt(t *testing.T) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGHUP)
	defer stop()
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	<-ctx.Done()
	assert.Equal(t, "canceled: SIGHUP received", CancelReason(ctx))

	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { writeTestJSON(w, 200, map[string]any{}) })
	c := newTestClient(t, f.srv.URL, newFakeClock())
	err := c.DeleteRule(ctx, "rul_1")
	require.Error(t, err)
	assert.Equal(t, "delete rule rul_1: canceled: SIGHUP received", err.Error())

	plain, cancel := context.WithCancel(context.Background())
	cancel()
	assert.Equal(t, "canceled", CancelReason(plain))
	term, cancelCause := context.WithCancelCause(context.Background())
	cancelCause(errors.New("terminated signal received"))
	assert.Equal(t, "canceled: SIGTERM received", CancelReason(term))
}

func TestTokenRequestRetried(t *testing.T) {
	clk := newFakeClock()
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { writeTestJSON(w, 200, map[string]any{}) })
	var tokenCalls atomic.Int32
	f.tokenHandler = func(w http.ResponseWriter, r *http.Request) {
		switch tokenCalls.Add(1) {
		case 1:
			hijackAndClose(w)
		case 2:
			w.Header().Set("Retry-After", "1")
			writeTestJSON(w, 429, map[string]any{"error": "too_many_requests", "error_description": "slow down"})
		case 3:
			writeTestJSON(w, 503, map[string]any{"error": "temporarily_unavailable"})
		default:
			writeTestJSON(w, 200, map[string]any{"access_token": testToken, "token_type": "Bearer", "expires_in": 86400})
		}
	}
	c := newTestClient(t, f.srv.URL, clk)
	require.NoError(t, c.SetRulesConfig(context.Background(), "k", "v"))
	assert.Equal(t, int32(4), tokenCalls.Load())
	assert.Equal(t, []time.Duration{125 * time.Millisecond, time.Second, 250 * time.Millisecond}, clk.Sleeps())
	u := c.Usage()
	assert.Equal(t, 5, u.Requests)
	assert.Equal(t, 3, u.Retries)
	assert.Equal(t, 1, u.Writes)
}

func TestTokenRequestRejected(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      map[string]any
		wantErr   string
		wantHints []string
	}{
		{
			name:      "wrong secret",
			status:    401,
			body:      map[string]any{"error": "access_denied", "error_description": "Unauthorized"},
			wantErr:   "read rules: Auth0 token request failed: 401 Unauthorized: access_denied: Unauthorized",
			wantHints: []string{"Auth0 token request", "not Bitbucket", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET"},
		},
		{
			name:      "unknown audience",
			status:    403,
			body:      map[string]any{"error": "access_denied", "error_description": "Service not enabled within domain: https://other/api/v2/"},
			wantErr:   "read rules: Auth0 token request failed: 403 Forbidden: access_denied: Service not enabled within domain: https://other/api/v2/",
			wantHints: []string{"Auth0 token request", "not Bitbucket", "AUTH0_AUDIENCE"},
		},
		{
			name:      "application not authorised for the Management API",
			status:    403,
			body:      map[string]any{"error": "access_denied", "error_description": `Client is not authorized to access "https://x/api/v2/". You need to create a "client-grant" associated to this API.`},
			wantHints: []string{"Auth0 token request", "not authorised for the Management API", "Machine To Machine Applications"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { t.Error("API reached without a token") })
			f.tokenHandler = func(w http.ResponseWriter, r *http.Request) { writeTestJSON(w, tt.status, tt.body) }
			c := newTestClient(t, f.srv.URL, clk)
			_, err := c.Read(context.Background(), model.ReadRequest{Rules: true, RulesConfigs: true, Databases: true, LoginPage: true, TenantPages: true, Actions: true})
			require.Error(t, err)
			e, ok := AsError(err)
			require.True(t, ok)
			assert.Equal(t, KindToken, e.Kind)
			if tt.wantErr != "" {
				// Reads run in parallel; whichever failed first names itself.
				assert.Regexp(t, `^read [a-z -]+: Auth0 token request failed: `, err.Error())
				assert.True(t, strings.HasSuffix(err.Error(), strings.TrimPrefix(tt.wantErr, "read rules: ")), err.Error())
			}
			for _, h := range tt.wantHints {
				assert.Contains(t, e.Hint(), h)
			}
			assert.NotContains(t, err.Error()+e.Hint(), testClientSecret)
			// Only one read went for a token (plus oauth2's retry with the
			// credentials in the body): the others waited at the gate.
			assert.LessOrEqual(t, len(f.requests()), 2)
			assert.Empty(t, f.apiRequests())
		})
	}
}

func TestAttemptTimeoutRetriesHungAnswer(t *testing.T) {
	clk := newFakeClock()
	var n atomic.Int32
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			<-r.Context().Done() // hang until the client gives up
			return
		}
		writeTestJSON(w, 200, map[string]any{})
	})
	c := newTestClient(t, f.srv.URL, clk, func(o *Options) { o.AttemptTimeout = 100 * time.Millisecond })
	require.NoError(t, c.DeleteRulesConfig(context.Background(), "k"))
	assert.Equal(t, int32(2), n.Load())
	assert.Equal(t, 1, c.Usage().Retries)
}

func TestNetworkErrorHint(t *testing.T) {
	clk := newFakeClock()
	f := newFakeServer(t, nil)
	url := f.srv.URL
	f.srv.Close() // nothing listens any more
	c := newTestClient(t, url, clk)
	err := c.DeleteRule(context.Background(), "rul_1")
	require.Error(t, err)
	e, ok := AsError(err)
	require.True(t, ok)
	assert.Equal(t, KindToken, e.Kind, "the token request is the first to fail")
	assert.Contains(t, e.Hint(), "AUTH0_DOMAIN")
	assert.Contains(t, err.Error(), "connection refused")
	assert.NotContains(t, err.Error(), "\n")
	assert.Equal(t, []time.Duration{125 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second}, clk.Sleeps(),
		"5 attempts in all: the token request is not probed a second way")
}

func TestRetrySafety(t *testing.T) {
	t.Run("a create whose answer was lost is looked up and not applied twice", func(t *testing.T) {
		clk := newFakeClock()
		var rules []map[string]any
		var posts atomic.Int32
		f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == http.MethodPost && r.URL.Path == "/api/v2/rules":
				posts.Add(1)
				rules = append(rules, map[string]any{"id": "rul_new", "name": "deny", "script": "function(){}", "order": 3, "enabled": true, "stage": "login_success"})
				hijackAndClose(w) // applied, but the answer is lost
			case r.Method == http.MethodGet && r.URL.Path == "/api/v2/rules":
				writeTestJSON(w, 200, map[string]any{"total": len(rules), "start": 0, "limit": 100, "rules": rules})
			default:
				t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
			}
		})
		c := newTestClient(t, f.srv.URL, clk)
		got, err := c.CreateRule(context.Background(), model.RuleCreate{Name: "deny", Script: "function(){}", Enabled: true})
		require.NoError(t, err)
		assert.Equal(t, int32(1), posts.Load(), "no second POST")
		assert.Equal(t, model.CurrentRule{ID: "rul_new", Name: "deny", Script: "function(){}", Order: 3, Enabled: true, Stage: "login_success"}, got)
		var log []string
		for _, r := range f.apiRequests() {
			log = append(log, r.String())
		}
		assert.Equal(t, []string{"POST /api/v2/rules", "GET /api/v2/rules?include_totals=true&page=0&per_page=100"}, log)
	})

	t.Run("a create whose answer was lost and that was not applied is sent again", func(t *testing.T) {
		clk := newFakeClock()
		var posts atomic.Int32
		f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == http.MethodPost && r.URL.Path == "/api/v2/actions/actions":
				if posts.Add(1) == 1 {
					apiErr(w, 502, "Bad Gateway", "") // maybe applied; it was not
					return
				}
				writeTestJSON(w, 201, map[string]any{"id": "act_1", "name": "a", "status": "pending"})
			case r.Method == http.MethodGet && r.URL.Path == "/api/v2/actions/actions":
				assert.Equal(t, "a", r.URL.Query().Get("actionName"))
				writeTestJSON(w, 200, map[string]any{"actions": []any{}, "per_page": 100})
			default:
				t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
			}
		})
		c := newTestClient(t, f.srv.URL, clk)
		id, err := c.CreateAction(context.Background(), model.ActionWrite{Name: "a", Code: "x", Trigger: "post-login", TriggerVersion: "v3", Runtime: "node22"})
		require.NoError(t, err)
		assert.Equal(t, "act_1", id)
		assert.Equal(t, int32(2), posts.Load())
		assert.Equal(t, 1, c.Usage().Retries)
	})

	t.Run("a POST that never reached the server is retried by the transport", func(t *testing.T) {
		clk := newFakeClock()
		var posts atomic.Int32
		f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			posts.Add(1)
			writeTestJSON(w, 201, map[string]any{"id": "rul_9", "name": "n", "script": "s", "order": 1, "enabled": true})
		})
		c := newTestClient(t, f.srv.URL, clk)
		// Token first, so that the next failure is the POST's.
		require.NoError(t, c.SetRulesConfig(context.Background(), "k", "v"))
		inner := c.transport.base
		var fails atomic.Int32
		c.transport.base = roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPost && fails.Add(1) == 1 {
				return nil, &netDialError{}
			}
			return inner.RoundTrip(r)
		})
		_, err := c.CreateRule(context.Background(), model.RuleCreate{Name: "n", Script: "s", Enabled: true})
		require.NoError(t, err)
		assert.Equal(t, int32(2), posts.Load()) // the set + the create
	})

	t.Run("deploy is retried like an idempotent request", func(t *testing.T) {
		clk := newFakeClock()
		var n atomic.Int32
		f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				hijackAndClose(w)
				return
			}
			writeTestJSON(w, 200, map[string]any{"id": "ver_2", "deployed": false})
		})
		c := newTestClient(t, f.srv.URL, clk)
		v, err := c.DeployAction(context.Background(), "act_1")
		require.NoError(t, err)
		assert.Equal(t, "ver_2", v)
		assert.Equal(t, int32(2), n.Load())
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// netDialError looks like a refused connection: nothing was written.
type netDialError struct{}

func (*netDialError) Error() string   { return "dial tcp 127.0.0.1:1: connect: connection refused" }
func (*netDialError) Timeout() bool   { return false }
func (*netDialError) Temporary() bool { return true }

func TestPacingStopsAtTheDeadline(t *testing.T) {
	clk := newFakeClock()
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "10")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(clk.Now().Add(2*time.Minute).Unix(), 10))
		w.WriteHeader(http.StatusNoContent)
	})
	c := newTestClient(t, f.srv.URL, clk, func(o *Options) { o.Deadline = clk.Now().Add(time.Minute) })
	require.NoError(t, c.DeleteRule(context.Background(), "rul_1"))
	err := c.DeleteRule(context.Background(), "rul_2")
	require.Error(t, err)
	assert.Equal(t, "delete rule rul_2: waiting 2m0s for the tenant's rate limit would pass the run deadline", err.Error())
	e, _ := AsError(err)
	assert.Equal(t, KindDeadline, e.Kind)
	assert.Contains(t, e.Hint(), "rate limit")
	assert.Len(t, f.apiRequests(), 1, "the second request was never sent")
	assert.Empty(t, clk.Sleeps())
}

func TestUndecodableAnswer(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id": "ver_1", `))
	})
	c := newTestClient(t, f.srv.URL, newFakeClock())
	_, err := c.DeployAction(context.Background(), "act_1")
	require.Error(t, err)
	assert.Equal(t, "deploy action act_1: could not decode Auth0's answer: invalid JSON", err.Error())
	e, _ := AsError(err)
	assert.Equal(t, KindDecode, e.Kind)
}
