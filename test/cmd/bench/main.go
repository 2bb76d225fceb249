// Command bench measures the pipe against the Management API's physical
// limit and against auth0-deploy-cli, on the Auth0 stand-in (HTTPS, latency,
// rate-limit profiles), plus its start-up time and peak memory. `make bench`
// runs it with the defaults (the sizes) on bin/auth0-deploy.
//
// It prints a table, writes test/bench-results/results.md and results.json,
// and exits 1 when a pipe run fails or a target is missed. See
// docs/performance.md for the scenarios, the floor and the figures.
//
//	go run ./test/cmd/bench -scenarios S1,S2 -cli=false -startup=false
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/bench"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	bin, out, cliCache string
	sizes              bench.Sizes
	latency, build     time.Duration
	profiles           string
	scenarios          string
	cli                bool
	cliScenarios       string
	startup            bool
	startupRuns        int
	largeRules         int
	keep               bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.bin, "bin", "bin/auth0-deploy", "the pipe binary (make build)")
	fs.StringVar(&o.out, "out", "test/bench-results", "folder for results.md and results.json")
	fs.IntVar(&o.sizes.Rules, "rules", bench.DefaultSizes.Rules, "rules in the scenarios")
	fs.IntVar(&o.sizes.Databases, "databases", bench.DefaultSizes.Databases, "database connections (each with all 7 scripts)")
	fs.IntVar(&o.sizes.Actions, "actions", bench.DefaultSizes.Actions, "post-login actions")
	fs.DurationVar(&o.latency, "latency", 50*time.Millisecond, "latency the stand-in adds to every request")
	fs.DurationVar(&o.build, "build-delay", 0, "time an action draft takes to build on the stand-in")
	fs.StringVar(&o.profiles, "profiles", "enterprise", "rate-limit profiles S1–S4 run under, one tenant each: off, free, essentials, enterprise (S5 is always essentials)")
	fs.StringVar(&o.scenarios, "scenarios", "S1,S2,S3,S4,S5", "scenarios for the pipe")
	fs.BoolVar(&o.cli, "cli", true, "compare with auth0-deploy-cli "+bench.DeployCLIVersion+" (installed with npm; skipped when npm or the registry is not reachable)")
	fs.StringVar(&o.cliScenarios, "cli-scenarios", "S1,S2,S3,S4,S5", "scenarios for auth0-deploy-cli")
	fs.StringVar(&o.cliCache, "cli-cache", filepath.Join(cache, "auth0-deploy-bench"), "npm install folder for auth0-deploy-cli, outside the repository")
	fs.BoolVar(&o.startup, "startup", true, "measure start-up time and peak memory")
	fs.IntVar(&o.startupRuns, "startup-runs", 15, "runs of each validation (the median is reported)")
	fs.IntVar(&o.largeRules, "large-rules", 1000, "rules in the repository whose memory is measured")
	fs.BoolVar(&o.keep, "keep", false, "keep the generated repositories and reports (the folder is printed)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	for _, p := range split(o.profiles) {
		if _, err := bench.Profile(p); err != nil {
			return o, err
		}
	}
	for _, s := range append(split(o.scenarios), split(o.cliScenarios)...) {
		if !slices.Contains(bench.AllScenarios, s) {
			return o, fmt.Errorf("unknown scenario %q (want S1..S5)", s)
		}
	}
	if o.sizes.Rules < 1 || o.sizes.Databases < 0 || o.sizes.Actions < 0 {
		return o, errors.New("-rules must be at least 1; -databases and -actions at least 0")
	}
	return o, nil
}

func split(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.ToUpper(strings.TrimSpace(x)); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	root := harness.RepoRoot()
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, p)
	}
	bin := abs(o.bin)
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s: %w (run make build, or make bench)", bin, err)
	}
	work, err := os.MkdirTemp("", "auth0-deploy-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintf(stdout, "work folder: %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}

	profiles := split(o.profiles)
	for i := range profiles {
		profiles[i] = strings.ToLower(profiles[i])
	}
	res, err := bench.Bench(ctx, bench.Config{
		Bin: bin, WorkDir: work, Sizes: o.sizes, Latency: o.latency, BuildDelay: o.build,
		Profiles: profiles, Scenarios: split(o.scenarios),
		DeployCLI: o.cli, CLIScenarios: split(o.cliScenarios), CLICacheDir: o.cliCache,
		Log: stdout,
	})
	if err != nil {
		return err
	}
	if o.startup {
		fmt.Fprintln(stdout, "start-up and memory …")
		st, err := bench.MeasureStartup(ctx, bench.StartupConfig{
			Bin: bin, Example: filepath.Join(root, "examples", "repository"), WorkDir: work,
			Runs: o.startupRuns, LargeRules: o.largeRules,
		})
		if err != nil {
			return fmt.Errorf("start-up: %w", err)
		}
		res.Startup = st
	}
	res.DurationMS = float64(time.Since(res.StartedAt)) / float64(time.Millisecond)
	res.Machine.LoadEnd = bench.LoadAverage()

	out := abs(o.out)
	if err := res.Write(out); err != nil {
		return fmt.Errorf("write the results: %w", err)
	}
	fmt.Fprintf(stdout, "\n%s\nResults: %s, %s\n", res.Markdown(),
		filepath.Join(o.out, "results.md"), filepath.Join(o.out, "results.json"))
	var missed []string
	for _, c := range res.Checks() {
		if !c.Pass {
			missed = append(missed, c.Name+": "+c.Detail)
		}
	}
	if len(missed) > 0 {
		return fmt.Errorf("target missed:\n  %s", strings.Join(missed, "\n  "))
	}
	return nil
}
