package auth0sim

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// These tests drive the simulator with go-auth0's own management client,
// authenticated with client credentials, through create/list/update/delete of
// every resource the pipe touches, and check that its paging loops end.

func statusOf(err error) int {
	var me management.Error
	if err == nil {
		return 0
	}
	if e, ok := err.(management.Error); ok {
		me = e
		return me.Status()
	}
	return -1
}

func TestGoAuth0Rules(t *testing.T) {
	sim := New(Options{})
	m := newManagement(t, sim.Start(t))
	ctx := context.Background()

	a := &management.Rule{Name: auth0.String("rule-a"), Script: auth0.String("function (u, c, cb) { cb(null, u, c); }")}
	require.NoError(t, m.Rule.Create(ctx, a))
	assert.Equal(t, 1, a.GetOrder(), "order defaults to max+1")
	assert.True(t, a.GetEnabled(), "enabled defaults to true")
	b := &management.Rule{Name: auth0.String("rule-b"), Script: auth0.String("function (u, c, cb) { cb(null, u, c); }"), Order: auth0.Int(5), Enabled: auth0.Bool(false)}
	require.NoError(t, m.Rule.Create(ctx, b))

	// Same order in the same stage: 409, whether by create or update.
	err := m.Rule.Update(ctx, b.GetID(), &management.Rule{Order: auth0.Int(1)})
	require.Error(t, err)
	assert.Equal(t, 409, statusOf(err))
	assert.Contains(t, err.Error(), "A rule with the same order already exists")
	err = m.Rule.Create(ctx, &management.Rule{Name: auth0.String("rule-c"), Script: auth0.String("x"), Order: auth0.Int(5)})
	assert.Equal(t, 409, statusOf(err))

	// A name outside the pattern: 400.
	err = m.Rule.Create(ctx, &management.Rule{Name: auth0.String("bad_name!"), Script: auth0.String("x")})
	assert.Equal(t, 400, statusOf(err))
	err = m.Rule.Create(ctx, &management.Rule{Name: auth0.String("-lead"), Script: auth0.String("x")})
	assert.Equal(t, 400, statusOf(err))

	// Swap via a free temporary order works.
	require.NoError(t, m.Rule.Update(ctx, a.GetID(), &management.Rule{Order: auth0.Int(100)}))
	require.NoError(t, m.Rule.Update(ctx, b.GetID(), &management.Rule{Order: auth0.Int(1)}))
	require.NoError(t, m.Rule.Update(ctx, a.GetID(), &management.Rule{Order: auth0.Int(5), Script: auth0.String("function (u, c, cb) { cb(null, u, c); } // v2")}))
	got, err := m.Rule.Read(ctx, a.GetID())
	require.NoError(t, err)
	assert.Equal(t, 5, got.GetOrder())
	assert.Contains(t, got.GetScript(), "// v2")

	// Paging: 120 rules in pages of 50 → 3 pages, loop ends.
	for i := 0; i < 118; i++ {
		require.NoError(t, m.Rule.Create(ctx, &management.Rule{Name: auth0.String(fmt.Sprintf("r%03d", i)), Script: auth0.String("x"), Order: auth0.Int(200 + i)}))
	}
	var all []*management.Rule
	pages := 0
	for page := 0; ; page++ {
		l, err := m.Rule.List(ctx, management.Page(page))
		require.NoError(t, err)
		pages++
		all = append(all, l.Rules...)
		if !l.HasNext() {
			break
		}
		require.Less(t, pages, 10, "paging loop does not end")
	}
	assert.Equal(t, 3, pages)
	assert.Len(t, all, 120)

	// Delete answers 204 even when the rule is gone.
	require.NoError(t, m.Rule.Delete(ctx, a.GetID()))
	require.NoError(t, m.Rule.Delete(ctx, a.GetID()))
	_, err = m.Rule.Read(ctx, a.GetID())
	assert.Equal(t, 404, statusOf(err))
	assert.Len(t, sim.Snapshot().Rules, 119)
}

