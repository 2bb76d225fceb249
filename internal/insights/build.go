package insights

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
)

// Bitbucket's limits (and ours where Bitbucket Cloud documents none).
const (
	MaxDataFields        = 10
	MaxAnnotationsPerReq = 100
	MaxAnnotations       = 1000
	MaxSummary           = 450  // annotation summary, in UTF-16 code units
	MaxDetails           = 2000 // report and annotation details
	MaxTitle             = 100
)

// Report is the body of PUT .../reports/{id}.
type Report struct {
	ExternalID string `json:"external_id"`
	Title      string `json:"title"`
	Details    string `json:"details,omitempty"`
	Reporter   string `json:"reporter,omitempty"`
	Link       string `json:"link,omitempty"`
	ReportType string `json:"report_type"`
	Result     string `json:"result"`
	Data       []Data `json:"data,omitempty"`
}

// Data is one of the report's data fields.
type Data struct {
	Title string `json:"title"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// Link is the value of a LINK data field.
type Link struct {
	Text string `json:"text"`
	Href string `json:"href"`
}

// Annotation is one element of the body of POST .../annotations.
type Annotation struct {
	ExternalID     string `json:"external_id"`
	AnnotationType string `json:"annotation_type"`
	Path           string `json:"path,omitempty"`
	Line           int    `json:"line,omitempty"`
	Summary        string `json:"summary"`
	Details        string `json:"details,omitempty"`
	Result         string `json:"result,omitempty"`
	Severity       string `json:"severity,omitempty"`
}

// Payload is everything Publish sends for one run.
type Payload struct {
	ID          string
	Report      Report
	Annotations []Annotation
	// Omitted counts annotations left out by the 1000-per-report limit;
	// the report's details say so.
	Omitted int
}

// ReportID is the report's id on the commit. It is stable for one tenant
// deployed from one BASE_DIR, so a rerun on the same commit replaces its own
// report, while two pipes on one commit (several tenants deployed from one
// repository, by folder or by keyword mappings) keep one report each.
func ReportID(rep *report.Report) string {
	base := path.Clean(strings.ReplaceAll(rep.BaseDir, `\`, "/"))
	if base == "" {
		base = "."
	}
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(rep.Tenant)) + "\x00" + base))
	return "auth0-deploy-" + hex.EncodeToString(sum[:])[:12]
}

// BuildReport turns the run's account into the Code Insights report and its
// annotations, within Bitbucket's limits.
func BuildReport(rep *report.Report) Payload {
	id := ReportID(rep)
	annotations, omitted := buildAnnotations(rep)
	r := Report{
		ExternalID: id,
		Title:      cut(title(rep), MaxTitle),
		Details:    cut(details(rep, len(annotations), omitted), MaxDetails),
		Reporter:   reporter(rep),
		Link:       PipelineURL(rep),
		ReportType: reportType(rep),
		Result:     result(rep),
		Data:       dataFields(rep),
	}
	return Payload{ID: id, Report: r, Annotations: annotations, Omitted: omitted}
}

// PipelineURL is the link to the pipeline run: rep.PipelineURL, else built
// from the repository and build number; empty when neither is known.
func PipelineURL(rep *report.Report) string {
	if rep.PipelineURL != "" {
		return rep.PipelineURL
	}
	repo, err := NormalizeRepository(rep.Repository)
	if err != nil || rep.BuildNumber == "" {
		return ""
	}
	if _, err := strconv.Atoi(rep.BuildNumber); err != nil {
		return ""
	}
	return "https://bitbucket.org/" + repo + "/pipelines/results/" + rep.BuildNumber
}

func failed(rep *report.Report) bool {
	return rep.Status == report.StatusFailed || rep.Status == report.StatusInvalid
}

// result is FAILED when the run failed or found the workspace invalid,
// PASSED otherwise (a plan with pending changes passed: it did its job).
func result(rep *report.Report) string {
	if failed(rep) {
		return "FAILED"
	}
	return "PASSED"
}

// reportType picks from Bitbucket's closed enum (SECURITY, COVERAGE, TEST,
// BUG): a run is a check of the commit against the tenant, so TEST; a run
// that found the repository's files invalid reports defects in them, so BUG.
func reportType(rep *report.Report) string {
	if rep.Status == report.StatusInvalid {
		return "BUG"
	}
	return "TEST"
}

func reporter(rep *report.Report) string {
	name := rep.Tool.Name
	if name == "" {
		name = "auth0-deploy"
	}
	if rep.Tool.Version != "" {
		name += " " + rep.Tool.Version
	}
	return name
}

func modeName(rep *report.Report) string {
	if rep.Mode == "" {
		return "deploy"
	}
	return rep.Mode
}

func title(rep *report.Report) string {
	t := "Auth0 " + modeName(rep)
	if rep.Tenant != "" {
		t += ": " + rep.Tenant
	}
	return t
}

// details is the report's summary paragraph.
func details(rep *report.Report, annotated, omitted int) string {
	c := rep.Total
	var s []string
	switch {
	case rep.Status == report.StatusInvalid:
		errs, warns := model.Problems(rep.Problems).Count()
		s = append(s, fmt.Sprintf("Invalid configuration or workspace (%s, %s): nothing was written.",
			plural(errs, "error"), plural(warns, "warning")))
	case rep.Status == report.StatusFailed:
		s = append(s, fmt.Sprintf("Deployment failed: %d created, %d updated, %d deleted, %d failed, %d not applied.",
			c.Created, c.Updated, c.Deleted, c.Failed, countResult(rep, report.ResultNotApplied)))
	case modeName(rep) == "plan":
		if c.Changes() == 0 {
			s = append(s, fmt.Sprintf("Plan: nothing to change (%d unchanged%s).", c.Unchanged, rewrites(rep, "; ")))
		} else {
			s = append(s, fmt.Sprintf("Plan: %d to create, %d to update, %d to delete, %d unchanged%s. Nothing was written.",
				c.Created, c.Updated, c.Deleted, c.Unchanged, rewrites(rep, "; ")))
		}
	case modeName(rep) == "validate":
		_, warns := model.Problems(rep.Problems).Count()
		s = append(s, fmt.Sprintf("The workspace is valid (%s).", plural(warns, "warning")))
	default:
		if c.Changes() == 0 {
			s = append(s, fmt.Sprintf("Deployed: nothing to change (%d unchanged%s).", c.Unchanged, rewrites(rep, "; ")))
		} else {
			s = append(s, fmt.Sprintf("Deployed: %d created, %d updated, %d deleted, %d unchanged%s.",
				c.Created, c.Updated, c.Deleted, c.Unchanged, rewrites(rep, "; ")))
		}
	}
	if skipped := skippedSummary(rep); skipped != "" {
		s = append(s, skipped)
	}
	if rep.Error != "" {
		s = append(s, "Error: "+rep.Error)
	}
	s = append(s, rep.Notes...)
	if omitted > 0 {
		s = append(s, fmt.Sprintf("%d more annotations not shown: Bitbucket keeps at most %d per report (errors first, then failed operations, changes and warnings); report.json in the pipeline's artifacts lists everything.",
			omitted, annotated))
	}
	return strings.Join(s, " ")
}

// rewrites is the note on values written only because they cannot be
// compared ("1 rules config rewritten, as on every run"), after sep; ""
// when there are none.
func rewrites(rep *report.Report, sep string) string {
	if note := report.RewriteNote(rep); note != "" {
		return sep + note
	}
	return ""
}

// skippedSummary names the first skipped items and why they were skipped.
func skippedSummary(rep *report.Report) string {
	const show = 3
	var names []string
	n := 0
	for _, it := range rep.Items {
		if it.Result != report.ResultSkipped {
			continue
		}
		n++
		if n <= show {
			name := fmt.Sprintf("%s %q", report.KindNoun(it.Kind), it.Name)
			if it.Reason != "" {
				name += " (" + it.Reason + ")"
			}
			names = append(names, name)
		}
	}
	if n == 0 {
		return ""
	}
	s := "Skipped: " + strings.Join(names, ", ")
	if n > show {
		s += fmt.Sprintf(" and %d more", n-show)
	}
	return s + "."
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

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// dataFields are at most MaxDataFields typed values shown on the report:
// tenant, mode, the six counts, duration and the pipeline run (SPEC §5).
// Validation problems are in the annotations and the details.
func dataFields(rep *report.Report) []Data {
	c := rep.Total
	verb := [3]string{"Created", "Updated", "Deleted"}
	if modeName(rep) == "plan" {
		verb = [3]string{"To create", "To update", "To delete"}
	}
	var d []Data
	if rep.Tenant != "" {
		d = append(d, Data{Title: "Tenant", Type: "TEXT", Value: cut(rep.Tenant, 200)})
	}
	d = append(d,
		Data{Title: "Mode", Type: "TEXT", Value: modeName(rep)},
		Data{Title: verb[0], Type: "NUMBER", Value: c.Created},
		Data{Title: verb[1], Type: "NUMBER", Value: c.Updated},
		Data{Title: verb[2], Type: "NUMBER", Value: c.Deleted},
		Data{Title: "Unchanged", Type: "NUMBER", Value: c.Unchanged},
		Data{Title: "Skipped", Type: "NUMBER", Value: c.Skipped},
		Data{Title: "Failed", Type: "NUMBER", Value: c.Failed},
		Data{Title: "Duration", Type: "DURATION", Value: max(rep.DurationMS, 0)},
	)
	if link := PipelineURL(rep); link != "" {
		text := "Pipeline"
		if rep.BuildNumber != "" {
			text = "#" + rep.BuildNumber
		}
		d = append(d, Data{Title: "Pipeline", Type: "LINK", Value: Link{Text: text, Href: link}})
	}
	if len(d) > MaxDataFields {
		d = d[:MaxDataFields]
	}
	return d
}

// Annotation priorities: when more than MaxAnnotations are found, the most
// important ones are kept.
const (
	prioError = iota
	prioFailed
	prioNotApplied
	prioChange
	prioWarning
)

type candidate struct {
	prio int
	key  string // identity for the external id
	a    Annotation
}

// buildAnnotations returns at most MaxAnnotations annotations, errors first,
// then failed operations, operations not applied, changes and warnings, and
// how many were left out.
func buildAnnotations(rep *report.Report) ([]Annotation, int) {
	var cs []candidate
	problems := slices.Clone(model.Problems(rep.Problems))
	problems.Sort()
	for _, p := range problems {
		a := Annotation{Path: cleanPath(p.Path), Summary: p.Message}
		if p.Line >= 1 {
			a.Line = p.Line
		}
		if p.Column >= 1 {
			a.Details = p.String() // the column, one click away
		}
		prio := prioWarning
		if p.Severity == model.SeverityError {
			prio = prioError
			a.AnnotationType, a.Severity, a.Result = "BUG", "HIGH", "FAILED"
		} else {
			a.AnnotationType, a.Severity = "CODE_SMELL", "LOW"
		}
		cs = append(cs, candidate{prio: prio, key: fmt.Sprintf("problem\x00%s\x00%s\x00%d\x00%d\x00%s", p.Severity, p.Path, p.Line, p.Column, p.Message), a: a})
	}
	for _, it := range rep.Items {
		c, ok := itemCandidate(it)
		if ok {
			cs = append(cs, c)
		}
	}
	slices.SortStableFunc(cs, func(x, y candidate) int { return x.prio - y.prio })

	omitted := 0
	if len(cs) > MaxAnnotations {
		omitted = len(cs) - MaxAnnotations
		cs = cs[:MaxAnnotations]
	}
	seen := make(map[string]int, len(cs))
	out := make([]Annotation, 0, len(cs))
	for _, c := range cs {
		a := c.a
		a.ExternalID = externalID(c.key, seen)
		if a.Details == "" && utf16Len(a.Summary) > MaxSummary {
			a.Details = a.Summary // the whole text, one click away
		}
		a.Summary = cut(oneLine(a.Summary), MaxSummary)
		a.Details = cut(a.Details, MaxDetails)
		out = append(out, a)
	}
	return out, omitted
}

// itemCandidate annotates a change (planned or applied), a failed operation
// or one not applied; unchanged and skipped items are not annotated.
func itemCandidate(it report.Item) (candidate, bool) {
	what := fmt.Sprintf("%s %q", report.KindNoun(it.Kind), it.Name)
	a := Annotation{Path: cleanPath(it.Path)}
	if it.Line >= 1 {
		a.Line = it.Line
	}
	var prio int
	switch it.Result {
	case report.ResultFailed:
		prio = prioFailed
		a.AnnotationType, a.Severity, a.Result = "BUG", "CRITICAL", "FAILED"
		a.Summary = fmt.Sprintf("Failed to %s %s", report.ActionVerb(it.Action), what)
		if it.Error != "" {
			a.Summary += ": " + it.Error
		}
	case report.ResultNotApplied:
		prio = prioNotApplied
		a.AnnotationType, a.Severity, a.Result = "CODE_SMELL", "MEDIUM", "SKIPPED"
		a.Summary = fmt.Sprintf("Not applied: %s %s (the deployment stopped before this write)", report.ActionVerb(it.Action), what)
	case report.ResultApplied, report.ResultPlanned:
		if !report.IsChange(it.Action) {
			return candidate{}, false
		}
		prio = prioChange
		a.AnnotationType, a.Severity = "CODE_SMELL", "LOW"
		if it.Action == "delete" {
			a.Severity = "MEDIUM"
		}
		if it.Result == report.ResultApplied {
			a.Result = "PASSED"
			a.Summary = report.PastVerb(it.Action) + " " + what
		} else {
			a.Summary = "Will " + report.ActionVerb(it.Action) + " " + what
		}
		if it.Reason != "" {
			a.Summary += ": " + it.Reason
		}
	default:
		return candidate{}, false
	}
	key := fmt.Sprintf("item\x00%s\x00%s\x00%s\x00%s\x00%s\x00%d", it.Kind, it.Name, it.Action, it.Result, it.Path, it.Line)
	return candidate{prio: prio, key: key, a: a}, true
}

// externalID is a short hash of the annotation's identity, made unique
// within the report by a counter when two annotations are identical.
func externalID(key string, seen map[string]int) string {
	sum := sha256.Sum256([]byte(key))
	id := "auth0-deploy-" + hex.EncodeToString(sum[:])[:16]
	seen[id]++
	if n := seen[id]; n > 1 {
		id += "-" + strconv.Itoa(n)
	}
	return id
}

// cleanPath makes a path repository-relative with forward slashes; paths
// Bitbucket could not place (absolute, outside the repository) become "".
func cleanPath(p string) string {
	if p == "" {
		return ""
	}
	p = path.Clean(strings.ReplaceAll(p, `\`, "/"))
	if p == "." || strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") {
		return ""
	}
	return p
}

// oneLine folds line breaks and tabs into spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// cut shortens s to at most max UTF-16 code units (how Bitbucket, a Java
// service, counts characters), on a rune boundary, ending with an ellipsis
// when something was cut. Invalid UTF-8 becomes U+FFFD.
func cut(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf16Len(s) <= max {
		return s
	}
	n := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if w < 0 {
			w = 1
		}
		if n+w > max-1 { // leave room for the ellipsis
			return strings.TrimRightFunc(s[:i], isSpace) + "…"
		}
		n += w
	}
	return s
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if w := utf16.RuneLen(r); w > 0 {
			n += w
		} else {
			n++
		}
	}
	return n
}
