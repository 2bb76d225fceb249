package reliability

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
)

// scenario is one row of the fault-injection suite: a fault (or a hand
// edit of the tenant) at one kind of operation, while the pipe deploys
// targetRepo over the tenant that beforeRepo left.
//
// Every scenario asserts the same things (runScenario):
//   - the exit code, and the one-line error of a failed run;
//   - nothing the repository has and the tenant had before is missing
//     afterwards (and no deletion happened after a failure);
//   - the report's account of every item agrees with the tenant: applied
//     items are in the repository's state, not-applied ones in the
//     tenant's former state;
//   - every injected fault and hand edit actually fired;
//   - a rerun without faults exits 0 and leaves exactly the repository's
//     state.
type scenario struct {
	op    string // operation kind: read, create, update, delete, token, deploy, bindings
	fault string // what goes wrong, as the table shows it
	// faults to inject; hooks make hand edits when a request arrives.
	faults []auth0sim.Fault
	hooks  func(s *stack, before auth0sim.State) []hookSpec
	env    map[string]string
	// want is the exit code; wantError a part of the failed run's error.
	want      int
	wantError string
	// noWrites: the run must not have sent a single Management API write.
	noWrites bool
	// outcome is the table's description of what happens.
	outcome string
	// edited names items ("action add-claim") a hand edit changed after
	// the pipe wrote them: the report rightly says applied, the tenant
	// no longer shows it.
	edited []string
	// check makes scenario-specific assertions on the faulted run.
	check func(t *testing.T, s *stack, res harness.Result)
}

// hookSpec is a hand edit of the tenant made when the pipe's request
// (method, path pattern) arrives, before the stand-in serves it.
type hookSpec struct {
	method, pattern string
	edit            func(st *auth0sim.State)
}

func (sc scenario) name() string { return sc.op + "/" + sc.fault }

// Paths of the operations.
const (
	rulesPath     = "/api/v2/rules"
	rulePath      = "/api/v2/rules/*"
	configPath    = "/api/v2/rules-configs/*"
	connsPath     = "/api/v2/connections"
	connPath      = "/api/v2/connections/*"
	clientsPath   = "/api/v2/clients"
	clientPath    = "/api/v2/clients/*"
	settingsPath  = "/api/v2/tenants/settings"
	actionsPath   = "/api/v2/actions/actions"
	actionPath    = "/api/v2/actions/actions/*"
	deployPath    = "/api/v2/actions/actions/*/deploy"
	bindingsPath  = "/api/v2/actions/triggers/post-login/bindings"
	tokenPath     = "/oauth/token"
	slowTimeout   = "10s" // TIMEOUT for slow scenarios: 2 s attempts (TIMEOUT/5)
	slowDelay     = 3 * time.Second
	deadlineShort = "3s"
)

// storm is a burst of 429s with the stand-in's rate-limit headers (reset
// one second ahead), as Auth0 sends them.
func storm(method, path string, n int) auth0sim.Fault {
	return auth0sim.Fault{Method: method, PathPattern: path, Status: 429, Times: n}
}

func status(method, path string, code, n int) auth0sim.Fault {
	return auth0sim.Fault{Method: method, PathPattern: path, Status: code, Times: n}
}

func reset(method, path string, n int) auth0sim.Fault {
	return auth0sim.Fault{Method: method, PathPattern: path, Reset: true, Times: n}
}

// slow holds one request past the attempt timeout. A write held this way
// is then dropped (never applied), so that the retry is the only copy that
// lands; a read is answered late, after the pipe gave up on it.
func slow(method, path string) auth0sim.Fault {
	return auth0sim.Fault{Method: method, PathPattern: path, Delay: auth0sim.Duration(slowDelay), Reset: method != http.MethodGet, Times: 1}
}

// shortPage answers the first page of a listing with body: fewer items
// than its total.
func shortPage(path, body string) auth0sim.Fault {
	return auth0sim.Fault{Method: http.MethodGet, PathPattern: path, Status: 200, Body: body, Times: 1}
}