func TestGoAuth0RulesConfigs(t *testing.T) {
	sim := New(Options{})
	m := newManagement(t, sim.Start(t))
	ctx := context.Background()
	require.NoError(t, m.RuleConfig.Upsert(ctx, "API_KEY", &management.RuleConfig{Value: auth0.String("s3cret")}))
	require.NoError(t, m.RuleConfig.Upsert(ctx, "API_KEY", &management.RuleConfig{Value: auth0.String("s3cret-2")}))
	require.NoError(t, m.RuleConfig.Upsert(ctx, "OTHER", &management.RuleConfig{Value: auth0.String("x")}))
	list, err := m.RuleConfig.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "API_KEY", list[0].GetKey())
	assert.Nil(t, list[0].Value, "values are never listed")
	assert.Equal(t, []RulesConfig{{"API_KEY", "s3cret-2"}, {"OTHER", "x"}}, sim.Snapshot().RulesConfigs)
	require.NoError(t, m.RuleConfig.Delete(ctx, "OTHER"))
	require.NoError(t, m.RuleConfig.Delete(ctx, "OTHER"))
	err = m.RuleConfig.Upsert(ctx, "bad key", &management.RuleConfig{Value: auth0.String("x")})
	assert.Equal(t, 400, statusOf(err))
	assert.Equal(t, []RulesConfig{{"API_KEY", "s3cret-2"}}, sim.Snapshot().RulesConfigs)
}

func TestGoAuth0Connections(t *testing.T) {
	sim := New(Options{})
	m := newManagement(t, sim.Start(t))
	ctx := context.Background()

	db, err := m.Connection.ReadByName(ctx, DefaultDatabaseName)
	require.NoError(t, err)
	assert.Equal(t, "auth0", db.GetStrategy())

	c := &management.Connection{Name: auth0.String("my-db"), Strategy: auth0.String("auth0")}
	require.NoError(t, m.Connection.Create(ctx, c))
	opts := c.Options.(*management.ConnectionOptions)
	assert.NotNil(t, opts.MFA, "server defaults are filled in on create")

	// Give it a secret configuration value (the simulator's state holds it
	// in clear) and read it back encrypted.
	opts.Configuration = &map[string]string{"API_SECRET": "hunter2"}
	opts.CustomScripts = &map[string]string{"login": "function login(u, p, cb) { cb(); }"}
	opts.EnabledDatabaseCustomization = auth0.Bool(true)
	require.NoError(t, m.Connection.Update(ctx, c.GetID(), &management.Connection{Options: opts}))
	read, err := m.Connection.Read(ctx, c.GetID())
	require.NoError(t, err)
	ropts := read.Options.(*management.ConnectionOptions)
	enc := (*ropts.Configuration)["API_SECRET"]
	assert.Regexp(t, `^[A-Za-z0-9+/]{80,}=*$`, enc, "a base64 blob, like the real encrypted values")
	assert.NotContains(t, enc, "hunter2")

	// Echo the options back with one more script: the real value survives.
	(*ropts.CustomScripts)["get_user"] = "function getByEmail(e, cb) { cb(); }"
	require.NoError(t, m.Connection.Update(ctx, c.GetID(), &management.Connection{Options: ropts}))
	stored := findObject(sim.Snapshot().Connections, "id", c.GetID())
	assert.Equal(t, "hunter2", stored["options"].(Object)["configuration"].(Object)["API_SECRET"])
	assert.Len(t, stored["options"].(Object)["customScripts"].(Object), 2)

	// PATCH replaces options wholesale: sending only customScripts drops
	// mfa and configuration.
	require.NoError(t, m.Connection.Update(ctx, c.GetID(), &management.Connection{Options: &management.ConnectionOptions{CustomScripts: ropts.CustomScripts}}))
	stored = findObject(sim.Snapshot().Connections, "id", c.GetID())
	o := stored["options"].(Object)
	assert.NotContains(t, o, "mfa")
	assert.NotContains(t, o, "configuration")
	assert.Contains(t, o, "brute_force_protection", "server defaults come back")

	// name and strategy are create-only.
	err = m.Connection.Update(ctx, c.GetID(), &management.Connection{Name: auth0.String("renamed")})
	assert.Equal(t, 400, statusOf(err))
	assert.Contains(t, err.Error(), "Additional properties not allowed: name")

	// Enabled clients.
	require.NoError(t, m.Connection.UpdateEnabledClients(ctx, c.GetID(), []management.ConnectionEnabledClient{{ClientID: auth0.String(DefaultAppClientID), Status: auth0.Bool(true)}}))
	ec, err := m.Connection.ReadEnabledClients(ctx, c.GetID())
	require.NoError(t, err)
	require.Len(t, *ec.Clients, 1)
	assert.Equal(t, DefaultAppClientID, (*ec.Clients)[0].GetClientID())

	// Filters and both paging families.
	for i := 0; i < 5; i++ {
		require.NoError(t, m.Connection.Create(ctx, &management.Connection{Name: auth0.String(fmt.Sprintf("social-%d", i)), Strategy: auth0.String("github")}))
	}
	l, err := m.Connection.List(ctx, management.Parameter("strategy", "auth0"))
	require.NoError(t, err)
	assert.Len(t, l.Connections, 2)
	var names []string
	var requests int
	from := ""
	for {
		opts := []management.RequestOption{management.Take(3)}
		if from != "" {
			opts = append(opts, management.From(from))
		}
		l, err := m.Connection.List(ctx, opts...)
		require.NoError(t, err)
		requests++
		for _, c := range l.Connections {
			names = append(names, c.GetName())
		}
		if !l.HasNext() {
			break
		}
		from = l.Next
		require.Less(t, requests, 10)
	}
	assert.Equal(t, 3, requests)
	assert.Len(t, names, 7)
	var offsetNames int
	for page := 0; ; page++ {
		l, err := m.Connection.List(ctx, management.Page(page), management.PerPage(3))
		require.NoError(t, err)
		offsetNames += len(l.Connections)
		if !l.HasNext() {
			break
		}
		require.Less(t, page, 10)
	}
	assert.Equal(t, 7, offsetNames)

	// Delete: the connection goes; a repeat delete is fine.
	require.NoError(t, m.Connection.Delete(ctx, c.GetID()))
	require.NoError(t, m.Connection.Delete(ctx, c.GetID()))
	_, err = m.Connection.Read(ctx, c.GetID())
	assert.Equal(t, 404, statusOf(err))
}

