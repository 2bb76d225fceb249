package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/plan"
)

// recorder is a Tenant that records calls and fails the ones asked to.
type recorder struct {
	mu     sync.Mutex
	calls  []string
	failOn map[string]error
	nextID int
}

func (r *recorder) call(s string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, s)
	return r.failOn[s]
}

func (r *recorder) CreateRule(_ context.Context, c model.RuleCreate) (model.CurrentRule, error) {
	return model.CurrentRule{ID: "rul_new"}, r.call("create rule " + c.Name)
}
func (r *recorder) UpdateRule(_ context.Context, id string, p model.RulePatch) error {
	o := ""
	if p.Order != nil {
		o = fmt.Sprintf(" order=%d", *p.Order)
	}
	return r.call("update rule " + id + o)
}
func (r *recorder) DeleteRule(_ context.Context, id string) error { return r.call("delete rule " + id) }
func (r *recorder) SetRulesConfig(_ context.Context, k, _ string) error {
	return r.call("set rules config " + k)
}
func (r *recorder) DeleteRulesConfig(_ context.Context, k string) error {
	return r.call("delete rules config " + k)
}
func (r *recorder) UpdateConnectionOptions(_ context.Context, id string, _ map[string]any) error {
	return r.call("update connection " + id)
}
func (r *recorder) UpdateLoginPage(_ context.Context, id, _ string, _ bool) error {
	return r.call("update login page " + id)
}
func (r *recorder) UpdateTenantPages(context.Context, model.TenantPagesPatch) error {
	return r.call("update tenant pages")
}
func (r *recorder) CreateAction(_ context.Context, a model.ActionWrite) (string, error) {
	r.mu.Lock()
	r.nextID++
	id := fmt.Sprintf("act_new%d", r.nextID)
	r.mu.Unlock()
	return id, r.call("create action " + a.Name)
}
func (r *recorder) UpdateAction(_ context.Context, id string, _ model.ActionWrite) error {
	return r.call("update action " + id)
}
func (r *recorder) WaitActionBuilt(_ context.Context, id string) error {
	return r.call("wait built " + id)
}
func (r *recorder) DeployAction(_ context.Context, id string) (string, error) {
	return "ver_" + id, r.call("deploy " + id)
}
func (r *recorder) WaitActionDeployed(_ context.Context, id, v string) error {
	return r.call("wait deployed " + id + " " + v)
}
func (r *recorder) UpdateBindings(_ context.Context, trig string, b []model.BindingWrite) error {
	ids := make([]string, len(b))
	for i, x := range b {
		ids[i] = x.ActionID
	}
	return r.call("bindings " + trig + " " + strings.Join(ids, ","))
}
func (r *recorder) DeleteAction(_ context.Context, id string) error {
	return r.call("delete action " + id)
}

func actionsPlan() *plan.Plan {
	d := &model.Desired{ActionsManaged: true, Actions: []model.Action{
		{Name: "new", Code: "x", Trigger: "post-login", TriggerVersion: "v3", Runtime: "node22", Enabled: true, Deploy: true},
		{Name: "kept", Code: "y", Trigger: "post-login", TriggerVersion: "v3", Runtime: "node22", Enabled: true, Deploy: true},
	}}
	c := &model.Current{
		Actions: []model.CurrentAction{
			{ID: "act_kept", Name: "kept", Code: "old", Runtime: "node22", Trigger: "post-login", TriggerVersion: "v3", Deployed: true, AllChangesDeployed: true},
			{ID: "act_old", Name: "old", Code: "z", Runtime: "node22", Trigger: "post-login", TriggerVersion: "v3", Deployed: true, AllChangesDeployed: true},
		},
		Bindings: map[string][]model.CurrentBinding{"post-login": {{ID: "b1", ActionID: "act_old", ActionName: "old"}}},
	}
	return plan.Build(d, c, plan.Options{AllowDelete: true})
}

func TestApplyActionsInOrderWithCreatedIDs(t *testing.T) {
	p := actionsPlan()
	rec := &recorder{}
	res := Apply(context.Background(), p, rec, Options{Concurrency: 1, Log: zerolog.Nop()})
	require.NoError(t, res.Err)
	require.Equal(t, []string{
		"create action new", "wait built act_new1", "deploy act_new1", "wait deployed act_new1 ver_act_new1",
		"update action act_kept", "wait built act_kept", "deploy act_kept", "wait deployed act_kept ver_act_kept",
		"bindings post-login act_kept,act_new1",
		"delete action act_old",
	}, rec.calls)
}

func TestApplyFailureStopsNewWritesAndDeletions(t *testing.T) {
	p := actionsPlan()
	rec := &recorder{failOn: map[string]error{"wait built act_new1": errors.New("build failed: SyntaxError")}}
	res := Apply(context.Background(), p, rec, Options{Concurrency: 4, Log: zerolog.Nop()})
	require.Error(t, res.Err)
	require.Equal(t, "create action new", res.FailedWrite.Desc)
	for _, c := range rec.calls {
		require.NotContains(t, c, "bindings", "no binding after a failed build")
		require.NotContains(t, c, "delete", "no deletion after a failure")
	}
	states := map[string]State{}
	for _, it := range p.Items {
		s, _, _ := res.ItemOutcome(it)
		states[string(it.Kind)+" "+it.Name] = s
	}
	require.Equal(t, Failed, states["action new"])
	require.Equal(t, NotStarted, states["action old"])
	require.Equal(t, NotStarted, states["trigger-bindings post-login"])
}

