package auth0sim

import (
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// call makes one authenticated request and returns status, headers and body.
func call(t *testing.T, method, url, token string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(body)
}

func rl(t *testing.T, h http.Header) (limit, remaining int, reset int64) {
	t.Helper()
	var err error
	limit, err = strconv.Atoi(h.Get("X-Ratelimit-Limit"))
	require.NoError(t, err, "x-ratelimit-limit")
	remaining, err = strconv.Atoi(h.Get("X-Ratelimit-Remaining"))
	require.NoError(t, err, "x-ratelimit-remaining")
	reset, err = strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64)
	require.NoError(t, err, "x-ratelimit-reset")
	return
}

func TestRateLimitEssentialsCountsDownAndResets(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	clock := NewManualClock(start)
	sim := New(Options{Profile: "essentials", Clock: clock, StaticTokens: []string{"tok"}})
	base := sim.Start(t)

	for i := 1; i <= 10; i++ {
		status, h, _ := call(t, "GET", base+"/api/v2/rules", "tok")
		require.Equal(t, 200, status)
		limit, remaining, reset := rl(t, h)
		assert.Equal(t, 10, limit)
		assert.Equal(t, 10-i, remaining, "request %d", i)
		// Full again after i tokens at 2.5/s.
		assert.Equal(t, ceilUnix(start.Add(time.Duration(float64(i)/2.5*float64(time.Second)))), reset)
	}
	status, h, body := call(t, "GET", base+"/api/v2/rules", "tok")
	assert.Equal(t, 429, status)
	assert.JSONEq(t, `{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}`, body)
	_, remaining, reset := rl(t, h)
	assert.Equal(t, 0, remaining)
	assert.Greater(t, reset, start.Unix(), "a 429 carries a reset in the future")
	assert.Empty(t, h.Get("Retry-After"), "the Management API sends no Retry-After")

	// 400 ms later one token is back.
	clock.Advance(400 * time.Millisecond)
	status, h, _ = call(t, "GET", base+"/api/v2/rules", "tok")
	assert.Equal(t, 200, status)
	_, remaining, reset = rl(t, h)
	assert.Equal(t, 0, remaining)

	// At the announced reset the bucket is full again.
	clock.Set(time.Unix(reset, 0))
	status, h, _ = call(t, "GET", base+"/api/v2/rules", "tok")
	assert.Equal(t, 200, status)
	_, remaining, _ = rl(t, h)
	assert.Equal(t, 9, remaining)
}

func TestRateLimitProfiles(t *testing.T) {
	for name, want := range map[string]RateLimit{"free": {2, 2}, "essentials": {10, 2.5}, "enterprise": {50, 16}} {
		p, err := ParseProfile(name)
		require.NoError(t, err)
		assert.Equal(t, want, *p, name)
	}
	p, err := ParseProfile("off")
	require.NoError(t, err)
	assert.Nil(t, p)
	_, err = ParseProfile("gold")
	assert.ErrorContains(t, err, `unknown rate-limit profile "gold"`)

	clock := NewManualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	sim := New(Options{Profile: "free", Clock: clock, StaticTokens: []string{"tok"}})
	base := sim.Start(t)
	codes := []int{}
	for i := 0; i < 3; i++ {
		status, _, _ := call(t, "GET", base+"/api/v2/tenants/settings", "tok")
		codes = append(codes, status)
	}
	assert.Equal(t, []int{200, 200, 429}, codes)
	// Unauthenticated calls count and carry the headers too; the token
	// endpoint and the control API do not.
	clock.Advance(time.Second)
	status, h, _ := call(t, "GET", base+"/api/v2/rules", "")
	assert.Equal(t, 401, status)
	assert.NotEmpty(t, h.Get("X-Ratelimit-Limit"))
	_, h, _ = call(t, "GET", base+"/_sim/requests", "")
	assert.Empty(t, h.Get("X-Ratelimit-Limit"))

	// Without a profile no headers are sent.
	off := New(Options{StaticTokens: []string{"tok"}})
	_, h, _ = call(t, "GET", off.Start(t)+"/api/v2/rules", "tok")
	assert.Empty(t, h.Get("X-Ratelimit-Limit"))
}
