package notify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/insights"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
)

// Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
const (
	MaxBlocks       = 50
	MaxHeader       = 150
	MaxSectionText  = 3000
	MaxFields       = 10
	MaxFieldText    = 2000
	MaxContextItems = 10

	// listLines bounds the changes and problems listed: beyond it a line
	// says how many more there are. Twelve lines stay readable on a phone.
	listLines = 12
	// lineChars bounds one listed line; its parts are cut before (pieceChars).
	lineChars  = 300
	pieceChars = 100
)

// BuildMessage turns the run's account into one Block Kit message with a
// one-line text fallback (what notifications and screen readers show). It
// stays within Block Kit's limits whatever the size of the run: long lists
// are summarised ("… and 280 more") and long texts cut.
func BuildMessage(rep *report.Report) slack.WebhookMessage {
	o := outcomeOf(rep)
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(o.emoji + " " + o.headline)),
		slack.NewSectionBlock(mrkdwn(countsLine(rep)), nil, nil),
	}
	if fields := contextFields(rep); len(fields) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(nil, fields, nil))
	}
	if failed(rep) && rep.Error != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(cut("*Error*\n"+escape(cut(oneLine(rep.Error), 2000)), MaxSectionText)), nil, nil))
	}
	if text := changesText(rep); text != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(text), nil, nil))
	}
	if text := problemsText(rep); text != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(text), nil, nil))
	}
	if text := notesText(rep); text != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(text), nil, nil))
	}
	blocks = append(blocks, slack.NewContextBlock("", contextElements(rep)...))
	if len(blocks) > MaxBlocks { // cannot happen with the blocks above; kept as a guard
		blocks = blocks[:MaxBlocks]
	}
	return slack.WebhookMessage{
		Text:   o.emoji + " " + escape(o.fallback),
		Blocks: &slack.Blocks{BlockSet: blocks},
	}
}

// outcome is how a run reads in one line.
type outcome struct {
	emoji    string
	headline string // header, plain text
	fallback string // notification text
}

func outcomeOf(rep *report.Report) outcome {
	tenant := cut(oneLine(rep.Tenant), 200)
	if tenant == "" {
		tenant = "the tenant"
	}
	changes := rep.Total.Changes()
	where := ""
	if rep.Repository != "" {
		where = " (" + cut(rep.Repository, 100)
		if rep.Branch != "" {
			where += " " + cut(rep.Branch, 60)
		}
		if rep.Commit != "" {
			where += " " + shortSHA(rep.Commit)
		}
		where += ")"
	}
	var o outcome
	switch {
	case rep.Status == report.StatusFailed:
		o = outcome{emoji: "❌", headline: "Deployment to " + tenant + " failed"}
		o.fallback = o.headline
		if rep.Error != "" {
			o.fallback += ": " + cut(oneLine(rep.Error), 300)
		}
	case rep.Status == report.StatusInvalid:
		errs, _ := model.Problems(rep.Problems).Count()
		o = outcome{emoji: "⚠️", headline: "Invalid workspace: nothing deployed to " + tenant}
		o.fallback = o.headline
		if errs > 0 {
			o.fallback += ": " + plural(errs, "error")
		} else if rep.Error != "" {
			o.fallback += ": " + cut(oneLine(rep.Error), 300)
		}
	case mode(rep) == "validate":
		o = outcome{emoji: "✅", headline: "Workspace valid for " + tenant}
		o.fallback = o.headline
	case mode(rep) == "plan" && changes > 0:
		o = outcome{emoji: "📋", headline: fmt.Sprintf("Plan: %s pending for %s", plural(changes, "change"), tenant)}
		o.fallback = o.headline
	case mode(rep) == "plan":
		o = outcome{emoji: "📋", headline: "Plan: " + tenant + " is up to date"}
		o.fallback = o.headline
	case changes > 0:
		o = outcome{emoji: "✅", headline: "Deployed to " + tenant}
		o.fallback = fmt.Sprintf("Deployed %s to %s", plural(changes, "change"), tenant)
	default:
		o = outcome{emoji: "✅", headline: tenant + " is up to date"}
		o.fallback = "Nothing to deploy: " + o.headline
	}
	o.headline = cut(o.headline, MaxHeader-3) // room for the emoji and space
	o.fallback += where
	return o
}

func mode(rep *report.Report) string {
	if rep.Mode == "" {
		return "deploy"
	}
	return rep.Mode
}

func failed(rep *report.Report) bool {
	return rep.Status == report.StatusFailed || rep.Status == report.StatusInvalid
}

