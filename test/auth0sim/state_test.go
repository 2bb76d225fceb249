package auth0sim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultSeed(t *testing.T) {
	st := DefaultState()
	globals := 0
	for _, c := range st.Clients {
		if c["global"] == true {
			globals++
			assert.Equal(t, "All Applications", c["name"])
		}
	}
	assert.Equal(t, 1, globals)
	db := findObject(st.Connections, "name", DefaultDatabaseName)
	require.NotNil(t, db)
	assert.Equal(t, "auth0", db["strategy"])
	for _, k := range []string{"change_password", "guardian_mfa_page", "error_page"} {
		assert.Contains(t, st.TenantSettings, k)
	}
	assert.NotContains(t, st.TenantSettings["error_page"], "enabled")
	found := false
	for _, tr := range st.Triggers {
		if tr.ID == "post-login" && tr.Version == "v3" && tr.Status == "CURRENT" {
			found = true
		}
	}
	assert.True(t, found, "post-login v3 is the current trigger")
}

func TestStateRoundTripAndControlAPI(t *testing.T) {
	sim := New(Options{StaticTokens: []string{"tok"}})
	base := sim.Start(t)

	st, err := ParseState([]byte(`{"rules":[{"name":"from-file","script":"x","order":3,"enabled":true}],"rules_configs":[{"key":"K","value":"V"}]}`))
	require.NoError(t, err)
	require.Len(t, st.Rules, 1)
	assert.NotEmpty(t, st.Rules[0].ID, "ids are filled in")
	assert.Equal(t, "login_success", st.Rules[0].Stage)
	assert.Len(t, st.Clients, 2, "sections left out come from the default seed")
	_, err = ParseState([]byte(`{"rulez":[]}`))
	assert.ErrorContains(t, err, `unknown section "rulez"`)
	_, err = ParseState([]byte(`{"rules":[{"name":"x","colour":"red"}]}`))
	assert.Error(t, err, "unknown fields are refused")

	body, err := json.Marshal(st)
	require.NoError(t, err)
	req, _ := http.NewRequest("PUT", base+"/_sim/state", bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	status, _, list := call(t, "GET", base+"/api/v2/rules", "tok")
	require.Equal(t, 200, status)
	assert.Contains(t, list, `"name":"from-file"`)

	resp, err = http.Get(base + "/_sim/state")
	require.NoError(t, err)
	var got State
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	resp.Body.Close()
	assert.Equal(t, st.Rules, got.Rules)
	assert.Equal(t, sim.Snapshot().Rules, got.Rules)

	resp, err = http.Get(base + "/_sim/requests")
	require.NoError(t, err)
	var reqs []Request
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&reqs))
	resp.Body.Close()
	require.Len(t, reqs, 1)
	assert.Equal(t, "GET", reqs[0].Method)
	assert.Equal(t, "/api/v2/rules", reqs[0].Path)
	assert.Equal(t, 200, reqs[0].Status)

	req, _ = http.NewRequest("DELETE", base+"/_sim/requests", nil)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Empty(t, sim.Requests())

	resp, err = http.Post(base+"/_sim/reset", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Empty(t, sim.Snapshot().Rules, "reset goes back to the initial state")

	// Snapshot is a deep copy.
	snap := sim.Snapshot()
	snap.TenantSettings["friendly_name"] = "changed"
	assert.Equal(t, "Sim Tenant", sim.Snapshot().TenantSettings["friendly_name"])
}
