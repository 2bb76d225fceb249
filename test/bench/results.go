package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Check is one of the figures the issue asks the benchmark to show.
type Check struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

// S5Tolerance is how far over the time floor S5 may finish.
const S5Tolerance = 0.10

// Checks evaluates the must-show figures on the pipe's runs (those whose
// scenario was not run are left out).
func (r *Results) Checks() []Check {
	var out []Check
	for _, run := range r.pipeRuns(S2) {
		t := run.Traffic
		out = append(out, Check{
			Name:   fmt.Sprintf("S2 (%s) makes reads only, at most 8 requests", run.Profile),
			Pass:   run.OK() && t.Writes == 0 && t.Requests <= 8,
			Detail: fmt.Sprintf("%d requests, %d writes", t.Requests, t.Writes),
		})
	}
	for _, run := range r.pipeRuns(S3) {
		out = append(out, Check{
			Name:   fmt.Sprintf("S3 (%s) makes exactly one write", run.Profile),
			Pass:   run.OK() && run.Traffic.Writes == 1,
			Detail: fmt.Sprintf("%d write(s): %s", run.Traffic.Writes, writeStatuses(run.Traffic)),
		})
	}
	for _, run := range r.pipeRuns(S4) {
		out = append(out, Check{
			Name: fmt.Sprintf("S4 (%s) makes no more writes than the optimum and meets no 409", run.Profile),
			Pass: run.OK() && run.Traffic.Writes <= run.Floor.Writes && run.Traffic.Conflicts == 0,
			Detail: fmt.Sprintf("%d writes, optimum %d (%s), %d×409", run.Traffic.Writes, run.Floor.Writes,
				strings.Join(run.Floor.Detail, " + "), run.Traffic.Conflicts),
		})
	}
	for _, run := range r.pipeRuns(S5) {
		out = append(out, Check{
			Name: fmt.Sprintf("S5 meets no 429 and finishes within %.0f%% of the time floor", S5Tolerance*100),
			Pass: run.OK() && run.Traffic.RateLimited == 0 && run.WallMS <= run.Floor.TimeMS*(1+S5Tolerance),
			Detail: fmt.Sprintf("%d×429, %s against a floor of %s (%+.1f%%)", run.Traffic.RateLimited,
				secs(run.WallMS), secs(run.Floor.TimeMS), (run.TimeRatio()-1)*100),
		})
	}
	for _, run := range r.Runs {
		if run.Tool == ToolPipe && !run.OK() {
			out = append(out, Check{Name: fmt.Sprintf("%s (%s) succeeds and leaves the tenant as the repository says", run.Scenario, run.Profile),
				Detail: firstNonEmpty(run.Failure, strings.Join(run.Problems, "; "))})
		}
	}
	return out
}

func (r *Results) pipeRuns(scenario string) []Run {
	var out []Run
	for _, run := range r.Runs {
		if run.Tool == ToolPipe && run.Scenario == scenario {
			out = append(out, run)
		}
	}
	return out
}

