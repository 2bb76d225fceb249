package e2e

// scopes_test.go: Management API scopes, end to end. A plan whose writes
// need a scope the token answer does not list stops before the first write
// (exit 2); a 403 on GET /rules skips the rules step with a warning and
// never changes the exit code.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
)

// scopesWithout is every scope the stand-in knows but drop.
func scopesWithout(drop ...string) []string {
	var out []string
	for _, s := range auth0sim.AllScopes {
		keep := true
		for _, d := range drop {
			keep = keep && s != d
		}
		if keep {
			out = append(out, s)
		}
	}
	return out
}

func readScopes() []string {
	var out []string
	for _, s := range auth0sim.AllScopes {
		if strings.HasPrefix(s, "read:") {
			out = append(out, s)
		}
	}
	return out
}

func simEnv(url string, extra ...string) map[string]string {
	env := map[string]string{"AUTH0_DOMAIN": url, "AUTH0_CLIENT_ID": harness.ClientID, "AUTH0_CLIENT_SECRET": harness.ClientSecret}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

const newLoginPage = "<!DOCTYPE html>\n<html><body><h1>Sign in to Example</h1></body></html>\n"

func TestMissingScopeStopsBeforeAnyWrite(t *testing.T) {
	bin := harness.Binary(t)
	st := stateWithRules(map[string]int{"a-rule": 1})
	sim, url := harness.StartSim(t, &st, auth0sim.Options{Scopes: scopesWithout("update:clients")})
	before := sim.Snapshot()

	// The repository changes a rule's order and the login page: the login
	// page needs update:clients, which the application lacks.
	ws := rulesRepo(t, map[string]int{"a-rule": 2})
	harness.WriteFiles(t, ws, map[string]string{"pages/login.html": newLoginPage})

	t.Run("deploy: exit 2, nothing written", func(t *testing.T) {
		sim.ResetRequests()
		res := harness.Run(t, bin, ws, simEnv(url))
		require.Equal(t, 2, res.Code, res.Stdout)
		assert.Empty(t, writeLines(sim.Requests()), "no write before the scope check (the rule change needs no missing scope, yet it waits)")
		assert.Equal(t, before, sim.Snapshot())
		require.NotNil(t, res.Report)
		assert.Equal(t, report.StatusInvalid, res.Report.Status)
		assert.Contains(t, res.Report.Error, "update:clients (page login)")
		assert.Contains(t, res.Report.Error, "nothing was written")
		assert.Contains(t, res.Report.Error, "Machine To Machine Applications")
		assert.NotContains(t, res.Report.Error, "update:rules", "only missing scopes are named")
		assert.NoDirExists(t, filepath.Join(res.ReportDir, "backup"), "stopped before the backup too")
		for _, it := range res.Report.Items {
			if it.Action != "unchanged" {
				assert.Equal(t, report.ResultNotApplied, it.Result, "%s %s", it.Kind, it.Name)
			}
		}
		// One line says it all (the closing summary repeats the error, as
		// it does for every failed run).
		var lines []string
		for _, l := range harness.Lines(res.Stdout) {
			if strings.Contains(l, "update:clients") && !strings.HasPrefix(l, "✖") {
				lines = append(lines, l)
			}
		}
		assert.Len(t, lines, 1, res.Stdout)
	})

	t.Run("plan: the same problem, exit 2, so that a pull request learns it early", func(t *testing.T) {
		sim.ResetRequests()
		res := harness.Run(t, bin, ws, simEnv(url, "MODE", "plan", "DETAILED_EXITCODE", "true"))
		require.Equal(t, 2, res.Code, res.Stdout)
		assert.Empty(t, writeLines(sim.Requests()))
		assert.Equal(t, report.StatusInvalid, res.Report.Status)
		assert.Contains(t, res.Report.Error, "the deployment would fail")
		assert.Contains(t, res.Report.Error, "update:clients (page login)")
	})

	t.Run("a plan whose writes need no missing scope goes ahead", func(t *testing.T) {
		sim.ResetRequests()
		ws := rulesRepo(t, map[string]int{"a-rule": 2})
		res := harness.Run(t, bin, ws, simEnv(url))
		require.Equal(t, 0, res.Code, res.Stdout)
		assert.Equal(t, []string{"PATCH /api/v2/rules/" + rulesByName(before)["a-rule"].ID + " 200"}, writeLines(sim.Requests()))
		assert.Equal(t, map[string]int{"a-rule": 2}, ruleOrders(sim.Snapshot()))
	})
}

// A read-only application is how plans for pull requests are often run:
// its scopes say nothing about the deploying application's.
func TestReadOnlyApplicationPlans(t *testing.T) {
	bin := harness.Binary(t)
	st := stateWithRules(map[string]int{"a-rule": 1})
	sim, url := harness.StartSim(t, &st, auth0sim.Options{Scopes: readScopes()})
	ws := rulesRepo(t, map[string]int{"a-rule": 2})
	harness.WriteFiles(t, ws, map[string]string{"pages/login.html": newLoginPage})

	res := harness.Run(t, bin, ws, simEnv(url, "MODE", "plan"))
	require.Equal(t, 0, res.Code, res.Stdout)
	assert.Empty(t, writeLines(sim.Requests()))
	assert.Equal(t, 2, res.Report.Total.Updated, "the rule and the login page")

	// Deploying with it stops before any write.
	res = harness.Run(t, bin, ws, simEnv(url))
	require.Equal(t, 2, res.Code, res.Stdout)
	assert.Empty(t, writeLines(sim.Requests()))
	assert.Contains(t, res.Report.Error, "update:clients (page login); update:rules (rule a-rule)")
}

// SPEC §2: a 403/404 on /rules skips the rules step with a warning; it
// never fails the deployment. The warning says what was not deployed, and
// when the 403 is a missing read:rules, says so instead of "end of life".
func TestRulesForbiddenSkipsTheRulesStep(t *testing.T) {
	bin := harness.Binary(t)
	for _, tc := range []struct {
		name        string
		opts        auth0sim.Options
		wantWarning []string
		notWarning  string
	}{
		{name: "end of life", opts: auth0sim.Options{RulesEOL: true},
			wantWarning: []string{"end of life 2026-11-18", "not deployed: 2 rules from rules/", "migrate rules to Actions"}, notWarning: "read:rules"},
		{name: "missing read:rules", opts: auth0sim.Options{Scopes: scopesWithout("read:rules")},
			wantWarning: []string{"lacks the read:rules scope", "not deployed: 2 rules from rules/", "grant read:rules"}, notWarning: "end of life"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := stateWithRules(map[string]int{"a-rule": 1})
			sim, url := harness.StartSim(t, &st, tc.opts)
			ws := rulesRepo(t, map[string]int{"a-rule": 2, "b-rule": 3})
			harness.WriteFiles(t, ws, map[string]string{"pages/login.html": newLoginPage})

			res := harness.Run(t, bin, ws, simEnv(url))
			require.Equal(t, 0, res.Code, res.Stdout)
			assert.Equal(t, report.StatusSucceeded, res.Report.Status)
			assert.Equal(t, []string{"PATCH /api/v2/clients/" + auth0sim.DefaultGlobalClientID + " 200"}, writeLines(sim.Requests()),
				"the other steps ran; no rule was written")
			assert.Equal(t, map[string]int{"a-rule": 1}, ruleOrders(sim.Snapshot()))
			warnings := strings.Join(res.Report.Warnings, "\n")
			for _, w := range tc.wantWarning {
				assert.Contains(t, warnings, w)
			}
			assert.NotContains(t, warnings, tc.notWarning)
			skipped := 0
			for _, it := range res.Report.Items {
				if it.Kind == "rule" {
					assert.Equal(t, report.ResultSkipped, it.Result, it.Name)
					skipped++
				}
			}
			assert.Equal(t, 2, skipped)

			// Nothing else to write on a rerun: it must not claim the
			// tenant matches rules/, which it never compared.
			sim.ResetRequests()
			res = harness.Run(t, bin, ws, simEnv(url))
			require.Equal(t, 0, res.Code, res.Stdout)
			assert.Empty(t, writeLines(sim.Requests()))
			assert.Contains(t, res.Stdout, "nothing to write; the rules were not compared (see the warning above)")
			assert.NotContains(t, res.Stdout, "the tenant already matches the repository")
		})
	}
}