func TestApplyRespectsConcurrencyAndDependencies(t *testing.T) {
	// 10 independent rule updates and one delete: the delete is last.
	d := &model.Desired{RulesManaged: true}
	c := &model.Current{RulesAvailable: true}
	for i := 0; i < 10; i++ {
		name := fmt.Sprintf("r%d", i)
		d.Rules = append(d.Rules, model.Rule{Name: name, Script: "new", Enabled: true})
		c.Rules = append(c.Rules, model.CurrentRule{ID: "rul_" + name, Name: name, Script: "old", Order: i + 1, Enabled: true, Stage: "login_success"})
	}
	c.Rules = append(c.Rules, model.CurrentRule{ID: "rul_gone", Name: "gone", Order: 50, Enabled: true, Stage: "login_success"})
	p := plan.Build(d, c, plan.Options{AllowDelete: true})
	rec := &recorder{}
	res := Apply(context.Background(), p, rec, Options{Concurrency: 3, Log: zerolog.Nop()})
	require.NoError(t, res.Err)
	require.Len(t, rec.calls, 11)
	require.Equal(t, "delete rule rul_gone", rec.calls[10])
	first := append([]string(nil), rec.calls[:10]...)
	sort.Strings(first)
	require.Equal(t, "update rule rul_r0", first[0])
}

func TestBackupWritesRepositoryLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	d := &model.Desired{RulesManaged: true, DatabasesManaged: true, ActionsManaged: true,
		Databases: []model.Database{{Name: "db"}},
		Pages:     []model.Page{{Name: "login"}, {Name: "error_page"}}}
	c := &model.Current{RulesAvailable: true,
		Rules:        []model.CurrentRule{{ID: "1", Name: "a", Script: "function(){}", Order: 3, Enabled: false, Stage: "login_success"}, {ID: "2", Name: "manual", Script: "m", Order: 1, Stage: "login_success"}},
		Connections:  []model.Connection{{ID: "c", Name: "db", Strategy: "auth0", Options: map[string]any{"customScripts": map[string]any{"login": "function login(){}"}}}},
		GlobalClient: &model.GlobalClient{ClientID: "g", CustomLoginPage: "<html/>", CustomLoginPageOn: true},
		TenantPages:  model.TenantPages{ErrorPage: model.ErrorPageSetting{URL: "https://x", ShowLogLink: true}},
		Actions:      []model.CurrentAction{{ID: "x", Name: "act", Code: "code", Trigger: "post-login", Runtime: "node22", SecretNames: []string{"K"}}},
		Bindings:     map[string][]model.CurrentBinding{"post-login": {{ActionName: "other"}, {ActionName: "act"}}},
	}
	files, err := Backup(dir, d, c, &plan.Plan{}, []string{"manual"}, nil, nil)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"rules/a.js", "rules/a.json", "database-connections/db/login.js", "pages/login.html", "pages/login.json",
		"pages/error_page.html", "pages/error_page.json", "actions/act.js", "actions/act.json", "BACKUP.md"}, files)
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(dir, p))
		require.NoError(t, err)
		return string(b)
	}
	require.JSONEq(t, `{"enabled":false,"order":3,"stage":"login_success"}`, read("rules/a.json"))
	require.Equal(t, "code", read("actions/act.js"))
	require.JSONEq(t, `{"trigger":"post-login","runtime":"node22","secrets":["K"],"enabled":true,"order":20}`, read("actions/act.json"))
	require.JSONEq(t, `{"enabled":false,"url":"https://x","show_log_link":true}`, read("pages/error_page.json"))
}

// Action deployments start before the other writes: their builds and
// deployments take seconds, and overlap the rule writes instead of trailing
// after them.
func TestApplyStartsActionDeploymentsFirst(t *testing.T) {
	d := &model.Desired{RulesManaged: true, ActionsManaged: true,
		Rules: []model.Rule{{Name: "r", Script: "new", Enabled: true}},
		Actions: []model.Action{
			{Name: "new", Code: "x", Trigger: "post-login", TriggerVersion: "v3", Runtime: "node22", Enabled: true, Deploy: true},
		}}
	c := &model.Current{RulesAvailable: true,
		Rules: []model.CurrentRule{{ID: "rul_r", Name: "r", Script: "old", Order: 1, Enabled: true, Stage: "login_success"}}}
	p := plan.Build(d, c, plan.Options{AllowDelete: true})
	rec := &recorder{}
	res := Apply(context.Background(), p, rec, Options{Concurrency: 1, Log: zerolog.Nop()})
	require.NoError(t, res.Err)
	require.Equal(t, []string{
		"create action new", "wait built act_new1", "deploy act_new1", "wait deployed act_new1 ver_act_new1",
		"update rule rul_r",
		"bindings post-login act_new1",
	}, rec.calls)
}
