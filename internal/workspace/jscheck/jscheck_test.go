package jscheck

import (
	"strings"
	"testing"
)

func TestCheckValid(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		code string
	}{
		{Rule, "function (user, context, callback) {\n  callback(null, user, context);\n}\n"},
		{Rule, "function addClaims(user, context, callback) { callback(null, user, context); } // trailing comment"},
		{Rule, "async function (user, context, callback) { await x; callback(null, user, context); }"},
		{Rule, "/* license */\n(user, context, callback) => callback(null, user, context)"},
		{Rule, "\ufefffunction (u, c, cb) {}\r\n"},
		{Rule, "function (u, c, cb) {\n  cb(null, u, c);\n};\n\n"},
		{Script, "function login(email, password, callback) {\n  callback(null);\n}\n"},
		{Script, "async function getUser(email, callback) { const r = await fetch(email); }"},
		{Script, "function create(user, callback) {\n  const bcrypt = require('bcrypt');\n  return callback(null);\n}"},
		{Module, "exports.onExecutePostLogin = async (event, api) => {};"},
		{Module, "export const onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim('a', 1); };"},
		{Module, "const axios = require('axios');\nexports.onExecutePostLogin = async (event, api) => {\n  await axios.get(event.secrets.URL);\n};\n"},
	} {
		if d := Check(tc.kind, tc.code); len(d) != 0 {
			t.Errorf("Check(%d, %q) = %+v, want no errors", tc.kind, tc.code, d)
		}
	}
}

func TestCheckErrors(t *testing.T) {
	for _, tc := range []struct {
		kind   Kind
		code   string
		offset int
		atEnd  bool
		text   string
	}{
		// The "(" added around a rule does not shift columns.
		{Rule, "function (user, context, callback) { x y }", 39, false, `Expected ";" but found "y"`},
		{Rule, "function (u, c, cb) {\n  callback(null, u c);\n}", 41, false, `Expected ")" but found "c"`},
		{Rule, "function (u, c, cb) {\n  callback(null, u, c);\n", 46, true, `Unexpected ")"`},
		{Rule, "function (u, c, cb) {}\nfunction other() {}", 23, false, "a rule script is one function expression; more code follows it"},
		{Rule, "function named(u, c, cb) {}\nfunction other() {}", 28, false, "a rule script is one function expression; more code follows it"},
		{Rule, "function (u, c, cb) {};;", 23, false, "a rule script is one function expression; more code follows it"},
		{Script, "function login(email, password, callback) {\n  return callback(null\n}", 67, false, `Expected ")" but found "}"`},
		{Script, "function login(a) {\r\n  var x = 'abc\r\n}", 35, false, "Unterminated string literal"},
		{Script, "function login(a) {", 19, true, "Unexpected end of file"},
		{Module, "exports.onExecutePostLogin = async (event, api) => {\n  await\n};", 61, false, "Unexpected \"}\""},
		{Module, "const a = 1;\nconst a = 2;", 19, false, `The symbol "a" has already been declared`},
	} {
		d := Check(tc.kind, tc.code)
		if len(d) == 0 {
			t.Errorf("Check(%q): no error", tc.code)
			continue
		}
		if d[0].Offset != tc.offset || d[0].AtEnd != tc.atEnd || d[0].Text != tc.text {
			t.Errorf("Check(%q) = %+v; want offset %d atEnd %v %q", tc.code, d[0], tc.offset, tc.atEnd, tc.text)
		}
	}
}

func TestOffsetOf(t *testing.T) {
	text := "a\nb\r\nc\rd\u2028e\u2029f"
	for _, tc := range []struct{ line, col, want int }{
		{1, 0, 0}, {2, 0, 2}, {3, 0, 5}, {4, 0, 7}, {5, 0, 11}, {6, 0, 15}, {6, 9, len(text)}, {99, 0, len(text)},
	} {
		if got := OffsetOf(text, tc.line, tc.col); got != tc.want {
			t.Errorf("OffsetOf(%d, %d) = %d, want %d", tc.line, tc.col, got, tc.want)
		}
	}
}