// A run stopped by SIGTERM (Pipelines stopping the step) says so.
func TestSignalStopsTheRunAndIsNamed(t *testing.T) {
	bin := harness.Binary(t)
	st := stateWithRules(map[string]int{"a-rule": 1})
	sim, url := harness.StartSim(t, &st, auth0sim.Options{})
	// Hold the rules listing long enough for the signal to arrive during it.
	sim.InjectFault(auth0sim.Fault{Method: "GET", PathPattern: "/api/v2/rules", Delay: auth0sim.Duration(3 * time.Second)})
	ws := rulesRepo(t, map[string]int{"a-rule": 2})
	reportDir := t.TempDir()

	cmd := exec.Command(bin)
	cmd.Dir = ws
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "NO_COLOR=1", "BITBUCKET_CLONE_DIR=" + ws, "REPORT_DIR=" + reportDir}
	for k, v := range simEnv(url) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out strings.Builder
	cmd.Stdout = &out
	require.NoError(t, cmd.Start())
	// Wait for the token request: the rules listing follows at once.
	deadline := time.Now().Add(10 * time.Second)
	for {
		tokened := false
		for _, r := range sim.Requests() {
			tokened = tokened || r.IsToken()
		}
		if tokened || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err := cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, out.String())
	assert.Equal(t, 1, ee.ExitCode(), out.String())
	assert.Contains(t, out.String(), "canceled: SIGTERM received")
	assert.Empty(t, writeLines(sim.Requests()))
}
