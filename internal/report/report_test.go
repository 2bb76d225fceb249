package report

import (
	"encoding/json"
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
