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
		{Rule, "function (u, c, cb) {}\nfunction other() {}", 23, false, `Expected ")" but found "function"`},
		{Rule, "function named(u, c, cb) {}\nfunction other() {}", 28, false, "a rule script is one function expression; more code follows it"},
		{Rule, "function (u, c, cb) {};;", 22, false, `Expected ")" but found ";"`},
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
