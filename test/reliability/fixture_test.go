package reliability

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
)

// The fault suite's repositories. before is what the tenant holds when a
// scenario starts (deployed by the pipe itself); target is the repository
// the scenario deploys. Going from one to the other takes every kind of
// write: rule create, update, re-order and delete; a rules config; a
// database connection's scripts; the login and password-reset pages; action
// create, update (build, deploy) and delete; post-login bindings.
const dbName = auth0sim.DefaultDatabaseName

func ruleJS(body string) string {
	return "function (user, context, callback) {\n  // " + body + "\n  callback(null, user, context);\n}\n"
}

func actionJS(body string) string {
	return "exports.onExecutePostLogin = async (event, api) => {\n  // " + body + "\n};\n"
}

var beforeRepo = map[string]string{
	"rules/alpha.js":             ruleJS("alpha v1"),
	"rules/alpha.json":           `{"order": 1}`,
	"rules/beta.js":              ruleJS("beta"),
	"rules/beta.json":            `{"order": 2}`,
	"rules/stale.js":             ruleJS("stale: not in the target repository"),
	"rules/stale.json":           `{"order": 3}`,
	"rules-configs/API_URL.json": `{"value": "https://api.example.com/v1"}`,
	"database-connections/" + dbName + "/login.js": "function login(email, password, callback) {\n  // v1\n  callback(null);\n}\n",
	"pages/login.html":          "<html><body>login v1</body></html>\n",
	"pages/password_reset.html": "<html><body>reset v1</body></html>\n",
	"actions/add-claim.js":      actionJS("add-claim v1"),
	"actions/add-claim.json":    `{"trigger": "post-login", "runtime": "node22", "order": 10, "enabled": true, "secrets": ["API_TOKEN"]}`,
	"actions/old-action.js":     actionJS("old-action: not in the target repository"),
	"actions/old-action.json":   `{"trigger": "post-login", "runtime": "node22", "order": 20, "enabled": true}`,
}

var targetRepo = map[string]string{
	"rules/alpha.js":             ruleJS("alpha v2"),
	"rules/alpha.json":           `{"order": 2}`,
	"rules/beta.js":              ruleJS("beta"),
	"rules/beta.json":            `{"order": 1}`,
	"rules/delta.js":             ruleJS("delta: new"),
	"rules/delta.json":           `{"order": 3, "enabled": false}`,
	"rules-configs/API_URL.json": `{"value": "https://api.example.com/v2"}`,
	"database-connections/" + dbName + "/login.js":    "function login(email, password, callback) {\n  // v2\n  callback(null);\n}\n",
	"database-connections/" + dbName + "/get_user.js": "function getByEmail(email, callback) {\n  // v2\n  callback(null);\n}\n",
	"pages/login.html":          "<html><body>login v2</body></html>\n",
	"pages/password_reset.html": "<html><body>reset v2</body></html>\n",
	"actions/add-claim.js":      actionJS("add-claim v2"),
	"actions/add-claim.json":    `{"trigger": "post-login", "runtime": "node22", "order": 20, "enabled": true, "secrets": ["API_TOKEN"]}`,
	"actions/tag-user.js":       actionJS("tag-user: new"),
	"actions/tag-user.json":     `{"trigger": "post-login", "runtime": "node22", "order": 10, "enabled": true}`,
}

// mappings give the action secret its value (the pipe's documented way).
const mappings = `{"API_TOKEN": "api-token-value-1"}`

// workspace writes files into a new folder.
func workspace(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	harness.WriteFiles(t, dir, files)
	return dir
}

// ruleView is a rule as the suite compares it.
type ruleView struct {
	Script  string
	Order   int
	Enabled bool
}

// actionView is an action as the suite compares it.
type actionView struct {
	Code     string
	Runtime  string            //
	Secrets  map[string]string // name → value
	Deployed bool              // the draft is built and deployed
}

// view is what the repositories manage, as the tenant holds it.
type view struct {
	Rules        map[string]ruleView
	RulesConfigs map[string]string
	Scripts      map[string]string // the database connection's customScripts
	LoginPage    string
	LoginOn      bool
	ResetPage    string
	Actions      map[string]actionView
	Bindings     []string // post-login, in order
}

