package tenant

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// TestClassifier drives the whole path (HTTP answer → *Error) and pins the
// one-line message and the hint for each class the user can meet.
func TestClassifier(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantErr    string
		wantHint   []string
		wantScopes []string
		check      func(t *testing.T, err error)
	}{
		{
			name:     "401 from the Management API",
			status:   401,
			body:     `{"statusCode":401,"error":"Unauthorized","message":"Invalid token","attributes":{"error":"Invalid token"}}`,
			wantErr:  "update rule rul_123: 401 Unauthorized: Invalid token",
			wantHint: []string{"the Management API rejected the token: check AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET and that the application is authorised for the Management API (audience http://127.0.0.1:"},
		},
		{
			name:       "403 insufficient_scope names the scope",
			status:     403,
			body:       `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: update:rules","errorCode":"insufficient_scope"}`,
			wantErr:    "update rule rul_123: 403 Forbidden: Insufficient scope, expected any of: update:rules (insufficient_scope)",
			wantHint:   []string{"the application lacks the scope update:rules: grant it"},
			wantScopes: []string{"update:rules"},
			check:      func(t *testing.T, err error) { assert.True(t, IsForbidden(err)) },
		},
		{
			name:       "403 with several acceptable scopes",
			status:     403,
			body:       `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:users,read:user_idp_tokens","errorCode":"insufficient_scope"}`,
			wantHint:   []string{"one of the scopes read:users, read:user_idp_tokens"},
			wantScopes: []string{"read:users", "read:user_idp_tokens"},
		},
		{
			name:     "409 rule_conflict",
			status:   409,
			body:     `{"statusCode":409,"error":"Conflict","message":"A rule with the same order already exists","errorCode":"rule_conflict"}`,
			wantErr:  "update rule rul_123: 409 Conflict: A rule with the same order already exists (rule_conflict)",
			wantHint: []string{"another rule already holds this order (rule_conflict)"},
			check:    func(t *testing.T, err error) { assert.True(t, IsConflict(err)) },
		},
		{
			name:     "409 rule_conflict on the name",
			status:   409,
			body:     `{"statusCode":409,"error":"Conflict","message":"A rule with the same name already exists","errorCode":"rule_conflict"}`,
			wantErr:  "update rule rul_123: 409 Conflict: A rule with the same name already exists (rule_conflict)",
			wantHint: []string{"an item with this name already exists in the tenant: it was probably created during the run"},
			check: func(t *testing.T, err error) {
				assert.NotContains(t, Hint(err), "order", "a name conflict is not an order conflict")
			},
		},
		{
			name:     "404",
			status:   404,
			body:     `{"statusCode":404,"error":"Not Found","message":"The rule does not exist","errorCode":"inexistent_rule"}`,
			wantErr:  "update rule rul_123: 404 Not Found: The rule does not exist (inexistent_rule)",
			wantHint: []string{"no longer exists"},
			check:    func(t *testing.T, err error) { assert.True(t, IsNotFound(err)) },
		},
		{
			name:    "400 validation keeps Auth0's message",
			status:  400,
			body:    `{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Additional properties not allowed: enabled' on property error_page (Tenant error page customization).","errorCode":"invalid_body"}`,
			wantErr: "update rule rul_123: 400 Bad Request: Payload validation error: 'Additional properties not allowed: enabled' on property error_page (Tenant error page customization). (invalid_body)",
		},
		{
			name:    "a non-JSON error body is not echoed",
			status:  400,
			body:    "<html>\n<body>proxy error with a secret " + testClientSecret + "</body></html>",
			wantErr: "update rule rul_123: 400 Bad Request: the answer was not JSON",
		},
		{
			name:    "a multi-line message becomes one line and the secret is redacted",
			status:  400,
			body:    `{"statusCode":400,"error":"Bad Request","message":"line one\nline two ` + testClientSecret + `"}`,
			wantErr: "update rule rul_123: 400 Bad Request: line one line two [redacted]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			c := newTestClient(t, f.srv.URL, newFakeClock())
			err := c.UpdateRule(context.Background(), "rul_123", model.RulePatch{Enabled: ptr(true)})
			require.Error(t, err)
			e, ok := AsError(fmt.Errorf("wrapped: %w", err))
			require.True(t, ok, "every error is an *Error")
			assert.Equal(t, tt.status, Status(err))
			assert.Equal(t, "update rule rul_123", e.Op)
			if tt.wantErr != "" {
				assert.Equal(t, tt.wantErr, err.Error())
			}
			for _, h := range tt.wantHint {
				assert.Contains(t, e.Hint(), h)
			}
			assert.Equal(t, tt.wantScopes, e.Scopes())
			for _, s := range []string{err.Error(), e.Hint()} {
				assert.NotContains(t, s, "\n")
				assert.NotContains(t, s, testClientSecret)
				assert.NotContains(t, s, testToken)
				assert.NotContains(t, s, `"enabled":true`, "no request body")
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestHelpersOnForeignErrors(t *testing.T) {
	err := errors.New("boom")
	assert.Equal(t, 0, Status(err))
	assert.False(t, IsNotFound(err))
	assert.False(t, IsForbidden(nil))
	assert.Equal(t, "", Hint(err))
}

func TestNewValidatesDomain(t *testing.T) {
	tests := []struct {
		domain  string
		wantErr string
		wantURL string
	}{
		{domain: "acme.eu.auth0.com", wantURL: "https://acme.eu.auth0.com"},
		{domain: "https://login.acme.com/", wantURL: "https://login.acme.com"},
		{domain: "https://127.0.0.1:8443", wantURL: "https://127.0.0.1:8443"},
		{domain: "http://127.0.0.1:3000", wantURL: "http://127.0.0.1:3000"},
		{domain: "http://[::1]:3000", wantURL: "http://[::1]:3000"},
		{domain: "http://localhost:3000", wantURL: "http://localhost:3000"},
		{domain: "http://acme.eu.auth0.com", wantErr: "plain http, which is accepted only for loopback addresses"},
		{domain: "http://10.0.0.1:80", wantErr: "plain http"},
		{domain: "ftp://acme", wantErr: `scheme "ftp" is not http or https`},
		{domain: "https://acme.auth0.com/api/v2", wantErr: "without path"},
		{domain: "", wantErr: "AUTH0_DOMAIN is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			c, err := New(context.Background(), Options{Domain: tt.domain, ClientID: "id", ClientSecret: testClientSecret})
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.NotContains(t, err.Error(), testClientSecret)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantURL, c.domain)
			assert.Equal(t, tt.wantURL+"/api/v2/", c.audience)
		})
	}
	_, err := New(context.Background(), Options{Domain: "acme.auth0.com"})
	require.Error(t, err)
	assert.Equal(t, "configure the Auth0 client: AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET not set", err.Error())
}

func TestTokenRequestSendsAudienceAndCredentials(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { writeTestJSON(w, 200, map[string]any{}) })
	c := newTestClient(t, f.srv.URL, newFakeClock(), func(o *Options) { o.Audience = "https://acme.eu.auth0.com/api/v2/" })
	require.NoError(t, c.SetRulesConfig(context.Background(), "k", "v"))
	reqs := f.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "POST /oauth/token", reqs[0].String())
	assert.Contains(t, reqs[0].Body, "audience=https%3A%2F%2Facme.eu.auth0.com%2Fapi%2Fv2%2F")
	assert.Contains(t, reqs[0].Body, "grant_type=client_credentials")
	assert.Equal(t, "Bearer "+testToken, reqs[1].Auth, "the API call carries the fetched token, not go-auth0's insecure placeholder")
}

func TestLogsNeverCarrySecrets(t *testing.T) {
	var buf bytes.Buffer
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "7")
		w.Header().Set("X-RateLimit-Limit", "10")
		writeTestJSON(w, 200, map[string]any{"key": "k", "value": "rules-config-secret"})
	})
	c := newTestClient(t, f.srv.URL, newFakeClock(), func(o *Options) {
		o.Logger = zerolog.New(&buf).Level(zerolog.DebugLevel)
	})
	require.NoError(t, c.SetRulesConfig(context.Background(), "k", "rules-config-secret"))
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, out)
	assert.Contains(t, lines[0], `"method":"POST","path":"/oauth/token"`)
	assert.Contains(t, lines[1], `"method":"PUT","path":"/api/v2/rules-configs/k"`)
	assert.Contains(t, lines[1], `"status":200`)
	assert.Contains(t, lines[1], `"remaining":"7"`)
	assert.Contains(t, lines[1], `"duration":`)
	for _, s := range []string{testClientSecret, testToken, "rules-config-secret", "Authorization", "Bearer"} {
		assert.NotContains(t, out, s)
	}
}
