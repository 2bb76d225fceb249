package app

import (
	"testing"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
)

// A rules config written on every run is a write: the six counts show it
// as updated (Rewritten says it is only that), so that they agree with the
// "Updated rules config" lines of the log, Slack and Code Insights.
func TestTallyCountsRewrites(t *testing.T) {
	rep := &report.Report{Items: []report.Item{
		{Kind: model.KindRulesConfig, Name: "API_KEY", Action: "update", Result: report.ResultApplied, Refresh: true},
		{Kind: model.KindRulesConfig, Name: "NEW_KEY", Action: "create", Result: report.ResultApplied},
		{Kind: model.KindRulesConfig, Name: "LATE", Action: "update", Result: report.ResultNotApplied, Refresh: true},
		{Kind: model.KindRule, Name: "a", Action: "update", Result: report.ResultApplied},
		{Kind: model.KindRule, Name: "b", Action: "unchanged", Result: report.ResultUnchanged},
	}}
	tallyCounts(rep)
	if got, want := rep.Counts[model.KindRulesConfig], (report.Counts{Created: 1, Updated: 1, Rewritten: 1}); got != want {
		t.Errorf("rules-config counts = %+v, want %+v", got, want)
	}
	if got, want := rep.Total, (report.Counts{Created: 1, Updated: 2, Unchanged: 1, Rewritten: 1}); got != want {
		t.Errorf("total = %+v, want %+v", got, want)
	}
	if got := rep.Total.Changes(); got != 2 || got != rep.ChangedItems() {
		t.Errorf("changes = %d, items say %d, want 2", got, rep.ChangedItems())
	}
}
