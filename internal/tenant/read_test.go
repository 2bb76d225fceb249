package tenant

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

func makeRules(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"id": fmt.Sprintf("rul_%03d", i), "name": fmt.Sprintf("rule %03d", i), "script": "function (u, c, cb) { cb(null, u, c); }", "order": i + 1, "enabled": true, "stage": "login_success"}
	}
	return out
}

// offsetPages serves items in pages, with a total, like /rules.
func offsetPages(t *testing.T, key string, items []map[string]any, total int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		assert.Equal(t, "true", q.Get("include_totals"))
		page, _ := strconv.Atoi(q.Get("page"))
		per, _ := strconv.Atoi(q.Get("per_page"))
		start := min(page*per, len(items))
		end := min(start+per, len(items))
		writeTestJSON(w, 200, map[string]any{"total": total, "start": start, "limit": per, key: items[start:end]})
	}
}

func pagesOf(f *fakeServer) []string {
	var out []string
	for _, r := range f.apiRequests() {
		out = append(out, r.String())
	}
	return out
}

func TestReadRulesPagination(t *testing.T) {
	t.Run("250 rules across three pages", func(t *testing.T) {
		f := newFakeServer(t, offsetPages(t, "rules", makeRules(250), 250))
		c := newTestClient(t, f.srv.URL, newFakeClock())
		cur, err := c.Read(context.Background(), model.ReadRequest{Rules: true})
		require.NoError(t, err)
		require.Len(t, cur.Rules, 250)
		assert.True(t, cur.RulesAvailable)
		assert.Equal(t, model.CurrentRule{ID: "rul_249", Name: "rule 249", Script: "function (u, c, cb) { cb(null, u, c); }", Order: 250, Enabled: true, Stage: "login_success"}, cur.Rules[249])
		assert.Equal(t, []string{
			"GET /api/v2/rules?include_totals=true&page=0&per_page=100",
			"GET /api/v2/rules?include_totals=true&page=1&per_page=100",
			"GET /api/v2/rules?include_totals=true&page=2&per_page=100",
		}, pagesOf(f))
	})

	tests := []struct {
		name    string
		handler func(t *testing.T) http.HandlerFunc
		wantErr string
	}{
		{
			name: "a page that comes back short before the total",
			handler: func(t *testing.T) http.HandlerFunc {
				rules := makeRules(120)
				return func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Query().Get("page") == "0" {
						writeTestJSON(w, 200, map[string]any{"total": 120, "start": 0, "limit": 100, "rules": rules[:50]})
						return
					}
					writeTestJSON(w, 200, map[string]any{"total": 120, "start": 100, "limit": 100, "rules": rules[100:]})
				}
			},
			wantErr: "read rules: incomplete listing of rules: got 50 of 120",
		},
		{
			name: "an empty page before the total (the extension's pagination bug)",
			handler: func(t *testing.T) http.HandlerFunc {
				rules := makeRules(120)
				return func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Query().Get("page") == "0" {
						writeTestJSON(w, 200, map[string]any{"total": 120, "start": 0, "limit": 100, "rules": rules[:100]})
						return
					}
					writeTestJSON(w, 200, map[string]any{"total": 120, "start": 100, "limit": 100, "rules": []any{}})
				}
			},
			wantErr: "read rules: incomplete listing of rules: got 100 of 120",
		},
		{
			name: "more items than the total",
			handler: func(t *testing.T) http.HandlerFunc {
				return offsetPages(t, "rules", makeRules(30), 20)
			},
			wantErr: "read rules: inconsistent listing of rules: got 30 but the total is 20",
		},
		{
			name: "a total that changes between pages",
			handler: func(t *testing.T) http.HandlerFunc {
				rules := makeRules(150)
				return func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Query().Get("page") == "0" {
						writeTestJSON(w, 200, map[string]any{"total": 150, "rules": rules[:100]})
						return
					}
					writeTestJSON(w, 200, map[string]any{"total": 149, "rules": rules[100:149]})
				}
			},
			wantErr: "read rules: inconsistent listing of rules: the total changed from 150 to 149 while it was read",
		},
		{
			name: "a duplicate id",
			handler: func(t *testing.T) http.HandlerFunc {
				rules := makeRules(150)
				return func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Query().Get("page") == "0" {
						writeTestJSON(w, 200, map[string]any{"total": 150, "rules": rules[:100]})
						return
					}
					writeTestJSON(w, 200, map[string]any{"total": 150, "rules": rules[99:149]})
				}
			},
			wantErr: `read rules: inconsistent listing of rules: "rul_099" appears twice (the listing changed while it was read)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, tt.handler(t))
			c := newTestClient(t, f.srv.URL, newFakeClock())
			cur, err := c.Read(context.Background(), model.ReadRequest{Rules: true})
			require.Error(t, err)
			assert.Nil(t, cur)
			assert.Equal(t, tt.wantErr, err.Error())
			e, ok := AsError(err)
			require.True(t, ok)
			assert.Equal(t, KindIncomplete, e.Kind)
			assert.Contains(t, e.Hint(), "could not be read completely")
		})
	}
}

func makeActions(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{
			"id": fmt.Sprintf("act_%03d", i), "name": fmt.Sprintf("action %03d", i),
			"supported_triggers": []any{map[string]any{"id": "post-login", "version": "v3"}},
			"code":               "exports.onExecutePostLogin = async () => {};", "runtime": "node22",
			"status": "built", "all_changes_deployed": true,
			"deployed_version": map[string]any{"id": fmt.Sprintf("ver_%03d", i), "deployed": true, "status": "built"},
		}
	}
	return out
}

// actionsPages serves the actions family: zero values omitted, no total on
// an empty page.
func actionsPages(t *testing.T, key string, items []map[string]any, withTotal bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		assert.Empty(t, q.Get("include_totals"))
		page, _ := strconv.Atoi(q.Get("page"))
		per, _ := strconv.Atoi(q.Get("per_page"))
		start := min(page*per, len(items))
		end := min(start+per, len(items))
		body := map[string]any{key: items[start:end], "per_page": per}
		if page > 0 {
			body["page"] = page
		}
		if withTotal && end > start {
			body["total"] = len(items)
		}
		writeTestJSON(w, 200, body)
	}
}

func TestReadActionsPagination(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		withTotal bool
		wantPages int
	}{
		{"20 actions, one page", 20, true, 1},
		{"exactly 100 actions with a total: no empty page needed", 100, true, 1},
		{"exactly 100 actions, total omitted: ends on the empty page", 100, false, 2},
		{"230 actions, total omitted: ends on the short page", 230, false, 3},
		{"no actions", 0, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			actions := makeActions(tt.n)
			f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/api/v2/actions/actions":
					actionsPages(t, "actions", actions, tt.withTotal)(w, r)
				case "/api/v2/actions/triggers/post-login/bindings":
					writeTestJSON(w, 200, map[string]any{"bindings": []any{}, "per_page": 100})
				default:
					t.Errorf("unexpected %s", r.URL.Path)
				}
			})
			c := newTestClient(t, f.srv.URL, newFakeClock())
			cur, err := c.Read(context.Background(), model.ReadRequest{Actions: true})
			require.NoError(t, err)
			assert.Len(t, cur.Actions, tt.n)
			var pages int
			for _, r := range f.apiRequests() {
				if r.Path == "/api/v2/actions/actions" {
					pages++
					assert.Contains(t, r.Query, "per_page=100")
				}
			}
			assert.Equal(t, tt.wantPages, pages)
		})
	}

	t.Run("a short page before the reported total is an error", func(t *testing.T) {
		actions := makeActions(150)
		f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("page") == "0" {
				writeTestJSON(w, 200, map[string]any{"actions": actions[:100], "total": 150, "per_page": 100})
				return
			}
			writeTestJSON(w, 200, map[string]any{"actions": actions[100:120], "total": 150, "page": 1, "per_page": 100})
		})
		c := newTestClient(t, f.srv.URL, newFakeClock())
		_, err := c.Read(context.Background(), model.ReadRequest{Actions: true})
		require.Error(t, err)
		assert.Equal(t, "read actions: incomplete listing of actions: got 120 of 150", err.Error())
	})
}

func TestReadActionsMapping(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/actions/actions":
			writeTestJSON(w, 200, map[string]any{"total": 3, "per_page": 100, "actions": []any{
				map[string]any{
					"id": "act_b", "name": "b-action", "code": "code-b", "runtime": "node22", "status": "built",
					"supported_triggers":   []any{map[string]any{"id": "post-login", "version": "v3"}},
					"dependencies":         []any{map[string]any{"name": "zod", "version": "3.0.0"}, map[string]any{"name": "axios", "version": "1.7.0", "registry_url": "https://r"}},
					"secrets":              []any{map[string]any{"name": "TOKEN", "updated_at": "2026-01-01T00:00:00Z"}, map[string]any{"name": "API_KEY"}},
					"all_changes_deployed": false,
					// The version that runs, as the Management API returns it
					// (shape of go-auth0's recordings).
					"deployed_version": map[string]any{"id": "ver_1", "deployed": true, "number": 3, "status": "built",
						"code": "code-b-v3", "runtime": "node18-actions",
						"dependencies":       []any{map[string]any{"name": "zod", "version": "2.0.0"}},
						"secrets":            []any{map[string]any{"name": "TOKEN", "updated_at": "2026-01-01T00:00:00Z"}},
						"supported_triggers": []any{map[string]any{"id": "post-login", "version": "v2"}},
						"built_at":           "2026-01-01T00:00:00Z", "created_at": "2026-01-01T00:00:00Z"},
				},
				map[string]any{
					"id": "act_a", "name": "a-action", "code": "code-a", "runtime": "node18", "status": "pending",
					"supported_triggers": []any{map[string]any{"id": "credentials-exchange", "version": "v2"}},
					"deployed_version":   nil,
				},
				map[string]any{
					"id": "act_m", "name": "marketplace", "status": "built", "installed_integration_id": "int_1",
					"integration":        map[string]any{"id": "int_1", "name": "Vendor"},
					"supported_triggers": []any{map[string]any{"id": "post-login", "version": "v3"}},
					"deployed_version":   map[string]any{"id": "ver_m", "deployed": true},
				},
			}})
		case "/api/v2/actions/triggers/post-login/bindings":
			writeTestJSON(w, 200, map[string]any{"total": 2, "per_page": 100, "bindings": []any{
				map[string]any{"id": "bnd_1", "trigger_id": "post-login", "display_name": "Vendor", "action": map[string]any{"id": "act_m", "name": "marketplace"}},
				map[string]any{"id": "bnd_2", "trigger_id": "post-login", "display_name": "b", "action": map[string]any{"id": "act_b", "name": "b-action"}},
			}})
		case "/api/v2/actions/triggers/credentials-exchange/bindings", "/api/v2/actions/triggers/post-user-registration/bindings":
			writeTestJSON(w, 200, map[string]any{"bindings": []any{}, "per_page": 100})
		default:
			t.Errorf("unexpected %s", r.URL.Path)
		}
	})
	c := newTestClient(t, f.srv.URL, newFakeClock())
	cur, err := c.Read(context.Background(), model.ReadRequest{Actions: true, Triggers: []string{"post-user-registration"}})
	require.NoError(t, err)
	assert.Equal(t, []model.CurrentAction{
		{ID: "act_a", Name: "a-action", Code: "code-a", Runtime: "node18", Trigger: "credentials-exchange", TriggerVersion: "v2", Status: "pending"},
		{ID: "act_b", Name: "b-action", Code: "code-b", Runtime: "node22", Trigger: "post-login", TriggerVersion: "v3", Status: "built",
			Dependencies: []model.Dependency{{Name: "axios", Version: "1.7.0"}, {Name: "zod", Version: "3.0.0"}},
			SecretNames:  []string{"API_KEY", "TOKEN"}, Deployed: true,
			DeployedVersion: &model.ActionVersion{ID: "ver_1", Number: 3, Code: "code-b-v3", Runtime: "node18-actions", Trigger: "post-login", TriggerVersion: "v2",
				Dependencies: []model.Dependency{{Name: "zod", Version: "2.0.0"}}, SecretNames: []string{"TOKEN"}}},
		{ID: "act_m", Name: "marketplace", Trigger: "post-login", TriggerVersion: "v3", Status: "built", Deployed: true, Integration: true,
			DeployedVersion: &model.ActionVersion{ID: "ver_m"}},
	}, cur.Actions)
	assert.Equal(t, map[string][]model.CurrentBinding{
		"post-login": {
			{ID: "bnd_1", ActionID: "act_m", ActionName: "marketplace", DisplayName: "Vendor"},
			{ID: "bnd_2", ActionID: "act_b", ActionName: "b-action", DisplayName: "b"},
		},
		"credentials-exchange":   {},
		"post-user-registration": {},
	}, cur.Bindings)
	assert.Nil(t, cur.Triggers, "trigger metadata is not read unless asked")
}

// connectionOptions is a database connection's options as the API returns
// them: server defaults, keys go-auth0 does not model, encrypted
// configuration values and numbers that must survive a round trip.
const connectionOptions = `{
  "mfa": {"active": true, "return_enroll_settings": true},
  "import_mode": false,
  "customScripts": {"login": "function login(email, password, callback) {}", "get_user": "function getByEmail(email, callback) {}"},
  "configuration": {"API_KEY": "2.0$a1b2c3d4e5f6$cipher", "DB_URL": "2.0$ffff$cipher2"},
  "passwordPolicy": "good",
  "password_complexity_options": {"min_length": 8},
  "brute_force_protection": true,
  "enabledDatabaseCustomization": true,
  "strategy_version": 2,
  "authentication_methods": {"password": {"enabled": true}, "passkey": {"enabled": false}},
  "passkey_options": {"challenge_ui": "both", "local_enrollment_enabled": true, "progressive_enrollment_enabled": true},
  "some_future_key": {"nested": [1, 2.5, 12345678901234567890, null, "x"]},
  "precise": 0.1000000000000000055511151231257827
}`

func TestConnectionOptionsRoundTrip(t *testing.T) {
	var patchBody string
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/v2/connections":
			assert.Equal(t, "auth0", r.URL.Query().Get("strategy"))
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"total":1,"start":0,"limit":100,"connections":[{"id":"con_1","name":"users-db","strategy":"auth0","enabled_clients":["c1"],"options":%s}]}`, connectionOptions)
		case r.Method == http.MethodPatch && r.URL.Path == "/api/v2/connections/con_1":
			b, _ := io.ReadAll(r.Body)
			patchBody = string(b)
			writeTestJSON(w, 200, map[string]any{"id": "con_1"})
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		}
	})
	c := newTestClient(t, f.srv.URL, newFakeClock())
	cur, err := c.Read(context.Background(), model.ReadRequest{Databases: true, DatabaseNames: []string{"users-db"}})
	require.NoError(t, err)
	require.Len(t, cur.Connections, 1)
	conn := cur.Connections[0]
	assert.Equal(t, "users-db", conn.Name)
	assert.Equal(t, "auth0", conn.Strategy)
	assert.False(t, conn.ImportMode())
	assert.True(t, conn.DatabaseCustomization())
	assert.Equal(t, map[string]string{"login": "function login(email, password, callback) {}", "get_user": "function getByEmail(email, callback) {}"}, conn.CustomScripts())

	// Send back exactly what was read: every key and value survives.
	require.NoError(t, c.UpdateConnectionOptions(context.Background(), conn.ID, conn.Options))
	var sent map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(patchBody), &sent))
	assert.Equal(t, []string{"options"}, keysOf(sent), "only options are sent: never enabled_clients, name or strategy")
	jsonEqual(t, connectionOptions, string(sent["options"]))
	assert.Contains(t, patchBody, "12345678901234567890")
	assert.Contains(t, patchBody, "0.1000000000000000055511151231257827")
	assert.Contains(t, patchBody, `"2.0$a1b2c3d4e5f6$cipher"`)

	t.Run("empty options are refused", func(t *testing.T) {
		err := c.UpdateConnectionOptions(context.Background(), "con_1", nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "refusing to send empty options")
	})
}