func ruleID(st auth0sim.State, name string) string {
	for _, r := range st.Rules {
		if r.Name == name {
			return r.ID
		}
	}
	panic("no rule " + name)
}

func actionID(st auth0sim.State, name string) string {
	for _, a := range st.Actions {
		if a.Name == name {
			return a.ID
		}
	}
	panic("no action " + name)
}

func removeRule(st *auth0sim.State, name string) {
	for i, r := range st.Rules {
		if r.Name == name {
			st.Rules = append(st.Rules[:i], st.Rules[i+1:]...)
			return
		}
	}
}

func removeAction(st *auth0sim.State, name string) {
	id := ""
	for i, a := range st.Actions {
		if a.Name == name {
			id = a.ID
			st.Actions = append(st.Actions[:i], st.Actions[i+1:]...)
			break
		}
	}
	for trig, bs := range st.Bindings {
		var keep []auth0sim.Binding
		for _, b := range bs {
			if b.ActionID != id {
				keep = append(keep, b)
			}
		}
		st.Bindings[trig] = keep
	}
}

const (
	outRetried  = "retried; exit 0; tenant = repository"
	outWaited   = "waited for the reset; exit 0; tenant = repository"
	outFailRead = "exit 1, nothing written; rerun converges"
	outFailSome = "exit 1; writes before the failure applied and reported, the rest reported not applied, no deletion; rerun converges"
)

