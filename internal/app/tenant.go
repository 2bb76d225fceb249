package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/config"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/deploy"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/plan"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/tenant"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/version"
)

// tenantSteps: connect, read the tenant, plan, and in deploy mode back up
// and apply.
func (r *run) tenantSteps(ctx context.Context) int {
	cfg := r.cfg
	deadline := r.start.Add(cfg.Timeout)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	mode := cfg.Mode
	if mode == config.ModeDeploy && cfg.DeployBranch != "" && cfg.Branch != cfg.DeployBranch {
		note := fmt.Sprintf("DEPLOY_BRANCH is %q but this build is on %s: ran as plan, nothing was written", cfg.DeployBranch, describeBranch(cfg.Branch, cfg.Tag))
		r.rep.Notes = append(r.rep.Notes, note)
		r.log.Warn().Msg(note)
		mode = config.ModePlan
		r.rep.Mode = mode
	}

	client, err := tenant.New(ctx, tenant.Options{
		Domain:         cfg.BaseURL.String(),
		ClientID:       cfg.ClientID,
		ClientSecret:   cfg.ClientSecret.Reveal(),
		Audience:       cfg.Audience,
		Deadline:       deadline,
		AttemptTimeout: attemptTimeout(cfg.Timeout),
		RunTimeout:     cfg.Timeout,
		Logger:         r.log,
		UserAgent:      version.Name + "/" + version.Version,
	})
	if err != nil {
		return r.invalid("%s", explain(err))
	}
	defer func() { r.rep.API = client.Usage() }()

	req := readRequest(r.desired)
	r.log.Info().Msgf("reading the tenant %s", cfg.TenantName())
	current, err := client.Read(ctx, req)
	if err != nil {
		if isConfigError(err) {
			return r.invalid("could not read the tenant: %s", explain(err))
		}
		return r.failed("could not read the tenant, nothing was written: %s", explain(err))
	}
	if !current.RulesAvailable && (r.desired.RulesManaged || r.desired.RulesConfigsManaged) {
		r.warnRulesSkipped(current)
	}

	popts := plan.Options{
		ManualRules:     cfg.ManualRules,
		ManualActions:   cfg.ManualActions,
		AllowDelete:     cfg.AllowDelete,
		RedeployActions: cfg.RedeployActions,
	}
	p := plan.Build(r.desired, current, popts)
	r.rep.Notes = append(r.rep.Notes, p.Notes...)
	if len(p.Problems) > 0 {
		r.addProblems(p.Problems)
	}
	if p.Problems.HasErrors() {
		r.recordItems(p, nil, mode)
		return r.invalid("the repository does not fit the tenant (%s): nothing was written", countPhrase(p.Problems))
	}

	// Missing scopes stop the run before the first write (in plan mode
	// too: the deployment would fail half-way).
	if code, stop := r.checkScopes(client, p, mode); stop {
		return code
	}

	if mode == config.ModePlan {
		r.recordItems(p, nil, mode)
		r.logPlan(p)
		pending := p.Pending()
		// A deploy turned into a plan by DEPLOY_BRANCH is not a drift check.
		if pending > 0 && cfg.DetailedExitCode && cfg.Mode == config.ModePlan {
			r.log.Info().Msgf("%d change(s) pending (DETAILED_EXITCODE=true: exit code 3)", pending)
			return ExitPending
		}
		return ExitOK
	}

	if len(p.Writes) == 0 {
		r.recordItems(p, nil, mode)
		r.logUnchanged(p, !current.RulesAvailable && r.desired.RulesManaged)
		return ExitOK
	}

	// Back up what the writes overwrite or delete, before the first write.
	backupDir := filepath.Join(cfg.ReportDir, "backup")
	files, err := deploy.Backup(backupDir, r.desired, current, p, cfg.ManualRules, cfg.ManualActions, cfg.Mappings)
	if err != nil {
		r.recordItems(p, nil, mode)
		return r.failed("could not write the backup to %s, nothing was written: %v", r.displayPath(backupDir), err)
	}
	r.rep.BackupDir = r.displayPath(backupDir)
	r.log.Info().Msgf("backed up %d file(s) of the current tenant state to %s", len(files), r.rep.BackupDir)

	r.logSkips(p)
	conc := client.Concurrency()
	r.log.Info().Msgf("applying %d write(s), up to %d at a time", len(p.Writes), conc)
	res := deploy.Apply(ctx, p, client, deploy.Options{Concurrency: conc, Log: r.log, OnDone: r.progress(p)})
	r.recordItems(p, res, mode)
	if res.Err != nil {
		applied, notApplied := 0, 0
		for _, o := range res.Outcomes {
			switch o.State {
			case deploy.Succeeded:
				applied++
			case deploy.NotStarted:
				notApplied++
			}
		}
		if res.FailedWrite == nil {
			// No write failed: the run was stopped between writes.
			return r.failed("the deployment stopped before every write was made: %s (%d write(s) applied, %d not applied, no deletion after the stop; run again to converge)",
				r.stopReason(ctx), applied, notApplied)
		}
		title, _, _ := strings.Cut(res.FailedWrite.Desc, " (")
		return r.failed("%s failed: %s (%d write(s) applied, %d not applied, no deletion after the failure; run again to converge)",
			title, explain(res.Err), applied, notApplied)
	}
	if p.Pending() == 0 {
		return ExitOK // only rules-config values, which cannot be read back
	}
	return r.readBack(ctx, client, req, popts)
}

