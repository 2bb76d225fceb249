package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// report.json carries every field SPEC §5 lists, known or not: a reader
// may rely on the keys being there.
func TestReportJSONHasEverySpecField(t *testing.T) {
	rep := &Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "auth0-deploy", Version: "1.0.0"},
		Mode:          "deploy",
		Status:        StatusSucceeded,
		Tenant:        "acme.eu.auth0.com",
		StartedAt:     time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC),
		Counts:        map[model.Kind]Counts{model.KindRule: {Deleted: 1}},
		Total:         Counts{Deleted: 1},
		Items:         []Item{{Kind: model.KindRule, Name: "gone", Action: "delete", Result: ResultApplied}},
		Problems:      ProblemList{{Severity: model.SeverityWarning, Message: "no file, no line"}},
	}
	data, err := json.Marshal(rep)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(data, &got))

	for _, k := range []string{"schema_version", "tool", "mode", "status", "error", "tenant", "repository", "branch", "commit",
		"build_number", "started_at", "duration_ms", "counts", "items", "problems", "api"} {
		assert.Contains(t, got, k)
	}
	for _, k := range []string{"repository", "branch", "commit", "build_number", "error"} {
		assert.Equal(t, "", got[k], k)
	}
	assert.Equal(t, map[string]any{"name": "auth0-deploy", "version": "1.0.0"}, got["tool"])
	counts := got["counts"].(map[string]any)["rule"].(map[string]any)
	for _, k := range []string{"created", "updated", "deleted", "unchanged", "skipped", "failed"} {
		assert.Contains(t, counts, k)
	}
	item := got["items"].([]any)[0].(map[string]any)
	for _, k := range []string{"kind", "name", "path", "action", "result", "error"} {
		assert.Contains(t, item, k)
	}
	assert.Equal(t, "", item["path"])
	assert.Equal(t, "", item["error"])
	assert.Equal(t, map[string]any{"severity": "warning", "path": "", "line": 0.0, "column": 0.0, "message": "no file, no line"},
		got["problems"].([]any)[0])
	api := got["api"].(map[string]any)
	for _, k := range []string{"requests", "retries", "rate_limit_waits"} {
		assert.Contains(t, api, k)
	}

	// No problems is [], and the report reads back as it was written.
	rep.Problems = nil
	data, err = json.Marshal(rep)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"problems":[]`)
	var back Report
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, rep.Items, back.Items)
}

func TestProblemsReadBack(t *testing.T) {
	in := ProblemList{{Severity: model.SeverityError, Path: "rules/a.js", Line: 2, Column: 7, Message: "boom"}}
	data, err := json.Marshal(in)
	require.NoError(t, err)
	var out ProblemList
	require.NoError(t, json.Unmarshal(data, &out))
	assert.Equal(t, in, out)
}

// Rules configs are written on every run: counted as updates, but not
// changes, so the headline still says there was nothing to change.
func TestHeadlineRewrites(t *testing.T) {
	rewrite := Item{Kind: model.KindRulesConfig, Name: "API_KEY", Action: "update", Result: ResultApplied, Refresh: true}
	change := Item{Kind: model.KindRule, Name: "a", Action: "update", Result: ResultApplied}
	rc := Counts{Updated: 1, Rewritten: 1}
	for _, tc := range []struct {
		name  string
		mode  string
		items []Item
		rules Counts
		want  string
	}{
		{"nothing", "deploy", nil, Counts{}, "nothing to change"},
		{"only a rewrite", "deploy", []Item{rewrite}, Counts{}, "nothing to change (1 rules config rewritten, as on every run)"},
		{"a change and a rewrite", "deploy", []Item{change, rewrite}, Counts{Updated: 1}, "deployed 1 change (plus 1 rules config rewritten, as on every run)"},
		{"plan, only a rewrite", "plan", []Item{rewrite}, Counts{}, "no changes pending (1 rules config to rewrite, as on every deploy)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := &Report{Mode: tc.mode, Status: StatusSucceeded, Items: tc.items, Counts: map[model.Kind]Counts{}}
			for i := range rep.Items {
				if tc.mode == "plan" {
					rep.Items[i].Result = ResultPlanned
				}
			}
			if len(tc.items) > 0 && tc.items[len(tc.items)-1].Refresh {
				rep.Counts[model.KindRulesConfig] = rc
				rep.Total = Counts{Updated: rc.Updated + tc.rules.Updated, Rewritten: 1}
			}
			assert.Equal(t, tc.want, Headline(rep))
			assert.Equal(t, rep.ChangedItems(), rep.Total.Changes(), "the counts and the items agree on the changes")
		})
	}
}

func TestAPIUsageSummary(t *testing.T) {
	u := APIUsage{Requests: 35, Reads: 20, Writes: 14, RateLimitWaits: 24, WaitedMS: 25_640}
	assert.Equal(t, "35 requests (1 token, 20 reads, 14 writes), 0 retries, 24 rate-limit waits; 25.6s of waiting, summed over requests that wait in parallel", u.Summary())
	assert.Equal(t, 1, u.TokenRequests())
	u = APIUsage{Requests: 4, Reads: 1, Writes: 1, Retries: 1, RateLimitWaits: 1, WaitedMS: 450}
	assert.Equal(t, "4 requests (2 token requests, 1 read, 1 write), 1 retry, 1 rate-limit wait; 450ms of waiting, summed over requests that wait in parallel", u.Summary())
	assert.False(t, strings.Contains(APIUsage{Requests: 3, Reads: 2}.Summary(), "waiting"))
}

func TestMarkdownSaysWhatTheRewritesAre(t *testing.T) {
	rep := &Report{Mode: "deploy", Status: StatusSucceeded,
		Items:  []Item{{Kind: model.KindRulesConfig, Name: "API_KEY", Path: "rules-configs/API_KEY.json", Action: "update", Result: ResultApplied, Refresh: true}},
		Counts: map[model.Kind]Counts{model.KindRulesConfig: {Updated: 1, Rewritten: 1}},
		Total:  Counts{Updated: 1, Rewritten: 1},
		API:    APIUsage{Requests: 3, Reads: 1, Writes: 1}}
	md := Markdown(rep)
	assert.Contains(t, md, "# Auth0 deployment report: nothing to change (1 rules config rewritten, as on every run)")
	assert.Contains(t, md, "| rules-config | 0 | 1 | 0 | 0 | 0 | 0 |")
	assert.Contains(t, md, "The counts include 1 rules config rewritten, as on every run")
	assert.Contains(t, md, "| Management API | 3 requests (1 token, 1 read, 1 write), 0 retries, 0 rate-limit waits |")
}