func TestGoAuth0Clients(t *testing.T) {
	sim := New(Options{})
	m := newManagement(t, sim.Start(t))
	ctx := context.Background()

	// The global client is found with is_global=true.
	l, err := m.Client.List(ctx, management.Parameter("is_global", "true"), management.IncludeFields("client_id"))
	require.NoError(t, err)
	require.Len(t, l.Clients, 1)
	global := l.Clients[0].GetClientID()
	assert.Equal(t, DefaultGlobalClientID, global)

	require.NoError(t, m.Client.Update(ctx, global, &management.Client{CustomLoginPageOn: auth0.Bool(true), CustomLoginPage: auth0.String("<html>login</html>")}))
	g, err := m.Client.Read(ctx, global)
	require.NoError(t, err)
	assert.True(t, g.GetCustomLoginPageOn())
	assert.Equal(t, "<html>login</html>", g.GetCustomLoginPage())
	assert.Equal(t, "All Applications", g.GetName(), "other fields are left alone")

	c := &management.Client{Name: auth0.String("My App"), AppType: auth0.String("spa")}
	require.NoError(t, m.Client.Create(ctx, c))
	assert.NotEmpty(t, c.GetClientID())
	require.NoError(t, m.Client.Update(ctx, c.GetClientID(), &management.Client{Description: auth0.String("described")}))
	all, err := m.Client.List(ctx)
	require.NoError(t, err)
	assert.Len(t, all.Clients, 3)
	cp, err := m.Client.ListWithCheckpointPagination(ctx, management.Take(2))
	require.NoError(t, err)
	assert.Len(t, cp.Clients, 2)
	assert.True(t, cp.HasNext())
	require.NoError(t, m.Client.Delete(ctx, c.GetClientID()))
	_, err = m.Client.Read(ctx, c.GetClientID())
	assert.Equal(t, 404, statusOf(err))
	assert.Equal(t, 400, statusOf(m.Client.Delete(ctx, global)), "the global client cannot be deleted")
}

