package plan

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, p *Plan) {
	t.Helper()
	var buf bytes.Buffer
	Render(&buf, p)
	path := filepath.Join("testdata", t.Name()+".golden")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file: run go test ./internal/plan -update")
	require.Equal(t, string(want), buf.String())
}

const script = "function (user, context, callback) { callback(null, user, context); }"

func rule(name string, order int) model.Rule {
	r := model.Rule{Name: name, Script: script, Enabled: true, Stage: "login_success",
		ScriptSource: model.Source{Path: "rules/" + name + ".js"}, MetaSource: model.Source{Path: "rules/" + name + ".json"}}
	if order > 0 {
		r.Order = &order
	}
	return r
}

func curRule(name string, order int) model.CurrentRule {
	return model.CurrentRule{ID: "rul_" + name, Name: name, Script: script, Order: order, Enabled: true, Stage: "login_success"}
}

func TestGoldenRules(t *testing.T) {
	cases := map[string]struct {
		d    []model.Rule
		c    []model.CurrentRule
		opts Options
	}{
		"swap": {
			d: []model.Rule{rule("a", 2), rule("b", 1)},
			c: []model.CurrentRule{curRule("a", 1), curRule("b", 2)},
		},
		"reverse_ten": {
			d: func() []model.Rule {
				var rs []model.Rule
				for i := 1; i <= 10; i++ {
					rs = append(rs, rule(string(rune('a'+i-1)), 11-i))
				}
				return rs
			}(),
			c: func() []model.CurrentRule {
				var rs []model.CurrentRule
				for i := 1; i <= 10; i++ {
					rs = append(rs, curRule(string(rune('a'+i-1)), i))
				}
				return rs
			}(),
		},
		"three_cycle": {
			d: []model.Rule{rule("a", 20), rule("b", 30), rule("c", 10)},
			c: []model.CurrentRule{curRule("a", 10), curRule("b", 20), curRule("c", 30)},
		},
		"shift_down_into_free_order": {
			d: []model.Rule{rule("a", 10), rule("b", 20), rule("c", 30)},
			c: []model.CurrentRule{curRule("a", 20), curRule("b", 30), curRule("c", 40)},
		},
		"takes_order_of_deleted_rule": {
			d:    []model.Rule{rule("new-rule", 10), rule("b", 20)},
			c:    []model.CurrentRule{curRule("old-rule", 10), curRule("b", 20)},
			opts: Options{AllowDelete: true},
		},
		"unmanaged_rule_holds_wanted_order": {
			d:    []model.Rule{rule("a", 10), rule("no-order", 0)},
			c:    []model.CurrentRule{curRule("a", 1), curRule("leftover", 10), curRule("no-order", 3)},
			opts: Options{AllowDelete: false},
		},
		"managed_rule_without_order_holds_wanted_order": {
			d: []model.Rule{rule("a", 3), rule("no-order", 0)},
			c: []model.CurrentRule{curRule("a", 1), curRule("no-order", 3)},
		},
		"manual_rules": {
			d: func() []model.Rule {
				meta := model.Rule{Name: "auth0-authorization-extension", MetadataOnly: true, Enabled: false, EnabledSet: true, Order: func() *int { o := 1; return &o }(), Stage: "login_success",
					MetaSource: model.Source{Path: "rules/auth0-authorization-extension.json"}}
				return []model.Rule{meta, rule("manual-with-script", 5), rule("a", 2)}
			}(),
			c:    []model.CurrentRule{curRule("auth0-authorization-extension", 2), curRule("manual-with-script", 5), curRule("a", 1), curRule("other-manual", 7)},
			opts: Options{AllowDelete: true, ManualRules: []string{"auth0-authorization-extension", "manual-with-script", "other-manual"}},
		},
		"creates_updates_deletes": {
			d: func() []model.Rule {
				changed := rule("changed", 2)
				changed.Script = "function (user, context, callback) { callback(null, user, context); } // v2"
				disabled := rule("disabled", 3)
				disabled.Enabled = false
				return []model.Rule{rule("new-ordered", 4), rule("new-appended", 0), changed, disabled, rule("same", 1)}
			}(),
			c:    []model.CurrentRule{curRule("same", 1), curRule("changed", 2), curRule("disabled", 3), curRule("gone", 9)},
			opts: Options{AllowDelete: true},
		},
		"allow_delete_false": {
			d:    []model.Rule{rule("a", 1)},
			c:    []model.CurrentRule{curRule("a", 1), curRule("gone", 2)},
			opts: Options{AllowDelete: false},
		},
		"stage_change_and_other_stage": {
			d: []model.Rule{rule("pre", 1)},
			c: []model.CurrentRule{{ID: "rul_pre", Name: "pre", Script: script, Order: 1, Enabled: true, Stage: "pre_authorize"}, {ID: "rul_x", Name: "x", Order: 2, Stage: "login_failure"}},
		},
		"at_the_order_cap": {
			// A rule at 2147483647: the temporary move, the rule making way
			// and the create Auth0 could not append take the lowest free
			// orders (1–4 are held or wanted).
			d: []model.Rule{rule("top", 2147483647), rule("a", 2), rule("b", 1), rule("c", 3), rule("no-order", 0), rule("new-appended", 0)},
			c: []model.CurrentRule{curRule("top", 2147483647), curRule("a", 1), curRule("b", 2), curRule("no-order", 3), curRule("c", 4)},
		},
		"manual_rule_holds_wanted_order": {
			d:    []model.Rule{rule("a", 2)},
			c:    []model.CurrentRule{curRule("a", 1), curRule("authz", 2)},
			opts: Options{ManualRules: []string{"authz"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := &model.Desired{RulesManaged: true, Rules: tc.d}
			c := &model.Current{RulesAvailable: true, Rules: tc.c}
			if tc.opts.ManualRules == nil && !tc.opts.AllowDelete && name != "allow_delete_false" && name != "unmanaged_rule_holds_wanted_order" {
				tc.opts.AllowDelete = true
			}
			golden(t, Build(d, c, tc.opts))
		})
	}
}

func TestGoldenRulesEndOfLife(t *testing.T) {
	d := &model.Desired{RulesManaged: true, Rules: []model.Rule{rule("a", 1)},
		RulesConfigsManaged: true, RulesConfigs: []model.RuleConfig{{Key: "API_KEY", Value: "v", Source: model.Source{Path: "rules-configs/API_KEY.json"}}}}
	c := &model.Current{RulesAvailable: false, RulesUnavailableReason: "403 Forbidden on GET /api/v2/rules"}
	golden(t, Build(d, c, Options{AllowDelete: true}))
}

// A 403 for the application's missing read:rules skips the rules the same
// way, but says so instead of blaming the end of life.
func TestGoldenRulesScopeMissing(t *testing.T) {
	d := &model.Desired{RulesManaged: true, Rules: []model.Rule{rule("a", 1)},
		RulesConfigsManaged: true, RulesConfigs: []model.RuleConfig{{Key: "API_KEY", Value: "v", Source: model.Source{Path: "rules-configs/API_KEY.json"}}}}
	c := &model.Current{RulesAvailable: false, RulesScopeMissing: true,
		RulesUnavailableReason: "the application lacks the scope read:rules (the tenant answered 403 Forbidden: Insufficient scope, expected any of: read:rules)"}
	golden(t, Build(d, c, Options{AllowDelete: true}))
}

func TestGoldenRulesNotManaged(t *testing.T) {
	d := &model.Desired{RulesManaged: false}
	c := &model.Current{RulesAvailable: true, Rules: []model.CurrentRule{curRule("a", 1)}}
	p := Build(d, c, Options{AllowDelete: true})
	require.Empty(t, p.Items)
	require.Empty(t, p.Writes)
}

func TestGoldenRulesConfigs(t *testing.T) {
	d := &model.Desired{RulesConfigsManaged: true, RulesConfigs: []model.RuleConfig{
		{Key: "API_KEY", Value: "s3cr3t-value", Source: model.Source{Path: "rules-configs/API_KEY.json"}},
		{Key: "NEW_KEY", Value: "another-secret", Source: model.Source{Path: "rules-configs/NEW_KEY.json"}},
	}}
	c := &model.Current{RulesAvailable: true, RuleConfigKeys: []string{"API_KEY", "OLD_KEY"}}
	p := Build(d, c, Options{AllowDelete: true})
	golden(t, p)
	var buf bytes.Buffer
	Render(&buf, p)
	require.NotContains(t, buf.String(), "s3cr3t-value")
	require.Equal(t, 2, p.Pending(), "a blind write of an existing key is not a pending change")
}

func dbConn(name, strategy string, importMode bool, scripts map[string]any) model.Connection {
	return model.Connection{ID: "con_" + name, Name: name, Strategy: strategy, Options: map[string]any{
		"customScripts": scripts, "enabledDatabaseCustomization": true, "import_mode": importMode,
		"configuration": map[string]any{"API_KEY": "2.0$encrypted"}, "passwordPolicy": "good", "mfa": map[string]any{"active": true},
	}}
}

func TestGoldenDatabases(t *testing.T) {
	s := func(path, code string) model.Script {
		return model.Script{Code: code, Source: model.Source{Path: path}}
	}
	d := &model.Desired{DatabasesManaged: true, Databases: []model.Database{
		{Name: "same-db", Source: model.Source{Path: "database-connections/same-db"}, Scripts: map[string]model.Script{"login": s("database-connections/same-db/login.js", "function login(){}")}},
		{Name: "changed-db", Source: model.Source{Path: "database-connections/changed-db"}, Scripts: map[string]model.Script{
			"login":    s("database-connections/changed-db/login.js", "function login(){ /* v2 */ }"),
			"get_user": s("database-connections/changed-db/get_user.js", "function getUser(){}"),
		}},
		{Name: "missing-db", Source: model.Source{Path: "database-connections/missing-db"}, Scripts: map[string]model.Script{"login": s("database-connections/missing-db/login.js", "x")}},
		{Name: "google-oauth2", Source: model.Source{Path: "database-connections/google-oauth2"}, Scripts: map[string]model.Script{"login": s("database-connections/google-oauth2/login.js", "x")}},
		{Name: "import-db", Source: model.Source{Path: "database-connections/import-db"}, Scripts: map[string]model.Script{
			"login":  s("database-connections/import-db/login.js", "x"),
			"create": s("database-connections/import-db/create.js", "x"),
		}},
	}}
	c := &model.Current{Connections: []model.Connection{
		dbConn("same-db", "auth0", false, map[string]any{"login": "function login(){}"}),
		dbConn("changed-db", "auth0", false, map[string]any{"login": "function login(){}", "delete": "function remove(){}"}),
		dbConn("google-oauth2", "google-oauth2", false, nil),
		dbConn("import-db", "auth0", true, nil),
	}}
	golden(t, Build(d, c, Options{AllowDelete: true}))

	// Without the invalid folders the update keeps every other option.
	d.Databases = d.Databases[:2]
	p := Build(d, c, Options{AllowDelete: true})
	require.Empty(t, p.Problems)
	require.Len(t, p.Writes, 1)
	opts := p.Writes[0].Options
	require.Equal(t, map[string]any{"API_KEY": "2.0$encrypted"}, opts["configuration"])
	require.Equal(t, "good", opts["passwordPolicy"])
	require.Equal(t, map[string]any{"login": "function login(){ /* v2 */ }", "get_user": "function getUser(){}"}, opts["customScripts"])
	require.Equal(t, true, opts["enabledDatabaseCustomization"])
	require.NotContains(t, opts, "enabled_clients")
	// the plan never aliases the state it read
	require.Equal(t, map[string]any{"login": "function login(){}", "delete": "function remove(){}"}, c.Connections[1].Options["customScripts"])
}

// auth0-deploy-cli's database.json may carry options.configuration. Auth0
// returns its values encrypted, so only its keys are compared: the same keys
// cost no write (a rerun converges), other keys rewrite the connection with
// the repository's values, and any write carries them.
func TestDatabaseConfigurationComparesKeys(t *testing.T) {
	db := func(config map[string]any, login string) *model.Desired {
		return &model.Desired{DatabasesManaged: true, Databases: []model.Database{{Name: "users", Source: model.Source{Path: "database-connections/users/database.json"},
			Options: map[string]any{"configuration": config},
			Scripts: map[string]model.Script{"login": {Code: login, Source: model.Source{Path: "database-connections/users/login.js"}}}}}}
	}
	c := &model.Current{Connections: []model.Connection{dbConn("users", "auth0", false, map[string]any{"login": "function login(){}"})}}
	c.Connections[0].Options["configuration"] = map[string]any{"DB_HOST": "2.0$encrypted-host"}
	c.Connections[0].Options["enabledDatabaseCustomization"] = true

	same := Build(db(map[string]any{"DB_HOST": "db.example.com"}, "function login(){}"), c, Options{AllowDelete: true})
	require.Empty(t, same.Problems)
	require.Empty(t, same.Writes, "same keys, encrypted values: nothing to compare, nothing to write")

	more := Build(db(map[string]any{"DB_HOST": "db.example.com", "DB_PORT": "5432"}, "function login(){}"), c, Options{AllowDelete: true})
	require.Len(t, more.Writes, 1)
	require.Equal(t, "option configuration keys changed", more.Items[0].Reason)
	require.Equal(t, map[string]any{"DB_HOST": "db.example.com", "DB_PORT": "5432"}, more.Writes[0].Options["configuration"])

	script := Build(db(map[string]any{"DB_HOST": "db.example.com"}, "function login(){ /* v2 */ }"), c, Options{AllowDelete: true})
	require.Len(t, script.Writes, 1)
	require.Equal(t, map[string]any{"DB_HOST": "db.example.com"}, script.Writes[0].Options["configuration"], "a write carries the repository's values")
}

func TestGoldenPages(t *testing.T) {
	d := &model.Desired{Pages: []model.Page{
		{Name: "login", HTML: "<html>login v2</html>", Enabled: true, HTMLSource: model.Source{Path: "pages/login.html"}},
		{Name: "password_reset", HTML: "<html>reset</html>", Enabled: true, HTMLSource: model.Source{Path: "pages/password_reset.html"}},
		{Name: "guardian_multifactor", HTML: "<html>mfa</html>", Enabled: false, HTMLSource: model.Source{Path: "pages/guardian_multifactor.html"}},
		{Name: "error_page", HTML: "<html>error</html>", Enabled: false, URL: "https://example.com/error", HTMLSource: model.Source{Path: "pages/error_page.html"}},
	}}
	c := &model.Current{
		GlobalClient: &model.GlobalClient{ClientID: "global123", CustomLoginPage: "<html>login</html>", CustomLoginPageOn: true},
		TenantPages: model.TenantPages{
			ChangePassword:  model.PageSetting{Enabled: true, HTML: "<html>reset</html>"},
			GuardianMFAPage: model.PageSetting{Enabled: true, HTML: "<html>mfa</html>"},
			ErrorPage:       model.ErrorPageSetting{HTML: "<html>error</html>", ShowLogLink: true},
		},
	}
	p := Build(d, c, Options{})
	golden(t, p)
	tw := p.Writes[len(p.Writes)-1]
	require.Nil(t, tw.TenantPages.ChangePassword, "unchanged pages are not sent")
	require.Equal(t, &model.ErrorPageSetting{HTML: "", URL: "https://example.com/error", ShowLogLink: true}, tw.TenantPages.ErrorPage)
}

func TestGoldenActions(t *testing.T) {
	act := func(name string, order int, code string) model.Action {
		a := model.Action{Name: name, Code: code, Trigger: "post-login", TriggerVersion: "v3", Runtime: "node22", Enabled: true, Deploy: true,
			CodeSource: model.Source{Path: "actions/" + name + ".js"}, MetaSource: model.Source{Path: "actions/" + name + ".json"}}
		if order > 0 {
			a.Order = &order
		}
		return a
	}
	cur := func(name, code string) model.CurrentAction {
		return model.CurrentAction{ID: "act_" + name, Name: name, Code: code, Runtime: "node22", Trigger: "post-login", TriggerVersion: "v3", Status: "built", AllChangesDeployed: true, Deployed: true}
	}
	withSecret := act("with-secret", 40, "exports.onExecutePostLogin = async () => {};")
	withSecret.Secrets = []model.ActionSecret{{Name: "API_KEY", Value: "canary-secret-value"}}
	d := &model.Desired{ActionsManaged: true, Actions: []model.Action{
		act("same", 10, "exports.onExecutePostLogin = async () => {};"),
		act("changed", 20, "exports.onExecutePostLogin = async () => { /* v2 */ };"),
		act("new-one", 30, "exports.onExecutePostLogin = async () => {};"),
		withSecret,
		act("manual-in-repo", 50, "x"),
	}}
	// The tenant's copy of with-secret differs only in its secret value,
	// which Auth0 never returns: REDEPLOY_ACTIONS forces it.
	curSecret := cur("with-secret", "exports.onExecutePostLogin = async () => {};")
	curSecret.SecretNames = []string{"API_KEY"}
	c := &model.Current{
		Actions: []model.CurrentAction{
			cur("same", "exports.onExecutePostLogin = async () => {};"),
			cur("changed", "exports.onExecutePostLogin = async () => {};"),
			curSecret,
			cur("retired", "x"),
			cur("manual-in-repo", "x"),
			{ID: "act_mkt", Name: "marketplace-thing", Trigger: "post-login", Integration: true, Deployed: true, AllChangesDeployed: true},
		},
		Bindings: map[string][]model.CurrentBinding{"post-login": {
			{ID: "b1", ActionID: "act_mkt", ActionName: "marketplace-thing", DisplayName: "Marketplace"},
			{ID: "b2", ActionID: "act_changed", ActionName: "changed", DisplayName: "changed"},
			{ID: "b3", ActionID: "act_same", ActionName: "same", DisplayName: "same"},
			{ID: "b4", ActionID: "act_retired", ActionName: "retired", DisplayName: "retired"},
		}},
	}
	p := Build(d, c, Options{AllowDelete: true, ManualActions: []string{"manual-in-repo"}, RedeployActions: []string{"with-secret", "same-as-nothing"}})
	golden(t, p)
	var buf bytes.Buffer
	Render(&buf, p)
	require.NotContains(t, buf.String(), "canary-secret-value")
	for _, w := range p.Writes {
		if w.Action != nil {
			for _, a := range d.Actions {
				if a.Name == w.Action.Name {
					require.Equal(t, a.Code, w.Action.Code, "the deployed code is the repository's file, byte for byte")
				}
			}
		}
	}

	// Without REDEPLOY_ACTIONS a changed secret value alone is invisible:
	// with-secret is unchanged and costs no write; "*" forces every action.
	for _, tc := range []struct {
		redeploy []string
		want     Op
	}{{nil, OpUnchanged}, {[]string{"*"}, OpUpdate}, {[]string{"other"}, OpUnchanged}} {
		d1 := &model.Desired{ActionsManaged: true, Actions: []model.Action{withSecret}}
		c1 := &model.Current{Actions: []model.CurrentAction{curSecret},
			Bindings: map[string][]model.CurrentBinding{"post-login": {{ID: "b5", ActionID: "act_with-secret", ActionName: "with-secret", DisplayName: "with-secret"}}}}
		p1 := Build(d1, c1, Options{AllowDelete: true, RedeployActions: tc.redeploy})
		require.Equal(t, model.KindAction, p1.Items[0].Kind)
		require.Equal(t, tc.want, p1.Items[0].Op, "REDEPLOY_ACTIONS=%v", tc.redeploy)
		if tc.want == OpUnchanged {
			require.Empty(t, p1.Writes)
		} else {
			require.Len(t, p1.Writes, 1)
			require.Equal(t, []model.ActionSecret{{Name: "API_KEY", Value: "canary-secret-value"}}, p1.Writes[0].Action.Secrets, "the update carries the secret values")
			require.True(t, p1.Writes[0].Deploy)
		}
	}

	// Unchanged actions: zero writes.
	d2 := &model.Desired{ActionsManaged: true, Actions: []model.Action{act("same", 10, "exports.onExecutePostLogin = async () => {};")}}
	c2 := &model.Current{Actions: []model.CurrentAction{cur("same", "exports.onExecutePostLogin = async () => {};")},
		Bindings: map[string][]model.CurrentBinding{"post-login": {{ID: "b3", ActionID: "act_same", ActionName: "same", DisplayName: "same"}}}}
	p2 := Build(d2, c2, Options{AllowDelete: true})
	require.Empty(t, p2.Writes)
}

func TestGoldenRuleMigratedToAction(t *testing.T) {
	r := rule("add-country-claim", 10)
	r.Enabled = false
	d := &model.Desired{RulesManaged: true, Rules: []model.Rule{r}, ActionsManaged: true, Actions: []model.Action{{
		Name: "add-country-claim", Code: "exports.onExecutePostLogin = async () => {};", Trigger: "post-login", TriggerVersion: "v3",
		Runtime: "node22", Enabled: true, Deploy: true, Order: func() *int { o := 10; return &o }(),
		CodeSource: model.Source{Path: "actions/add-country-claim.js"}}}}
	c := &model.Current{RulesAvailable: true, Rules: []model.CurrentRule{curRule("add-country-claim", 10)}, Bindings: map[string][]model.CurrentBinding{}}
	p := Build(d, c, Options{AllowDelete: true})
	golden(t, p)
	require.Equal(t, WriteRuleUpdate, p.Writes[0].Kind)
	require.Equal(t, []int{2, 3}, p.Writes[0].After, "the rule is disabled after its action is deployed and bound")
}

// A manual rule whose metadata-only .json does not set an order keeps it:
// a repository rule wanting that order is an error, never a reason to move
// the manual rule (found by an adversarial review).
func TestManualRuleMetadataWithoutOrderIsNeverMoved(t *testing.T) {
	man := model.Rule{Name: "man", Enabled: true, EnabledSet: true, MetadataOnly: true, Stage: "login_success",
		MetaSource: model.Source{Path: "rules/man.json"}}
	d := &model.Desired{RulesManaged: true, Rules: []model.Rule{man, rule("a", 3)}}
	c := &model.Current{RulesAvailable: true, Rules: []model.CurrentRule{curRule("man", 3)}}
	p := Build(d, c, Options{AllowDelete: true, ManualRules: []string{"man"}})
	require.Empty(t, p.Writes)
	require.Len(t, p.Problems, 1)
	require.Contains(t, p.Problems[0].Message, `order 3 is held by manual rule "man"`)
}