// readBack reads the tenant again after a deployment that changed it and
// plans again: a tenant in the repository's state plans no change. Every
// write succeeded, so a difference means the tenant changed during the
// run: another deployment overlapping this one, or a hand edit. Two
// overlapping runs can thus never both succeed on a tenant left in neither
// repository's state: the one that finishes last sees the other's writes.
func (r *run) readBack(ctx context.Context, client *tenant.Client, req model.ReadRequest, popts plan.Options) int {
	after, err := client.Read(ctx, req)
	if err != nil {
		r.warn("every write succeeded, but reading the tenant back to check it failed: %s", explain(err))
		return ExitOK
	}
	popts.RedeployActions = nil // forced updates are done: only real differences count
	again := plan.Build(r.desired, after, popts)
	var differ []string
	for _, it := range again.Items {
		if it.Changes() {
			differ = append(differ, kindWord(it.Kind)+" "+it.Name)
		}
	}
	for _, pr := range again.Problems {
		if pr.Severity == model.SeverityError {
			differ = append(differ, pr.Message)
		}
	}
	if len(differ) == 0 {
		r.log.Info().Msg("read back: the tenant matches the repository")
		return ExitOK
	}
	return r.failed("the tenant changed during the deployment: every write succeeded, but read back afterwards it differs from the repository in %s (%s); another deployment overlapping this one, or a hand edit, changed the tenant; run again",
		countNoun(len(differ), "item"), strings.Join(differ, ", "))
}

// checkScopes compares the scopes the plan's writes need with those the
// token answer listed. Missing ones stop the run with exit code 2 before
// anything is written, naming each scope and the changes that need it.
// Without a scope list (the answer had none, or an empty one) nothing is
// checked. In plan mode, an application holding read scopes only is one
// made for plans (docs/network.md): its scopes say nothing about the
// deploying application's, so they are not held against the plan.
func (r *run) checkScopes(client *tenant.Client, p *plan.Plan, mode string) (int, bool) {
	if len(p.Writes) == 0 {
		return 0, false
	}
	granted, known := client.GrantedScopes()
	if !known {
		r.log.Debug().Msg("the token answer lists no scopes: the scopes the writes need were not checked")
		return 0, false
	}
	missing := missingScopes(p, granted)
	if len(missing) == 0 {
		return 0, false
	}
	if mode == config.ModePlan && readOnly(granted) {
		r.log.Info().Msg("the application has read scopes only: the write scopes a deployment needs were not checked")
		return 0, false
	}
	what := "the planned changes need Management API scopes the application lacks"
	outcome := "nothing was written"
	if mode == config.ModePlan {
		what = "the deployment would fail: the planned changes need Management API scopes the application lacks"
		outcome = fmt.Sprintf("nothing was written (MODE=%s)", r.rep.Mode)
	}
	code := r.invalid("%s: %s; %s; %s", what, describeMissing(missing), outcome, grantHint)
	r.recordItems(p, nil, mode)
	return code, true
}