func scenarios() []scenario {
	tokenBody := `{"error":"access_denied","error_description":"Unauthorized"}`
	return []scenario{
		// read
		{op: "read", fault: "429 storm (3)", faults: []auth0sim.Fault{storm("GET", rulesPath, 3)}, outcome: outWaited},
		{op: "read", fault: "500 (2)", faults: []auth0sim.Fault{status("GET", connsPath, 500, 2)}, outcome: outRetried},
		{op: "read", fault: "502 (2)", faults: []auth0sim.Fault{status("GET", actionsPath, 502, 2)}, outcome: outRetried},
		{op: "read", fault: "503 (persistent)", faults: []auth0sim.Fault{status("GET", settingsPath, 503, -1)},
			want: 1, wantError: "could not read the tenant, nothing was written", noWrites: true, outcome: outFailRead},
		{op: "read", fault: "connection reset (2)", faults: []auth0sim.Fault{reset("GET", clientsPath, 2)}, outcome: outRetried},
		{op: "read", fault: "slow answer past the attempt timeout", env: map[string]string{"TIMEOUT": slowTimeout},
			faults: []auth0sim.Fault{slow("GET", bindingsPath)}, outcome: "attempt abandoned after TIMEOUT/5, retried; exit 0"},
		{op: "read", fault: "slow answers until the deadline", env: map[string]string{"TIMEOUT": deadlineShort},
			faults: []auth0sim.Fault{{Method: "GET", PathPattern: rulesPath, Delay: auth0sim.Duration(slowDelay), Times: -1}},
			want:   1, wantError: "could not read the tenant, nothing was written", noWrites: true, outcome: outFailRead},
		{op: "read", fault: "short page of rules (total 3, 1 listed)",
			faults: []auth0sim.Fault{shortPage(rulesPath, "")}, // body filled in by runScenario
			want:   1, wantError: "incomplete listing of rules", noWrites: true,
			outcome: "exit 1, nothing written or deleted; rerun converges"},
		{op: "read", fault: "short page of database connections",
			faults: []auth0sim.Fault{shortPage(connsPath, `{"total":2,"start":0,"limit":100,"connections":[]}`)},
			want:   1, wantError: "incomplete listing", noWrites: true,
			outcome: "exit 1, nothing written; rerun converges"},
		{op: "read", fault: "short page of actions",
			faults: []auth0sim.Fault{shortPage(actionsPath, `{"actions":[],"total":2,"per_page":100}`)},
			want:   1, wantError: "incomplete listing", noWrites: true,
			outcome: "exit 1, nothing written or deleted; rerun converges"},
		{op: "read", fault: "short page of bindings",
			faults: []auth0sim.Fault{shortPage(bindingsPath, `{"bindings":[],"total":2,"per_page":100}`)},
			want:   1, wantError: "incomplete listing", noWrites: true,
			outcome: "exit 1, nothing written or unbound; rerun converges"},

		// token
		{op: "token", fault: "429 storm (3)", faults: []auth0sim.Fault{storm("POST", tokenPath, 3)}, outcome: outWaited},
		{op: "token", fault: "503 (2)", faults: []auth0sim.Fault{status("POST", tokenPath, 503, 2)}, outcome: outRetried},
		{op: "token", fault: "500 (persistent)", faults: []auth0sim.Fault{status("POST", tokenPath, 500, -1)},
			want: 1, wantError: "could not read the tenant, nothing was written", noWrites: true, outcome: outFailRead},
		{op: "token", fault: "connection reset (2)", faults: []auth0sim.Fault{reset("POST", tokenPath, 2)}, outcome: outRetried},
		{op: "token", fault: "slow answer past the attempt timeout", env: map[string]string{"TIMEOUT": slowTimeout},
			faults: []auth0sim.Fault{slow("POST", tokenPath)}, outcome: "attempt abandoned, retried; exit 0"},
		{op: "token", fault: "401 access_denied (credentials refused)",
			faults: []auth0sim.Fault{{Method: "POST", PathPattern: tokenPath, Status: 401, Body: tokenBody, Times: -1}},
			want:   2, wantError: "AUTH0_CLIENT_SECRET", noWrites: true,
			outcome: "exit 2 naming the Auth0 token request and AUTH0_CLIENT_ID/SECRET; one token request, nothing written",
			check: func(t *testing.T, s *stack, res harness.Result) {
				if n := countRequests(s, "POST", tokenPath); n != 1 {
					t.Errorf("%d token requests, want 1 (refused credentials are not asked again)", n)
				}
				if !strings.Contains(res.Report.Error, "token request") {
					t.Errorf("the error does not name the token request: %s", res.Report.Error)
				}
			}},

		// create
		{op: "create", fault: "429 storm (3)", faults: []auth0sim.Fault{storm("POST", rulesPath, 3)}, outcome: outWaited},
		{op: "create", fault: "500 (2)", faults: []auth0sim.Fault{status("POST", actionsPath, 500, 2)},
			outcome: "looked up (not created), sent again; exit 0, no duplicate",
			check: func(t *testing.T, s *stack, res harness.Result) {
				if n := countRequests(s, "POST", actionsPath); n != 3 {
					t.Errorf("%d POST %s, want 3 (two 500s, then created)", n, actionsPath)
				}
				if n := countRequests(s, "GET", actionsPath); n < 3 {
					t.Errorf("%d GET %s, want the listing and a look-up after each 500", n, actionsPath)
				}
			}},
		{op: "create", fault: "502 (persistent)", faults: []auth0sim.Fault{status("POST", rulesPath, 502, -1)},
			want: 1, wantError: `create rule "delta"`, outcome: outFailSome},
		{op: "create", fault: "connection reset (2)", faults: []auth0sim.Fault{reset("POST", rulesPath, 2)},
			outcome: "looked up (not created), sent again; exit 0, no duplicate"},
		{op: "create", fault: "slow answer past the attempt timeout", env: map[string]string{"TIMEOUT": slowTimeout},
			faults: []auth0sim.Fault{slow("POST", actionsPath)}, outcome: "abandoned, looked up, sent again; exit 0, no duplicate"},
		{op: "create", fault: "applied, answer lost (reset)",
			faults: []auth0sim.Fault{reset("POST", rulesPath, 1)},
			hooks: func(s *stack, before auth0sim.State) []hookSpec {
				return []hookSpec{{"POST", rulesPath, func(st *auth0sim.State) {
					st.Rules = append(st.Rules, auth0sim.Rule{ID: "rul_AppliedLostAnswer", Name: "delta", Script: ruleJS("delta: new"), Order: 3, Enabled: false, Stage: "login_success"})
				}}}
			},
			outcome: "found by the look-up, not sent again; exit 0, no duplicate",
			check: func(t *testing.T, s *stack, res harness.Result) {
				if n := countRequests(s, "POST", rulesPath); n != 1 {
					t.Errorf("%d POST %s, want 1 (the look-up found the rule)", n, rulesPath)
				}
			}},

		// update
		{op: "update", fault: "429 storm (3)", faults: []auth0sim.Fault{storm("PATCH", connPath, 3)}, outcome: outWaited},
		{op: "update", fault: "503 (2)", faults: []auth0sim.Fault{status("PATCH", rulePath, 503, 2)}, outcome: outRetried},
		{op: "update", fault: "500 (persistent)", faults: []auth0sim.Fault{status("PATCH", connPath, 500, -1)},
			want: 1, wantError: "update connection", outcome: outFailSome},
		{op: "update", fault: "connection reset (2)", faults: []auth0sim.Fault{reset("PUT", configPath, 2)}, outcome: outRetried},
		{op: "update", fault: "slow answer past the attempt timeout", env: map[string]string{"TIMEOUT": slowTimeout},
			faults: []auth0sim.Fault{slow("PATCH", settingsPath)}, outcome: "attempt abandoned, retried; exit 0"},
		{op: "update", fault: "429 storm past the deadline", env: map[string]string{"TIMEOUT": deadlineShort},
			faults: []auth0sim.Fault{storm("PATCH", clientPath, -1)},
			want:   1, wantError: "TIMEOUT=" + deadlineShort + " reached", outcome: "exit 1 at TIMEOUT with the 429 named; rerun converges"},

		// delete
		{op: "delete", fault: "429 storm (3)", faults: []auth0sim.Fault{storm("DELETE", actionPath, 3)}, outcome: outWaited},
		{op: "delete", fault: "502 (2)", faults: []auth0sim.Fault{status("DELETE", rulePath, 502, 2)}, outcome: outRetried},
		{op: "delete", fault: "503 (persistent)", faults: []auth0sim.Fault{status("DELETE", rulePath, 503, -1)},
			want: 1, wantError: "delete rule", outcome: "exit 1; every create and update applied, the failed deletion reported; rerun converges"},
		{op: "delete", fault: "connection reset (2)", faults: []auth0sim.Fault{reset("DELETE", actionPath, 2)}, outcome: outRetried},
		{op: "delete", fault: "slow answer past the attempt timeout", env: map[string]string{"TIMEOUT": slowTimeout},
			faults: []auth0sim.Fault{slow("DELETE", rulePath)}, outcome: "attempt abandoned, retried; exit 0"},

		// deploy
		{op: "deploy", fault: "429 storm (3)", faults: []auth0sim.Fault{storm("POST", deployPath, 3)}, outcome: outWaited},
		{op: "deploy", fault: "500 (2)", faults: []auth0sim.Fault{status("POST", deployPath, 500, 2)}, outcome: outRetried},
		{op: "deploy", fault: "502 (persistent)", faults: []auth0sim.Fault{status("POST", deployPath, 502, -1)},
			want: 1, wantError: "deploy action", outcome: "exit 1; no bindings changed and no deletion; rerun converges"},
		{op: "deploy", fault: "connection reset (2)", faults: []auth0sim.Fault{reset("POST", deployPath, 2)}, outcome: outRetried},
		{op: "deploy", fault: "slow answer past the attempt timeout", env: map[string]string{"TIMEOUT": slowTimeout},
			faults: []auth0sim.Fault{slow("POST", deployPath)}, outcome: "attempt abandoned, retried; exit 0"},

		// bindings
		{op: "bindings", fault: "429 storm (3)", faults: []auth0sim.Fault{storm("PATCH", bindingsPath, 3)}, outcome: outWaited},
		{op: "bindings", fault: "502 (2)", faults: []auth0sim.Fault{status("PATCH", bindingsPath, 502, 2)}, outcome: outRetried},
		{op: "bindings", fault: "503 (persistent)", faults: []auth0sim.Fault{status("PATCH", bindingsPath, 503, -1)},
			want: 1, wantError: "bindings", outcome: "exit 1; actions deployed, bindings and deletions not applied; rerun converges"},
		{op: "bindings", fault: "connection reset (2)", faults: []auth0sim.Fault{reset("PATCH", bindingsPath, 2)}, outcome: outRetried},
		{op: "bindings", fault: "slow answer past the attempt timeout", env: map[string]string{"TIMEOUT": slowTimeout},
			faults: []auth0sim.Fault{slow("PATCH", bindingsPath)}, outcome: "attempt abandoned, retried; exit 0"},

		// the tenant edited between the pipe's read and its write
		{op: "update", fault: "rule deleted by hand before its PATCH",
			hooks: func(s *stack, before auth0sim.State) []hookSpec {
				return []hookSpec{{"PATCH", "/api/v2/rules/" + ruleID(before, "alpha"), func(st *auth0sim.State) { removeRule(st, "alpha") }}}
			},
			want: 1, wantError: "404", outcome: "PATCH → 404: exit 1, the rule reported failed; rerun creates it"},
		{op: "create", fault: "rule created by hand in the wanted order",
			hooks: func(s *stack, before auth0sim.State) []hookSpec {
				return []hookSpec{{"POST", rulesPath, func(st *auth0sim.State) {
					st.Rules = append(st.Rules, auth0sim.Rule{ID: "rul_ByHand", Name: "by-hand", Script: ruleJS("made by hand"), Order: 3, Enabled: true, Stage: "login_success"})
				}}}
			},
			want: 1, wantError: "409", outcome: "POST → 409: exit 1, the rule reported failed; rerun deletes the stray rule and creates it"},
		{op: "delete", fault: "rule deleted by hand before its DELETE",
			hooks: func(s *stack, before auth0sim.State) []hookSpec {
				return []hookSpec{{"DELETE", "/api/v2/rules/" + ruleID(before, "stale"), func(st *auth0sim.State) { removeRule(st, "stale") }}}
			},
			outcome: "already gone counts as deleted; exit 0"},
		{op: "delete", fault: "action deleted by hand before its DELETE",
			hooks: func(s *stack, before auth0sim.State) []hookSpec {
				return []hookSpec{{"DELETE", "/api/v2/actions/actions/" + actionID(before, "old-action"), func(st *auth0sim.State) { removeAction(st, "old-action") }}}
			},
			outcome: "already gone counts as deleted; exit 0"},
		{op: "deploy", fault: "action deleted by hand before its update",
			hooks: func(s *stack, before auth0sim.State) []hookSpec {
				return []hookSpec{{"PATCH", "/api/v2/actions/actions/" + actionID(before, "add-claim"), func(st *auth0sim.State) { removeAction(st, "add-claim") }}}
			},
			want: 1, wantError: "404", outcome: "PATCH → 404: exit 1, no bindings changed; rerun creates and binds it"},
		{op: "bindings", fault: "bound action deleted by hand before the bindings PATCH",
			hooks: func(s *stack, before auth0sim.State) []hookSpec {
				return []hookSpec{{"PATCH", bindingsPath, func(st *auth0sim.State) { removeAction(st, "add-claim") }}}
			},
			want: 1, wantError: "bindings", outcome: "PATCH → 404 (unknown action): exit 1, no deletion; rerun creates and binds it",
			edited: []string{"action add-claim"}},
	}
}

