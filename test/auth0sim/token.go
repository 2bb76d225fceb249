package auth0sim

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AllScopes are the Management API scopes a token carries when Options.Scopes
// is nil.
var AllScopes = []string{
	"read:rules", "create:rules", "update:rules", "delete:rules",
	"read:rules_configs", "update:rules_configs", "delete:rules_configs",
	"read:connections", "create:connections", "update:connections", "delete:connections",
	"read:clients", "create:clients", "update:clients", "delete:clients",
	"read:tenant_settings", "update:tenant_settings",
	"read:actions", "create:actions", "update:actions", "delete:actions",
	"read:branding", "update:branding", "delete:branding",
	"read:custom_domains", "create:custom_domains", "delete:custom_domains",
}

// oauthError is the OAuth-style error body of /oauth/token.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// token serves POST /oauth/token: the client-credentials grant, with the
// credentials in HTTP Basic or in the body, the body form-encoded or JSON.
func (s *Sim) token(w http.ResponseWriter, r *http.Request) {
	params, err := tokenParams(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", err.Error()})
		return
	}
	id, secret := params.Get("client_id"), params.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: Basic credentials are form-encoded first.
		if du, err := url.QueryUnescape(u); err == nil {
			u = du
		}
		if dp, err := url.QueryUnescape(p); err == nil {
			p = dp
		}
		id, secret = u, p
	}
	switch grant := params.Get("grant_type"); grant {
	case "client_credentials":
	case "":
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "Missing required parameter: grant_type"})
		return
	default:
		writeJSON(w, http.StatusForbidden, oauthError{"unauthorized_client", "Grant type '" + grant + "' not allowed for the client."})
		return
	}
	if subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.ClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) != 1 {
		writeJSON(w, http.StatusUnauthorized, oauthError{"access_denied", "Unauthorized"})
		return
	}
	aud := params.Get("audience")
	if aud == "" {
		writeJSON(w, http.StatusForbidden, oauthError{"access_denied", "No audience parameter was provided, and no default audience has been configured"})
		return
	}
	if !s.audienceAllowed(r, aud) {
		writeJSON(w, http.StatusForbidden, oauthError{"access_denied", "Service not enabled within domain: " + aud})
		return
	}
	scopes := s.opts.Scopes
	if scopes == nil {
		scopes = AllScopes
	}
	now := s.clock.Now()
	tok := s.sign(claims{
		Issuer: "https://" + r.Host + "/", Subject: id + "@clients", Audience: aud,
		IssuedAt: now.Unix(), Expires: now.Add(s.opts.TokenLifetime).Unix(),
		Scope: strings.Join(scopes, " "), GrantType: "client-credentials",
	})
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(s.opts.TokenLifetime / time.Second),
		"scope":        strings.Join(scopes, " "),
	})
}

func tokenParams(r *http.Request) (url.Values, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var body map[string]any
		if err := json.Unmarshal(data, &body); err != nil {
			return nil, errString("Invalid JSON body")
		}
		v := url.Values{}
		for k, x := range body {
			if sx, ok := x.(string); ok {
				v.Set(k, sx)
			}
		}
		return v, nil
	}
	v, err := url.ParseQuery(string(data))
	if err != nil {
		return nil, errString("Invalid form body")
	}
	return v, nil
}

type errString string

func (e errString) Error() string { return string(e) }

func readAll(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, errString("Could not read the request body")
	}
	if len(data) > maxBody {
		return nil, errString("Request body too large")
	}
	return data, nil
}

func (s *Sim) audienceAllowed(r *http.Request, aud string) bool {
	for _, scheme := range []string{"https", "http"} {
		if aud == scheme+"://"+r.Host+"/api/v2/" {
			return true
		}
	}
	for _, a := range s.opts.Audiences {
		if aud == a {
			return true
		}
	}
	return false
}

// claims of the simulator's access tokens (HS256 JWTs signed with a key that
// lives only as long as the Sim).
type claims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	IssuedAt  int64  `json:"iat"`
	Expires   int64  `json:"exp"`
	Scope     string `json:"scope"`
	GrantType string `json:"gty"`
}

var b64 = base64.RawURLEncoding

func (s *Sim) sign(c claims) string {
	header := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","kid":"auth0sim"}`))
	payload, _ := json.Marshal(c)
	unsigned := header + "." + b64.EncodeToString(payload)
	mac := hmac.New(sha256.New, s.signKey)
	mac.Write([]byte(unsigned))
	return unsigned + "." + b64.EncodeToString(mac.Sum(nil))
}

// verify checks a token's signature and returns its claims.
func (s *Sim) verify(tok string) (claims, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return claims{}, false
	}
	mac := hmac.New(sha256.New, s.signKey)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return claims{}, false
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return claims{}, false
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return claims{}, false
	}
	return c, true
}

// grant is what an authenticated request may do.
type grant struct{ scopes map[string]bool }

type grantKey struct{}

func withGrant(ctx context.Context, g grant) context.Context {
	return context.WithValue(ctx, grantKey{}, g)
}

// unauthorized writes the 401 body of the Management API.
func unauthorized(w http.ResponseWriter, message string) {
	writeJSON(w, http.StatusUnauthorized, apiError{
		StatusCode: http.StatusUnauthorized, Error: "Unauthorized", Message: message,
		Attributes: map[string]any{"error": message},
	})
}

// authenticate checks the Bearer token of an /api/v2 call.
func (s *Sim) authenticate(w http.ResponseWriter, r *http.Request) (grant, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		writeError(w, http.StatusUnauthorized, "Missing authentication", "")
		return grant{}, false
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		unauthorized(w, "Bad HTTP authentication header format")
		return grant{}, false
	}
	tok = strings.TrimSpace(tok)
	for _, st := range s.opts.StaticTokens {
		if subtle.ConstantTimeCompare([]byte(tok), []byte(st)) == 1 {
			return grant{scopes: scopeSet(AllScopes)}, true
		}
	}
	c, ok := s.verify(tok)
	if !ok {
		unauthorized(w, "Invalid token")
		return grant{}, false
	}
	if s.clock.Now().Unix() >= c.Expires {
		unauthorized(w, "Expired token received for JSON Web Token validation")
		return grant{}, false
	}
	return grant{scopes: scopeSet(strings.Fields(c.Scope))}, true
}

func scopeSet(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

// scopeCheck wraps an endpoint with its required scope: without it the call
// gets 403 insufficient_scope, worded as the real API words it.
func scopeCheck(scope string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g, _ := r.Context().Value(grantKey{}).(grant)
		if scope != "" && !g.scopes[scope] {
			writeError(w, http.StatusForbidden, "Insufficient scope, expected any of: "+scope, "insufficient_scope")
			return
		}
		h(w, r)
	})
}