// warnRulesSkipped says why the rules step was skipped and what in the
// repository was therefore not deployed.
func (r *run) warnRulesSkipped(current *model.Current) {
	var skipped []string
	if n := len(r.desired.Rules); r.desired.RulesManaged && n > 0 {
		skipped = append(skipped, fmt.Sprintf("%s from rules/", countNoun(n, "rule")))
	}
	if n := len(r.desired.RulesConfigs); r.desired.RulesConfigsManaged && n > 0 {
		skipped = append(skipped, fmt.Sprintf("%s from rules-configs/", countNoun(n, "rules config")))
	}
	notDeployed := ""
	if len(skipped) > 0 {
		notDeployed = "; not deployed: " + strings.Join(skipped, " and ")
	}
	if tenant.MissingReadRulesScope(current) {
		r.warn("the application lacks the read:rules scope, so the rules of tenant %s could not be read: the rules and rules-configs steps were skipped%s; grant read:rules (and create:rules, update:rules, delete:rules to deploy them) to the application in the Auth0 dashboard (Applications > APIs > Auth0 Management API > Machine To Machine Applications) and run again", r.cfg.TenantName(), notDeployed)
		return
	}
	r.warn("Rules are not available on tenant %s (end of life 2026-11-18): the rules and rules-configs steps were skipped%s; migrate rules to Actions (see README \"Migrating rules to actions\")", r.cfg.TenantName(), notDeployed)
}

// stopReason says why ctx stopped the run: TIMEOUT reached, or the signal
// that canceled it.
func (r *run) stopReason(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("TIMEOUT=%s reached; raise TIMEOUT or run again", tenant.FormatDuration(r.cfg.Timeout))
	}
	return tenant.CancelReason(ctx)
}

// countNoun is "1 item" or "3 items".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// attemptsPerTimeout: one HTTP attempt may take at most this share of
// TIMEOUT, so that an answer that never comes can be retried before the
// run's deadline (the retry policy allows 5 attempts).
const attemptsPerTimeout = 5

// attemptTimeout bounds one HTTP attempt to the tenant: the adapter's 30 s,
// or TIMEOUT/5 when TIMEOUT is shorter than 2m30s.
func attemptTimeout(runTimeout time.Duration) time.Duration {
	return min(tenant.DefaultAttemptTimeout, runTimeout/attemptsPerTimeout)
}

func describeBranch(branch, tag string) string {
	switch {
	case branch != "":
		return "branch " + branch
	case tag != "":
		return "tag " + tag
	}
	return "no branch (BITBUCKET_BRANCH is not set)"
}

// readRequest reads only what the repository manages.
func readRequest(d *model.Desired) model.ReadRequest {
	req := model.ReadRequest{
		Rules:        d.RulesManaged,
		RulesConfigs: d.RulesConfigsManaged,
		Databases:    d.DatabasesManaged && len(d.Databases) > 0,
		// Explicit bindings (auth0-deploy-cli's triggers/) refer to the
		// tenant's actions even when actions/ is not managed.
		Actions: d.ActionsManaged || len(d.Bindings) > 0,
	}
	for _, db := range d.Databases {
		req.DatabaseNames = append(req.DatabaseNames, db.Name)
	}
	for _, p := range d.Pages {
		if p.Name == model.PageLogin {
			req.LoginPage = true
		} else {
			req.TenantPages = true
		}
	}
	seen := map[string]bool{}
	for _, a := range d.Actions {
		if !seen[a.Trigger] && a.Trigger != "" {
			seen[a.Trigger] = true
			req.Triggers = append(req.Triggers, a.Trigger)
		}
	}
	for t := range d.Bindings {
		if !seen[t] {
			seen[t] = true
			req.Triggers = append(req.Triggers, t)
		}
	}
	return req
}

// isConfigError tells a configuration problem (credentials, scopes,
// audience, a domain that does not exist) from an operational failure. A
// token request that failed on Auth0's side (5xx, 429 or no answer, after
// retrying) is operational: the configuration may be right.
func isConfigError(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return true
	}
	var te *tenant.Error
	if errors.As(err, &te) {
		switch te.Status {
		case 400, 401, 403:
			return true
		}
	}
	return false
}

