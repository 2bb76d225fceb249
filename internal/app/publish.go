package app

import (
	"context"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/insights"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/notify"
)

// publishTimeout bounds Code Insights and Slack together: a slow Bitbucket
// or Slack must not hold a finished deployment.
const publishTimeout = 60 * time.Second

// publish sends the report to Code Insights and Slack. Their failures are
// warnings (in the log and in report.json, which is rewritten) and never
// change the exit code or undo anything.
func (r *run) publish(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	warned := len(r.rep.Warnings)
	if r.cfg.CodeInsights {
		r.publishInsights(ctx)
	}
	r.notifySlack(ctx)
	if len(r.rep.Warnings) > warned {
		if err := r.writeReports(); err != nil {
			r.log.Warn().Msgf("could not rewrite the reports with the publishing warnings: %v", err)
		}
	}
}

func (r *run) publishInsights(ctx context.Context) {
	// Inside Pipelines or not is the configuration's decision, made once.
	cfg, err := insights.ResolveConfig(r.deps.Env, r.cfg.InPipelines)
	if err != nil {
		r.warn("Code Insights report not published: %v", err)
		return
	}
	if err := insights.Publish(ctx, cfg, r.rep); err != nil {
		r.warn("%s", err.Error())
		return
	}
	repo, commit := cfg.Repository, cfg.Commit
	if repo == "" {
		repo = r.rep.Repository
	}
	if commit == "" {
		commit = r.rep.Commit
	}
	r.log.Info().Msgf("Code Insights report published on %s@%s", repo, shortSHA(commit))
}

// notifySlack posts the run's message when SLACK_NOTIFY asks for it.
func (r *run) notifySlack(ctx context.Context) {
	cfg := notify.Config{WebhookURL: r.cfg.SlackWebhook.Reveal(), Notify: r.cfg.SlackNotify}
	if !notify.ShouldNotify(cfg, r.rep) {
		return
	}
	if err := notify.Send(ctx, cfg, r.rep); err != nil {
		r.warn("%s", err.Error())
		return
	}
	r.log.Info().Msg("Slack message sent")
}