func TestSanitize(t *testing.T) {
	allowX := func(tok string) bool { return tok == "x" }
	for _, tc := range []struct{ in, want string }{
		{`Expected ";" but found "x"`, `expected ";" but found "x"`},
		{`Expected ";" but found "secret"`, `expected ";" but found identifier`},
		{`Expected ";" but found "'abc\"d'"`, `expected ";" but found string`},
		{`Expected ";" but found "0x1F"`, `expected ";" but found number`},
		{`Expected ";" but found "#priv"`, `expected ";" but found private name`},
		{`Unexpected "else"`, `unexpected "else"`},
		{`Unexpected "☃"`, `unexpected token`},
		{`Expected "=>" but found end of file`, `expected "=>" but found end of file`},
		{`The symbol "secret" has already been declared`, `the symbol identifier has already been declared`},
		{`Cannot use "new.target" here:`, `cannot use "new.target" here`},
		{`JSX syntax`, `JSX syntax`},
		{`Broken "quote`, `broken token`},
	} {
		if got := Sanitize(tc.in, allowX); got != tc.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Sanitize(`Unexpected "x"`, nil); got != `unexpected identifier` {
		t.Errorf("nil allow: %q", got)
	}
}

func TestSanitizeHidesEveryUnallowedToken(t *testing.T) {
	const secret = "s3cr3t"
	for _, code := range []string{
		"x = 1 " + secret, "x = 1 '" + secret + "'", "x = 1 \"" + secret + "\"", "let " + secret + "; let " + secret + ";",
		"const " + secret + ";", "x = 1 #" + secret, "x = 1 0x" + secret,
	} {
		for _, d := range Check(Module, code) {
			if got := Sanitize(d.Text, func(string) bool { return false }); strings.Contains(got, secret) || strings.Contains(got, "3cr") {
				t.Errorf("Sanitize(%q) = %q", d.Text, got)
			}
		}
	}
}

// The shape of a rule script: one function expression, then only comments
// and one ";". The inputs put braces, quotes, slashes and comment markers
// where a careless scanner would take them for the end of the function.
func TestRuleShape(t *testing.T) {
	valid := []string{
		"function (user, context, callback) {\n  callback(null, user, context);\n}\n",
		"function rule(user, context, callback) { callback(null, user, context); };",
		"function (u, c, cb) { cb(null, u, c); }; // trailing comment after the semicolon",
		"function (u, c, cb) { cb(null, u, c); } /* { */ ; /* } */\n// }\n",
		"/* leading } comment */\n// and a { line comment\nfunction (u, c, cb) { cb(null, u, c); }",
		"async function (u, c, cb) { await Promise.resolve(); cb(null, u, c); }",
		"function* gen(u, c, cb) { yield 1; }",
		"(user, context, callback) => { callback(null, user, context); }",
		"async (user, context, callback) => { callback(null, user, context); }",
		"(u, c, cb) => cb(null, u, c)",
		"u => u",
		"(u, c, cb) => cb(null, u, c); // concise body, then a comment",
		"(function (u, c, cb) { cb(null, u, c); })",
		"(\n  // wrapped\n  function (u, c, cb) { cb(null, u, c); }\n);",
		"function (u, c, cb) { var s = '}'; var d = \"}{\"; var e = '\\'}'; cb(null, u, c); }",
		"function (u, c, cb) { var t = `}${ { a: '}' }.a + `${'`'}}` }{`; cb(null, u, c); }",
		"function (u, c, cb) { var r = /}[/}]\\//g; var q = u.n / 2 / 1; cb(null, u, c); }",
		"function (u, c, cb) { if (u) /}/.test(u.n); return /{/.test(c); }",
		"function (u, c, cb) { var a = [1, 2]; a++ / 2; x = a[0] / 2; cb(null, u, c) } ",
		"function (u, c, cb) { var o = { '}': 1, \"{\": 2 }; // } in a comment\n /* } */ cb(null, u, c); }",
		"function (u, c, cb) {\n  var x = 1 // }\n  cb(null, u, c)\n}\n",
		"function (u, c, cb) { class A { #p = 1; m() { return this.#p / 2; } } cb(null, u, c); }",
		"function \\u0061(u, c, cb) { var \\u{62} = 1e+3 / 2; cb(null, u, c); }",
		"\ufefffunction (u, c, cb) {}\r\n",
		"function (u, c, cb) { var ü = '}'; cb(null, u, c); }\u2028",
		// An object literal divided by a string: the scanner takes the "/"
		// for a regular expression and loses its way; the check then
		// stays silent rather than invent an error.
		"function (u, c, cb) { var x = {} /'/'; cb(null, u, c); }",
	}
	for _, code := range valid {
		if d := Check(Rule, code); len(d) != 0 {
			t.Errorf("Check(Rule, %q) = %+v, want no problem", code, d)
		}
	}
	for _, tc := range []struct {
		code   string
		offset int
		text   string
	}{
		// Not a function at all, though each is one valid expression.
		{"42", 0, msgNotFunction},
		{"callback(null, user, context)", 0, msgNotFunction},
		{"// a comment\n  callback(null, user, context);", 15, msgNotFunction},
		{"'use strict'", 0, msgNotFunction},
		{"async(user, context, callback)", 0, msgNotFunction},
		{"(callback)", 0, msgNotFunction},
		{"module.exports = function (u, c, cb) {}", 0, msgNotFunction},
		{"(function () {}, 42)", 0, msgNotFunction},
		// A function, then more code.
		{"function (u, c, cb) {}, 42", 22, msgMoreCode},
		{"function (u, c, cb) {}\nfunction other() {}", 23, msgMoreCode},
		{"function (u, c, cb) {};\nfunction other() {}", 24, msgMoreCode},
		{"function (u, c, cb) {}\n\n/* } */\n(other)", 32, msgMoreCode},
		{"function (u, c, cb) { var s = '}'; }\n(1)", 37, msgMoreCode},
		{"function (u, c, cb) { var t = `}${'}'}`; }\n+1", 43, msgMoreCode},
		{"function (u, c, cb) { return /}/; }.call(null)", 35, msgMoreCode},
		{"(function (u, c, cb) {})()", 24, msgMoreCode},
		{"(u, c, cb) => cb(null, u, c), 42", 28, msgMoreCode},
		{"u => { return u; }\n['x']", 19, msgMoreCode},
	} {
		d := Check(Rule, tc.code)
		if len(d) != 1 || d[0].Offset != tc.offset || d[0].Text != tc.text || !d[0].Shape {
			t.Errorf("Check(Rule, %q) = %+v; want one shape problem at %d: %q", tc.code, d, tc.offset, tc.text)
		}
	}
	// A syntax error stays esbuild's, shape or not.
	for _, code := range []string{"function (u, c, cb) { x y }", "42 43", "function (u, c, cb) {", "function (u, c, cb) {} /* never closed", "function (u, c, cb) {}; /* never closed"} {
		if d := Check(Rule, code); len(d) == 0 || d[0].Shape {
			t.Errorf("Check(Rule, %q) = %+v, want esbuild's syntax error", code, d)
		}
	}
}

// FuzzCheckRule: the shape check never panics (Check would turn a panic
// into "the JavaScript parser failed"), always ends, and points inside the
// code.
func FuzzCheckRule(f *testing.F) {
	for _, seed := range []string{
		"function (u, c, cb) { var t = `}${ { a: '}' }.a }`; }\n(1)",
		"function (u, c, cb) { if (u) /}/.test(u); }; // x",
		"(u) => u, 42", "async x => `${", "function (u) { /[/]}/ }", "(function(){})()", "\\u{61} => 1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, code string) {
		for _, d := range Check(Rule, code) {
			if strings.Contains(d.Text, "parser failed") {
				t.Fatalf("Check(Rule, %q) panicked", code)
			}
			if d.Offset < 0 || d.Offset > len(code) || d.End < d.Offset || d.End > len(code) {
				t.Fatalf("Check(Rule, %q): position %d-%d outside the code", code, d.Offset, d.End)
			}
		}
	})
}

