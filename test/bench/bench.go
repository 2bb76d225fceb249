// Package bench measures the pipe against the physical limit of the
// Management API and against auth0-deploy-cli, on the Auth0 stand-in
// (test/auth0sim) served over HTTPS with latency and Auth0's rate-limit
// profiles. `make bench` runs it through test/cmd/bench; docs/performance.md
// explains the scenarios, the floor and the figures.
//
// Scenarios (sizes are flags; these are the defaults):
//
//	S1  first deploy: 100 rules, 10 database connections with all scripts,
//	    4 pages, 20 post-login actions (deployed and bound)
//	S2  the same again: nothing to change
//	S3  one rule's script changed
//	S4  every rule order reversed
//	S5  S1 under the essentials profile (10 burst, 150 a minute)
//
// S1–S4 run in a row on one tenant per profile; S5 on a fresh tenant.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
)

// Scenario ids.
const (
	S1 = "S1"
	S2 = "S2"
	S3 = "S3"
	S4 = "S4"
	S5 = "S5"
)

// AllScenarios in run order.
var AllScenarios = []string{S1, S2, S3, S4, S5}

// ScenarioTitles describe each scenario in one line.
var ScenarioTitles = map[string]string{
	S1: "first deploy",
	S2: "same again (no change)",
	S3: "one rule changed",
	S4: "all rule orders reversed",
	S5: "first deploy under essentials",
}

// Config of a benchmark run.
type Config struct {
	// Bin is the pipe binary (bin/auth0-deploy).
	Bin string
	// WorkDir holds the generated repositories and reports (a temp folder).
	WorkDir string
	Sizes   Sizes
	// Latency the stand-in adds to every request.
	Latency time.Duration
	// BuildDelay is how long an action draft takes to build on the stand-in.
	BuildDelay time.Duration
	// Profiles are the rate-limit profiles S1–S4 run under (one tenant
	// each); S5 always runs under essentials.
	Profiles []string
	// Scenarios to measure (S1..S5). S2–S4 need S1's tenant: S1 runs first
	// as set-up when it is not measured.
	Scenarios []string
	// DeployCLI compares with auth0-deploy-cli on CLIScenarios, installed
	// with npm into CLICacheDir.
	DeployCLI    bool
	CLIScenarios []string
	CLICacheDir  string
	// PipeEnv are extra variables for the pipe (e.g. DEBUG=true).
	PipeEnv map[string]string
	// Log receives progress lines.
	Log io.Writer
}

// Run is one measured deployment.
type Run struct {
	Tool     string `json:"tool"`
	Scenario string `json:"scenario"`
	Profile  string `json:"profile"`
	// WallMS is the tool's process time, start to exit.
	WallMS   float64 `json:"wall_ms"`
	MaxRSSKB int64   `json:"max_rss_kb"`
	Exit     int     `json:"exit"`
	// Traffic is the stand-in's request log of the run (authoritative).
	Traffic Traffic `json:"traffic"`
	// PipeAPI is the pipe's own report.json api section.
	PipeAPI *report.APIUsage `json:"pipe_api,omitempty"`
	Floor   Floor            `json:"floor"`
	// Problems are differences between the tenant and the repository after
	// the run (empty when the tool did its job), Failure why it failed.
	Problems []string `json:"problems,omitempty"`
	Failure  string   `json:"failure,omitempty"`
}

// Wall is the run's wall time.
func (r Run) Wall() time.Duration { return time.Duration(r.WallMS * float64(time.Millisecond)) }

// TimeRatio is wall time over the time floor (0 when the floor is 0).
func (r Run) TimeRatio() float64 {
	if r.Floor.TimeMS <= 0 {
		return 0
	}
	return r.WallMS / r.Floor.TimeMS
}

// RequestRatio is requests over the floor's requests.
func (r Run) RequestRatio() float64 {
	if r.Floor.Requests == 0 {
		return 0
	}
	return float64(r.Traffic.Requests) / float64(r.Floor.Requests)
}

// OK reports whether the run succeeded and left the tenant as wanted.
func (r Run) OK() bool { return r.Exit == 0 && r.Failure == "" && len(r.Problems) == 0 }

// Results of a benchmark.
type Results struct {
	Machine   Machine   `json:"machine"`
	StartedAt time.Time `json:"started_at"`
	Settings  Settings  `json:"settings"`
	Runs      []Run     `json:"runs"`
	// CLISkipped says why auth0-deploy-cli was not compared ("" when it was).
	CLISkipped string   `json:"cli_skipped,omitempty"`
	Startup    *Startup `json:"startup,omitempty"`
	DurationMS float64  `json:"duration_ms"`
}

// Settings echo the configuration in the results.
type Settings struct {
	Sizes        Sizes    `json:"sizes"`
	LatencyMS    float64  `json:"latency_ms"`
	BuildDelayMS float64  `json:"build_delay_ms"`
	Profiles     []string `json:"profiles"`
	Scenarios    []string `json:"scenarios"`
	CLIScenarios []string `json:"cli_scenarios,omitempty"`
	CLIVersion   string   `json:"cli_version,omitempty"`
}

// Find returns the run of tool on scenario (and profile, "" = any).
func (r *Results) Find(tool, scenario, profile string) (Run, bool) {
	for _, x := range r.Runs {
		if x.Tool == tool && x.Scenario == scenario && (profile == "" || x.Profile == profile) {
			return x, true
		}
	}
	return Run{}, false
}