// recordItems fills the report's items from the plan and, in deploy mode,
// from the outcome of each item's writes; it logs one line per change.
func (r *run) recordItems(p *plan.Plan, res *deploy.Result, mode string) {
	for _, it := range p.Items {
		ri := report.Item{Kind: it.Kind, Name: it.Name, Path: it.Source.Path, Line: it.Source.Line, Action: string(it.Op), Reason: it.Reason, Refresh: it.Blind}
		switch {
		case it.Op == plan.OpUnchanged && len(it.Writes) == 0:
			ri.Result = report.ResultUnchanged
		case it.Op == plan.OpSkip && len(it.Writes) == 0:
			ri.Result = report.ResultSkipped
		case mode != config.ModeDeploy || res == nil:
			ri.Result = report.ResultPlanned
			if r.rep.Status == report.StatusInvalid || p.Problems.HasErrors() {
				ri.Result = report.ResultNotApplied
			}
		default:
			state, err, _ := res.ItemOutcome(it)
			switch state {
			case deploy.Succeeded:
				ri.Result = report.ResultApplied
			case deploy.Failed:
				ri.Result = report.ResultFailed
				ri.Error = explain(err)
			default:
				ri.Result = report.ResultNotApplied
			}
		}
		r.rep.Items = append(r.rep.Items, ri)
	}
}

// progress logs each item as soon as its last write succeeds, and each
// failed write at once, so that a long deployment shows where it is.
func (r *run) progress(p *plan.Plan) func(*plan.Write, error) {
	left := map[*plan.Item]int{}
	for _, it := range p.Items {
		left[it] = len(it.Writes)
	}
	return func(w *plan.Write, err error) {
		if err != nil {
			r.log.Error().Msgf("failed: %s: %s", w.Desc, explain(err))
			return
		}
		for _, it := range w.Items {
			left[it]--
			if left[it] == 0 {
				r.log.Info().Msgf("%s %s %s%s", pastTense(it.Op), kindWord(it.Kind), it.Name, reasonSuffix(it))
			}
		}
	}
}

func (r *run) logPlan(p *plan.Plan) {
	for _, it := range p.Items {
		if it.Op == plan.OpUnchanged {
			continue
		}
		verb := "would " + string(it.Op)
		if it.Op == plan.OpSkip {
			verb = "skip"
		}
		r.log.Info().Msgf("%s %s %s%s", verb, kindWord(it.Kind), it.Name, reasonSuffix(it))
	}
	r.log.Info().Msgf("plan: %d change(s) pending, %d write(s); nothing was written (MODE=%s)", p.Pending(), len(p.Writes), r.rep.Mode)
}

func (r *run) logUnchanged(p *plan.Plan, rulesSkipped bool) {
	r.logSkips(p)
	if rulesSkipped {
		// Rules skipped as a whole (end of life, missing read:rules): the
		// tenant's rules were not compared with rules/.
		r.log.Info().Msg("nothing to write; the rules were not compared (see the warning above)")
		return
	}
	r.log.Info().Msg("the tenant already matches the repository: nothing to write")
}

func (r *run) logSkips(p *plan.Plan) {
	for _, it := range p.Items {
		if it.Op == plan.OpSkip && len(it.Writes) == 0 {
			r.log.Info().Msgf("skipped %s %s%s", kindWord(it.Kind), it.Name, reasonSuffix(it))
		}
	}
}

func reasonSuffix(it *plan.Item) string {
	if it.Reason == "" {
		return ""
	}
	return " (" + it.Reason + ")"
}

func pastTense(op plan.Op) string {
	switch op {
	case plan.OpCreate:
		return "created"
	case plan.OpUpdate:
		return "updated"
	case plan.OpDelete:
		return "deleted"
	case plan.OpSkip:
		return "skipped"
	}
	return string(op)
}

func kindWord(k model.Kind) string {
	switch k {
	case model.KindRulesConfig:
		return "rules config"
	case model.KindDatabase:
		return "database"
	case model.KindBindings:
		return "bindings of trigger"
	}
	return string(k)
}

// explain is the error on one line followed by the tenant adapter's hint
// (the missing scope, the credential to check, ...) when it has one.
func explain(err error) string {
	msg := oneLine(err)
	if h := strings.TrimSpace(tenant.Hint(err)); h != "" && !strings.Contains(msg, h) {
		msg += " (" + strings.Join(strings.Fields(h), " ") + ")"
	}
	return msg
}

// oneLine keeps an error on one line.
func oneLine(err error) string {
	if err == nil {
		return ""
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}