func TestGoAuth0TenantSettings(t *testing.T) {
	sim := New(Options{})
	m := newManagement(t, sim.Start(t))
	ctx := context.Background()

	require.NoError(t, m.Tenant.Update(ctx, &management.Tenant{
		ChangePassword:  &management.TenantChangePassword{Enabled: auth0.Bool(true), HTML: auth0.String("<p>reset</p>")},
		GuardianMFAPage: &management.TenantGuardianMFAPage{Enabled: auth0.Bool(true), HTML: auth0.String("<p>mfa</p>")},
	}))
	require.NoError(t, m.Tenant.Update(ctx, &management.Tenant{ErrorPage: &management.TenantErrorPage{HTML: auth0.String("<p>error</p>"), URL: auth0.String(""), ShowLogLink: auth0.Bool(false)}}))
	tn, err := m.Tenant.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "<p>reset</p>", tn.GetChangePassword().GetHTML(), "a PATCH of error_page leaves change_password alone")
	assert.Equal(t, "<p>mfa</p>", tn.GetGuardianMFAPage().GetHTML())
	assert.Equal(t, "<p>error</p>", tn.GetErrorPage().GetHTML())
	assert.Equal(t, "Sim Tenant", tn.GetFriendlyName())

	// Page objects merge key by key: turning a page off keeps its HTML.
	require.NoError(t, m.Tenant.Update(ctx, &management.Tenant{ChangePassword: &management.TenantChangePassword{Enabled: auth0.Bool(false)}}))
	assert.Equal(t, Object{"enabled": false, "html": "<p>reset</p>"}, sim.Snapshot().TenantSettings["change_password"])

	// error_page has no "enabled".
	req, err := m.NewRequest(ctx, "PATCH", m.URI("tenants", "settings"), map[string]any{"error_page": map[string]any{"enabled": true, "html": "x"}})
	require.NoError(t, err)
	resp, err := m.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode)

	// Unknown settings are refused too (a typo never passes silently).
	req, err = m.NewRequest(ctx, "PATCH", m.URI("tenants", "settings"), map[string]any{"change_pasword": map[string]any{"html": "x"}})
	require.NoError(t, err)
	resp, err = m.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode)
	assert.Equal(t, "<p>reset</p>", sim.Snapshot().TenantSettings["change_password"].(Object)["html"], "a refused PATCH changes nothing")
}