// TestFaults runs every scenario, each against its own stand-in.
func TestFaults(t *testing.T) {
	t.Parallel()
	before, target := seedState(t)
	for _, sc := range scenarios() {
		t.Run(sc.name(), func(t *testing.T) {
			t.Parallel()
			runScenario(t, sc, before, target)
		})
	}
}

func runScenario(t *testing.T, sc scenario, seedBefore auth0sim.State, target view) {
	before, err := cloneState(seedBefore)
	if err != nil {
		t.Fatal(err)
	}
	s := newStack(t, stackOptions{state: &before})
	ws := workspace(t, targetRepo)

	// The state the pipe reads, for the report's account: the seed plus
	// the hand edits (which happen after the read but are not the pipe's).
	expectBefore, _ := cloneState(before)
	if sc.hooks != nil {
		for _, h := range sc.hooks(s, before) {
			edit := h.edit
			edit(&expectBefore)
			s.hooks.add(h.method, h.pattern, func(*http.Request) { s.sim.Update(edit) })
		}
	}
	var ids []int
	for _, f := range sc.faults {
		if f.Status == 200 && f.Body == "" {
			f.Body = shortRulesPage(before)
		}
		ids = append(ids, s.sim.InjectFault(f).ID)
	}

	// The backup is complete when the first write arrives.
	reportDir := t.TempDir()
	backupDir := filepath.Join(reportDir, "backup")
	var mu sync.Mutex
	var atFirstWrite []string
	wrote := false
	s.hooks.every(func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !wrote && r.Method != http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v2/") {
			wrote, atFirstWrite = true, listTreeNoT(backupDir)
		}
	})

	env := map[string]string{"AUTH0_KEYWORD_REPLACE_MAPPINGS": mappings, "REPORT_DIR": reportDir}
	for k, v := range sc.env {
		env[k] = v
	}
	res := s.run(ws, env)
	reqs := s.sim.Requests()
	after := s.sim.Snapshot()
	report := func() string {
		return fmt.Sprintf("exit %d\n%s\nrequests:\n%s", res.Code, indent(res.Stdout), indent(strings.Join(auth0sim.Lines(reqs), "\n")))
	}

	// Exit code, status, error line.
	if res.Code != sc.want {
		t.Fatalf("exit code %d, want %d\n%s", res.Code, sc.want, report())
	}
	if res.Report == nil {
		t.Fatalf("no report.json\n%s", report())
	}
	wantStatus := map[int]string{0: "succeeded", 1: "failed", 2: "invalid"}[sc.want]
	if string(res.Report.Status) != wantStatus {
		t.Errorf("report status %q, want %q", res.Report.Status, wantStatus)
	}
	if sc.want != 0 {
		if !strings.Contains(res.Report.Error, sc.wantError) {
			t.Errorf("report error %q does not contain %q", res.Report.Error, sc.wantError)
		}
		if !strings.Contains(res.Stdout, "✖") || !strings.Contains(res.Stdout, sc.wantError) {
			t.Errorf("stdout does not end with the failure naming %q\n%s", sc.wantError, report())
		}
		if strings.Count(res.Report.Error, "\n") > 0 {
			t.Errorf("the error is not one line: %q", res.Report.Error)
		}
	}

	// The faults and hand edits fired: the scenario is not vacuous.
	armed := map[int]auth0sim.Fault{}
	for _, f := range s.sim.Faults() {
		armed[f.ID] = f
	}
	for i, id := range ids {
		f, still := armed[id]
		switch {
		case sc.faults[i].Times > 0 && still:
			t.Errorf("fault %d (%s %s) fired %d of %d times", id, sc.faults[i].Method, sc.faults[i].PathPattern, f.Fired, sc.faults[i].Times)
		case sc.faults[i].Times < 0 && f.Fired == 0:
			t.Errorf("persistent fault %d (%s %s) never fired", id, sc.faults[i].Method, sc.faults[i].PathPattern)
		}
	}
	if un := s.hooks.unfired(); len(un) > 0 {
		t.Errorf("hand edits that never happened: %v", un)
	}

	// Writes.
	writes := auth0sim.APIWrites(reqs)
	if sc.noWrites && len(writes) > 0 {
		t.Errorf("the run wrote to the tenant:\n%s", strings.Join(auth0sim.Lines(writes), "\n"))
	}
	mu.Lock()
	wroteAny, backupAtFirstWrite := wrote, atFirstWrite
	mu.Unlock()
	if wroteAny {
		final := listTreeNoT(backupDir)
		if len(final) == 0 || strings.Join(backupAtFirstWrite, "\n") != strings.Join(final, "\n") {
			t.Errorf("the backup was not complete at the first write:\n%s\nafter the run:\n%s", strings.Join(backupAtFirstWrite, "\n"), strings.Join(final, "\n"))
		}
		if res.Report.BackupDir == "" {
			t.Errorf("the run wrote to the tenant but report.json names no backup")
		}
	}

	// The report's API usage accounts for the faults.
	for _, f := range sc.faults {
		switch {
		case f.Status == 429 && f.Times > 0 && res.Report.API.RateLimited < f.Times:
			t.Errorf("report api.rate_limited = %d after a storm of %d 429s", res.Report.API.RateLimited, f.Times)
		// (A reset of a GET or PUT on a reused connection may be retried by
		// Go's HTTP transport itself, below the pipe's count.)
		case (f.Status >= 500 || f.Delay > 0) && sc.hooks == nil && res.Report.API.Retries == 0:
			t.Errorf("report api.retries = 0 after %s %s faults", f.Method, f.PathPattern)
		}
	}

	// Nothing lost; the account agrees with the tenant.
	bv, av := viewOf(expectBefore), viewOf(after)
	for _, p := range lost(bv, av, target) {
		t.Errorf("lost: %s", p)
	}
	for _, p := range checkAccount(res.Report, bv, av, target, sc.edited) {
		t.Errorf("report vs tenant: %s", p)
	}
	if sc.want == 0 {
		if d := diffViews(av, target); len(d) > 0 {
			t.Errorf("exit 0 but the tenant differs from the repository:\n%s", strings.Join(d, "\n"))
		}
	}
	if sc.check != nil {
		sc.check(t, s, res)
	}
	if t.Failed() {
		t.Logf("faulted run:\n%s", report())
	}

	// A rerun without faults converges.
	s.sim.ClearFaults()
	s.hooks.clear()
	rerun := s.run(ws, map[string]string{"AUTH0_KEYWORD_REPLACE_MAPPINGS": mappings})
	if rerun.Code != 0 {
		t.Fatalf("rerun exited %d\n%s", rerun.Code, rerun.Stdout)
	}
	if d := diffViews(viewOf(s.sim.Snapshot()), target); len(d) > 0 {
		t.Errorf("the rerun did not converge:\n%s\n%s", strings.Join(d, "\n"), rerun.Stdout)
	}
}

