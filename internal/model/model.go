// Package model holds the plain values that flow between the pipe's stages:
// the desired state read from the repository, the current state read from the
// tenant, and the problems found on the way. It imports nothing from go-auth0,
// so the workspace reader and the planner stay pure.
package model

import (
	"fmt"
	"sort"
	"strings"
)

// Kind names a kind of managed item. The values appear in reports.
type Kind string

const (
	KindRule        Kind = "rule"
	KindRulesConfig Kind = "rules-config"
	KindDatabase    Kind = "database"
	KindPage        Kind = "page"
	KindAction      Kind = "action"
	KindBindings    Kind = "trigger-bindings"
)

// Kinds lists every kind in report order.
var Kinds = []Kind{KindRule, KindRulesConfig, KindDatabase, KindPage, KindAction, KindBindings}

// Severity of a Problem.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Problem is one finding about the repository or the configuration, at a file
// and, where one is known, a line and column (1-based; 0 = unknown).
type Problem struct {
	Severity Severity `json:"severity"`
	Path     string   `json:"path,omitempty"`
	Line     int      `json:"line,omitempty"`
	Column   int      `json:"column,omitempty"`
	Message  string   `json:"message"`
}

// String renders the problem as `path:line:col: severity: message`, leaving
// out the parts that are unknown.
func (p Problem) String() string {
	var b strings.Builder
	if p.Path != "" {
		b.WriteString(p.Path)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
			if p.Column > 0 {
				fmt.Fprintf(&b, ":%d", p.Column)
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(string(p.Severity))
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// Problems is a list of problems with helpers.
type Problems []Problem

// Errorf adds an error.
func (ps *Problems) Errorf(path string, line, col int, format string, args ...any) {
	*ps = append(*ps, Problem{Severity: SeverityError, Path: path, Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}

// Warnf adds a warning.
func (ps *Problems) Warnf(path string, line, col int, format string, args ...any) {
	*ps = append(*ps, Problem{Severity: SeverityWarning, Path: path, Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}

// HasErrors reports whether any problem is an error.
func (ps Problems) HasErrors() bool {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Count returns the number of errors and warnings.
func (ps Problems) Count() (errs, warns int) {
	for _, p := range ps {
		if p.Severity == SeverityError {
			errs++
		} else {
			warns++
		}
	}
	return
}

// Sort orders problems: errors before warnings, then by path, line, column, message.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Severity != b.Severity {
			return a.Severity == SeverityError
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Message < b.Message
	})
}

// Source locates an item in the repository, for reports and annotations.
// Paths are relative to the repository (workspace) root, BASE_DIR included,
// with forward slashes.
type Source struct {
	Path string `json:"path,omitempty"`
	Line int    `json:"line,omitempty"`
}
