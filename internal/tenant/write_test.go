package tenant

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

func ptr[T any](v T) *T { return &v }

// TestWriteRequests pins the exact request each write method sends.
func TestWriteRequests(t *testing.T) {
	tests := []struct {
		name      string
		call      func(c *Client) error
		reply     any
		wantReq   string // "METHOD path[?query]"
		wantBody  string // JSON; "" for none
		wantReply func(t *testing.T, got any)
	}{
		{
			name: "create rule with an order",
			call: func(c *Client) error {
				r, err := c.CreateRule(context.Background(), model.RuleCreate{Name: "deny weekend", Script: "function (u, c, cb) {}", Order: ptr(3), Enabled: false})
				assert.Equal(t, model.CurrentRule{ID: "rul_1", Name: "deny weekend", Script: "function (u, c, cb) {}", Order: 3, Stage: "login_success"}, r)
				return err
			},
			reply:    map[string]any{"id": "rul_1", "name": "deny weekend", "script": "function (u, c, cb) {}", "order": 3, "enabled": false, "stage": "login_success"},
			wantReq:  "POST /api/v2/rules",
			wantBody: `{"name":"deny weekend","script":"function (u, c, cb) {}","order":3,"enabled":false}`,
		},
		{
			name: "create rule without an order lets Auth0 append",
			call: func(c *Client) error {
				_, err := c.CreateRule(context.Background(), model.RuleCreate{Name: "r", Script: "s", Enabled: true})
				return err
			},
			reply:    map[string]any{"id": "rul_2", "name": "r", "script": "s", "order": 7, "enabled": true},
			wantReq:  "POST /api/v2/rules",
			wantBody: `{"name":"r","script":"s","enabled":true}`,
		},
		{
			name: "update rule sends only the set fields, false and 0 included",
			call: func(c *Client) error {
				return c.UpdateRule(context.Background(), "rul_1", model.RulePatch{Order: ptr(0), Enabled: ptr(false)})
			},
			wantReq:  "PATCH /api/v2/rules/rul_1",
			wantBody: `{"order":0,"enabled":false}`,
		},
		{
			name:    "delete rule",
			call:    func(c *Client) error { return c.DeleteRule(context.Background(), "rul_1") },
			wantReq: "DELETE /api/v2/rules/rul_1",
		},
		{
			name:     "set rules config",
			call:     func(c *Client) error { return c.SetRulesConfig(context.Background(), "API_KEY", "v@lue") },
			wantReq:  "PUT /api/v2/rules-configs/API_KEY",
			wantBody: `{"value":"v@lue"}`,
		},
		{
			name:    "delete rules config",
			call:    func(c *Client) error { return c.DeleteRulesConfig(context.Background(), "API_KEY") },
			wantReq: "DELETE /api/v2/rules-configs/API_KEY",
		},
		{
			name: "update connection options",
			call: func(c *Client) error {
				return c.UpdateConnectionOptions(context.Background(), "con_1", map[string]any{"customScripts": map[string]any{"login": "x"}, "enabledDatabaseCustomization": true})
			},
			wantReq:  "PATCH /api/v2/connections/con_1",
			wantBody: `{"options":{"customScripts":{"login":"x"},"enabledDatabaseCustomization":true}}`,
		},
		{
			name:     "update login page",
			call:     func(c *Client) error { return c.UpdateLoginPage(context.Background(), "glob", "<html>&</html>", true) },
			reply:    map[string]any{"client_id": "glob", "client_secret": "must-not-matter"},
			wantReq:  "PATCH /api/v2/clients/glob",
			wantBody: `{"custom_login_page":"<html>&</html>","custom_login_page_on":true}`,
		},
		{
			name: "update tenant pages: only the set pages, error_page without enabled",
			call: func(c *Client) error {
				return c.UpdateTenantPages(context.Background(), model.TenantPagesPatch{
					ChangePassword: &model.PageSetting{Enabled: false, HTML: ""},
					ErrorPage:      &model.ErrorPageSetting{HTML: "", URL: "https://e.example", ShowLogLink: false},
				})
			},
			wantReq:  "PATCH /api/v2/tenants/settings",
			wantBody: `{"change_password":{"enabled":false,"html":""},"error_page":{"html":"","url":"https://e.example","show_log_link":false}}`,
		},
		{
			name: "create action",
			call: func(c *Client) error {
				id, err := c.CreateAction(context.Background(), model.ActionWrite{
					Name: "add-claims", Code: "exports.onExecutePostLogin = async () => {};", Trigger: "post-login", TriggerVersion: "v3", Runtime: "node22",
					Dependencies: []model.Dependency{{Name: "axios", Version: "1.7.0"}},
					Secrets:      []model.ActionSecret{{Name: "KEY", Value: "secret-value"}},
				})
				assert.Equal(t, "act_1", id)
				return err
			},
			reply:   map[string]any{"id": "act_1", "name": "add-claims", "status": "pending"},
			wantReq: "POST /api/v2/actions/actions",
			wantBody: `{"name":"add-claims","supported_triggers":[{"id":"post-login","version":"v3"}],"code":"exports.onExecutePostLogin = async () => {};",
				"runtime":"node22","dependencies":[{"name":"axios","version":"1.7.0"}],"secrets":[{"name":"KEY","value":"secret-value"}]}`,
		},
		{
			name: "update action sends empty lists so removed dependencies and secrets go",
			call: func(c *Client) error {
				return c.UpdateAction(context.Background(), "act_1", model.ActionWrite{Name: "a", Code: "c", Trigger: "post-login", TriggerVersion: "v3", Runtime: "node22"})
			},
			wantReq:  "PATCH /api/v2/actions/actions/act_1",
			wantBody: `{"name":"a","supported_triggers":[{"id":"post-login","version":"v3"}],"code":"c","runtime":"node22","dependencies":[],"secrets":[]}`,
		},
		{
			name: "deploy action",
			call: func(c *Client) error {
				v, err := c.DeployAction(context.Background(), "act_1")
				assert.Equal(t, "ver_9", v)
				return err
			},
			reply:   map[string]any{"id": "ver_9", "number": 2, "deployed": false, "status": "built"},
			wantReq: "POST /api/v2/actions/actions/act_1/deploy",
		},
		{
			name: "update bindings by action id, in order",
			call: func(c *Client) error {
				return c.UpdateBindings(context.Background(), "post-login", []model.BindingWrite{
					{ActionID: "act_m", ActionName: "vendor", DisplayName: "Vendor"},
					{ActionID: "act_1", ActionName: "add-claims"},
				})
			},
			wantReq:  "PATCH /api/v2/actions/triggers/post-login/bindings",
			wantBody: `{"bindings":[{"ref":{"type":"action_id","value":"act_m"},"display_name":"Vendor"},{"ref":{"type":"action_id","value":"act_1"},"display_name":"add-claims"}]}`,
		},
		{
			name:     "clearing bindings sends an empty list, not null",
			call:     func(c *Client) error { return c.UpdateBindings(context.Background(), "post-login", nil) },
			wantReq:  "PATCH /api/v2/actions/triggers/post-login/bindings",
			wantBody: `{"bindings":[]}`,
		},
		{
			name:    "delete action with force",
			call:    func(c *Client) error { return c.DeleteAction(context.Background(), "act_1") },
			wantReq: "DELETE /api/v2/actions/actions/act_1?force=true",
		},
		{
			name:    "ids are path-escaped",
			call:    func(c *Client) error { return c.DeleteRulesConfig(context.Background(), "a/b") },
			wantReq: "DELETE /api/v2/rules-configs/a%2Fb",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw []string
			f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				raw = append(raw, r.URL.EscapedPath())
				if tt.reply != nil {
					writeTestJSON(w, 200, tt.reply)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			})
			c := newTestClient(t, f.srv.URL, newFakeClock())
			require.NoError(t, tt.call(c))
			reqs := f.apiRequests()
			require.Len(t, reqs, 1)
			got := reqs[0].Method + " " + raw[0]
			if reqs[0].Query != "" {
				got += "?" + reqs[0].Query
			}
			assert.Equal(t, tt.wantReq, got)
			if tt.wantBody == "" {
				assert.Empty(t, reqs[0].Body)
			} else {
				jsonEqual(t, tt.wantBody, reqs[0].Body)
			}
			assert.Equal(t, 1, c.Usage().Writes)
		})
	}
}

