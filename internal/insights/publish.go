// Package insights publishes a run's account as a Bitbucket Code Insights
// report on the built commit: one report per commit and pipe, with
// annotations at the files and lines of every validation problem, change and
// failed operation.
//
// Publishing is best effort: Publish returns a one-line error meant to be
// logged as a warning, never a reason to fail or undo a deployment, and it
// never contains a credential.
package insights

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
)

// Publish replaces the run's Code Insights report on the commit: it deletes
// the previous report with the same id (and with it its annotations), creates
// the new one, then uploads the annotations in batches of at most 100. A
// refused DELETE does not stop it: the report is still created (PUT
// replaces it) and the annotations uploaded (upserted by external_id), and
// the error returned says the delete failed. The whole publication is
// bounded by PublishTimeout, each request by RequestTimeout.
//
// Repository and Commit default to the report's. The error, when not nil, is
// one line naming the cause (credential, scope, repository/commit, Bitbucket
// outage) and free of secrets.
func Publish(ctx context.Context, cfg Config, rep *report.Report) error {
	if rep == nil {
		return errors.New("Code Insights report not published: no run report")
	}
	if cfg.Repository == "" {
		cfg.Repository = rep.Repository
	}
	if cfg.Commit == "" {
		cfg.Commit = rep.Commit
	}
	if r, err := NormalizeRepository(cfg.Repository); err == nil {
		cfg.Repository = r
	}
	where := cfg.Repository + "@" + shortCommit(cfg.Commit)
	fail := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		return errors.New(scrub("Code Insights report for "+where+" "+msg, cfg.secrets()))
	}

	switch {
	case cfg.Repository == "":
		return errors.New("Code Insights report not published: no repository (set BITBUCKET_REPOSITORY)")
	case cfg.Commit == "":
		return errors.New("Code Insights report not published: no commit (BITBUCKET_COMMIT is not set)")
	case cfg.Proxy == "" && !cfg.hasCredentials():
		return fmt.Errorf("Code Insights report not published: %w", ErrNoCredentials)
	}
	if err := cfg.check(); err != nil {
		return fail("not published: %v", err)
	}
	c, err := newClient(cfg)
	if err != nil {
		return fail("not published: %v", err)
	}

	ctx, cancel := context.WithTimeout(ctx, PublishTimeout)
	defer cancel()

	p := BuildReport(rep)
	reportPath := "/repositories/" + escapeRepo(cfg.Repository) + "/commit/" + url.PathEscape(cfg.Commit) + "/reports/" + url.PathEscape(p.ID)

	// DELETE first: PUT on an existing report keeps its old annotations.
	// Bitbucket answering anything but 2xx/404 (the Pipelines proxy may
	// refuse DELETE) does not stop the publication: PUT replaces the
	// report and annotations are upserted by external_id, so a rerun of
	// the same content leaves the same report; only annotations of an
	// earlier, different run on this commit may remain. No answer at all
	// means Bitbucket cannot be reached: stop there.
	resp, err := c.do(ctx, http.MethodDelete, reportPath, nil)
	if err != nil {
		return fail("not published: delete the previous report %s: %v", p.ID, err)
	}
	var deleteErr error
	deleteStatus := resp.status
	if !ok(deleteStatus) && deleteStatus != http.StatusNotFound {
		deleteErr = c.statusError(resp)
	}
	notPublished := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		if deleteErr != nil {
			msg += fmt.Sprintf(" (deleting the previous report first failed too: %d %s)", deleteStatus, http.StatusText(deleteStatus))
		}
		return fail("%s", msg)
	}

	if resp, err = c.do(ctx, http.MethodPut, reportPath, p.Report); err != nil {
		return notPublished("not published: create report %s: %v", p.ID, err)
	}
	if !ok(resp.status) {
		return notPublished("not published: create report %s: %v", p.ID, c.statusError(resp))
	}

	total := len(p.Annotations)
	for start := 0; start < total; start += MaxAnnotationsPerReq {
		end := min(start+MaxAnnotationsPerReq, total)
		resp, err := c.do(ctx, http.MethodPost, reportPath+"/annotations", p.Annotations[start:end])
		if err == nil && !ok(resp.status) {
			err = c.statusError(resp)
		}
		if err != nil {
			return notPublished("published without all annotations: upload annotations %d-%d of %d: %v", start+1, end, total, err)
		}
	}
	if deleteErr != nil {
		return fail("published, but the previous report %s could not be deleted first: %v; annotations of an earlier run on this commit may remain next to this run's", p.ID, deleteErr)
	}
	return nil
}

func ok(status int) bool { return status >= 200 && status < 300 }

func escapeRepo(repo string) string {
	ws, slug, _ := strings.Cut(repo, "/")
	return url.PathEscape(ws) + "/" + url.PathEscape(slug)
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// scrub removes secret values from s, whatever produced it.
func scrub(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return oneLine(s)
}
