// Package app runs the pipe: configuration → workspace → tenant → plan →
// deploy → reports, as a fixed sequence of steps. Each step either goes on,
// stops the run with an outcome (invalid, failed), or is skipped with a
// reason that the log states.
package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/config"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/redact"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/version"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailed  = 1
	ExitInvalid = 2
	ExitPending = 3
)

// Deps are the run's connections to the outside world.
type Deps struct {
	Stdout io.Writer
	Now    func() time.Time
	Env    func(string) (string, bool)
	// Color forces colored console output on or off; nil decides from the environment.
	Color *bool
}

// run carries one run's state from step to step.
type run struct {
	cfg     *config.Config
	deps    Deps
	out     io.Writer // redacted stdout
	log     zerolog.Logger
	redact  *redact.Redactor
	rep     *report.Report
	start   time.Time
	desired *model.Desired
	// noReports: REPORT_DIR itself is wrong; write no report files.
	noReports bool
}

// Run executes one run and returns the process exit code.
func Run(ctx context.Context, cfg *config.Config, deps Deps) int {
	r := newRun(cfg, deps)
	code := r.execute(ctx)
	r.finish(ctx)
	return code
}

func newRun(cfg *config.Config, deps Deps) *run {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Env == nil {
		deps.Env = os.LookupEnv
	}
	if deps.Stdout == nil {
		deps.Stdout = os.Stdout
	}
	red := redact.New(cfg.Secrets())
	out := red.Writer(deps.Stdout)
	r := &run{cfg: cfg, deps: deps, out: out, redact: red, start: deps.Now()}
	r.log = NewLogger(out, cfg.Debug, r.color())
	r.rep = &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: version.Name, Version: version.Version},
		Mode:          cfg.Mode,
		Status:        report.StatusSucceeded,
		Tenant:        cfg.TenantName(),
		Repository:    cfg.Repository,
		Branch:        cfg.Branch,
		Commit:        cfg.Commit,
		BuildNumber:   cfg.BuildNumber,
		PipelineURL:   cfg.PipelineURL(),
		BaseDir:       cfg.RelBaseDir(),
		StartedAt:     r.start.UTC(),
		Counts:        map[model.Kind]report.Counts{},
		Items:         []report.Item{},
		Problems:      []model.Problem{},
	}
	return r
}

func (r *run) color() bool {
	if r.deps.Color != nil {
		return *r.deps.Color
	}
	if _, ok := r.deps.Env("NO_COLOR"); ok {
		return false
	}
	if f, ok := r.deps.Stdout.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return true
		}
	}
	// The Pipelines log renders ANSI colors.
	return r.cfg.InPipelines
}

func (r *run) execute(ctx context.Context) int {
	cfg := r.cfg
	r.log.Info().Msgf("%s %s: mode=%s tenant=%s base_dir=%s%s", version.Name, version.Version, cfg.Mode, orDash(cfg.TenantName()), cfg.RelBaseDir(), r.gitContext())
	for _, w := range cfg.Warnings {
		r.warn("%s", w)
	}

	// Step: read and validate the repository, offline.
	if code, stop := r.readWorkspace(); stop {
		return code
	}
	if cfg.Mode == config.ModeValidate {
		r.describeDesired()
		r.log.Info().Msg("validation passed: nothing was sent to any tenant (MODE=validate)")
		return ExitOK
	}
	return r.tenantSteps(ctx)
}

func (r *run) gitContext() string {
	var parts []string
	if r.cfg.Repository != "" {
		parts = append(parts, "repository="+r.cfg.Repository)
	}
	if r.cfg.Branch != "" {
		parts = append(parts, "branch="+r.cfg.Branch)
	}
	if r.cfg.Commit != "" {
		parts = append(parts, "commit="+shortSHA(r.cfg.Commit))
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}

func (r *run) readWorkspace() (int, bool) {
	root := filepath.Join(r.cfg.Workspace, filepath.FromSlash(r.cfg.BaseDir))
	if err := insideRepository(r.cfg.Workspace, root); err != nil {
		r.addProblems(model.Problems{{Severity: model.SeverityError, Path: r.cfg.RelBaseDir(), Message: err.Error()}})
		return r.invalid("BASE_DIR leaves the repository: nothing was read or written"), true
	}
	desired, problems := workspace.Read(os.DirFS(root), workspace.Options{
		PathPrefix:          r.cfg.BaseDir,
		Mappings:            r.cfg.Mappings,
		ManualRules:         r.cfg.ManualRules,
		ManualActions:       r.cfg.ManualActions,
		LookupEnv:           r.deps.Env,
		RequireSecretValues: r.cfg.Mode != config.ModeValidate,
		Ignore:              ignoredTopLevel(root, r.cfg.ReportDir),
		Layout:              r.cfg.Layout,
	})
	r.desired = desired
	r.addProblems(problems)
	if problems.HasErrors() {
		return r.invalid("the repository has %s: nothing was written", countPhrase(problems)), true
	}
	return 0, false
}

// insideRepository checks that root (BASE_DIR), with every symbolic link
// on its way resolved, is the repository or a folder inside it: a BASE_DIR
// that is (or goes through) a link to elsewhere on the machine is refused,
// as a link inside BASE_DIR is.
func insideRepository(workspace, root string) error {
	realWS, err := filepath.EvalSymlinks(workspace)
	if err != nil {
		return fmt.Errorf("the repository folder cannot be resolved: %w", err)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("BASE_DIR cannot be resolved: %w", err)
	}
	rel, err := filepath.Rel(realWS, realRoot)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return fmt.Errorf("BASE_DIR is, or goes through, a symbolic link that leads outside the repository: not read")
	}
	return nil
}