func TestGoAuth0ActionsLifecycle(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	sim := New(Options{Clock: clock, BuildDelay: 4 * time.Second, DeployDelay: time.Second, FailBuilds: map[string]string{"broken": "Cannot find module 'nope'"}})
	m := newManagement(t, sim.Start(t))
	ctx := context.Background()

	a := &management.Action{
		Name:              auth0.String("add-claims"),
		SupportedTriggers: []management.ActionTrigger{{ID: auth0.String("post-login"), Version: auth0.String("v3")}},
		Code:              auth0.String("exports.onExecutePostLogin = async (event, api) => {};"),
		Runtime:           auth0.String("node22"),
		Dependencies:      &[]management.ActionDependency{{Name: auth0.String("lodash"), Version: auth0.String("4.17.21")}},
		Secrets:           &[]management.ActionSecret{{Name: auth0.String("API_KEY"), Value: auth0.String("k1")}},
	}
	require.NoError(t, m.Action.Create(ctx, a))
	assert.Equal(t, "pending", a.GetStatus())
	fresh, err := m.Action.Read(ctx, a.GetID())
	require.NoError(t, err)
	require.Len(t, fresh.GetSecrets(), 1)
	assert.Nil(t, fresh.GetSecrets()[0].Value, "secret values are never returned")

	// Deploy before built → 400, and binding a never-deployed action → 4xx.
	_, err = m.Action.Deploy(ctx, a.GetID())
	require.Error(t, err)
	assert.Equal(t, 400, statusOf(err))
	assert.Contains(t, err.Error(), "A draft must be in the 'built' state before it can be deployed.")
	err = m.Action.UpdateBindings(ctx, "post-login", []*management.ActionBinding{{Ref: &management.ActionBindingReference{Type: auth0.String("action_id"), Value: a.ID}}})
	assert.Equal(t, 400, statusOf(err))

	clock.Advance(2 * time.Second)
	r, err := m.Action.Read(ctx, a.GetID())
	require.NoError(t, err)
	assert.Equal(t, "building", r.GetStatus())
	clock.Advance(2 * time.Second)
	r, err = m.Action.Read(ctx, a.GetID())
	require.NoError(t, err)
	assert.Equal(t, "built", r.GetStatus())

	v, err := m.Action.Deploy(ctx, a.GetID())
	require.NoError(t, err)
	assert.Equal(t, 1, v.Number)
	assert.False(t, v.Deployed, "the deploy reply says deployed:false")
	r, err = m.Action.Read(ctx, a.GetID())
	require.NoError(t, err)
	require.NotNil(t, r.DeployedVersion)
	assert.False(t, r.DeployedVersion.Deployed, "not live before DeployDelay")
	clock.Advance(time.Second)
	r, err = m.Action.Read(ctx, a.GetID())
	require.NoError(t, err)
	assert.True(t, r.DeployedVersion.Deployed)
	assert.True(t, r.AllChangesDeployed)

	// Update → pending again, not all changes deployed; a second deploy adds
	// a version.
	// (go-auth0 always sends name and supported_triggers, so send them.)
	require.NoError(t, m.Action.Update(ctx, a.GetID(), &management.Action{Name: a.Name, SupportedTriggers: a.SupportedTriggers, Code: auth0.String("exports.onExecutePostLogin = async () => { /* v2 */ };")}))
	r, err = m.Action.Read(ctx, a.GetID())
	require.NoError(t, err)
	assert.Equal(t, "pending", r.GetStatus())
	assert.False(t, r.AllChangesDeployed)
	clock.Advance(4 * time.Second)
	_, err = m.Action.Deploy(ctx, a.GetID())
	require.NoError(t, err)
	vl, err := m.Action.Versions(ctx, a.GetID())
	require.NoError(t, err)
	require.Len(t, vl.Versions, 2)
	assert.Equal(t, 2, vl.Versions[0].Number, "newest first")
	pages := 0
	for page := 0; ; page++ {
		l, err := m.Action.Versions(ctx, a.GetID(), management.Page(page))
		require.NoError(t, err)
		pages++
		if !l.HasNext() {
			break
		}
		require.Less(t, page, 5, "versions paging loop does not end")
	}
	assert.Equal(t, 2, pages, "HasNext is true while total>0; the empty page 1 has no total")
	assert.Equal(t, "k1", sim.Snapshot().Actions[0].Secrets[0].Value, "a PATCH without secrets keeps them")
	rolled, err := m.Action.DeployVersion(ctx, a.GetID(), vl.Versions[1].GetID())
	require.NoError(t, err)
	assert.Equal(t, 3, rolled.Number)

	// A build that fails.
	bad := &management.Action{Name: auth0.String("broken"), SupportedTriggers: []management.ActionTrigger{{ID: auth0.String("post-login"), Version: auth0.String("v3")}}, Code: auth0.String("require('nope')")}
	require.NoError(t, m.Action.Create(ctx, bad))
	clock.Advance(4 * time.Second)
	r, err = m.Action.Read(ctx, bad.GetID())
	require.NoError(t, err)
	assert.Equal(t, "failed", r.GetStatus())
	_, err = m.Action.Deploy(ctx, bad.GetID())
	assert.Equal(t, 400, statusOf(err))

	// Duplicate names are refused.
	err = m.Action.Create(ctx, &management.Action{Name: auth0.String("add-claims"), SupportedTriggers: a.SupportedTriggers})
	assert.Equal(t, 409, statusOf(err))

	// Delete: bound actions need force=true.
	require.NoError(t, m.Action.UpdateBindings(ctx, "post-login", []*management.ActionBinding{{Ref: &management.ActionBindingReference{Type: auth0.String("action_name"), Value: auth0.String("add-claims")}, DisplayName: auth0.String("claims")}}))
	assert.Equal(t, 409, statusOf(m.Action.Delete(ctx, a.GetID())))
	require.NoError(t, m.Action.Delete(ctx, a.GetID(), management.Parameter("force", "true")))
	assert.Empty(t, sim.Snapshot().Bindings["post-login"], "force removes the bindings")
	assert.Equal(t, 404, statusOf(m.Action.Delete(ctx, a.GetID())))
}

