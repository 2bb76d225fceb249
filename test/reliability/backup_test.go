package reliability

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
)

// Repository A and B of the restore round trip: B changes and deletes
// some of A's items of every kind and adds others. A's rule uses a keyword
// mapping, so that the backup's markers are restored too.
var (
	restoreMappings = `{"GREETING": "hello from the mapping", "API_TOKEN": "restore-token-value"}`
	repoA           = map[string]string{
		"rules/keep.js":                                   "function (user, context, callback) {\n  const g = \"##GREETING##\";\n  callback(null, user, context);\n}\n",
		"rules/keep.json":                                 `{"order": 1}`,
		"rules/removed-by-b.js":                           ruleJS("A only"),
		"rules/removed-by-b.json":                         `{"order": 2, "enabled": false}`,
		"rules-configs/LEVEL.json":                        `{"value": "a"}`,
		"database-connections/" + dbName + "/login.js":    "function login(email, password, callback) {\n  // A\n  callback(null);\n}\n",
		"database-connections/" + dbName + "/get_user.js": "function getByEmail(email, callback) {\n  // A\n  callback(null);\n}\n",
		"pages/login.html":                                "<html><body>login A</body></html>\n",
		"pages/password_reset.html":                       "<html><body>reset A</body></html>\n",
		"pages/password_reset.json":                       `{"enabled": false}`,
		"actions/first.js":                                actionJS("first A"),
		"actions/first.json":                              `{"trigger": "post-login", "runtime": "node22", "order": 10, "enabled": true, "secrets": ["API_TOKEN"]}`,
		"actions/second.js":                               actionJS("second A"),
		"actions/second.json":                             `{"trigger": "post-login", "runtime": "node22", "order": 20, "enabled": true}`,
	}
	repoB = map[string]string{
		"rules/keep.js":                                ruleJS("B"),
		"rules/keep.json":                              `{"order": 2}`,
		"rules/added-by-b.js":                          ruleJS("B only"),
		"rules/added-by-b.json":                        `{"order": 1}`,
		"rules-configs/LEVEL.json":                     `{"value": "b"}`,
		"database-connections/" + dbName + "/login.js": "function login(email, password, callback) {\n  // B\n  callback(null);\n}\n",
		"pages/login.html":                             "<html><body>login B</body></html>\n",
		"pages/password_reset.html":                    "<html><body>reset B</body></html>\n",
		"actions/first.js":                             actionJS("first B"),
		"actions/first.json":                           `{"trigger": "post-login", "runtime": "node22", "order": 20, "enabled": true, "secrets": ["API_TOKEN"]}`,
		"actions/added-by-b.js":                        actionJS("B only"),
		"actions/added-by-b.json":                      `{"trigger": "post-login", "runtime": "node22", "order": 10, "enabled": true}`,
	}
)

// Repository A and B of the restore round trip where A has none of a kind
// B creates (rules but a manual one, actions), and B changes the metadata
// of a manual rule: the backup holds rules/authz.json (the manual rule's
// previous metadata) and actions/.gitkeep ("no actions").
var (
	repoEmptyA = map[string]string{
		"rules/.gitkeep":   "",
		"actions/.gitkeep": "",
	}
	repoEmptyB = map[string]string{
		"rules/authz.json":        `{"order": 60, "enabled": false}`,
		"rules/added-by-b.js":     ruleJS("B only"),
		"rules/added-by-b.json":   `{"order": 1}`,
		"actions/added-by-b.js":   actionJS("B only"),
		"actions/added-by-b.json": `{"trigger": "post-login", "runtime": "node22", "order": 10, "enabled": true}`,
	}
	// repoNoRulesB creates the first rule of a tenant that had none: the
	// backup's rules/ holds only a .gitkeep.
	repoNoRulesA = map[string]string{"rules/.gitkeep": ""}
	repoNoRulesB = map[string]string{"rules/added-by-b.js": ruleJS("B only"), "rules/added-by-b.json": `{"order": 1}`}
)

