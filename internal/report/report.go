// Package report holds the account of one run (report.json's schema) and
// writes it for machines (JSON) and for people (Markdown).
package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// SchemaVersion of report.json. Bump on any incompatible change.
const SchemaVersion = 1

// Status is the outcome of a run.
type Status string

const (
	// StatusSucceeded: deploy applied everything (or had nothing to do), or
	// plan/validate found no error.
	StatusSucceeded Status = "succeeded"
	// StatusFailed: a deployment started and some operation failed, or the
	// tenant could not be read.
	StatusFailed Status = "failed"
	// StatusInvalid: configuration or workspace problems (offline or
	// against the tenant); nothing was written.
	StatusInvalid Status = "invalid"
)

// Result of one item.
type Result string

const (
	ResultApplied    Result = "applied"     // deploy: the write succeeded
	ResultPlanned    Result = "planned"     // plan (or deploy branch guard): would be written
	ResultFailed     Result = "failed"      // the write failed
	ResultNotApplied Result = "not_applied" // deploy stopped before this write
	ResultUnchanged  Result = "unchanged"   // nothing to write
	ResultSkipped    Result = "skipped"     // manual item, ALLOW_DELETE=false, rules EOL, ...
)

// Report is the whole account of a run: report.json.
type Report struct {
	SchemaVersion int    `json:"schema_version"`
	Tool          Tool   `json:"tool"`
	Mode          string `json:"mode"`
	Status        Status `json:"status"`
	// Error is the one-line reason when Status is failed or invalid; ""
	// otherwise. Always present, as every field SPEC §5 lists.
	Error string `json:"error"`
	// Notes are one-line explanations a reader needs (e.g. "DEPLOY_BRANCH is
	// main but the built branch is dev: ran as plan").
	Notes []string `json:"notes,omitempty"`

	// Tenant, Repository, Branch, Commit and BuildNumber are always
	// present, "" when unknown (a run outside Pipelines has no build number).
	Tenant      string `json:"tenant"`
	Repository  string `json:"repository"`
	Branch      string `json:"branch"`
	Commit      string `json:"commit"`
	BuildNumber string `json:"build_number"`
	PipelineURL string `json:"pipeline_url,omitempty"`
	BaseDir     string `json:"base_dir,omitempty"`

	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`

	// Counts per kind, and Total over all kinds.
	Counts map[model.Kind]Counts `json:"counts"`
	Total  Counts                `json:"total"`

	Items    []Item      `json:"items"`
	Problems ProblemList `json:"problems"`
	// Warnings are run-time warnings (Slack or Code Insights unreachable,
	// rules skipped for end of life, ...), one line each.
	Warnings []string `json:"warnings,omitempty"`

	API APIUsage `json:"api"`

	// BackupDir is where the backup of overwritten or deleted items went,
	// relative to the repository root; empty when nothing was backed up.
	BackupDir string `json:"backup_dir,omitempty"`
}

// ProblemList is the run's validation problems. In report.json every
// problem has every field SPEC §5 lists, known or not: path ("" when the
// problem has no file), line and column (0 when unknown), message.
type ProblemList []model.Problem

// problemJSON is one problem as report.json writes it.
type problemJSON struct {
	Severity model.Severity `json:"severity"`
	Path     string         `json:"path"`
	Line     int            `json:"line"`
	Column   int            `json:"column"`
	Message  string         `json:"message"`
}

// MarshalJSON writes every field of every problem, and [] for none.
func (ps ProblemList) MarshalJSON() ([]byte, error) {
	out := make([]problemJSON, len(ps))
	for i, p := range ps {
		out[i] = problemJSON{Severity: p.Severity, Path: p.Path, Line: p.Line, Column: p.Column, Message: p.Message}
	}
	return json.Marshal(out)
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Counts of items per action/result. Every write is counted: a rules
// config written on every run (Item.Refresh) is counted in Updated like
// any update, and in Rewritten too.
type Counts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Deleted   int `json:"deleted"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Failed    int `json:"failed"`
	// Rewritten counts the writes, among Created and Updated, made only
	// because the value cannot be compared (rules configs: Auth0 never
	// returns it): they happen on every run and are not changes.
	Rewritten int `json:"rewritten,omitempty"`
}

