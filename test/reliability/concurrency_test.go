package reliability

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
)

// targetRepoVariant is targetRepo with a different rule and page: a
// second push of the same branch.
func targetRepoVariant() map[string]string {
	files := map[string]string{}
	for k, v := range targetRepo {
		files[k] = v
	}
	files["rules/alpha.js"] = ruleJS("alpha v3")
	files["rules/delta.json"] = `{"order": 4, "enabled": true}`
	files["pages/login.html"] = "<html><body>login v3</body></html>\n"
	files["actions/tag-user.js"] = actionJS("tag-user v3")
	return files
}

// pageAndCode is targetRepo with the login page and one action's code
// changed: writes that Auth0 never refuses as conflicts.
func pageAndCode(version string) map[string]string {
	files := map[string]string{}
	for k, v := range targetRepo {
		files[k] = v
	}
	files["pages/login.html"] = "<html><body>login " + version + "</body></html>\n"
	files["pages/password_reset.html"] = "<html><body>reset " + version + "</body></html>\n"
	files["actions/tag-user.js"] = actionJS("tag-user " + version)
	return files
}

// TestConcurrentRuns starts two deploys against one tenant at the same
// moment, from the tenant that beforeRepo left: the same repository twice,
// and two different commits. The pipe keeps no lock (Bitbucket Pipelines'
// deployment environments serialise the runs, see docs/reliability.md);
// what it guarantees is that every run either ends with the tenant in its
// repository's state (exit 0) or fails with a one-line error, and that a
// rerun converges.
func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		deployed bool // start from targetRepo's state instead of beforeRepo's
		first    map[string]string
		second   map[string]string
	}{
		{"same repository", false, targetRepo, targetRepo},
		{"two commits", false, targetRepo, targetRepoVariant()},
		{"two commits without conflicting writes", true, pageAndCode("A"), pageAndCode("B")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before, _ := seedState(t)
			if tc.deployed {
				before = deployedState(t)
			}
			s := newStack(t, stackOptions{state: &before})
			repos := []map[string]string{tc.first, tc.second}
			want := make([]view, 2)
			// Each repository deployed alone: the states to compare with.
			t.Run("alone", func(t *testing.T) {
				for i, files := range repos {
					t.Run(fmt.Sprint(i+1), func(t *testing.T) {
						t.Parallel()
						want[i] = referenceView(t, before, files)
					})
				}
			})
			if t.Failed() {
				t.FailNow()
			}
			wss := []string{workspace(t, tc.first), workspace(t, tc.second)}
			results := make([]harness.Result, 2)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range wss {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i] = harness.Run(t, s.bin, wss[i], s.env(map[string]string{"AUTH0_KEYWORD_REPLACE_MAPPINGS": mappings}))
				}()
			}
			close(start)
			wg.Wait()
			final := viewOf(s.sim.Snapshot())
			matches := []bool{len(diffViews(final, want[0])) == 0, len(diffViews(final, want[1])) == 0}
			for i, res := range results {
				t.Logf("run %d: exit %d: %s", i+1, res.Code, lastLine(res.Stdout))
				switch res.Code {
				case 0:
				case 1:
					if res.Report == nil || res.Report.Error == "" || strings.Contains(res.Report.Error, "\n") {
						t.Errorf("run %d failed without a one-line error", i+1)
					}
				default:
					t.Errorf("run %d: exit %d\n%s", i+1, res.Code, res.Stdout)
				}
			}
			// Both succeeded: the tenant is in one of the repositories'
			// states, the one that finished last.
			if results[0].Code == 0 && results[1].Code == 0 && !matches[0] && !matches[1] {
				t.Errorf("both runs exited 0 but the tenant is in neither repository's state:\n%s\n--\n%s",
					strings.Join(diffViews(final, want[0]), "\n"), strings.Join(diffViews(final, want[1]), "\n"))
			}
			for _, p := range lost(viewOf(before), final, want[0]) {
				t.Errorf("lost: %s", p)
			}
			// A rerun of the second repository converges.
			res := s.run(wss[1], map[string]string{"AUTH0_KEYWORD_REPLACE_MAPPINGS": mappings})
			if res.Code != 0 {
				t.Fatalf("rerun: exit %d\n%s", res.Code, res.Stdout)
			}
			if d := diffViews(viewOf(s.sim.Snapshot()), want[1]); len(d) > 0 {
				t.Errorf("the rerun did not converge:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// TestInterleavedRunsNeverBothSucceedOnAMix forces the interleaving that
// leaves a tenant in neither repository's state: run A writes the login
// page, run B writes the login page and the password-reset page and ends,
// then A writes the password-reset page. Each write succeeds; without a
// check, both runs would exit 0 on a tenant that is half A, half B. A run
// that changed the tenant reads it back and fails when it does not match.
func TestInterleavedRunsNeverBothSucceedOnAMix(t *testing.T) {
	t.Parallel()
	start := deployedState(t)
	s := newStack(t, stackOptions{state: &start})
	wsA, wsB := workspace(t, pagesOnly("A")), workspace(t, pagesOnly("B"))

	// B starts once A's login page is written; A's password-reset write is
	// held until B has finished.
	aLoginWritten := make(chan struct{})
	bDone := make(chan struct{})
	s.hooks.every(func(r *http.Request) {
		if r.Method == "PATCH" && r.URL.Path == settingsPath && strings.Contains(peekBody(r), "reset A") {
			<-bDone
		}
	})
	go func() {
		defer close(aLoginWritten)
		for give := time.Now().Add(30 * time.Second); time.Now().Before(give); time.Sleep(5 * time.Millisecond) {
			for _, r := range s.sim.Requests() {
				if r.Method == "PATCH" && strings.HasPrefix(r.Path, "/api/v2/clients/") {
					return
				}
			}
		}
	}()

	env := s.env(map[string]string{"AUTH0_KEYWORD_REPLACE_MAPPINGS": mappings})
	var resA, resB harness.Result
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); resA = harness.Run(t, s.bin, wsA, env) }()
	go func() {
		defer wg.Done()
		defer close(bDone)
		<-aLoginWritten
		resB = harness.Run(t, s.bin, wsB, env)
	}()
	wg.Wait()

	final := viewOf(s.sim.Snapshot())
	if final.LoginPage != "<html><body>login B</body></html>\n" || final.ResetPage != "<html><body>reset A</body></html>\n" {
		t.Fatalf("the interleaving was not forced: login %q, reset %q", final.LoginPage, final.ResetPage)
	}
	t.Logf("run A: exit %d: %s", resA.Code, lastLine(resA.Stdout))
	t.Logf("run B: exit %d: %s", resB.Code, lastLine(resB.Stdout))
	if resA.Code == 0 && resB.Code == 0 {
		t.Fatalf("both runs exited 0 on a tenant in neither repository's state")
	}
	if resB.Code != 0 {
		t.Errorf("run B (whose writes were all in place when it read the tenant back): exit %d\n%s", resB.Code, resB.Stdout)
	}
	if resA.Code != 1 || resA.Report == nil || !strings.Contains(resA.Report.Error, "changed during the deployment") || !strings.Contains(resA.Report.Error, "page login") {
		t.Errorf("run A (which finished last, on a mixed tenant): exit %d\n%s", resA.Code, resA.Stdout)
	}
}