func keysOf(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestReadDatabaseNamesLookup(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("strategy") == "auth0":
			writeTestJSON(w, 200, map[string]any{"total": 1, "connections": []any{map[string]any{"id": "con_db", "name": "users", "strategy": "auth0", "options": map[string]any{}}}})
		case q.Get("name") == "google-oauth2":
			writeTestJSON(w, 200, map[string]any{"total": 1, "connections": []any{map[string]any{"id": "con_g", "name": "google-oauth2", "strategy": "google-oauth2", "options": map[string]any{"scope": []any{"email"}}}}})
		case q.Get("name") == "nowhere":
			writeTestJSON(w, 200, map[string]any{"total": 0, "connections": []any{}})
		default:
			t.Errorf("unexpected %s?%s", r.URL.Path, r.URL.RawQuery)
		}
	})
	c := newTestClient(t, f.srv.URL, newFakeClock())
	cur, err := c.Read(context.Background(), model.ReadRequest{Databases: true, DatabaseNames: []string{"users", "google-oauth2", "nowhere"}})
	require.NoError(t, err)
	var got []string
	for _, cn := range cur.Connections {
		got = append(got, cn.Name+"/"+cn.Strategy)
	}
	assert.Equal(t, []string{"google-oauth2/google-oauth2", "users/auth0"}, got)
	assert.Len(t, f.apiRequests(), 3, "the strategy=auth0 listing plus one look-up per unknown name")
}

