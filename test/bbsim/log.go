package bbsim

import (
	"encoding/json"
	"fmt"
	"strings"
)

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.opts.Log, format, args...)
}

// FormatReport renders a report for people, one field per line.
func FormatReport(r StoredReport) string {
	var b strings.Builder
	rep := r.Report
	fmt.Fprintf(&b, "  %s  %s  [%s]\n", rep.Result, rep.Title, rep.ReportType)
	if rep.Details != "" {
		fmt.Fprintf(&b, "  %s\n", rep.Details)
	}
	for _, d := range rep.Data {
		fmt.Fprintf(&b, "    %-10s %s\n", d.Title+":", dataValue(d))
	}
	if rep.Reporter != "" {
		fmt.Fprintf(&b, "  reporter: %s\n", rep.Reporter)
	}
	if rep.Link != "" {
		fmt.Fprintf(&b, "  link: %s\n", rep.Link)
	}
	return b.String()
}

// FormatAnnotation renders one annotation on one line.
func FormatAnnotation(a Annotation) string {
	where := a.Path
	if where == "" {
		where = "(report)"
	}
	if a.Line != nil {
		where += fmt.Sprintf(":%d", *a.Line)
	}
	kind := a.AnnotationType
	for _, s := range []string{a.Severity, a.Result} {
		if s != "" {
			kind += "/" + s
		}
	}
	return fmt.Sprintf("    %-28s %s  %s", kind, where, a.Summary)
}

func dataValue(d Data) string {
	switch d.Type {
	case "LINK":
		var l struct{ Text, Href string }
		if json.Unmarshal(d.Value, &l) == nil {
			return l.Text + " <" + l.Href + ">"
		}
	case "DURATION":
		var ms float64
		if json.Unmarshal(d.Value, &ms) == nil {
			return fmt.Sprintf("%.1f s", ms/1000)
		}
	case "TEXT":
		var s string
		if json.Unmarshal(d.Value, &s) == nil {
			return s
		}
	}
	return string(d.Value)
}

func (s *Server) logReport(r StoredReport, auth string) {
	s.logf("PUT report %s on %s@%s (auth: %s)\n%s", r.ID, r.Repository, short(r.Commit), auth, FormatReport(r))
}

func (s *Server) logAnnotations(r StoredReport, batch []Annotation) {
	if s.opts.Log == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "POST %d annotations to report %s on %s@%s (%d in the report)\n", len(batch), r.ID, r.Repository, short(r.Commit), len(r.Annotations))
	for _, a := range batch {
		b.WriteString(FormatAnnotation(a))
		b.WriteByte('\n')
	}
	s.logf("%s", b.String())
}