func TestEmptyTenantPagesPatchSendsNothing(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected %s", r.URL.Path) })
	c := newTestClient(t, f.srv.URL, newFakeClock())
	require.NoError(t, c.UpdateTenantPages(context.Background(), model.TenantPagesPatch{}))
	assert.Empty(t, f.requests())
}

func TestDeletesOfMissingItemsSucceed(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { apiErr(w, 404, "That action does not exist.", "") })
	c := newTestClient(t, f.srv.URL, newFakeClock())
	require.NoError(t, c.DeleteAction(context.Background(), "act_gone"))
	require.NoError(t, c.DeleteRule(context.Background(), "rul_gone"))
	require.NoError(t, c.DeleteRulesConfig(context.Background(), "gone"))
	err := c.UpdateRule(context.Background(), "rul_gone", model.RulePatch{Enabled: ptr(true)})
	assert.True(t, IsNotFound(err))
}

func TestWaitActionBuilt(t *testing.T) {
	tests := []struct {
		name       string
		statuses   []map[string]any
		timeout    time.Duration
		wantErr    string
		wantPolls  int
		wantSleeps int
	}{
		{
			name:      "pending, building, built",
			statuses:  []map[string]any{{"status": "pending"}, {"status": "building"}, {"status": "built"}},
			wantPolls: 3,
		},
		{
			name: "failed names the action and the build message",
			statuses: []map[string]any{{"status": "building"}, {"status": "failed", "errors": []any{
				map[string]any{"id": "build_failed", "msg": "Cannot find module 'lodash'", "url": ""}}}},
			wantErr:   `build action "add-claims" (act_1): build failed: Cannot find module 'lodash'`,
			wantPolls: 2,
		},
		{
			name:      "a build that never ends is bounded by BuildTimeout",
			statuses:  []map[string]any{{"status": "building"}},
			timeout:   3500 * time.Millisecond,
			wantErr:   `build action "add-claims" (act_1): not built after 3.5s (status "building")`,
			wantPolls: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var polls atomic.Int32
			clk := newFakeClock()
			f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				assert.Equal(t, "GET /api/v2/actions/actions/act_1", r.Method+" "+r.URL.Path)
				i := min(int(polls.Add(1))-1, len(tt.statuses)-1)
				body := map[string]any{"id": "act_1", "name": "add-claims"}
				for k, v := range tt.statuses[i] {
					body[k] = v
				}
				writeTestJSON(w, 200, body)
			})
			c := newTestClient(t, f.srv.URL, clk, func(o *Options) {
				o.PollInterval = time.Second
				if tt.timeout > 0 {
					o.BuildTimeout = tt.timeout
				}
			})
			err := c.WaitActionBuilt(context.Background(), "act_1")
			if tt.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, err.Error())
				e, _ := AsError(err)
				assert.Equal(t, KindBuild, e.Kind)
			}
			assert.Equal(t, tt.wantPolls, int(polls.Load()))
			for _, s := range clk.Sleeps() {
				assert.LessOrEqual(t, s, time.Second)
			}
		})
	}
}