func TestReadRulesEndOfLife(t *testing.T) {
	const eol = "Rules reached end of life on 2026-11-18: this is a deprecated feature and is no longer available on this tenant."
	type answer struct {
		status    int
		code, msg string
	}
	ok := answer{status: 200}
	eol403 := answer{403, "feature_not_available", eol}
	tests := []struct {
		name           string
		rules, configs answer
		wantGone       bool
		wantScope      bool
		wantReason     string
		wantErr        string
	}{
		{name: "403 feature gone", rules: eol403, configs: eol403, wantGone: true,
			wantReason: "the tenant answered 403 Forbidden: " + eol},
		{name: "404", rules: answer{404, "", "Not Found"}, configs: answer{404, "", "Not Found"}, wantGone: true,
			wantReason: "the tenant answered 404 Not Found: Not Found"},
		// SPEC §2: any 403 on /rules skips the rules step; a missing
		// read:rules says so instead of "end of life".
		{name: "403 missing read:rules skips, naming the scope", rules: answer{403, "insufficient_scope", "Insufficient scope, expected any of: read:rules"},
			configs: ok, wantGone: true, wantScope: true,
			wantReason: "the application lacks the scope read:rules (the tenant answered 403 Forbidden: Insufficient scope, expected any of: read:rules)"},
		{name: "403 naming scopes without an errorCode is a scope too", rules: answer{403, "", "Insufficient scope, expected any of: read:rules"},
			configs: ok, wantGone: true, wantScope: true,
			wantReason: "the application lacks the scope read:rules (the tenant answered 403 Forbidden: Insufficient scope, expected any of: read:rules)"},
		// /rules-configs is not /rules: its missing scope is an error like
		// any other missing read scope.
		{name: "403 missing read:rules_configs is an error", rules: ok,
			configs: answer{403, "insufficient_scope", "Insufficient scope, expected any of: read:rules_configs"},
			wantErr: "read rules configs: 403 Forbidden: Insufficient scope, expected any of: read:rules_configs (insufficient_scope)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				a := tt.rules
				if r.URL.Path == "/api/v2/rules-configs" {
					a = tt.configs
				}
				switch r.URL.Path {
				case "/api/v2/rules", "/api/v2/rules-configs":
					if a.status != 200 {
						apiErr(w, a.status, a.msg, a.code)
					} else if r.URL.Path == "/api/v2/rules" {
						writeTestJSON(w, 200, map[string]any{"total": 0, "rules": []any{}})
					} else {
						writeTestJSON(w, 200, []any{})
					}
				case "/api/v2/tenants/settings":
					writeTestJSON(w, 200, map[string]any{})
				default:
					t.Errorf("unexpected %s", r.URL.Path)
				}
			})
			c := newTestClient(t, f.srv.URL, newFakeClock())
			cur, err := c.Read(context.Background(), model.ReadRequest{Rules: true, RulesConfigs: true, TenantPages: true})
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, err.Error())
				assert.Contains(t, Hint(err), "read:rules_configs")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, !tt.wantGone, cur.RulesAvailable)
			assert.Equal(t, tt.wantReason, cur.RulesUnavailableReason)
			assert.Equal(t, tt.wantScope, MissingReadRulesScope(cur))
			assert.Empty(t, cur.Rules)
		})
	}
}

