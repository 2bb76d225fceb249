package auth0sim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func postToken(t *testing.T, base, contentType, body string, basic *[2]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/oauth/token", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	if basic != nil {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func TestTokenEndpoint(t *testing.T) {
	sim := New(Options{ClientID: "id with space", ClientSecret: "s&cret"})
	base := sim.Start(t)
	aud := base + "/api/v2/"
	form := url.Values{"grant_type": {"client_credentials"}, "audience": {aud}}

	status, body := postToken(t, base, "application/x-www-form-urlencoded", form.Encode(), &[2]string{"id with space", "s&cret"})
	require.Equal(t, 200, status, body)
	assert.Equal(t, "Bearer", body["token_type"])
	assert.EqualValues(t, 86400, body["expires_in"])
	tok := body["access_token"].(string)
	code, _, _ := call(t, "GET", base+"/api/v2/rules", tok)
	assert.Equal(t, 200, code)

	inBody := url.Values{"grant_type": {"client_credentials"}, "audience": {aud}, "client_id": {"id with space"}, "client_secret": {"s&cret"}}
	status, _ = postToken(t, base, "application/x-www-form-urlencoded", inBody.Encode(), nil)
	assert.Equal(t, 200, status, "credentials in the form body")
	status, _ = postToken(t, base, "application/json", `{"grant_type":"client_credentials","client_id":"id with space","client_secret":"s&cret","audience":"`+aud+`"}`, nil)
	assert.Equal(t, 200, status, "JSON body")

	status, body = postToken(t, base, "application/x-www-form-urlencoded", form.Encode(), &[2]string{"id with space", "wrong"})
	assert.Equal(t, 401, status)
	assert.Equal(t, map[string]any{"error": "access_denied", "error_description": "Unauthorized"}, body)
	status, body = postToken(t, base, "application/x-www-form-urlencoded", url.Values{"grant_type": {"client_credentials"}}.Encode(), &[2]string{"id with space", "s&cret"})
	assert.Equal(t, 403, status)
	assert.Equal(t, "No audience parameter was provided, and no default audience has been configured", body["error_description"])
	status, body = postToken(t, base, "application/x-www-form-urlencoded", url.Values{"grant_type": {"client_credentials"}, "audience": {"https://elsewhere/api/v2/"}}.Encode(), &[2]string{"id with space", "s&cret"})
	assert.Equal(t, 403, status)
	assert.Equal(t, "Service not enabled within domain: https://elsewhere/api/v2/", body["error_description"])
	status, _ = postToken(t, base, "application/x-www-form-urlencoded", url.Values{"grant_type": {"password"}, "audience": {aud}}.Encode(), &[2]string{"id with space", "s&cret"})
	assert.Equal(t, 403, status)

	// go-auth0 with the wrong secret fails with the OAuth error.
	m, err := management.New(base, management.WithInsecure(), management.WithClientCredentials(context.Background(), "id with space", "nope"), management.WithNoRetries())
	require.NoError(t, err)
	_, err = m.Rule.List(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "access_denied")

	var tokenCalls int
	for _, r := range sim.Requests() {
		if r.IsToken() {
			tokenCalls++
		}
	}
	// 7 above + 2 from oauth2 (it tries Basic, then the credentials in the body).
	assert.Equal(t, 9, tokenCalls, "token calls are logged, rejected ones included")
}

func TestBearerCheck(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	sim := New(Options{Clock: clock, TokenLifetime: time.Hour})
	base := sim.Start(t)
	status, _, body := call(t, "GET", base+"/api/v2/rules", "")
	assert.Equal(t, 401, status)
	assert.JSONEq(t, `{"statusCode":401,"error":"Unauthorized","message":"Missing authentication"}`, body)
	status, _, body = call(t, "GET", base+"/api/v2/rules", "forged.token.here")
	assert.Equal(t, 401, status)
	assert.JSONEq(t, `{"statusCode":401,"error":"Unauthorized","message":"Invalid token","attributes":{"error":"Invalid token"}}`, body)

	_, out := postToken(t, base, "application/x-www-form-urlencoded", url.Values{"grant_type": {"client_credentials"}, "audience": {base + "/api/v2/"}}.Encode(), &[2]string{DefaultClientID, DefaultClientSecret})
	tok := out["access_token"].(string)
	status, _, _ = call(t, "GET", base+"/api/v2/rules", tok)
	assert.Equal(t, 200, status)
	clock.Advance(time.Hour)
	status, _, body = call(t, "GET", base+"/api/v2/rules", tok)
	assert.Equal(t, 401, status)
	assert.Contains(t, body, "Expired token")
	status, _, _ = call(t, "GET", base+"/api/v2/nothing-here", tok)
	assert.Equal(t, 401, status, "auth is checked before routing")
}

func TestScopes(t *testing.T) {
	sim := New(Options{Scopes: []string{"read:rules"}})
	m := newManagement(t, sim.Start(t))
	ctx := context.Background()
	_, err := m.Rule.List(ctx)
	require.NoError(t, err)
	err = m.Rule.Create(ctx, &management.Rule{Name: auth0.String("r"), Script: auth0.String("x")})
	require.Error(t, err)
	assert.Equal(t, "403 Forbidden: Insufficient scope, expected any of: create:rules", err.Error())
	err = m.Rule.Update(ctx, "rul_x", &management.Rule{Enabled: auth0.Bool(true)})
	assert.Equal(t, "403 Forbidden: Insufficient scope, expected any of: update:rules", err.Error())
}

func TestRulesEndOfLife(t *testing.T) {
	sim := New(Options{RulesEOL: true})
	m := newManagement(t, sim.Start(t))
	ctx := context.Background()
	_, err := m.Rule.List(ctx)
	assert.Equal(t, 403, statusOf(err))
	assert.Contains(t, err.Error(), "deprecated feature")
	_, err = m.RuleConfig.List(ctx)
	assert.Equal(t, 403, statusOf(err))
	_, err = m.Action.List(ctx)
	assert.NoError(t, err, "actions still work")
}

func TestUnknownEndpointShape(t *testing.T) {
	sim := New(Options{StaticTokens: []string{"tok"}})
	base := sim.Start(t)
	status, _, body := call(t, "GET", base+"/api/v2/hooks", "tok")
	assert.Equal(t, 404, status)
	assert.JSONEq(t, `{"statusCode":404,"error":"Not Found","message":"Not Found"}`, body)
}
