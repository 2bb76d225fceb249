package insights

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
)

func TestCut(t *testing.T) {
	assert.Equal(t, "short", cut("short", 450))
	exact := strings.Repeat("a", 450)
	assert.Equal(t, exact, cut(exact, 450))

	got := cut(strings.Repeat("a", 451), 450)
	assert.Equal(t, 450, utf16Len(got))
	assert.True(t, strings.HasSuffix(got, "…"))

	// Multi-byte runes are never split, and characters outside the BMP
	// count twice, as Bitbucket (Java) counts them.
	got = cut(strings.Repeat("é", 500), 450)
	assert.True(t, utf8.ValidString(got))
	assert.Equal(t, 450, utf16Len(got))
	got = cut(strings.Repeat("🚀", 300), 450)
	assert.True(t, utf8.ValidString(got))
	assert.LessOrEqual(t, utf16Len(got), 450)
	assert.Equal(t, 224, utf8.RuneCountInString(got)-1, "224 rockets (448 units) and the ellipsis")
}

func TestReportID(t *testing.T) {
	a := &report.Report{Tenant: "acme.eu.auth0.com"}
	assert.Equal(t, ReportID(a), ReportID(&report.Report{Tenant: "ACME.eu.auth0.com ", BaseDir: "."}), "stable across case and an explicit BASE_DIR of .")
	assert.NotEqual(t, ReportID(a), ReportID(&report.Report{Tenant: "acme.eu.auth0.com", BaseDir: "tenants/prod"}))
	assert.NotEqual(t, ReportID(a), ReportID(&report.Report{Tenant: "acme-staging.eu.auth0.com"}))
	assert.Equal(t, ReportID(&report.Report{BaseDir: "tenants/prod/"}), ReportID(&report.Report{BaseDir: "tenants/prod"}))
	assert.Regexp(t, `^auth0-deploy-[0-9a-f]{12}$`, ReportID(a))
}

func TestBuildReportLimits(t *testing.T) {
	rep := &report.Report{Mode: "deploy", Status: report.StatusInvalid, Tenant: "t", Repository: "acme/site", BuildNumber: "7"}
	long := strings.Repeat("ü", 600)
	for i := range 1500 {
		sev := model.SeverityError
		if i%2 == 0 {
			sev = model.SeverityWarning
		}
		rep.Problems = append(rep.Problems, model.Problem{Severity: sev, Path: fmt.Sprintf("./rules/r%d.js", i%10), Line: i % 5, Message: long})
	}
	p := BuildReport(rep)
	assert.Len(t, p.Annotations, MaxAnnotations)
	assert.Equal(t, 500, p.Omitted)
	assert.LessOrEqual(t, len(p.Report.Data), MaxDataFields)
	assert.LessOrEqual(t, utf16Len(p.Report.Details), MaxDetails)
	assert.Contains(t, p.Report.Details, "500 more annotations not shown: Bitbucket keeps at most 1000 per report")

	ids := map[string]bool{}
	for i, a := range p.Annotations {
		assert.False(t, ids[a.ExternalID], "duplicate external id %s", a.ExternalID)
		ids[a.ExternalID] = true
		assert.LessOrEqual(t, utf16Len(a.Summary), MaxSummary)
		assert.True(t, utf8.ValidString(a.Summary))
		assert.Equal(t, long, a.Details, "the whole message stays readable in the details")
		assert.True(t, strings.HasPrefix(a.Path, "rules/"), a.Path)
		if a.Line != 0 {
			assert.GreaterOrEqual(t, a.Line, 1)
		}
		if i < 750 {
			assert.Equal(t, "HIGH", a.Severity, "errors come first")
		} else {
			assert.Equal(t, "LOW", a.Severity)
		}
	}
}