// Bench runs the scenarios for the pipe and, when asked and possible, for
// auth0-deploy-cli.
func Bench(ctx context.Context, cfg Config) (*Results, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	logf := func(format string, args ...any) { fmt.Fprintf(cfg.Log, format+"\n", args...) }
	res := &Results{Machine: DescribeMachine(), StartedAt: time.Now().UTC(), Settings: Settings{
		Sizes: cfg.Sizes, LatencyMS: ms(cfg.Latency), BuildDelayMS: ms(cfg.BuildDelay),
		Profiles: cfg.Profiles, Scenarios: cfg.Scenarios,
	}}
	start := time.Now()
	defer func() {
		res.DurationMS = ms(time.Since(start))
		res.Machine.LoadEnd = LoadAverage()
	}()

	tools := []tool{&pipeTool{bin: cfg.Bin, workDir: cfg.WorkDir, env: cfg.PipeEnv}}
	if cfg.DeployCLI && len(cfg.CLIScenarios) > 0 {
		cli, skipped, err := installDeployCLI(ctx, cfg.CLICacheDir, logf)
		if err != nil {
			return nil, err
		}
		if cli != nil {
			tools = append(tools, cli)
			res.Settings.CLIScenarios = cfg.CLIScenarios
			res.Settings.CLIVersion = DeployCLIVersion
			res.Machine.Node = nodeVersion(cli.node)
		} else {
			res.CLISkipped = skipped
			logf("auth0-deploy-cli comparison skipped: %s", skipped)
		}
	} else if cfg.DeployCLI {
		res.CLISkipped = "no scenarios asked for"
	} else {
		res.CLISkipped = "switched off (-cli=false)"
	}

	base := Generate(cfg.Sizes)
	for _, t := range tools {
		scenarios := cfg.Scenarios
		if t.name() == ToolDeployCLI {
			scenarios = cfg.CLIScenarios
		}
		for _, profile := range cfg.Profiles {
			if !slices.ContainsFunc(scenarios, func(s string) bool { return s != S5 }) {
				break
			}
			runs, err := chain(ctx, cfg, t, profile, base, scenarios, logf)
			res.Runs = append(res.Runs, runs...)
			if err != nil {
				return res, err
			}
		}
		if slices.Contains(scenarios, S5) {
			runs, err := chain(ctx, cfg, t, "essentials", base, []string{S5}, logf)
			res.Runs = append(res.Runs, runs...)
			if err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// step is one deployment of a chain.
type step struct {
	id      string
	content Content
	measure bool
}

// chain runs the scenarios that share one tenant under profile: S1 (or S5),
// then S2, S3, S4 as asked.
func chain(ctx context.Context, cfg Config, t tool, profile string, base Content, scenarios []string, logf func(string, ...any)) ([]Run, error) {
	want := func(id string) bool { return slices.Contains(scenarios, id) }
	var steps []step
	if want(S5) && len(scenarios) == 1 {
		steps = []step{{S5, base, true}}
	} else {
		steps = append(steps, step{S1, base, want(S1)})
		cur := base
		if want(S2) {
			steps = append(steps, step{S2, cur, true})
		}
		if want(S3) {
			cur = ChangeOneRule(cur)
			steps = append(steps, step{S3, cur, true})
		}
		if want(S4) {
			cur = ReverseRuleOrders(cur)
			steps = append(steps, step{S4, cur, true})
		}
	}

	dir, err := os.MkdirTemp(cfg.WorkDir, strings.ReplaceAll(t.name(), "-", "")+"-"+profile+"-")
	if err != nil {
		return nil, err
	}
	srv, err := startServer(dir, profile, cfg.Latency, cfg.BuildDelay, SeedState(cfg.Sizes.Databases))
	if err != nil {
		return nil, err
	}
	defer srv.close()
	repo := filepath.Join(dir, "repo")

	var runs []Run
	for i, s := range steps {
		if i > 0 {
			// Start each deployment with a full bucket, as the floor assumes.
			if err := sleepCtx(ctx, srv.refillTime()+100*time.Millisecond); err != nil {
				return runs, err
			}
		}
		if err := t.write(repo, s.content); err != nil {
			return runs, fmt.Errorf("write the %s repository: %w", t.name(), err)
		}
		before := srv.sim.Snapshot()
		floor := ComputeFloor(before, s.content, srv.limit, cfg.Latency, true)
		srv.sim.ResetRequests()
		label := s.id
		if !s.measure {
			label += " (set-up)"
		}
		logf("%-16s %-11s %-10s …", t.name(), label, srv.profile)
		out, err := t.deploy(ctx, srv, repo)
		if err != nil {
			return runs, fmt.Errorf("%s %s: %w", t.name(), s.id, err)
		}
		run := Run{
			Tool: t.name(), Scenario: s.id, Profile: srv.profile,
			WallMS: ms(out.proc.Wall), MaxRSSKB: out.proc.MaxRSSKB, Exit: out.proc.Exit,
			Traffic: CountTraffic(srv.sim.Requests()), PipeAPI: out.api, Floor: floor,
			Failure: out.failure,
		}
		run.Problems = Verify(srv.sim.Snapshot(), s.content)
		logf("%-16s %-11s %-10s %7.2fs  %4d requests (%d writes), %d×429, %d×409  floor %d requests, %.2fs%s",
			t.name(), label, srv.profile, run.Wall().Seconds(), run.Traffic.Requests, run.Traffic.Writes,
			run.Traffic.RateLimited, run.Traffic.Conflicts, floor.Requests, floor.TimeMS/1000, statusNote(run))
		if s.measure {
			runs = append(runs, run)
		}
	}
	return runs, nil
}

func statusNote(r Run) string {
	switch {
	case r.Failure != "":
		return "  FAILED: " + r.Failure
	case len(r.Problems) > 0:
		return "  WRONG RESULT: " + strings.Join(r.Problems, "; ")
	}
	return ""
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Profile returns the stand-in's rate limit of a profile name (nil: none).
func Profile(name string) (*auth0sim.RateLimit, error) { return auth0sim.ParseProfile(name) }