func TestGoAuth0ActionsPagingEnds(t *testing.T) {
	sim := New(Options{})
	m := newManagement(t, sim.Start(t))
	ctx := context.Background()
	var refs []*management.ActionBinding
	for i := 0; i < 60; i++ {
		a := &management.Action{Name: auth0.String(fmt.Sprintf("action-%02d", i)), SupportedTriggers: []management.ActionTrigger{{ID: auth0.String("post-login"), Version: auth0.String("v3")}}, Code: auth0.String("exports.onExecutePostLogin = async () => {};")}
		require.NoError(t, m.Action.Create(ctx, a))
		_, err := m.Action.Deploy(ctx, a.GetID())
		require.NoError(t, err)
		refs = append(refs, &management.ActionBinding{Ref: &management.ActionBindingReference{Type: auth0.String("action_id"), Value: a.ID}})
	}
	require.NoError(t, m.Action.UpdateBindings(ctx, "post-login", refs))

	sim.ResetRequests()
	var actions []*management.Action
	for page := 0; ; page++ {
		l, err := m.Action.List(ctx, management.Page(page), management.PerPage(50))
		require.NoError(t, err)
		actions = append(actions, l.Actions...)
		if !l.HasNext() {
			break
		}
		require.Less(t, page, 10, "actions paging loop does not end")
	}
	assert.Len(t, actions, 60)
	assert.Equal(t, []string{
		"GET /api/v2/actions/actions?page=0&per_page=50 200",
		"GET /api/v2/actions/actions?page=1&per_page=50 200",
		"GET /api/v2/actions/actions?page=2&per_page=50 200",
	}, Lines(sim.Requests()), "the empty third page has no total, which ends HasNext")

	var bindings []*management.ActionBinding
	for page := 0; ; page++ {
		l, err := m.Action.Bindings(ctx, "post-login", management.Page(page))
		require.NoError(t, err)
		bindings = append(bindings, l.Bindings...)
		if !l.HasNext() {
			break
		}
		require.Less(t, page, 10, "bindings paging loop does not end")
	}
	require.Len(t, bindings, 60)
	assert.Equal(t, "action-00", bindings[0].Action.GetName(), "bindings keep their order")
	assert.Equal(t, "action-59", bindings[59].Action.GetName())

	triggers, err := m.Action.Triggers(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, triggers.Triggers)

	// PATCH replaces the list and regenerates ids.
	first := bindings[0].GetID()
	require.NoError(t, m.Action.UpdateBindings(ctx, "post-login", []*management.ActionBinding{{Ref: &management.ActionBindingReference{Type: auth0.String("binding_id"), Value: auth0.String(first)}}}))
	bl, err := m.Action.Bindings(ctx, "post-login")
	require.NoError(t, err)
	require.Len(t, bl.Bindings, 1)
	assert.NotEqual(t, first, bl.Bindings[0].GetID())
	assert.Equal(t, "action-00", bl.Bindings[0].Action.GetName())

	// Unknown action → 404.
	err = m.Action.UpdateBindings(ctx, "post-login", []*management.ActionBinding{{Ref: &management.ActionBindingReference{Type: auth0.String("action_name"), Value: auth0.String("nope")}}})
	assert.Equal(t, 404, statusOf(err))
}

func TestGoAuth0UniversalLoginTemplate(t *testing.T) {
	sim := New(Options{})
	m := newManagement(t, sim.Start(t))
	ctx := context.Background()
	_, err := m.Branding.UniversalLogin(ctx)
	assert.Equal(t, 404, statusOf(err))
	tpl := "<!DOCTYPE html><html><head>{%- auth0:head -%}</head><body>{%- auth0:widget -%}</body></html>"
	require.NoError(t, m.Branding.SetUniversalLogin(ctx, &management.BrandingUniversalLogin{Body: auth0.String(tpl)}))
	ul, err := m.Branding.UniversalLogin(ctx)
	require.NoError(t, err)
	assert.Equal(t, tpl, ul.GetBody())
	err = m.Branding.SetUniversalLogin(ctx, &management.BrandingUniversalLogin{Body: auth0.String("<html>no tags</html>")})
	assert.Equal(t, 400, statusOf(err))
	require.NoError(t, m.Branding.DeleteUniversalLogin(ctx))
	_, err = m.Branding.UniversalLogin(ctx)
	assert.Equal(t, 404, statusOf(err))
}

func findObject(list []Object, key, value string) Object {
	for _, o := range list {
		if str(o[key]) == value {
			return o
		}
	}
	return nil
}

// TestGoAuth0OverTLS follows the recipe of docs/auth0sim.md for HTTPS.
func TestGoAuth0OverTLS(t *testing.T) {
	sim := New(Options{})
	base, client := sim.StartTLS(t)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
	m, err := management.New(base, management.WithClient(client),
		management.WithClientCredentials(ctx, DefaultClientID, DefaultClientSecret), management.WithNoRetries())
	require.NoError(t, err)
	l, err := m.Client.List(context.Background(), management.Parameter("is_global", "true"))
	require.NoError(t, err)
	require.Len(t, l.Clients, 1)
	assert.Equal(t, []string{"POST /oauth/token 200", "GET /api/v2/clients?include_totals=true&is_global=true&per_page=50 200"}, Lines(sim.Requests()))
}