// pagesOnly is targetRepo with both hosted pages at version.
func pagesOnly(version string) map[string]string {
	files := map[string]string{}
	for k, v := range targetRepo {
		files[k] = v
	}
	files["pages/login.html"] = "<html><body>login " + version + "</body></html>\n"
	files["pages/password_reset.html"] = "<html><body>reset " + version + "</body></html>\n"
	return files
}

// peekBody reads a request's body and puts it back.
func peekBody(r *http.Request) string {
	data, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(data))
	return string(data)
}

// referenceView is the tenant after deploying files over the seed with no
// interference.
func referenceView(t *testing.T, start auth0sim.State, files map[string]string) view {
	t.Helper()
	st, err := cloneState(start)
	if err != nil {
		t.Fatal(err)
	}
	s := newStack(t, stackOptions{state: &st})
	if res := s.run(workspace(t, files), map[string]string{"AUTH0_KEYWORD_REPLACE_MAPPINGS": mappings}); res.Code != 0 {
		t.Fatalf("reference deploy: exit %d\n%s", res.Code, res.Stdout)
	}
	return viewOf(s.sim.Snapshot())
}

func lastLine(s string) string {
	lines := harness.Lines(s)
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], "✖") || strings.Contains(lines[i], "✔") {
			return lines[i]
		}
	}
	return ""
}
