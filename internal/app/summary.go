package app

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
)

// printSummary prints the counts table and the one-line outcome.
func (r *run) printSummary() {
	rep := r.rep
	if len(rep.Counts) > 0 {
		fmt.Fprintln(r.out)
		tw := tabwriter.NewWriter(r.out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "kind\tcreated\tupdated\tdeleted\tunchanged\tskipped\tfailed\t")
		for _, k := range model.Kinds {
			c, ok := rep.Counts[k]
			if !ok {
				continue
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", k, c.Created, c.Updated, c.Deleted, c.Unchanged, c.Skipped, c.Failed)
		}
		t := rep.Total
		fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%d\t%d\t\n", t.Created, t.Updated, t.Deleted, t.Unchanged, t.Skipped, t.Failed)
		_ = tw.Flush()
		fmt.Fprintln(r.out)
	}
	if rep.API.Requests > 0 {
		r.log.Info().Msg("Management API: " + rep.API.Summary())
	}
	if !r.noReports {
		r.log.Info().Msgf("reports: %s/report.json, %s/report.md", r.displayPath(r.cfg.ReportDir), r.displayPath(r.cfg.ReportDir))
	}
	dur := (time.Duration(rep.DurationMS) * time.Millisecond).Round(10 * time.Millisecond)
	line := fmt.Sprintf("%s in %s", report.Headline(rep), dur)
	switch rep.Status {
	case report.StatusSucceeded:
		fmt.Fprintln(r.out, "✔ "+line)
	default:
		msg := "✖ " + line
		if rep.Error != "" {
			msg += ": " + strings.TrimSpace(rep.Error)
		}
		fmt.Fprintln(r.out, msg)
	}
}