func TestBuildAnnotationPriorities(t *testing.T) {
	rep := &report.Report{
		Mode: "deploy", Status: report.StatusFailed,
		Items: []report.Item{
			{Kind: model.KindRule, Name: "changed", Path: "rules/changed.js", Action: "update", Result: report.ResultApplied},
			{Kind: model.KindRule, Name: "same", Action: "unchanged", Result: report.ResultUnchanged},
			{Kind: model.KindRule, Name: "manual", Action: "skip", Result: report.ResultSkipped},
			{Kind: model.KindAction, Name: "broken", Path: "actions/broken.js", Action: "create", Result: report.ResultFailed, Error: "400 Bad Request"},
			{Kind: model.KindRule, Name: "later", Action: "delete", Result: report.ResultNotApplied},
		},
		Problems: []model.Problem{
			{Severity: model.SeverityWarning, Path: "x.txt", Message: "ignored"},
			{Severity: model.SeverityError, Path: "/abs/path.js", Line: 0, Message: "outside"},
		},
	}
	p := BuildReport(rep)
	var got []string
	for _, a := range p.Annotations {
		got = append(got, fmt.Sprintf("%s|%s|%s|%s|%s", a.AnnotationType, a.Severity, a.Result, a.Path, a.Summary))
	}
	assert.Equal(t, []string{
		"BUG|HIGH|FAILED||outside",
		`BUG|CRITICAL|FAILED|actions/broken.js|Failed to create action "broken": 400 Bad Request`,
		`CODE_SMELL|MEDIUM|SKIPPED||Not applied: delete rule "later" (the deployment stopped before this write)`,
		`CODE_SMELL|LOW|PASSED|rules/changed.js|Updated rule "changed"`,
		"CODE_SMELL|LOW||x.txt|ignored",
	}, got)
	assert.Equal(t, "FAILED", p.Report.Result)
	assert.Equal(t, "TEST", p.Report.ReportType)
}

func TestBuildIdenticalProblemsGetUniqueIDs(t *testing.T) {
	pr := model.Problem{Severity: model.SeverityError, Path: "rules/a.js", Line: 1, Message: "same"}
	p := BuildReport(&report.Report{Status: report.StatusInvalid, Problems: []model.Problem{pr, pr, pr}})
	require.Len(t, p.Annotations, 3)
	assert.Equal(t, p.Annotations[0].ExternalID+"-2", p.Annotations[1].ExternalID)
	assert.Equal(t, p.Annotations[0].ExternalID+"-3", p.Annotations[2].ExternalID)
}

func TestPipelineURL(t *testing.T) {
	assert.Equal(t, "https://bitbucket.org/acme/site/pipelines/results/12", PipelineURL(&report.Report{Repository: "acme/site", BuildNumber: "12"}))
	assert.Equal(t, "https://x/y", PipelineURL(&report.Report{PipelineURL: "https://x/y", Repository: "acme/site", BuildNumber: "12"}))
	assert.Equal(t, "", PipelineURL(&report.Report{Repository: "acme/site"}))
	assert.Equal(t, "", PipelineURL(&report.Report{Repository: "acme/site", BuildNumber: "../1"}))
}

// SPEC §5: at most 10 data fields: tenant, mode, the six counts, duration
// and a link to the pipeline run.
func TestDataFields(t *testing.T) {
	titles := func(rep *report.Report) []string {
		var out []string
		for _, d := range BuildReport(rep).Report.Data {
			out = append(out, d.Title)
		}
		return out
	}
	rep := &report.Report{Mode: "deploy", Tenant: "acme.eu.auth0.com", Repository: "acme/site", BuildNumber: "7",
		Total: report.Counts{Created: 1, Updated: 2, Deleted: 3, Unchanged: 4, Skipped: 5, Failed: 6}, DurationMS: 1234}
	assert.Equal(t, []string{"Tenant", "Mode", "Created", "Updated", "Deleted", "Unchanged", "Skipped", "Failed", "Duration", "Pipeline"}, titles(rep))
	var values []any
	for _, d := range BuildReport(rep).Report.Data[2:8] {
		values = append(values, d.Value)
	}
	assert.Equal(t, []any{1, 2, 3, 4, 5, 6}, values)
	rep.Mode = "plan"
	assert.Equal(t, []string{"Tenant", "Mode", "To create", "To update", "To delete", "Unchanged", "Skipped", "Failed", "Duration", "Pipeline"}, titles(rep))
}