// TestRestoreFromBackup deploys A, then B (changes and deletions), then the
// backup B's deploy wrote, committed over B's folders: the tenant is A
// again. Rules-config values are not in a backup (Auth0 never returns
// them): the repository's rules-configs/ stays as it is, and LEVEL keeps
// B's value. A kind A had none of is an empty folder in the backup (with a
// .gitkeep), so the restore deletes what B created; a manual rule's
// metadata that B changed comes back from a metadata-only rules/<name>.json.
func TestRestoreFromBackup(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		a, b     map[string]string
		env      map[string]string // for every deploy
		state    func() auth0sim.State
		afterA   func(t *testing.T, s *stack) // a change by hand between A and B, not in stateA
		minDiffs int                          // B differs from A in at least this many ways
		backup   []string                     // files the backup must hold
		check    func(t *testing.T, backup string)
	}{
		{
			name: "changes, creations and deletions of every kind", a: repoA, b: repoB,
			env:   map[string]string{"AUTH0_KEYWORD_REPLACE_MAPPINGS": restoreMappings},
			state: auth0sim.DefaultState, minDiffs: 8,
			check: func(t *testing.T, backup string) {
				if data, err := os.ReadFile(filepath.Join(backup, "rules", "keep.js")); err != nil || !strings.Contains(string(data), "@@GREETING@@") || strings.Contains(string(data), "hello from the mapping") {
					t.Errorf("backup of rule keep: the mapping value should be its marker: %q (%v)", data, err)
				}
			},
		},
		{
			// Someone edits action first in the dashboard after A and never
			// deploys the edit: the backup holds what ran (A's version), not
			// the draft, so the restore gives A back.
			name: "an action's draft never deployed", a: repoA, b: repoB,
			env:   map[string]string{"AUTH0_KEYWORD_REPLACE_MAPPINGS": restoreMappings},
			state: auth0sim.DefaultState, minDiffs: 8,
			afterA: func(t *testing.T, s *stack) {
				s.sim.Update(func(st *auth0sim.State) {
					for i := range st.Actions {
						if st.Actions[i].Name == "first" {
							st.Actions[i].Code = actionJS("edited in the dashboard, never deployed")
							st.Actions[i].Runtime = "node18"
							st.Actions[i].AllChangesDeployed = false
						}
					}
				})
			},
			check: func(t *testing.T, backup string) {
				if data, err := os.ReadFile(filepath.Join(backup, "actions", "first.js")); err != nil || string(data) != actionJS("first A") {
					t.Errorf("backup of action first: want the deployed version (A's), got %q (%v)", data, err)
				}
				note, err := os.ReadFile(filepath.Join(backup, "BACKUP.md"))
				if err != nil || !strings.Contains(string(note), "- action first had a draft that was never deployed: its files here hold the deployed version (what ran); the draft is not saved\n") {
					t.Errorf("BACKUP.md should say that first's draft is not saved:\n%s (%v)", note, err)
				}
			},
		},
		{
			name: "kinds A had none of, and a manual rule's metadata", a: repoEmptyA, b: repoEmptyB,
			env: map[string]string{"MANUAL_RULES": "authz"},
			state: func() auth0sim.State {
				st := auth0sim.DefaultState()
				st.Rules = append(st.Rules, auth0sim.Rule{ID: "rul_Authz", Name: "authz", Script: ruleJS("the authorization extension's"), Order: 50, Enabled: true, Stage: "login_success"})
				return st
			},
			minDiffs: 3, // a rule and an action created, authz's metadata
			backup:   []string{"rules/authz.json", "actions/.gitkeep"},
			check: func(t *testing.T, backup string) {
				data, err := os.ReadFile(filepath.Join(backup, "rules", "authz.json"))
				var meta map[string]any
				if err == nil {
					err = json.Unmarshal(data, &meta)
				}
				if err != nil || !reflect.DeepEqual(meta, map[string]any{"enabled": true, "order": 50.0}) {
					t.Errorf("backup of manual rule authz: want its previous metadata only: %q (%v)", data, err)
				}
				if _, err := os.Stat(filepath.Join(backup, "rules", "authz.js")); err == nil {
					t.Errorf("the backup holds a manual rule's script")
				}
			},
		},
		{
			name: "the first rule of a tenant that had none", a: repoNoRulesA, b: repoNoRulesB,
			state: auth0sim.DefaultState, minDiffs: 1,
			backup: []string{"rules/.gitkeep"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := tc.state()
			s := newStack(t, stackOptions{state: &st})
			env := func(extra map[string]string) map[string]string {
				e := map[string]string{}
				for k, v := range tc.env {
					e[k] = v
				}
				for k, v := range extra {
					e[k] = v
				}
				return e
			}

			if res := s.run(workspace(t, tc.a), env(nil)); res.Code != 0 {
				t.Fatalf("deploy A: exit %d\n%s", res.Code, res.Stdout)
			}
			stateA := viewOf(s.sim.Snapshot())
			if tc.afterA != nil {
				tc.afterA(t, s)
			}

			wsB := workspace(t, tc.b)
			reportB := t.TempDir()
			res := s.run(wsB, env(map[string]string{"REPORT_DIR": reportB}))
			if res.Code != 0 {
				t.Fatalf("deploy B: exit %d\n%s", res.Code, res.Stdout)
			}
			if d := diffViews(viewOf(s.sim.Snapshot()), stateA); len(d) < tc.minDiffs {
				t.Fatalf("B should differ from A in at least %d ways; differences: %v", tc.minDiffs, d)
			}
			backup := filepath.Join(reportB, "backup")
			if res.Report.BackupDir == "" {
				t.Errorf("report.json names no backup_dir")
			}
			for _, f := range tc.backup {
				if _, err := os.Stat(filepath.Join(backup, filepath.FromSlash(f))); err != nil {
					t.Errorf("the backup lacks %s: %v", f, err)
				}
			}
			if tc.check != nil {
				tc.check(t, backup)
			}

			// Commit the backup: its folders replace the repository's.
			entries, err := os.ReadDir(backup)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.IsDir() {
					if err := os.RemoveAll(filepath.Join(wsB, e.Name())); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := harness.Copy(backup, wsB); err != nil {
				t.Fatal(err)
			}
			res = s.run(wsB, env(nil))
			if res.Code != 0 {
				t.Fatalf("deploy of the restored repository: exit %d\n%s", res.Code, res.Stdout)
			}
			restored := viewOf(s.sim.Snapshot())
			// Rules-config values are not in a backup: LEVEL keeps B's value.
			if _, ok := tc.b["rules-configs/LEVEL.json"]; ok {
				stateA.RulesConfigs["LEVEL"] = "b"
			}
			if d := diffViews(restored, stateA); len(d) > 0 {
				t.Errorf("the restored tenant differs from A:\n%s\n%s", strings.Join(d, "\n"), res.Stdout)
			}
		})
	}
}