func writeStatuses(t Traffic) string {
	var parts []string
	for code, n := range t.WriteStatuses {
		parts = append(parts, fmt.Sprintf("%d×%d", n, code))
	}
	slices.Sort(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Markdown renders the results for people: results.md and the console.
func (r *Results) Markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	s := r.Settings
	p("# auth0-deploy benchmark\n\n")
	p("- Machine: %s\n", r.Machine)
	p("- Stand-in: test/auth0sim over HTTPS on 127.0.0.1, %s latency a request, action builds %s\n",
		secs(s.LatencyMS), map[bool]string{true: "instant", false: "take " + secs(s.BuildDelayMS)}[s.BuildDelayMS == 0])
	p("- Content: %d rules, %d database connections with all 7 scripts, 4 pages, %d post-login actions (no rules configs: they are written on every run by design)\n",
		s.Sizes.Rules, s.Sizes.Databases, s.Sizes.Actions)
	p("- Started %s, took %s\n\n", r.StartedAt.Format("2006-01-02 15:04 MST"), secs(r.DurationMS))

	if checks := r.Checks(); len(checks) > 0 {
		p("## Targets\n\n")
		for _, c := range checks {
			mark := "✅"
			if !c.Pass {
				mark = "❌"
			}
			p("- %s %s: %s\n", mark, c.Name, c.Detail)
		}
		p("\n")
	}

	p("## The pipe against the floor\n\n")
	p("Requests are `reads (token included) / polls / writes`, from the stand-in's request log. ")
	p("The floor is the least any tool can do: see docs/performance.md.\n\n")
	p("| Scenario | Profile | Wall | Time floor | **Wall ÷ floor** | Requests | Floor | **Requests ÷ floor** | 429 | 409 | Retries |\n")
	p("|---|---|--:|--:|--:|---|---|--:|--:|--:|--:|\n")
	for _, run := range r.Runs {
		if run.Tool != ToolPipe {
			continue
		}
		p("| %s %s | %s | %s | %s | **%s** | %s | %s | **%s** | %d | %d | %d |\n",
			run.Scenario, ScenarioTitles[run.Scenario], run.Profile, secs(run.WallMS), secs(run.Floor.TimeMS), ratio(run.TimeRatio()),
			triple(run.Traffic), floorTriple(run.Floor), ratio(run.RequestRatio()),
			run.Traffic.RateLimited, run.Traffic.Conflicts, run.Traffic.Retried)
	}
	p("\n")

	if rows := r.sideBySide(); len(rows) > 0 {
		p("## Side by side with auth0-deploy-cli %s\n\n", s.CLIVersion)
		p("Same stand-in, same content in each tool's own layout, same run. Ratios are auth0-deploy-cli ÷ auth0-deploy.\n\n")
		p("| Scenario | Profile | auth0-deploy | auth0-deploy-cli | **Wall ratio** | Requests (writes) auth0-deploy | Requests (writes) auth0-deploy-cli | **Request ratio** | Write ratio | 429 (cli) |\n")
		p("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, x := range rows {
			p("| %s %s | %s | %s | %s | **%s** | %d (%d) | %d (%d) | **%s** | %s | %d |\n",
				x.pipe.Scenario, ScenarioTitles[x.pipe.Scenario], x.pipe.Profile, secs(x.pipe.WallMS), secs(x.cli.WallMS)+cliNote(x.cli),
				ratio(x.cli.WallMS/x.pipe.WallMS), x.pipe.Traffic.Requests, x.pipe.Traffic.Writes,
				x.cli.Traffic.Requests, x.cli.Traffic.Writes,
				ratio(float64(x.cli.Traffic.Requests)/float64(x.pipe.Traffic.Requests)),
				ratioOrInf(x.cli.Traffic.Writes, x.pipe.Traffic.Writes), x.cli.Traffic.RateLimited)
		}
		p("\n")
	} else if r.CLISkipped != "" {
		p("## Side by side with auth0-deploy-cli\n\nSkipped: %s.\n\n", r.CLISkipped)
	}

	p("## The pipe's own count (report.json `api`)\n\n")
	p("| Scenario | Profile | Requests | Reads | Writes | Retries | 429 | Rate-limit waits | Waited (summed over requests) |\n|---|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, run := range r.Runs {
		if run.Tool != ToolPipe || run.PipeAPI == nil {
			continue
		}
		a := run.PipeAPI
		p("| %s | %s | %d | %d | %d | %d | %d | %d | %s |\n", run.Scenario, run.Profile, a.Requests, a.Reads, a.Writes,
			a.Retries, a.RateLimited, a.RateLimitWaits, secs(float64(a.WaitedMS)))
	}
	p("\n")

	if st := r.Startup; st != nil {
		p("## Start-up and memory\n\n")
		p("| What | Runs | Median | Min – max | Peak RSS |\n|---|--:|--:|--:|--:|\n")
		for _, m := range []struct {
			name string
			m    Measure
		}{
			{"validate the example", st.ValidateExample},
			{fmt.Sprintf("validate %d rules", st.LargeRules), st.ValidateLarge},
			{fmt.Sprintf("deploy %d rules (first, then unchanged)", st.LargeRules), st.DeployLarge},
		} {
			fail := ""
			if m.m.Failure != "" {
				fail = " (FAILED: " + m.m.Failure + ")"
			}
			p("| %s%s | %d | %s | %s – %s | %.1f MB |\n", m.name, fail, m.m.Runs, secs(m.m.MedianMS), secs(m.m.MinMS), secs(m.m.MaxMS), float64(m.m.PeakRSSKB)/1024)
		}
		p("\nMeasured by `go run ./test/cmd/bench` (test/bench/startup.go): each command run as a child process; wall time from start to exit; peak RSS is the child's `ru_maxrss`, the figure `/usr/bin/time -v` prints as \"Maximum resident set size\".\n\n")
		for _, m := range []Measure{st.ValidateExample, st.ValidateLarge, st.DeployLarge} {
			p("- %s\n", m.Command)
		}
		p("\n")
	}

	p("## Floor of each scenario\n\n| Scenario | Profile | Writes | Depth | Chain bound | Rate bound |\n|---|---|---|--:|--:|--:|\n")
	for _, run := range r.Runs {
		if run.Tool != ToolPipe {
			continue
		}
		f := run.Floor
		detail := strings.Join(f.Detail, " + ")
		if detail == "" {
			detail = "none"
		}
		p("| %s | %s | %s | %d | %s | %s |\n", run.Scenario, run.Profile, detail, f.Depth, secs(f.ChainMS), secs(f.RateMS))
	}
	return b.String()
}

type pair struct{ pipe, cli Run }

// sideBySide pairs the two tools' runs of one scenario and profile.
func (r *Results) sideBySide() []pair {
	var out []pair
	for _, cli := range r.Runs {
		if cli.Tool != ToolDeployCLI {
			continue
		}
		if pipe, ok := r.Find(ToolPipe, cli.Scenario, cli.Profile); ok {
			out = append(out, pair{pipe, cli})
		}
	}
	return out
}

func cliNote(r Run) string {
	switch {
	case r.Failure != "":
		return " (failed)"
	case len(r.Problems) > 0:
		return " (wrong result)"
	}
	return ""
}

func triple(t Traffic) string {
	return fmt.Sprintf("%d = %d / %d / %d", t.Requests, t.Reads+t.Token, t.Polls, t.Writes)
}

func floorTriple(f Floor) string {
	return fmt.Sprintf("%d = %d / %d / %d", f.Requests, f.Reads, f.Polls, f.Writes)
}

func secs(ms float64) string {
	switch {
	case ms >= 60_000:
		return fmt.Sprintf("%dm%04.1fs", int(ms/60_000), (ms-float64(int(ms/60_000))*60_000)/1000)
	case ms >= 1000:
		return fmt.Sprintf("%.2f s", ms/1000)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

func ratio(x float64) string {
	if x == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", x)
}

func ratioOrInf(a, b int) string {
	switch {
	case b == 0 && a == 0:
		return "–"
	case b == 0:
		return fmt.Sprintf("%d vs 0", a)
	}
	return ratio(float64(a) / float64(b))
}

// Write saves results.json and results.md in dir.
func (r *Results) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	type withChecks struct {
		*Results
		Checks []Check `json:"checks"`
	}
	data, err := json.MarshalIndent(withChecks{r, r.Checks()}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "results.md"), []byte(r.Markdown()), 0o644)
}
