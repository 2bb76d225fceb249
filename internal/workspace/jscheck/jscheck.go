// Package jscheck checks the JavaScript syntax of rule scripts, database
// scripts and action code with esbuild's parser, offline.
//
// Each kind of file is parsed the way Auth0 runs it:
//   - a rule script is one function expression, `function (user, context,
//     callback) {...}` (one trailing semicolon allowed), so it is parsed as
//     "(" + script + "\n)", and its shape is checked: a function, and
//     nothing after it (shape.go);
//   - a database action script is a classic script with function
//     declarations, `function login(email, password, callback) {...}`:
//     import and export are errors;
//   - action code is a module, CommonJS (`exports.onExecutePostLogin = ...`)
//     or ES module syntax.
//
// esbuild quotes source text in its messages ("Expected \";\" but found
// \"x\""). Since the checked text can contain keyword values (secrets),
// Sanitize rewrites every quoted token that the caller does not allow.
package jscheck

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/evanw/esbuild/pkg/api"
)

// Kind says how a file is parsed.
type Kind int

// The kinds of JavaScript files.
const (
	// Rule is a rule script: one function expression.
	Rule Kind = iota
	// Script is a database action script: a classic script.
	Script
	// Module is action code: CommonJS or an ES module.
	Module
)

// maxErrors bounds the errors reported for one file.
const maxErrors = 5

// Diagnostic is one syntax error.
type Diagnostic struct {
	// Offset and End delimit the offending text in the checked code (bytes).
	Offset, End int
	// AtEnd is true when the error is at the end of the code (for a rule,
	// in the closing parenthesis added around it).
	AtEnd bool
	// Text is esbuild's message, which may quote source text: pass it
	// through Sanitize before showing it.
	Text string
	// Shape is true when the code is valid JavaScript but not what its
	// kind must be (a rule script that is not one function expression);
	// Text is then this package's own message and quotes nothing.
	Shape bool
}

// Check parses code as kind and returns its syntax errors (none when
// valid). A rule script is also checked to be one function expression
// (shape.go).
func Check(kind Kind, code string) (diags []Diagnostic) {
	defer func() {
		if r := recover(); r != nil {
			diags = []Diagnostic{{Text: fmt.Sprintf("the JavaScript parser failed (%T)", r)}}
		}
	}()
	if kind == Rule {
		return checkRule(code)
	}
	return parse(kind, code)
}

// checkRule parses a rule script and checks its shape: one function
// expression, then nothing but comments and at most one ";".
func checkRule(code string) []Diagnostic {
	diags := parse(Rule, code)
	start, end, isFunc := ruleFunction(code)
	switch {
	case !isFunc && len(diags) == 0:
		return []Diagnostic{{Offset: start, End: start, Text: msgNotFunction, Shape: true}}
	case !isFunc || end < 0:
		return diags
	}
	// The function alone must parse, or the scanner lost its way (see
	// shape.go): then esbuild's verdict stands.
	if len(parse(Rule, code[:end])) != 0 {
		return diags
	}
	if t := tailStart(code, end); t < len(code) {
		if strings.HasPrefix(code[t:], "/*") {
			return diags // a comment that is never closed: esbuild says so
		}
		return []Diagnostic{{Offset: t, End: t, Text: msgMoreCode, Shape: true}}
	}
	// The function, then only comments and one ";" (which esbuild refused
	// before a trailing comment, e.g. "};  // end"): valid.
	return nil
}

// Messages for ES module syntax in a database script; they quote nothing.
const (
	msgModuleSyntax = "ES module syntax (import/export) is not available: Auth0 runs a database script as a classic script (declare the function, e.g. function login(email, password, callback) {...}, and load packages with require())"
	msgImportMeta   = "import.meta is ES module syntax, not available: Auth0 runs a database script as a classic script"
)

// parse returns the syntax errors of code parsed as kind.
//
// esbuild has no "classic script" mode: whatever the Format, it accepts
// import and export and converts them. So a database script is parsed
// inside a function body, "(function(){" + script + "})", which is what
// Auth0 does with it: import and export declarations and a top-level await
// are then syntax errors, as they are in a script. import.meta, which
// esbuild accepts anywhere, is caught through the warning the IIFE output
// format gives for it.
func parse(kind Kind, code string) (diags []Diagnostic) {
	prefix, suffix, body := "", "", code
	format := api.FormatDefault
	switch kind {
	case Rule:
		// The newline ends a trailing line comment. One semicolon after
		// the function is harmless (`function (...) {...};`): drop it.
		prefix, suffix = "(", "\n)"
		if t := strings.TrimRightFunc(code, unicode.IsSpace); strings.HasSuffix(t, ";") {
			body = t[:len(t)-1]
		}
	case Script:
		prefix, suffix, format = "(function(){", "\n})", api.FormatIIFE
	}
	wrapped := prefix + body + suffix
	res := api.Transform(wrapped, api.TransformOptions{
		Loader:   api.LoaderJS,
		Format:   format,
		Target:   api.ESNext,
		LogLevel: api.LogLevelSilent,
		// Keep every syntax the parser knows: this is a syntax check,
		// the output is thrown away.
		MinifyWhitespace: true,
	})
	// at converts an esbuild location to a diagnostic's position.
	at := func(d *Diagnostic, loc *api.Location) {
		if loc == nil {
			d.AtEnd = true
			d.Offset, d.End = len(code), len(code)
			return
		}
		off := OffsetOf(wrapped, loc.Line, loc.Column)
		end := off + max(loc.Length, 0)
		off -= len(prefix)
		end -= len(prefix)
		if off < 0 {
			off = 0
		}
		if off >= len(body) {
			d.AtEnd = true
			off, end = len(code), len(code)
		}
		d.Offset = min(off, len(code))
		d.End = min(max(end, d.Offset), len(code))
	}
	for _, m := range res.Errors {
		if len(diags) == maxErrors {
			break
		}
		d := Diagnostic{Text: m.Text}
		at(&d, m.Location)
		if kind == Script {
			switch {
			case d.AtEnd && (strings.Contains(d.Text, `")"`) || strings.Contains(d.Text, `"}"`)):
				// It names the "})" added after the script.
				d.Text = "Unexpected end of file"
			case !d.AtEnd:
				if start, ok := moduleSyntaxAt(code, d.Offset); ok {
					d.Offset, d.End, d.Text = start, start, msgModuleSyntax
				}
			}
		}
		diags = append(diags, d)
	}
	if kind == Script && len(diags) == 0 {
		for _, m := range res.Warnings {
			if strings.Contains(m.Text, `"import.meta"`) && len(diags) < maxErrors {
				d := Diagnostic{Text: msgImportMeta}
				at(&d, m.Location)
				diags = append(diags, d)
			}
		}
	}
	return diags
}