// A failed build says whether a deployed version keeps running: only an
// action that has one; a new action has none.
func TestWaitActionBuiltFailureSaysWhatRuns(t *testing.T) {
	for _, tt := range []struct {
		name     string
		deployed any
		want     string
	}{
		{name: "new action", deployed: nil, want: "the action has never been deployed (a new action stays an undeployed draft), so it does not run and was not bound"},
		{name: "deployed before", deployed: map[string]any{"id": "ver_1", "deployed": true, "number": 1}, want: "the previously deployed version keeps running"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				body := map[string]any{"id": "act_1", "name": "add-claims", "status": "failed"}
				if tt.deployed != nil {
					body["deployed_version"] = tt.deployed
				}
				writeTestJSON(w, 200, body)
			})
			c := newTestClient(t, f.srv.URL, newFakeClock())
			err := c.WaitActionBuilt(context.Background(), "act_1")
			require.Error(t, err)
			assert.True(t, strings.HasSuffix(Hint(err), tt.want), Hint(err))
			if tt.deployed == nil {
				assert.NotContains(t, Hint(err), "previously deployed")
			}
		})
	}
}

func TestWaitActionDeployed(t *testing.T) {
	var polls atomic.Int32
	clk := newFakeClock()
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		body := map[string]any{"id": "act_1", "name": "a", "status": "built"}
		switch polls.Add(1) {
		case 1:
			body["deployed_version"] = map[string]any{"id": "ver_1", "deployed": true} // the old one
		case 2:
			body["deployed_version"] = map[string]any{"id": "ver_2", "deployed": false}
		default:
			body["deployed_version"] = map[string]any{"id": "ver_2", "deployed": true}
		}
		writeTestJSON(w, 200, body)
	})
	c := newTestClient(t, f.srv.URL, clk)
	require.NoError(t, c.WaitActionDeployed(context.Background(), "act_1", "ver_2"))
	assert.Equal(t, int32(3), polls.Load())
	assert.Equal(t, []time.Duration{time.Second, time.Second, time.Second}, clk.Sleeps())
}