// countsLine is the run in numbers: "*1* created · *3* updated · …", the
// writes made only because a value cannot be compared (rules configs)
// named after the updates.
func countsLine(rep *report.Report) string {
	c := rep.Total
	var parts []string
	add := func(n int, label string, always bool) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("*%d* %s", n, label))
		} else if always {
			parts = append(parts, fmt.Sprintf("%d %s", n, label))
		}
	}
	if rep.Status == report.StatusInvalid || mode(rep) == "validate" {
		errs, warns := model.Problems(rep.Problems).Count()
		add(errs, pluralWord(errs, "error"), true)
		add(warns, pluralWord(warns, "warning"), true)
		return strings.Join(parts, " · ")
	}
	verbs := [3]string{"created", "updated", "deleted"}
	if mode(rep) == "plan" {
		verbs = [3]string{"to create", "to update", "to delete"}
	}
	add(c.Created, verbs[0], true)
	updated := verbs[1]
	if note := report.RewriteNote(rep); note != "" {
		// Rules configs are written on every run: counted, but not changes.
		updated += " (" + note + ")"
	}
	add(c.Updated, updated, true)
	add(c.Deleted, verbs[2], true)
	add(c.Unchanged, "unchanged", true)
	add(c.Skipped, "skipped", false)
	add(c.Failed, "failed", false)
	add(countResult(rep, report.ResultNotApplied), "not applied", false)
	return strings.Join(parts, " · ")
}

// contextFields are the short facts shown as two columns (stacked on a phone).
func contextFields(rep *report.Report) []*slack.TextBlockObject {
	var fields []*slack.TextBlockObject
	add := func(label, value string) {
		if value != "" {
			fields = append(fields, mrkdwn(cut("*"+label+"*\n"+value, MaxFieldText)))
		}
	}
	repo, repoErr := insights.NormalizeRepository(rep.Repository)
	add("Tenant", escape(cut(rep.Tenant, 200)))
	switch {
	case repoErr == nil:
		add("Repository", link("https://bitbucket.org/"+repo, repo))
	default:
		add("Repository", escape(cut(rep.Repository, 200)))
	}
	if rep.Branch != "" {
		add("Branch", code(rep.Branch))
	}
	if rep.Commit != "" {
		if repoErr == nil && isHex(rep.Commit) {
			add("Commit", link("https://bitbucket.org/"+repo+"/commits/"+rep.Commit, shortSHA(rep.Commit)))
		} else {
			add("Commit", code(shortSHA(rep.Commit)))
		}
	}
	if u := insights.PipelineURL(rep); u != "" {
		text := "Pipeline"
		if rep.BuildNumber != "" {
			text = "#" + rep.BuildNumber
		}
		add("Pipeline", link(u, text))
	}
	add("Duration", duration(rep.DurationMS))
	if len(fields) > MaxFields {
		fields = fields[:MaxFields]
	}
	return fields
}

// changesText lists failed operations, operations not applied, then
// changes, at most listLines of them.
func changesText(rep *report.Report) string {
	type line struct {
		prio int
		text string
	}
	var lines []line
	for _, it := range rep.Items {
		what := report.KindNoun(it.Kind) + " " + code(it.Name)
		switch {
		case it.Result == report.ResultFailed:
			t := "❌ Failed to " + report.ActionVerb(it.Action) + " " + what
			if it.Error != "" {
				t += ": " + escape(cut(oneLine(it.Error), pieceChars))
			}
			lines = append(lines, line{0, t})
		case it.Result == report.ResultNotApplied:
			lines = append(lines, line{1, "⏸️ Not applied: " + report.ActionVerb(it.Action) + " " + what})
		case (it.Result == report.ResultApplied || it.Result == report.ResultPlanned) && report.IsChange(it.Action):
			t := actionEmoji(it.Action) + " "
			if it.Result == report.ResultApplied {
				t += report.PastVerb(it.Action) + " " + what
			} else {
				t += "Will " + report.ActionVerb(it.Action) + " " + what
			}
			if it.Reason != "" {
				t += " — " + escape(cut(oneLine(it.Reason), pieceChars))
			}
			lines = append(lines, line{2, t})
		}
	}
	if len(lines) == 0 {
		return ""
	}
	slices.SortStableFunc(lines, func(a, b line) int { return a.prio - b.prio })
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = l.text
	}
	title := "*Changes*"
	if mode(rep) == "plan" {
		title = "*Pending changes*"
	}
	return listSection(title, texts, "see report.md in the pipeline's artifacts")
}

// problemsText lists validation problems, errors first.
func problemsText(rep *report.Report) string {
	if len(rep.Problems) == 0 {
		return ""
	}
	ps := slices.Clone(model.Problems(rep.Problems))
	ps.Sort()
	texts := make([]string, len(ps))
	for i, p := range ps {
		icon := "🔴"
		if p.Severity != model.SeverityError {
			icon = "🟡"
		}
		where := p.Path
		if where != "" && p.Line > 0 {
			where += ":" + strconv.Itoa(p.Line)
			if p.Column > 0 {
				where += ":" + strconv.Itoa(p.Column)
			}
		}
		t := icon + " "
		if where != "" {
			t += code(where) + " "
		}
		texts[i] = t + escape(cut(oneLine(p.Message), 2*pieceChars))
	}
	return listSection("*Problems*", texts, "see the Code Insights report or report.md")
}