// moduleSyntaxAt reports whether a syntax error at off of a database
// script is an import or export declaration (esbuild stops at "export", or
// at the token after "import"), and where the declaration starts.
func moduleSyntaxAt(code string, off int) (start int, ok bool) {
	if w, _ := readWord(code, off); w == "export" || w == "import" {
		return off, true
	}
	before := strings.TrimRightFunc(code[:off], unicode.IsSpace)
	if !strings.HasSuffix(before, "import") {
		return 0, false
	}
	start = len(before) - len("import")
	if start > 0 {
		if c := before[start-1]; c == '.' || c == '$' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			return 0, false
		}
	}
	return start, true
}

// OffsetOf converts esbuild's line (1-based) and column (0-based, bytes) to a
// byte offset in text. esbuild ends a line at \n, \r\n, a lone \r, U+2028 and
// U+2029.
func OffsetOf(text string, line, col int) int {
	off := 0
	for l := 1; l < line && off < len(text); {
		r, n := utf8.DecodeRuneInString(text[off:])
		off += n
		switch r {
		case '\r':
			if off < len(text) && text[off] == '\n' {
				off++
			}
			l++
		case '\n', '\u2028', '\u2029':
			l++
		}
	}
	return min(off+max(col, 0), len(text))
}

// Sanitize turns esbuild's message into one safe to print: every quoted
// token is kept only when it is JavaScript punctuation, a reserved word, or
// allow(token) says so; otherwise it is replaced by what it is ("identifier",
// "number", "string", "token"). The first letter is lower-cased.
func Sanitize(msg string, allow func(token string) bool) string {
	var b strings.Builder
	for i := 0; i < len(msg); {
		c := msg[i]
		if c != '"' {
			b.WriteByte(c)
			i++
			continue
		}
		// A quoted token: up to the next unescaped quote.
		j := i + 1
		for j < len(msg) && msg[j] != '"' {
			if msg[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(msg) {
			// Unbalanced: drop the rest rather than risk showing it.
			b.WriteString("token")
			break
		}
		tok := msg[i+1 : j]
		if isPunctuation(tok) || reserved[tok] || (isIdentifier(tok) && allow != nil && allow(tok)) {
			b.WriteString(msg[i : j+1])
		} else {
			b.WriteString(describe(tok))
		}
		i = j + 1
	}
	out := strings.TrimSuffix(strings.TrimSpace(b.String()), ":")
	if r, n := utf8.DecodeRuneInString(out); n > 0 && unicode.IsUpper(r) && !(len(out) > n && unicode.IsUpper(rune(out[n]))) {
		out = string(unicode.ToLower(r)) + out[n:]
	}
	return out
}

func describe(tok string) string {
	switch {
	case tok == "":
		return "token"
	case isIdentifier(tok):
		return "identifier"
	case tok[0] >= '0' && tok[0] <= '9' || tok[0] == '.' && len(tok) > 1:
		return "number"
	case tok[0] == '\'' || tok[0] == '\\' || tok[0] == '`':
		return "string"
	case tok[0] == '#':
		return "private name"
	}
	return "token"
}

func isPunctuation(tok string) bool {
	if tok == "" || len(tok) > 4 {
		return false
	}
	for i := 0; i < len(tok); i++ {
		if strings.IndexByte("{}()[];,.<>=!+-*/%&|^~?:@", tok[i]) < 0 {
			return false
		}
	}
	return true
}

func isIdentifier(tok string) bool {
	if tok == "" || len(tok) > 64 {
		return false
	}
	for i, r := range tok {
		switch {
		case r == '_' || r == '$' || unicode.IsLetter(r):
		case i > 0 && (unicode.IsDigit(r) || r == '.'): // e.g. "new.target"
		default:
			return false
		}
	}
	return true
}

// reserved are the words the language itself defines; quoting one never
// reveals anything about a file.
var reserved = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`await break case catch class const continue debugger default delete do
		else enum export extends false finally for function if import in instanceof new null return super
		switch this throw true try typeof var void while with yield let static implements interface package
		private protected public async of get set as from target meta new.target import.meta arguments eval
		undefined constructor`) {
		reserved[w] = true
	}
}