// Changes returns the real changes: created + updated + deleted, leaving
// out the rewrites of values that cannot be compared.
func (c Counts) Changes() int { return c.Created + c.Updated + c.Deleted - c.Rewritten }

// Item is one managed item and what happened to it.
type Item struct {
	Kind model.Kind `json:"kind"`
	Name string     `json:"name"`
	// Path and Line locate the item's source file (repository-relative).
	// Path is "" when the item has no file (a deletion); it is always
	// present, as the SPEC lists it.
	Path string `json:"path"`
	Line int    `json:"line,omitempty"`
	// Action is create, update, delete, unchanged or skip.
	Action string `json:"action"`
	Result Result `json:"result"`
	// Reason says why (what changed, why skipped); never a secret value.
	Reason string `json:"reason,omitempty"`
	// Error is why the item's write failed; "" otherwise (always present).
	Error string `json:"error"`
	// Refresh marks a write made only because the value cannot be compared
	// (rules configs: Auth0 never returns values). It is applied on every
	// run: it is counted (Counts.Updated and Counts.Rewritten) but is not a
	// change for ChangedItems, the headline or DETAILED_EXITCODE.
	Refresh bool `json:"refresh,omitempty"`
}

// ChangedItems counts the items created, updated or deleted (deploy) or
// that would be (plan), leaving out refresh writes.
func (r *Report) ChangedItems() int {
	n := 0
	for _, it := range r.Items {
		if it.Refresh || (it.Result != ResultApplied && it.Result != ResultPlanned) {
			continue
		}
		switch it.Action {
		case "create", "update", "delete":
			n++
		}
	}
	return n
}

// APIUsage counts Management API traffic.
type APIUsage struct {
	Requests       int   `json:"requests"`
	Reads          int   `json:"reads"`
	Writes         int   `json:"writes"`
	Retries        int   `json:"retries"`
	RateLimited    int   `json:"rate_limited"`
	RateLimitWaits int   `json:"rate_limit_waits"`
	WaitedMS       int64 `json:"waited_ms"`
}

// TokenRequests counts the requests that were neither Management API reads
// nor writes: the token requests (retries included).
func (u APIUsage) TokenRequests() int { return max(u.Requests-u.Reads-u.Writes, 0) }

// Summary is the usage in one line for people, e.g. "35 requests (1 token,
// 20 reads, 14 writes), 0 retries, 24 rate-limit waits; 25.6s of waiting,
// summed over requests that wait in parallel". The waiting time is summed
// over requests (retry back-offs included), so it can exceed the run's
// duration when several requests wait at once.
func (u APIUsage) Summary() string {
	var groups []string
	if n := u.TokenRequests(); n == 1 {
		groups = append(groups, "1 token")
	} else if n > 1 {
		groups = append(groups, fmt.Sprintf("%d token requests", n))
	}
	groups = append(groups, countWord(u.Reads, "read", "reads"), countWord(u.Writes, "write", "writes"))
	s := fmt.Sprintf("%s (%s), %s, %s", countWord(u.Requests, "request", "requests"), strings.Join(groups, ", "),
		countWord(u.Retries, "retry", "retries"), countWord(u.RateLimitWaits, "rate-limit wait", "rate-limit waits"))
	if u.WaitedMS > 0 {
		waited := time.Duration(u.WaitedMS) * time.Millisecond
		if waited >= time.Second {
			waited = waited.Round(100 * time.Millisecond)
		}
		s += fmt.Sprintf("; %s of waiting, summed over requests that wait in parallel", waited)
	}
	return s
}

func countWord(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// IsChange reports whether an item action changes the tenant.
func IsChange(action string) bool {
	return action == "create" || action == "update" || action == "delete"
}

// ActionVerb names an item action for people ("write" when unknown).
func ActionVerb(action string) string {
	if action == "" {
		return "write"
	}
	return action
}

// PastVerb is an item action in the past tense, capitalised: "Created".
func PastVerb(action string) string {
	switch action {
	case "create":
		return "Created"
	case "update":
		return "Updated"
	case "delete":
		return "Deleted"
	}
	return "Applied " + action
}
