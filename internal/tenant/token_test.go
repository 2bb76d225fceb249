package tenant_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/tenant"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
)

// tokenRequests lists the stand-in's /oauth/token requests.
func tokenRequests(e *simEnv) []string {
	var out []string
	for _, r := range e.sim.Requests() {
		if r.IsToken() {
			out = append(out, r.String())
		}
	}
	return out
}

func TestTokenRefusedIsAskedOnce(t *testing.T) {
	e := startSim(t, auth0sim.Options{})
	c := e.client(t, func(o *tenant.Options) { o.ClientSecret = "wrong-secret-value" })
	_, err := c.Read(context.Background(), model.ReadRequest{Rules: true, Actions: true, TenantPages: true})
	require.Error(t, err)
	assert.Equal(t, []string{"POST /oauth/token 401"}, tokenRequests(e),
		"refused credentials are sent once, in one form (not probed a second way)")
}

func TestTokenEndpointFailingTakesTheRetryPolicysAttempts(t *testing.T) {
	e := startSim(t, auth0sim.Options{})
	e.sim.InjectFault(auth0sim.Fault{Method: "POST", PathPattern: "/oauth/token", Status: 503, Times: -1})
	c := e.client(t)
	_, err := c.Read(context.Background(), model.ReadRequest{Rules: true})
	require.Error(t, err)
	got := tokenRequests(e)
	assert.Len(t, got, 5, "five attempts in all, as for any request: %v", got)
}

func TestTokenSecretTravelsInTheBody(t *testing.T) {
	sim := auth0sim.New(auth0sim.Options{})
	type seen struct{ basic, inBody bool }
	var tokenReqs []seen
	var apiAuth []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.URL.Path == "/oauth/token" {
			_, _, basic := r.BasicAuth()
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			form, _ := url.ParseQuery(string(body))
			tokenReqs = append(tokenReqs, seen{basic: basic, inBody: form.Get("client_secret") == auth0sim.DefaultClientSecret})
		} else {
			apiAuth = append(apiAuth, strings.SplitN(r.Header.Get("Authorization"), ".", 2)[0])
		}
		mu.Unlock()
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := tenant.New(context.Background(), tenant.Options{Domain: srv.URL, ClientID: auth0sim.DefaultClientID, ClientSecret: auth0sim.DefaultClientSecret})
	require.NoError(t, err)
	_, err = c.Read(context.Background(), model.ReadRequest{Rules: true, Actions: true})
	require.NoError(t, err)
	assert.Equal(t, []seen{{basic: false, inBody: true}}, tokenReqs, "one token request, the secret in the form body (client_secret_post)")
	require.Len(t, apiAuth, 2)
	for _, a := range apiAuth {
		assert.Equal(t, "Bearer eyJ", a[:10], "API requests carry the issued JWT, not go-auth0's placeholder")
	}
}

// The token answer's scope field is what the pre-write scope check relies
// on; without it (or with an empty one) nothing is known.
func TestGrantedScopesFromTheTokenAnswer(t *testing.T) {
	for _, tt := range []struct {
		name      string
		scope     any // nil: no scope field
		want      []string
		wantKnown bool
	}{
		{name: "listed", scope: "read:rules  update:rules\tread:clients", want: []string{"read:rules", "update:rules", "read:clients"}, wantKnown: true},
		{name: "no scope field", scope: nil},
		{name: "empty scope field", scope: ""},
		{name: "not a string", scope: []string{"read:rules"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.URL.Path == "/oauth/token" {
					body := map[string]any{"access_token": "tok", "token_type": "Bearer", "expires_in": 86400}
					if tt.scope != nil {
						body["scope"] = tt.scope
					}
					_ = json.NewEncoder(w).Encode(body)
					return
				}
				_, _ = io.WriteString(w, `{}`)
			}))
			t.Cleanup(srv.Close)
			c, err := tenant.New(context.Background(), tenant.Options{Domain: srv.URL, ClientID: "id", ClientSecret: "secret"})
			require.NoError(t, err)
			_, known := c.GrantedScopes()
			assert.False(t, known, "nothing is known before the token is fetched")
			_, err = c.Read(context.Background(), model.ReadRequest{TenantPages: true})
			require.NoError(t, err)
			got, known := c.GrantedScopes()
			assert.Equal(t, tt.wantKnown, known)
			assert.Equal(t, tt.want, got)
		})
	}
}
