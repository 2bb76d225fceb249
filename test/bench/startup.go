package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Startup holds the start-up and memory figures.
type Startup struct {
	// ValidateExample: MODE=validate on a copy of examples/repository.
	ValidateExample Measure `json:"validate_example"`
	// ValidateLarge: MODE=validate on a generated repository of LargeRules
	// rules (plus the four pages).
	ValidateLarge Measure `json:"validate_large"`
	// DeployLarge: the first deploy of that repository, then a second one
	// (nothing to change), against the stand-in without latency or limit.
	DeployLarge Measure `json:"deploy_large"`
	LargeRules  int     `json:"large_rules"`
}

// Measure is the wall time and peak memory of repeated runs of one command.
type Measure struct {
	Command  string  `json:"command"`
	Runs     int     `json:"runs"`
	MedianMS float64 `json:"median_ms"`
	MinMS    float64 `json:"min_ms"`
	MaxMS    float64 `json:"max_ms"`
	// PeakRSSKB is the largest peak resident set size (ru_maxrss, what
	// /usr/bin/time -v reports as "Maximum resident set size") over the runs.
	PeakRSSKB int64 `json:"peak_rss_kb"`
	// Failure is set when a run did not exit 0.
	Failure string `json:"failure,omitempty"`
}

// StartupConfig says how to measure start-up.
type StartupConfig struct {
	Bin string
	// Example is examples/repository.
	Example string
	WorkDir string
	// Runs of each validation (the median is reported).
	Runs int
	// LargeRules is the size of the generated repository (1,000).
	LargeRules int
}

// exampleEnv is the configuration the example repository needs (as in
// test/e2e and the demo).
var exampleEnv = map[string]string{
	"MODE":                           "validate",
	"AUTH0_DOMAIN":                   "example.eu.auth0.com",
	"CODE_INSIGHTS":                  "false",
	"MANUAL_RULES":                   "auth0-authorization-extension",
	"AUTH0_KEYWORD_REPLACE_MAPPINGS": `{"COUNTRY_CLAIM": "https://example.com/country", "TENANT_NAME": "Example Corp", "SIGNUP_WEBHOOK_URL": "https://hooks.example.com/signup"}`,
}

// MeasureStartup times MODE=validate on the example (median of Runs) and
// measures validation and deployment of a LargeRules-rule repository.
func MeasureStartup(ctx context.Context, cfg StartupConfig) (*Startup, error) {
	st := &Startup{LargeRules: cfg.LargeRules}
	reports := filepath.Join(cfg.WorkDir, "startup-reports")
	example := filepath.Join(cfg.WorkDir, "example")
	if err := copyTree(cfg.Example, example); err != nil {
		return nil, fmt.Errorf("copy the example: %w", err)
	}
	env := withEnv(exampleEnv, "REPORT_DIR", reports)
	m, err := repeat(ctx, cfg.Bin, example, env, cfg.Runs)
	if err != nil {
		return nil, err
	}
	m.Command = "MODE=validate bin/auth0-deploy, in a copy of examples/repository (its MANUAL_RULES and keyword mappings)"
	st.ValidateExample = m

	large := filepath.Join(cfg.WorkDir, "large")
	if err := WritePipe(large, Generate(Sizes{Rules: cfg.LargeRules})); err != nil {
		return nil, err
	}
	env = map[string]string{"MODE": "validate", "AUTH0_DOMAIN": "example.eu.auth0.com", "CODE_INSIGHTS": "false", "REPORT_DIR": reports}
	if m, err = repeat(ctx, cfg.Bin, large, env, cfg.Runs); err != nil {
		return nil, err
	}
	m.Command = fmt.Sprintf("MODE=validate bin/auth0-deploy, in a generated repository of %d rules and 4 pages", cfg.LargeRules)
	st.ValidateLarge = m

	dir, err := os.MkdirTemp(cfg.WorkDir, "large-tenant-")
	if err != nil {
		return nil, err
	}
	srv, err := startServer(dir, "off", 0, 0, SeedState(0))
	if err != nil {
		return nil, err
	}
	defer srv.close()
	p := &pipeTool{bin: cfg.Bin, workDir: cfg.WorkDir}
	var walls []time.Duration
	var deploy Measure
	for range 2 {
		out, err := p.deploy(ctx, srv, large)
		if err != nil {
			return nil, err
		}
		walls = append(walls, out.proc.Wall)
		deploy.PeakRSSKB = max(deploy.PeakRSSKB, out.proc.MaxRSSKB)
		if out.failure != "" && deploy.Failure == "" {
			deploy.Failure = out.failure
		}
	}
	if problems := Verify(srv.sim.Snapshot(), Generate(Sizes{Rules: cfg.LargeRules})); len(problems) > 0 && deploy.Failure == "" {
		deploy.Failure = "wrong result: " + problems[0]
	}
	summarise(&deploy, walls)
	deploy.Command = fmt.Sprintf("MODE=deploy bin/auth0-deploy of the %d-rule repository against the stand-in (HTTPS, no latency, no rate limit): first deploy, then again with nothing to change", cfg.LargeRules)
	st.DeployLarge = deploy
	return st, nil
}

// repeat runs the pipe n times in dir with env.
func repeat(ctx context.Context, bin, dir string, env map[string]string, n int) (Measure, error) {
	var m Measure
	var walls []time.Duration
	for range max(n, 1) {
		res, err := runPipe(ctx, bin, dir, env)
		if err != nil {
			return m, err
		}
		if res.Exit != 0 && m.Failure == "" {
			m.Failure = fmt.Sprintf("exit %d: %s", res.Exit, oneLine(lastLines(res.Stdout+res.Stderr, 2)))
		}
		walls = append(walls, res.Wall)
		m.PeakRSSKB = max(m.PeakRSSKB, res.MaxRSSKB)
	}
	summarise(&m, walls)
	return m, nil
}

func summarise(m *Measure, walls []time.Duration) {
	slices.Sort(walls)
	m.Runs = len(walls)
	m.MinMS, m.MaxMS = ms(walls[0]), ms(walls[len(walls)-1])
	mid := len(walls) / 2
	if len(walls)%2 == 1 {
		m.MedianMS = ms(walls[mid])
	} else {
		m.MedianMS = (ms(walls[mid-1]) + ms(walls[mid])) / 2
	}
}

func withEnv(base map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// copyTree copies the files under src into dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == "auth0-deploy-report" {
				return filepath.SkipDir // reports of a local run of the README's example
			}
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