// countRequests counts the requests of the last run by method and path
// (query left out).
func countRequests(s *stack, method, path string) int {
	n := 0
	for _, r := range s.sim.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// shortRulesPage is a first page of rules that lists one rule of three.
func shortRulesPage(st auth0sim.State) string {
	r := st.Rules[0]
	data, _ := json.Marshal(map[string]any{"total": len(st.Rules), "start": 0, "limit": 100, "rules": []any{
		map[string]any{"id": r.ID, "name": r.Name, "script": r.Script, "order": r.Order, "enabled": r.Enabled, "stage": r.Stage},
	}})
	return string(data)
}

// lost lists items that the repository has and the tenant had before the
// run but not after it.
func lost(before, after, target view) []string {
	var out []string
	for name := range target.Rules {
		if _, had := before.Rules[name]; had {
			if _, has := after.Rules[name]; !has {
				out = append(out, "rule "+name)
			}
		}
	}
	for name := range target.Actions {
		if _, had := before.Actions[name]; had {
			if _, has := after.Actions[name]; !has {
				out = append(out, "action "+name)
			}
		}
	}
	for name := range target.Scripts {
		if _, had := before.Scripts[name]; had && after.Scripts[name] == "" {
			out = append(out, "database script "+name)
		}
	}
	for key := range target.RulesConfigs {
		if _, had := before.RulesConfigs[key]; had {
			if _, has := after.RulesConfigs[key]; !has {
				out = append(out, "rules config "+key)
			}
		}
	}
	if before.LoginPage != "" && after.LoginPage == "" {
		out = append(out, "login page")
	}
	if before.ResetPage != "" && after.ResetPage == "" {
		out = append(out, "password reset page")
	}
	return out
}

// itemState renders one item of a view for comparison; ok is false when
// the tenant does not have it.
func itemState(v view, kind model.Kind, name string) (string, bool) {
	switch kind {
	case model.KindRule:
		r, ok := v.Rules[name]
		return fmt.Sprintf("%q enabled=%v", r.Script, r.Enabled), ok
	case model.KindRulesConfig:
		val, ok := v.RulesConfigs[name]
		return val, ok
	case model.KindDatabase:
		var parts []string
		for _, k := range sortedKeys(v.Scripts) {
			parts = append(parts, k+"="+v.Scripts[k])
		}
		return strings.Join(parts, "\n"), true
	case model.KindPage:
		switch name {
		case "login":
			return fmt.Sprintf("%q on=%v", v.LoginPage, v.LoginOn), true
		case "password_reset":
			return v.ResetPage, true
		}
	case model.KindAction:
		a, ok := v.Actions[name]
		return fmt.Sprintf("%+v", a), ok
	case model.KindBindings:
		return strings.Join(v.Bindings, ","), true
	}
	return "?", false
}

// ruleOrder is a rule's order, or 0 when absent.
func ruleOrder(v view, name string) int { return v.Rules[name].Order }

// checkAccount compares the report's items with the tenant: an applied
// item is in the repository's state (or gone, for a deletion), a
// not-applied one in its former state; a failed one was not lost unless it
// was a deletion.
func checkAccount(rep *report.Report, before, after, target view, edited []string) []string {
	var out []string
	maxTarget := 0
	for _, r := range target.Rules {
		maxTarget = max(maxTarget, r.Order)
	}
	for _, r := range before.Rules {
		maxTarget = max(maxTarget, r.Order)
	}
	for _, it := range rep.Items {
		if slices.Contains(edited, string(it.Kind)+" "+it.Name) {
			continue
		}
		got, has := itemState(after, it.Kind, it.Name)
		old, had := itemState(before, it.Kind, it.Name)
		want, wanted := itemState(target, it.Kind, it.Name)
		id := fmt.Sprintf("%s %s (%s, %s)", it.Kind, it.Name, it.Action, it.Result)
		switch it.Result {
		case report.ResultApplied:
			if it.Action == "delete" {
				if has {
					out = append(out, id+": still in the tenant")
				}
				continue
			}
			if !has || got != want || !wanted {
				out = append(out, fmt.Sprintf("%s: tenant has %s, repository %s", id, got, want))
			}
			if it.Kind == model.KindRule && ruleOrder(after, it.Name) != ruleOrder(target, it.Name) {
				out = append(out, fmt.Sprintf("%s: order %d, repository %d", id, ruleOrder(after, it.Name), ruleOrder(target, it.Name)))
			}
		case report.ResultNotApplied:
			if has != had || got != old {
				out = append(out, fmt.Sprintf("%s: tenant has %s (present=%v), before %s (present=%v)", id, got, has, old, had))
			}
			if it.Kind == model.KindRule && has {
				// A rule may sit at a temporary order (beyond every final
				// one) when the run stopped between its two moves.
				if o := ruleOrder(after, it.Name); o != ruleOrder(before, it.Name) && o <= maxTarget {
					out = append(out, fmt.Sprintf("%s: order %d, before %d", id, o, ruleOrder(before, it.Name)))
				}
			}
		case report.ResultFailed:
			if it.Error == "" {
				out = append(out, id+": no error")
			}
			if had && !has && it.Action != "delete" {
				// Only a hand edit removes an item the pipe failed to update;
				// the edit is in before (expectBefore), so this is the pipe's.
				out = append(out, id+": gone from the tenant")
			}
		case report.ResultUnchanged:
			if got != old {
				out = append(out, fmt.Sprintf("%s: tenant has %s, before %s", id, got, old))
			}
		default:
			out = append(out, fmt.Sprintf("%s: unexpected result in a deploy", id))
		}
	}
	sort.Strings(out)
	return out
}