func notesText(rep *report.Report) string {
	if len(rep.Notes) == 0 {
		return ""
	}
	texts := make([]string, len(rep.Notes))
	for i, n := range rep.Notes {
		texts[i] = "ℹ️ " + escape(cut(oneLine(n), 2*pieceChars))
	}
	return listSection("*Notes*", texts, "see report.md")
}

// listSection renders a title and lines, at most listLines of them and never
// more than a section holds, ending with "… and N more (where)".
func listSection(title string, lines []string, where string) string {
	var b strings.Builder
	b.WriteString(title)
	for i, l := range lines {
		more := len(lines) - i
		// Reserve room for the "and N more" line whenever one may follow.
		tail := fmt.Sprintf("\n… and %d more (%s)", more, where)
		entry := "\n" + cut(l, lineChars)
		last := i == len(lines)-1
		room := MaxSectionText - utf8.RuneCountInString(b.String())
		fits := utf8.RuneCountInString(entry) <= room && (last || utf8.RuneCountInString(entry)+utf8.RuneCountInString(tail) <= room)
		if i >= listLines || !fits {
			b.WriteString(tail)
			break
		}
		b.WriteString(entry)
	}
	return b.String()
}

// contextElements is the footer: tool, version, API usage.
func contextElements(rep *report.Report) []slack.MixedElement {
	tool := rep.Tool.Name
	if tool == "" {
		tool = "auth0-deploy"
	}
	if rep.Tool.Version != "" {
		tool += " " + rep.Tool.Version
	}
	parts := []string{escape(tool), mode(rep)}
	if rep.API.Requests > 0 {
		api := plural(rep.API.Requests, "API request")
		if rep.API.Retries > 0 {
			api += ", " + plural(rep.API.Retries, "retry")
		}
		if rep.API.RateLimitWaits > 0 {
			api += ", " + plural(rep.API.RateLimitWaits, "rate-limit wait")
		}
		parts = append(parts, api)
	}
	if !rep.StartedAt.IsZero() {
		parts = append(parts, rep.StartedAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return []slack.MixedElement{mrkdwn(cut(strings.Join(parts, " · "), MaxFieldText))}
}

func countResult(rep *report.Report, r report.Result) int {
	n := 0
	for _, it := range rep.Items {
		if it.Result == r {
			n++
		}
	}
	return n
}

func actionEmoji(action string) string {
	switch action {
	case "create":
		return "➕"
	case "delete":
		return "🗑️"
	}
	return "✏️"
}

func plain(s string) *slack.TextBlockObject {
	if strings.TrimSpace(s) == "" {
		s = "auth0-deploy"
	}
	return slack.NewTextBlockObject(slack.PlainTextType, cut(s, MaxHeader), true, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	if strings.TrimSpace(s) == "" {
		s = "-" // Slack refuses empty text
	}
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// escape makes text safe in mrkdwn: Slack reads &, < and > as markup.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// code renders a name as inline code, which keeps *, _ and ~ literal.
func code(s string) string {
	s = strings.ReplaceAll(oneLine(s), "`", "'")
	if s == "" {
		return "(unnamed)"
	}
	return "`" + escape(cut(s, 120)) + "`"
}

// link renders <url|text>, or the escaped text alone when the URL could
// break the markup.
func link(u, text string) string {
	if strings.ContainsAny(u, "<>| \n") {
		return escape(text)
	}
	return "<" + u + "|" + escape(text) + ">"
}

func isHex(s string) bool {
	if len(s) < 7 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

func shortSHA(c string) string {
	if len(c) > 7 {
		return c[:7]
	}
	return c
}

func duration(ms int64) string {
	switch {
	case ms <= 0:
		return ""
	case ms < 1000:
		return fmt.Sprintf("%d ms", ms)
	case ms < 60_000:
		return fmt.Sprintf("%.1f s", float64(ms)/1000)
	default:
		s := ms / 1000
		return fmt.Sprintf("%d min %d s", s/60, s%60)
	}
}

func plural(n int, word string) string {
	return strconv.Itoa(n) + " " + pluralWord(n, word)
}

func pluralWord(n int, word string) string {
	if n == 1 {
		return word
	}
	if strings.HasSuffix(word, "y") {
		return strings.TrimSuffix(word, "y") + "ies"
	}
	return word + "s"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cut shortens s to at most max characters on a rune boundary, ending with
// an ellipsis when something was cut. Invalid UTF-8 becomes U+FFFD.
func cut(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return strings.TrimRight(s[:i], " \n") + "…"
		}
		n++
	}
	return s
}