// ignoredTopLevel returns the top-level entry of root that holds the
// report folder, when the report folder lies inside root.
func ignoredTopLevel(root, reportDir string) []string {
	rel, err := filepath.Rel(root, reportDir)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return nil
	}
	top := strings.Split(filepath.ToSlash(rel), "/")[0]
	switch top {
	case "rules", "rules-configs", "database-connections", "pages", "actions", "triggers":
		return nil // never hide a managed folder; its stray files are reported
	}
	return []string{top}
}

// addProblems records problems in the report and prints them, one per line.
func (r *run) addProblems(problems model.Problems) {
	problems.Sort()
	for _, p := range problems {
		fmt.Fprintln(r.out, p.String())
	}
	r.rep.Problems = append(r.rep.Problems, problems...)
	if len(problems) > 0 {
		errs, warns := problems.Count()
		fmt.Fprintf(r.out, "%d error(s), %d warning(s)\n", errs, warns)
	}
}

// invalid stops the run with exit code 2.
func (r *run) invalid(format string, args ...any) int {
	msg := fmt.Sprintf(format, args...)
	r.rep.Status = report.StatusInvalid
	r.rep.Error = msg
	r.log.Error().Msg(msg)
	return ExitInvalid
}

// failed stops the run with exit code 1.
func (r *run) failed(format string, args ...any) int {
	msg := fmt.Sprintf(format, args...)
	r.rep.Status = report.StatusFailed
	r.rep.Error = msg
	r.log.Error().Msg(msg)
	return ExitFailed
}

func (r *run) describeDesired() {
	d := r.desired
	if d == nil {
		return
	}
	managed := func(ok bool, n int, what string) string {
		if !ok {
			return what + ": not managed (no folder)"
		}
		return fmt.Sprintf("%s: %d", what, n)
	}
	r.log.Info().Msgf("found (%s layout) %s; %s; %s; pages: %d; %s", d.Layout,
		managed(d.RulesManaged, len(d.Rules), "rules"),
		managed(d.RulesConfigsManaged, len(d.RulesConfigs), "rules configs"),
		managed(d.DatabasesManaged, len(d.Databases), "database connections"),
		len(d.Pages),
		managed(d.ActionsManaged, len(d.Actions), "actions"))
	for _, rule := range d.Rules {
		r.log.Info().Msgf("  rule %s (%s)", rule.Name, rule.Source().Path)
	}
	for _, rc := range d.RulesConfigs {
		r.log.Info().Msgf("  rules config %s (%s)", rc.Key, rc.Source.Path)
	}
	for _, db := range d.Databases {
		names := make([]string, 0, len(db.Scripts))
		for name := range db.Scripts {
			names = append(names, name)
		}
		sortStrings(names)
		r.log.Info().Msgf("  database %s: %s (%s)", db.Name, strings.Join(names, ", "), db.Source.Path)
	}
	for _, p := range d.Pages {
		r.log.Info().Msgf("  page %s (%s)", p.Name, p.Source().Path)
	}
	for _, a := range d.Actions {
		r.log.Info().Msgf("  action %s → %s (%s)", a.Name, a.Trigger, a.Source().Path)
	}
}

func countPhrase(ps model.Problems) string {
	errs, _ := ps.Count()
	if errs == 1 {
		return "1 error"
	}
	return fmt.Sprintf("%d errors", errs)
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// RunInvalidConfig accounts for a run stopped by configuration problems:
// it prints them, and writes the reports and notifies Code Insights and
// Slack as far as the configuration allows (a broken REPORT_DIR or Slack
// URL is then a warning). It returns exit code 2.
func RunInvalidConfig(ctx context.Context, cfg *config.Config, problems []config.Problem, deps Deps) int {
	r := newRun(cfg, deps)
	fmt.Fprintf(r.out, "%s %s: invalid configuration (%d problem(s)); nothing was read or written:\n", version.Name, version.Version, len(problems))
	for _, p := range problems {
		fmt.Fprintf(r.out, "  %s\n", p)
		r.rep.Problems = append(r.rep.Problems, model.Problem{Severity: model.SeverityError, Message: p.String()})
	}
	for _, p := range problems {
		if p.Variable == "REPORT_DIR" || p.Variable == "BITBUCKET_CLONE_DIR" {
			r.noReports = true // the reports would land where they must not
		}
	}
	r.rep.Status = report.StatusInvalid
	r.rep.Error = fmt.Sprintf("invalid configuration (%d problem(s)): %s", len(problems), problems[0])
	r.finish(ctx)
	return ExitInvalid
}