// TestBackupBeforeFirstWrite: when the pipe's first write arrives, the
// backup is already complete (the same files as after the run).
func TestBackupBeforeFirstWrite(t *testing.T) {
	t.Parallel()
	before, _ := seedState(t)
	s := newStack(t, stackOptions{state: &before})
	reportDir := t.TempDir()
	backup := filepath.Join(reportDir, "backup")
	var mu sync.Mutex
	var atFirstWrite []string
	first := true
	for _, m := range []string{"POST", "PATCH", "PUT", "DELETE"} {
		s.hooks.add(m, "/api/v2/*", func(r *http.Request) { record(&mu, &first, &atFirstWrite, backup) })
		s.hooks.add(m, "/api/v2/*/*", func(r *http.Request) { record(&mu, &first, &atFirstWrite, backup) })
		s.hooks.add(m, "/api/v2/*/*/*", func(r *http.Request) { record(&mu, &first, &atFirstWrite, backup) })
	}
	res := s.run(workspace(t, targetRepo), map[string]string{"AUTH0_KEYWORD_REPLACE_MAPPINGS": mappings, "REPORT_DIR": reportDir})
	if res.Code != 0 {
		t.Fatalf("exit %d\n%s", res.Code, res.Stdout)
	}
	mu.Lock()
	defer mu.Unlock()
	after := listTree(t, backup)
	if len(after) < 10 {
		t.Fatalf("backup has %d files: %v", len(after), after)
	}
	if strings.Join(atFirstWrite, "\n") != strings.Join(after, "\n") {
		t.Errorf("at the first write the backup held:\n%s\nafter the run:\n%s", strings.Join(atFirstWrite, "\n"), strings.Join(after, "\n"))
	}
	for _, want := range []string{"rules/stale.js", "rules/alpha.js", "actions/old-action.js", "actions/add-claim.js",
		"database-connections/" + dbName + "/login.js", "pages/login.html", "pages/password_reset.html"} {
		if !contains(after, want) {
			t.Errorf("the backup lacks %s (overwritten or deleted by the deploy): %v", want, after)
		}
	}
}

// TestBackupFailureStopsTheDeploy: a backup that cannot be written stops
// the run before any write.
func TestBackupFailureStopsTheDeploy(t *testing.T) {
	t.Parallel()
	st := auth0sim.DefaultState()
	// A rule whose name is too long for a file name: its backup fails.
	long := strings.Repeat("x", 300)
	st.Rules = append(st.Rules, auth0sim.Rule{ID: "rul_Long", Name: long, Script: ruleJS("long"), Order: 9, Enabled: true, Stage: "login_success"})
	s := newStack(t, stackOptions{state: &st})
	res := s.run(workspace(t, repoA), map[string]string{"AUTH0_KEYWORD_REPLACE_MAPPINGS": restoreMappings})
	if res.Code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.Code, res.Stdout)
	}
	if !strings.Contains(res.Report.Error, "could not write the backup") || !strings.Contains(res.Report.Error, "nothing was written") {
		t.Errorf("error: %s", res.Report.Error)
	}
	if w := s.sim.APIWrites(); len(w) > 0 {
		t.Errorf("writes after a failed backup: %v", auth0sim.Lines(w))
	}
}

func record(mu *sync.Mutex, first *bool, into *[]string, dir string) {
	mu.Lock()
	defer mu.Unlock()
	if !*first {
		return
	}
	*first = false
	*into = listTreeNoT(dir)
}

func listTree(t *testing.T, dir string) []string {
	t.Helper()
	out := listTreeNoT(dir)
	if out == nil {
		t.Fatalf("no backup in %s", dir)
	}
	return out
}

func listTreeNoT(dir string) []string {
	var out []string
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			data, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel)+" "+shortHash(data))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func contains(list []string, prefix string) bool {
	for _, l := range list {
		if strings.HasPrefix(l, prefix+" ") {
			return true
		}
	}
	return false
}