func TestReadInsufficientScopeElsewhere(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/connections":
			apiErr(w, 403, "Insufficient scope, expected any of: read:connections", "insufficient_scope")
		default:
			writeTestJSON(w, 200, map[string]any{"total": 0, "rules": []any{}})
		}
	})
	c := newTestClient(t, f.srv.URL, newFakeClock())
	_, err := c.Read(context.Background(), model.ReadRequest{Databases: true})
	require.Error(t, err)
	assert.Equal(t, "read database connections: 403 Forbidden: Insufficient scope, expected any of: read:connections (insufficient_scope)", err.Error())
	assert.True(t, IsForbidden(err))
	assert.Equal(t, "the application lacks the scope read:connections: grant it in the Auth0 dashboard (Applications > APIs > Auth0 Management API > Machine To Machine Applications) and run again", Hint(err))
}

// TestNoChangeRunRequestBudget: a repository with rules, rules configs, 10
// database connections, 4 pages and 20 post-login actions is read with 8
// requests, the token included.
func TestNoChangeRunRequestBudget(t *testing.T) {
	var conns []any
	for i := range 10 {
		conns = append(conns, map[string]any{"id": fmt.Sprintf("con_%d", i), "name": fmt.Sprintf("db-%d", i), "strategy": "auth0", "options": map[string]any{"customScripts": map[string]any{"login": "x"}}})
	}
	actions := makeActions(20)
	var bindings []any
	for _, a := range actions {
		bindings = append(bindings, map[string]any{"id": "bnd_" + a["id"].(string), "trigger_id": "post-login", "display_name": a["name"], "action": map[string]any{"id": a["id"], "name": a["name"]}})
	}
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/rules":
			offsetPages(t, "rules", makeRules(12), 12)(w, r)
		case "/api/v2/rules-configs":
			writeTestJSON(w, 200, []any{map[string]any{"key": "B"}, map[string]any{"key": "A"}})
		case "/api/v2/connections":
			writeTestJSON(w, 200, map[string]any{"total": 10, "start": 0, "limit": 100, "connections": conns})
		case "/api/v2/clients":
			q := r.URL.Query()
			assert.Equal(t, "true", q.Get("is_global"))
			assert.NotContains(t, q.Get("fields"), "client_secret")
			writeTestJSON(w, 200, []any{map[string]any{"client_id": "glob", "global": true, "custom_login_page": "<html>login</html>", "custom_login_page_on": true}})
		case "/api/v2/tenants/settings":
			writeTestJSON(w, 200, map[string]any{
				"change_password":   map[string]any{"enabled": true, "html": "<p>cp</p>"},
				"guardian_mfa_page": map[string]any{"enabled": false, "html": "<p>mfa</p>"},
				"error_page":        map[string]any{"html": "", "url": "https://example.com/error", "show_log_link": true},
			})
		case "/api/v2/actions/actions":
			actionsPages(t, "actions", actions, true)(w, r)
		case "/api/v2/actions/triggers/post-login/bindings":
			writeTestJSON(w, 200, map[string]any{"total": 20, "per_page": 100, "bindings": bindings})
		default:
			t.Errorf("unexpected %s", r.URL.Path)
		}
	})
	names := []string{}
	for i := range 10 {
		names = append(names, fmt.Sprintf("db-%d", i))
	}
	c := newTestClient(t, f.srv.URL, newFakeClock())
	cur, err := c.Read(context.Background(), model.ReadRequest{
		Rules: true, RulesConfigs: true, Databases: true, DatabaseNames: names,
		LoginPage: true, TenantPages: true, Actions: true, Triggers: []string{"post-login"},
	})
	require.NoError(t, err)
	assert.Len(t, f.requests(), 8)
	u := c.Usage()
	assert.Equal(t, 8, u.Requests)
	assert.Equal(t, 7, u.Reads)
	assert.Equal(t, 0, u.Writes)
	assert.Equal(t, 0, u.Retries)

	assert.Len(t, cur.Rules, 12)
	assert.Equal(t, []string{"A", "B"}, cur.RuleConfigKeys)
	assert.Len(t, cur.Connections, 10)
	assert.Equal(t, &model.GlobalClient{ClientID: "glob", CustomLoginPage: "<html>login</html>", CustomLoginPageOn: true}, cur.GlobalClient)
	assert.Equal(t, model.TenantPages{
		ChangePassword:  model.PageSetting{Enabled: true, HTML: "<p>cp</p>"},
		GuardianMFAPage: model.PageSetting{HTML: "<p>mfa</p>"},
		ErrorPage:       model.ErrorPageSetting{URL: "https://example.com/error", ShowLogLink: true},
	}, cur.TenantPages)
	assert.Len(t, cur.Actions, 20)
	assert.Len(t, cur.Bindings["post-login"], 20)
	assert.Len(t, cur.Bindings, 1)
}

func TestReadOnlyWhatIsAsked(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/api/v2/tenants/settings", r.URL.Path)
		writeTestJSON(w, 200, map[string]any{})
	})
	c := newTestClient(t, f.srv.URL, newFakeClock())
	cur, err := c.Read(context.Background(), model.ReadRequest{TenantPages: true})
	require.NoError(t, err)
	assert.True(t, cur.RulesAvailable)
	assert.Len(t, f.apiRequests(), 1)
}
