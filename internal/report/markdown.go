package report

import (
	"fmt"
	"strings"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// Markdown renders the report for people: a summary table, then the
// changes, then the problems and warnings.
func Markdown(rep *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Auth0 deployment report: %s\n\n", Headline(rep))

	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", k, mdCell(v))
		}
	}
	row("Status", string(rep.Status))
	row("Mode", rep.Mode)
	row("Tenant", rep.Tenant)
	row("Repository", rep.Repository)
	row("Branch", rep.Branch)
	row("Commit", rep.Commit)
	row("Build", rep.BuildNumber)
	if rep.PipelineURL != "" {
		row("Pipeline run", rep.PipelineURL)
	}
	if rep.BaseDir != "" && rep.BaseDir != "." {
		row("Base folder", rep.BaseDir)
	}
	row("Started", rep.StartedAt.UTC().Format(time.RFC3339))
	row("Duration", (time.Duration(rep.DurationMS) * time.Millisecond).String())
	row("Tool", rep.Tool.Name+" "+rep.Tool.Version)
	if rep.API.Requests > 0 {
		row("Management API", rep.API.Summary())
	}
	if rep.BackupDir != "" {
		row("Backup", rep.BackupDir)
	}
	if rep.Error != "" {
		fmt.Fprintf(&b, "\n**Error:** %s\n", mdText(rep.Error))
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "\n> %s\n", mdText(n))
	}

	if len(rep.Counts) > 0 {
		verb := "Counts"
		if rep.Mode != "deploy" {
			verb = "Counts (planned)"
		}
		fmt.Fprintf(&b, "\n## %s\n\n| Kind | Created | Updated | Deleted | Unchanged | Skipped | Failed |\n|---|---:|---:|---:|---:|---:|---:|\n", verb)
		for _, k := range model.Kinds {
			c, ok := rep.Counts[k]
			if !ok {
				continue
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d |\n", k, c.Created, c.Updated, c.Deleted, c.Unchanged, c.Skipped, c.Failed)
		}
		t := rep.Total
		fmt.Fprintf(&b, "| **total** | **%d** | **%d** | **%d** | **%d** | **%d** | **%d** |\n", t.Created, t.Updated, t.Deleted, t.Unchanged, t.Skipped, t.Failed)
		if note := RewriteNote(rep); note != "" {
			fmt.Fprintf(&b, "\nThe counts include %s: Auth0 never returns rules-config values for comparison, so they are not changes.\n", note)
		}
	}

	var changes, others []Item
	for _, it := range rep.Items {
		if it.Action == "unchanged" && it.Result == ResultUnchanged {
			continue
		}
		if it.Action == "create" || it.Action == "update" || it.Action == "delete" {
			changes = append(changes, it)
		} else {
			others = append(others, it)
		}
	}
	if len(changes) > 0 {
		fmt.Fprintf(&b, "\n## Changes\n\n| Kind | Name | Action | Result | Source | Details |\n|---|---|---|---|---|---|\n")
		for _, it := range changes {
			details := it.Reason
			if it.Error != "" {
				details = "**" + it.Error + "**"
				if it.Reason != "" {
					details += " (" + it.Reason + ")"
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", it.Kind, mdCell(it.Name), it.Action, it.Result, mdCell(location(it.Path, it.Line)), mdCell(details))
		}
	}
	if len(others) > 0 {
		fmt.Fprintf(&b, "\n## Skipped\n\n| Kind | Name | Source | Reason |\n|---|---|---|---|\n")
		for _, it := range others {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", it.Kind, mdCell(it.Name), mdCell(location(it.Path, it.Line)), mdCell(it.Reason))
		}
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintf(&b, "\n## Problems\n\n| Severity | Location | Message |\n|---|---|---|\n")
		for _, p := range rep.Problems {
			loc := p.Path
			if p.Line > 0 {
				loc = fmt.Sprintf("%s:%d", p.Path, p.Line)
				if p.Column > 0 {
					loc = fmt.Sprintf("%s:%d", loc, p.Column)
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", p.Severity, mdCell(loc), mdCell(p.Message))
		}
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprintf(&b, "\n## Warnings\n\n")
		for _, w := range rep.Warnings {
			fmt.Fprintf(&b, "- %s\n", mdText(w))
		}
	}
	return b.String()
}

// Headline is the outcome in a few words, e.g. "deployed 3 changes".
// Rewrites of values that cannot be compared (rules configs) are not
// changes: a run that only rewrote them says "nothing to change (1 rules
// config rewritten, as on every run)".
func Headline(rep *Report) string {
	n := rep.ChangedItems()
	switch rep.Status {
	case StatusInvalid:
		return "invalid, nothing written"
	case StatusFailed:
		if rep.Mode == "deploy" {
			return "deployment failed"
		}
		return rep.Mode + " failed"
	}
	var s string
	switch rep.Mode {
	case "validate":
		return "validation passed"
	case "plan":
		s = "no changes pending"
		if n > 0 {
			s = fmt.Sprintf("%d change%s pending", n, plural(n))
		}
	default:
		s = "nothing to change"
		if n > 0 {
			s = fmt.Sprintf("deployed %d change%s", n, plural(n))
		}
	}
	if note := RewriteNote(rep); note != "" {
		if n > 0 {
			note = "plus " + note
		}
		s += " (" + note + ")"
	}
	return s
}

// RewriteNote says how many values were written (deploy) or would be
// (plan) only because they cannot be compared, e.g. "1 rules config
// rewritten, as on every run"; "" when none. It reads Counts, so call it
// after the counts are tallied.
func RewriteNote(rep *Report) string {
	var parts []string
	for _, k := range model.Kinds {
		if n := rep.Counts[k].Rewritten; n > 0 {
			noun := KindNoun(k)
			if !strings.HasSuffix(noun, "s") {
				noun += plural(n)
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, noun))
		}
	}
	if len(parts) == 0 {
		if n := rep.Total.Rewritten; n > 0 {
			parts = append(parts, fmt.Sprintf("%d value%s", n, plural(n)))
		} else {
			return ""
		}
	}
	if rep.Mode == "deploy" {
		return strings.Join(parts, ", ") + " rewritten, as on every run"
	}
	return strings.Join(parts, ", ") + " to rewrite, as on every deploy"
}

// KindNoun names a kind for people, in the singular ("rules config",
// "database connection"): the one wording of the log, reports, Code
// Insights and Slack.
func KindNoun(k model.Kind) string {
	switch k {
	case model.KindRulesConfig:
		return "rules config"
	case model.KindDatabase:
		return "database connection"
	case model.KindBindings:
		return "trigger bindings"
	}
	return string(k)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func location(path string, line int) string {
	if path == "" {
		return ""
	}
	if line > 0 {
		return fmt.Sprintf("%s:%d", path, line)
	}
	return path
}

// mdCell escapes text for a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\\\")
	s = strings.ReplaceAll(s, "|", "\\|")
	s = strings.ReplaceAll(s, "\r", "")
	s = strings.ReplaceAll(s, "\n", " ")
	return s
}

// mdText keeps text on one line.
func mdText(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r", ""), "\n", " ")
}
