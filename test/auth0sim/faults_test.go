package auth0sim

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaultFiresExactlyTimes(t *testing.T) {
	sim := New(Options{})
	m := newManagement(t, sim.Start(t))
	ctx := context.Background()
	r := &management.Rule{Name: auth0.String("r"), Script: auth0.String("x")}
	require.NoError(t, m.Rule.Create(ctx, r))

	f := sim.InjectFault(Fault{Method: "PATCH", PathPattern: "/api/v2/rules/*", Status: 503, Times: 2})
	assert.Equal(t, 1, f.ID)
	sim.ResetRequests()
	var statuses []int
	for i := 0; i < 3; i++ {
		statuses = append(statuses, statusOf(m.Rule.Update(ctx, r.GetID(), &management.Rule{Enabled: auth0.Bool(i%2 == 0)})))
	}
	_, err := m.Rule.Read(ctx, r.GetID())
	require.NoError(t, err, "GET does not match the fault")
	assert.Equal(t, []int{503, 503, 0}, statuses)
	assert.Equal(t, []string{
		"PATCH /api/v2/rules/" + r.GetID() + " 503 fault=status",
		"PATCH /api/v2/rules/" + r.GetID() + " 503 fault=status",
		"PATCH /api/v2/rules/" + r.GetID() + " 200",
		"GET /api/v2/rules/" + r.GetID() + " 200",
	}, Lines(sim.Requests()))
	assert.Empty(t, sim.Faults(), "a spent fault is disarmed")
	got, err := m.Rule.Read(ctx, r.GetID())
	require.NoError(t, err)
	assert.True(t, got.GetEnabled(), "the faulted writes changed nothing")
}

func TestFaultResetAndDelay(t *testing.T) {
	sim := New(Options{StaticTokens: []string{"tok"}})
	base := sim.Start(t)
	sim.InjectFault(Fault{PathPattern: "/api/v2/tenants/settings", Reset: true})
	req, _ := http.NewRequest("GET", base+"/api/v2/tenants/settings", nil)
	req.Header.Set("Authorization", "Bearer tok")
	_, err := http.DefaultClient.Do(req)
	require.Error(t, err, "the connection is dropped")
	status, _, _ := call(t, "GET", base+"/api/v2/tenants/settings", "tok")
	assert.Equal(t, 200, status, "the fault fired once")

	sim.InjectFault(Fault{Method: "GET", PathPattern: "/api/v2/rules", Delay: Duration(60 * time.Millisecond)})
	began := time.Now()
	status, _, _ = call(t, "GET", base+"/api/v2/rules", "tok")
	assert.Equal(t, 200, status, "a delay alone still serves the request")
	assert.GreaterOrEqual(t, time.Since(began), 60*time.Millisecond)
	assert.Equal(t, []string{
		"GET /api/v2/tenants/settings 0 fault=reset",
		"GET /api/v2/tenants/settings 200",
		"GET /api/v2/rules 200 fault=delay",
	}, Lines(sim.Requests()))

	// A 429 with Retry-After, every time until cleared.
	sim.InjectFault(Fault{PathPattern: "/api/v2/*", Status: 429, Headers: map[string]string{"Retry-After": "1"}, Times: -1})
	for i := 0; i < 3; i++ {
		status, h, body := call(t, "GET", base+"/api/v2/rules", "tok")
		assert.Equal(t, 429, status)
		assert.Equal(t, "1", h.Get("Retry-After"))
		assert.JSONEq(t, `{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}`, body)
	}
	sim.ClearFaults()
	status, _, _ = call(t, "GET", base+"/api/v2/rules", "tok")
	assert.Equal(t, 200, status)
}

func TestFaultControlAPI(t *testing.T) {
	sim := New(Options{StaticTokens: []string{"tok"}})
	base := sim.Start(t)
	post := func(body string) (int, string) {
		resp, err := http.Post(base+"/_sim/faults", "application/json", bytes.NewBufferString(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	status, body := post(`{"method":"POST","path":"/api/v2/actions/actions/*/deploy","status":500,"times":3,"delay":"5ms"}`)
	require.Equal(t, 201, status, body)
	var f Fault
	require.NoError(t, json.Unmarshal([]byte(body), &f))
	assert.Equal(t, Fault{ID: 1, Method: "POST", PathPattern: "/api/v2/actions/actions/*/deploy", Status: 500, Times: 3, Delay: Duration(5 * time.Millisecond)}, f)
	status, body = post(`{"path":"[","status":500}`)
	assert.Equal(t, 400, status, body)
	status, _ = post(`{"path":"/x"}`)
	assert.Equal(t, 400, status, "a fault needs a status, reset or delay")

	resp, err := http.Get(base + "/_sim/faults")
	require.NoError(t, err)
	var list []Fault
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	resp.Body.Close()
	assert.Len(t, list, 1)
	req, _ := http.NewRequest("DELETE", base+"/_sim/faults", nil)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 204, resp.StatusCode)
	assert.Empty(t, sim.Faults())
	assert.Empty(t, sim.Requests(), "control calls are not logged")
}

func TestRequestLogIsExactUnderConcurrency(t *testing.T) {
	sim := New(Options{StaticTokens: []string{"tok"}})
	base := sim.Start(t)
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			method := "GET"
			if i%4 == 0 {
				method = "DELETE"
			}
			req, _ := http.NewRequest(method, base+"/api/v2/rules/rul_missing", nil)
			req.Header.Set("Authorization", "Bearer tok")
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
		}(i)
	}
	wg.Wait()
	reqs := sim.Requests()
	assert.Len(t, reqs, 40)
	writes := sim.APIWrites()
	assert.Len(t, writes, 10)
	for _, w := range writes {
		assert.Equal(t, "DELETE /api/v2/rules/rul_missing 204", w.String())
		assert.True(t, w.IsWrite() && w.IsAPI())
	}
	sim.ResetRequests()
	assert.Empty(t, sim.Requests())
}
