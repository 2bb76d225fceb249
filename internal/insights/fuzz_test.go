package insights

import (
	"testing"
	"unicode/utf8"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
)

// FuzzBuildReport checks Bitbucket's limits hold for any text in a run.
func FuzzBuildReport(f *testing.F) {
	f.Add("acme.eu.auth0.com", "rules/a.js", "Unexpected token", 3, "boom")
	f.Add("", "", "", 0, "")
	f.Add("🚀🚀", `..\x\..\..\y`, "é\n\t🚀", -1, "\xff\xfe")
	f.Fuzz(func(t *testing.T, tenant, path, msg string, line int, errText string) {
		rep := &report.Report{Tenant: tenant, Status: report.StatusFailed, Error: errText, Repository: "acme/site", BuildNumber: "1",
			Problems: []model.Problem{{Severity: model.SeverityError, Path: path, Line: line, Message: msg}},
			Items:    []report.Item{{Kind: model.KindRule, Name: msg, Path: path, Line: line, Action: "update", Result: report.ResultFailed, Error: errText}},
		}
		p := BuildReport(rep)
		if len(p.Report.Data) > MaxDataFields || utf16Len(p.Report.Details) > MaxDetails || utf16Len(p.Report.Title) > MaxTitle {
			t.Fatalf("report over the limits: %+v", p.Report)
		}
		for _, a := range p.Annotations {
			if utf16Len(a.Summary) > MaxSummary || utf16Len(a.Details) > MaxDetails {
				t.Fatalf("annotation over the limits: %+v", a)
			}
			if a.Line < 0 || (a.Path != "" && (a.Path[0] == '/' || a.Path == ".." || len(a.Path) > 2 && a.Path[:3] == "../")) {
				t.Fatalf("bad location: %q:%d", a.Path, a.Line)
			}
			if !utf8.ValidString(a.Summary) || !utf8.ValidString(a.Details) {
				t.Fatalf("summary split a character: %q", a.Summary)
			}
		}
	})
}
