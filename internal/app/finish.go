package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
)

// finish completes the report, writes report.json and report.md, prints
// the summary and publishes to Code Insights and Slack. Nothing here can
// change the exit code: failures are warnings.
func (r *run) finish(ctx context.Context) {
	rep := r.rep
	rep.DurationMS = r.deps.Now().Sub(r.start).Milliseconds()
	tallyCounts(rep)
	r.scrubReport()

	if err := r.writeReports(); err != nil {
		r.warn("could not write the reports to %s: %v", r.displayPath(r.cfg.ReportDir), err)
	}
	r.printSummary()
	r.publish(ctx)
}

// warn logs a run-time warning and records it in the report.
func (r *run) warn(format string, args ...any) {
	msg := r.redact.String(fmt.Sprintf(format, args...))
	r.rep.Warnings = append(r.rep.Warnings, msg)
	r.log.Warn().Msg(msg)
}

// tallyCounts derives the per-kind and total counts from the items.
// Every write counts in created/updated/deleted, rules-config rewrites
// included; Counts.Changes leaves the rewrites out.
func tallyCounts(rep *report.Report) {
	rep.Counts = map[model.Kind]report.Counts{}
	var total report.Counts
	for _, it := range rep.Items {
		c := rep.Counts[it.Kind]
		add := func(c *report.Counts) {
			switch {
			case it.Result == report.ResultFailed:
				c.Failed++
			case it.Result == report.ResultSkipped || it.Action == "skip":
				c.Skipped++
			case it.Result == report.ResultUnchanged || it.Action == "unchanged":
				c.Unchanged++
			case it.Result == report.ResultNotApplied:
				// counted in neither: the report lists it as not applied
			case it.Action == "create":
				c.Created++
			case it.Action == "update":
				c.Updated++
			case it.Action == "delete":
				c.Deleted++
			}
			// A value written on every run (rules configs) is a write like
			// any other in the six counts; Rewritten says how many of them
			// were only that, so that they are not taken for changes.
			if it.Refresh && (it.Result == report.ResultApplied || it.Result == report.ResultPlanned) && (it.Action == "create" || it.Action == "update") {
				c.Rewritten++
			}
		}
		add(&c)
		add(&total)
		rep.Counts[it.Kind] = c
	}
	rep.Total = total
}

// scrubReport masks any secret that reached a report string.
func (r *run) scrubReport() {
	rep := r.rep
	x := r.redact
	rep.Error = x.String(rep.Error)
	x.Strings(rep.Notes)
	x.Strings(rep.Warnings)
	for i := range rep.Items {
		rep.Items[i].Name = x.String(rep.Items[i].Name)
		rep.Items[i].Reason = x.String(rep.Items[i].Reason)
		rep.Items[i].Error = x.String(rep.Items[i].Error)
	}
	for i := range rep.Problems {
		rep.Problems[i].Message = x.String(rep.Problems[i].Message)
	}
}

func (r *run) writeReports() error {
	if r.noReports {
		return nil
	}
	dir := r.cfg.ReportDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r.rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	md := report.Markdown(r.rep)
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(r.redact.String(md)), 0o644)
}

// displayPath shows a path relative to the workspace when inside it.
func (r *run) displayPath(p string) string {
	if rel, err := filepath.Rel(r.cfg.Workspace, p); err == nil && !filepath.IsAbs(rel) && rel != ".." && !hasDotDotPrefix(rel) {
		return filepath.ToSlash(rel)
	}
	return p
}

func hasDotDotPrefix(rel string) bool {
	return len(rel) >= 3 && rel[:3] == ".."+string(filepath.Separator)
}