// A database script is a classic script, as Auth0 runs it: ES module
// syntax is an error at the declaration, whatever esbuild would accept.
func TestScriptIsClassic(t *testing.T) {
	for _, code := range []string{
		"function login(email, password, callback) {\n  const m = import('./x.js');\n  callback(null);\n}",
		"var importer = 1, exported = 2;\nfunction login(e, p, cb) { return importer + exported; }",
		"'use strict';\nfunction login(e, p, cb) { cb(null); }\n// the end",
		"async function login(e, p, cb) { await x(); }\nvar await;",
	} {
		if d := Check(Script, code); len(d) != 0 {
			t.Errorf("Check(Script, %q) = %+v, want no errors", code, d)
		}
	}
	for _, tc := range []struct {
		code   string
		offset int
		text   string
	}{
		{"export default function login(email, password, callback) {\n  callback(null);\n}", 0, msgModuleSyntax},
		{"export function login(e, p, cb) {}", 0, msgModuleSyntax},
		{"function login(e, p, cb) {}\nexport { login };", 28, msgModuleSyntax},
		{"import bcrypt from 'bcrypt';\nfunction login(e, p, cb) {}", 0, msgModuleSyntax},
		{"// header\nimport { hash } from 'bcrypt';\nfunction login(e, p, cb) {}", 10, msgModuleSyntax},
		{"import * as b from 'bcrypt';\nfunction login(e, p, cb) {}", 0, msgModuleSyntax},
		{"import 'polyfill';\nfunction login(e, p, cb) {}", 0, msgModuleSyntax},
		{"function login(e, p, cb) { return import.meta.url; }", 34, msgImportMeta},
		{"await init();\nfunction login(e, p, cb) {}", 0, `"await" can only be used inside an "async" function`},
		{"function login(a) {", 19, "Unexpected end of file"},
	} {
		d := Check(Script, tc.code)
		if len(d) == 0 || d[0].Offset != tc.offset || d[0].Text != tc.text || d[0].Shape {
			t.Errorf("Check(Script, %q) = %+v; want an error at %d: %q", tc.code, d, tc.offset, tc.text)
		}
	}
	// Action code is a module: the same declarations are fine there.
	if d := Check(Module, "import x from 'y';\nexport const onExecutePostLogin = async () => x(import.meta.url);"); len(d) != 0 {
		t.Errorf("module: %+v", d)
	}
}