func viewOf(st auth0sim.State) view {
	v := view{Rules: map[string]ruleView{}, RulesConfigs: map[string]string{}, Scripts: map[string]string{}, Actions: map[string]actionView{}}
	for _, r := range st.Rules {
		v.Rules[r.Name] = ruleView{Script: r.Script, Order: r.Order, Enabled: r.Enabled}
	}
	for _, rc := range st.RulesConfigs {
		v.RulesConfigs[rc.Key] = rc.Value
	}
	for _, c := range st.Connections {
		if c["name"] != dbName {
			continue
		}
		opts, _ := c["options"].(map[string]any)
		scripts, _ := opts["customScripts"].(map[string]any)
		for k, s := range scripts {
			v.Scripts[k] = fmt.Sprint(s)
		}
	}
	for _, c := range st.Clients {
		if g, _ := c["global"].(bool); g {
			v.LoginPage, _ = c["custom_login_page"].(string)
			v.LoginOn, _ = c["custom_login_page_on"].(bool)
		}
	}
	if cp, ok := st.TenantSettings["change_password"].(map[string]any); ok {
		v.ResetPage, _ = cp["html"].(string)
	}
	names := map[string]string{}
	for _, a := range st.Actions {
		code := a.Code
		secrets := map[string]string{}
		for _, s := range a.Secrets {
			secrets[s.Name] = s.Value
		}
		v.Actions[a.Name] = actionView{Code: code, Runtime: a.Runtime, Secrets: secrets, Deployed: a.AllChangesDeployed && a.DeployedVersionID != ""}
		names[a.ID] = a.Name
	}
	for _, b := range st.Bindings["post-login"] {
		v.Bindings = append(v.Bindings, names[b.ActionID])
	}
	return v
}

// seed is the tenant after deploying beforeRepo, and the view after then
// deploying targetRepo: computed once, by the pipe, without faults.
type seedData struct {
	before      auth0sim.State
	target      view
	targetState auth0sim.State
	err         string
}

var (
	seedOnce sync.Once
	seed     seedData
)

func seedState(t *testing.T) (auth0sim.State, view) {
	t.Helper()
	seedOnce.Do(func() {
		s := newStack(t, stackOptions{})
		res := s.run(workspace(t, beforeRepo), map[string]string{"AUTH0_KEYWORD_REPLACE_MAPPINGS": mappings})
		if res.Code != 0 {
			seed.err = fmt.Sprintf("deploying the before repository exited %d:\n%s", res.Code, res.Stdout)
			return
		}
		seed.before = s.sim.Snapshot()
		res = s.run(workspace(t, targetRepo), map[string]string{"AUTH0_KEYWORD_REPLACE_MAPPINGS": mappings})
		if res.Code != 0 {
			seed.err = fmt.Sprintf("deploying the target repository exited %d:\n%s", res.Code, res.Stdout)
			return
		}
		seed.targetState = s.sim.Snapshot()
		seed.target = viewOf(seed.targetState)
	})
	if seed.err != "" {
		t.Fatal(seed.err)
	}
	st, err := cloneState(seed.before)
	if err != nil {
		t.Fatal(err)
	}
	return st, seed.target
}

func cloneState(st auth0sim.State) (auth0sim.State, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return auth0sim.State{}, err
	}
	return auth0sim.ParseState(data)
}

// deployedState is the tenant after deploying targetRepo over the seed.
func deployedState(t *testing.T) auth0sim.State {
	t.Helper()
	seedState(t)
	st, err := cloneState(seed.targetState)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// diffViews lists how got differs from want, one line per item.
func diffViews(got, want view) []string {
	var out []string
	cmpMap := func(kind string, g, w any) {
		gv, wv := reflect.ValueOf(g), reflect.ValueOf(w)
		keys := map[string]bool{}
		for _, k := range gv.MapKeys() {
			keys[k.String()] = true
		}
		for _, k := range wv.MapKeys() {
			keys[k.String()] = true
		}
		var sorted []string
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			a := gv.MapIndex(reflect.ValueOf(k))
			b := wv.MapIndex(reflect.ValueOf(k))
			switch {
			case !a.IsValid():
				out = append(out, fmt.Sprintf("%s %s: missing", kind, k))
			case !b.IsValid():
				out = append(out, fmt.Sprintf("%s %s: unexpected", kind, k))
			case !reflect.DeepEqual(a.Interface(), b.Interface()):
				out = append(out, fmt.Sprintf("%s %s: got %+v, want %+v", kind, k, a.Interface(), b.Interface()))
			}
		}
	}
	cmpMap("rule", got.Rules, want.Rules)
	cmpMap("rules config", got.RulesConfigs, want.RulesConfigs)
	cmpMap("script", got.Scripts, want.Scripts)
	cmpMap("action", got.Actions, want.Actions)
	if got.LoginPage != want.LoginPage || got.LoginOn != want.LoginOn {
		out = append(out, fmt.Sprintf("login page: got %q (on=%v), want %q (on=%v)", got.LoginPage, got.LoginOn, want.LoginPage, want.LoginOn))
	}
	if got.ResetPage != want.ResetPage {
		out = append(out, fmt.Sprintf("password reset page: got %q, want %q", got.ResetPage, want.ResetPage))
	}
	if strings.Join(got.Bindings, ",") != strings.Join(want.Bindings, ",") {
		out = append(out, fmt.Sprintf("post-login bindings: got %v, want %v", got.Bindings, want.Bindings))
	}
	return out
}
