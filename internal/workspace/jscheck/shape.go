package jscheck

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file checks the shape of a rule script, which esbuild cannot: it
// parses "(" + script + ")" as one expression, and `42`, `callback(null,
// user, context)` or `function () {}, 42` are expressions too. Auth0 needs
// the script to be one function: `function (user, context, callback) {...}`
// (also named, async, a generator, an arrow function, or any of these in
// parentheses), followed by nothing but comments and at most one ";".
//
// esbuild gives no syntax tree, so a small scanner reads the tokens that
// matter: it skips comments, strings, template literals (with their ${}
// substitutions) and regular expressions, and matches brackets, to find
// where the function ends. Whether a "/" starts a regular expression or
// divides depends on the token before it, as in every JavaScript
// tokenizer without a parser: the usual rules are used (after an operand
// it divides; after an operator, a keyword such as return, a "}" or the
// ")" of if/while/for/with it starts a regular expression). Where they
// could be wrong, the function found is parsed again on its own with
// esbuild, and a script that does not parse that way is left to esbuild's
// own verdict: the check never adds a false error of its own.

// Messages of the shape check; they quote nothing from the file.
const (
	msgMoreCode    = "a rule script is one function expression; more code follows it"
	msgNotFunction = "a rule script is one function expression, function (user, context, callback) {...}; this one does not start with a function"
)

// ruleFunction finds the function expression a rule script starts with.
// start is the offset of the script's first token. When isFunc is true,
// end is the offset just after the function (-1 when it cannot be
// delimited); when false, the script does not start with a function.
func ruleFunction(code string) (start, end int, isFunc bool) {
	start = skipTrivia(code, 0)
	end = functionAt(code, start)
	return start, end, end != notFunction
}

// notFunction is functionAt's answer for code that does not start with a
// function; -1 means it does, but its end could not be found.
const notFunction = -2

// functionAt returns the offset just after the function expression that
// starts at i, -1 when one starts there but does not end, or notFunction.
func functionAt(code string, i int) int {
	word, j := readWord(code, i)
	switch word {
	case "function":
		return functionEnd(code, j)
	case "async":
		k := skipTrivia(code, j)
		if w, l := readWord(code, k); w == "function" {
			return functionEnd(code, l)
		}
		return arrowEnd(code, k)
	case "":
		if i < len(code) && code[i] == '(' {
			if end := arrowEnd(code, i); end != notFunction {
				return end
			}
			// (function () {...}): one function in parentheses.
			close := scan(code, i, true)
			if close < 0 {
				return notFunction
			}
			inner := code[i+1 : close-1]
			in := skipTrivia(inner, 0)
			if end := functionAt(inner, in); end >= 0 && skipTrivia(inner, end) == len(inner) {
				return close
			}
		}
		return notFunction
	}
	if reserved[word] {
		return notFunction
	}
	return arrowEnd(code, i) // x => ...
}

// functionEnd reads the rest of `function [*] [name] (params) {body}` from
// j (just after the keyword) and returns the offset after the body, or -1.
func functionEnd(code string, j int) int {
	k := skipTrivia(code, j)
	if k < len(code) && code[k] == '*' {
		k = skipTrivia(code, k+1)
	}
	if w, l := readWord(code, k); w != "" {
		k = skipTrivia(code, l)
	}
	if k >= len(code) || code[k] != '(' {
		return -1
	}
	if k = scan(code, k, true); k < 0 {
		return -1
	}
	if k = skipTrivia(code, k); k >= len(code) || code[k] != '{' {
		return -1
	}
	return scan(code, k, true)
}

// arrowEnd reads an arrow function at i, `(params) => body` or
// `name => body`, and returns the offset after it, -1 when its body does
// not end, or notFunction when there is no arrow.
func arrowEnd(code string, i int) int {
	var k int
	if i < len(code) && code[i] == '(' {
		if k = scan(code, i, true); k < 0 {
			return notFunction
		}
	} else {
		w, l := readWord(code, i)
		if w == "" || reserved[w] {
			return notFunction
		}
		k = l
	}
	k = skipTrivia(code, k)
	if !strings.HasPrefix(code[k:], "=>") {
		return notFunction
	}
	k = skipTrivia(code, k+2)
	if k < len(code) && code[k] == '{' {
		return scan(code, k, true)
	}
	// A concise body is one assignment expression: it ends at a "," or
	// ";" outside brackets, or at the end of the code.
	return scan(code, k, false)
}

// tailStart returns the offset of the first thing after end that is not a
// comment, white space or one ";": len(code) when nothing follows.
func tailStart(code string, end int) int {
	t := skipTrivia(code, end)
	if t < len(code) && code[t] == ';' {
		t = skipTrivia(code, t+1)
	}
	return t
}

// Token kinds, as far as the "/" question needs them.
const (
	tokPunct   = iota // an operator or an opening bracket: "/" starts a regular expression
	tokOperand        // a literal, a name or a closing bracket: "/" divides
	tokKeyword        // a keyword after which an expression starts
)

// regexKeywords are the keywords after which "/" starts a regular expression.
var regexKeywords = map[string]bool{
	"return": true, "typeof": true, "instanceof": true, "in": true, "of": true, "new": true, "delete": true,
	"void": true, "throw": true, "case": true, "do": true, "else": true, "yield": true, "await": true, "extends": true,
}

// condKeywords are the keywords whose "(...)" is followed by a statement,
// which may start with a regular expression.
var condKeywords = map[string]bool{"if": true, "while": true, "for": true, "with": true}

// scan reads tokens from i. When balanced, code[i] is an opening bracket
// and scan returns the offset just after the bracket that closes it, or -1
// when there is none. Otherwise it returns the offset of the first "," or
// ";" outside brackets, of a closing bracket with no opening one, or
// len(code).
func scan(code string, i int, balanced bool) int {
	type open struct {
		ch   byte // '(', '[', '{', or '`' for a template's ${
		cond bool // a "(" after if, while, for or with
	}
	var stack []open
	prev, prevWord := tokPunct, ""
	for {
		if i = skipTrivia(code, i); i >= len(code) {
			if balanced {
				return -1
			}
			return len(code)
		}
		c := code[i]
		switch {
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, open{ch: c, cond: c == '(' && prev == tokKeyword && condKeywords[prevWord]})
			prev = tokPunct
			i++
		case c == ')' || c == ']' || c == '}':
			if len(stack) == 0 {
				if balanced {
					return -1
				}
				return i
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if top.ch == '`' {
				// The end of a ${...}: the template goes on.
				var subst bool
				if i, subst = skipTemplate(code, i+1); subst {
					stack = append(stack, open{ch: '`'})
					prev = tokPunct
				} else {
					prev = tokOperand
				}
				continue
			}
			i++
			if balanced && len(stack) == 0 {
				return i
			}
			switch {
			case c == ')' && top.cond, c == '}':
				prev = tokPunct
			default:
				prev = tokOperand
			}
		case c == '\'' || c == '"':
			i = skipString(code, i)
			prev = tokOperand
		case c == '`':
			var subst bool
			if i, subst = skipTemplate(code, i+1); subst {
				stack = append(stack, open{ch: '`'})
				prev = tokPunct
			} else {
				prev = tokOperand
			}
		case c == '/':
			if prev != tokOperand {
				if j := skipRegex(code, i); j > 0 {
					i, prev = j, tokOperand
					continue
				}
			}
			i++
			prev = tokPunct
		case !balanced && len(stack) == 0 && (c == ',' || c == ';'):
			return i
		case (c == '+' || c == '-') && i+1 < len(code) && code[i+1] == c:
			i += 2 // ++ and --: after a++ a "/" still divides, so prev stays
		case c == '#':
			_, i = readWord(code, i+1) // a private name
			prev = tokOperand
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(code) && code[i+1] >= '0' && code[i+1] <= '9':
			i = skipNumber(code, i)
			prev = tokOperand
		default:
			if w, j := readWord(code, i); w != "" {
				i, prevWord = j, w
				prev = tokOperand
				if regexKeywords[w] || condKeywords[w] {
					prev = tokKeyword
				}
				continue
			}
			_, n := utf8.DecodeRuneInString(code[i:])
			i += n
			prev = tokPunct
		}
	}
}

// skipTrivia returns the offset of the first character at or after i that
// is neither white space nor inside a comment. An unterminated block
// comment is not skipped (esbuild reports it).
func skipTrivia(code string, i int) int {
	for i < len(code) {
		c := code[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			i++
		case c == '/' && i+1 < len(code) && code[i+1] == '/':
			i = lineEnd(code, i+2)
		case c == '/' && i+1 < len(code) && code[i+1] == '*':
			j := strings.Index(code[i+2:], "*/")
			if j < 0 {
				return i
			}
			i += 2 + j + 2
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(code[i:])
			if !isSpace(r) {
				return i
			}
			i += n
		default:
			return i
		}
	}
	return i
}

// isSpace reports JavaScript white space and line terminators beyond ASCII.
func isSpace(r rune) bool {
	return r == '\u00a0' || r == '\ufeff' || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Zs, r)
}

// lineEnd returns the offset of the line terminator at or after i, or len(code).
func lineEnd(code string, i int) int {
	for i < len(code) {
		switch c := code[i]; {
		case c == '\n' || c == '\r':
			return i
		case strings.HasPrefix(code[i:], "\u2028") || strings.HasPrefix(code[i:], "\u2029"):
			return i
		}
		i++
	}
	return i
}

// readWord reads an identifier or keyword at i; word is "" when none starts there.
func readWord(code string, i int) (word string, end int) {
	j := i
	for j < len(code) {
		c := code[j]
		switch {
		case c == '$' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > i && c >= '0' && c <= '9':
			j++
		case c == '\\' && j+1 < len(code) && code[j+1] == 'u':
			j += 2 // \u0061 or \u{61}: the rest is read as identifier characters
			if j < len(code) && code[j] == '{' {
				if k := strings.IndexByte(code[j:], '}'); k > 0 {
					j += k + 1
				}
			}
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(code[j:])
			if !(unicode.IsLetter(r) || j > i && (unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Pc) || r == '\u200c' || r == '\u200d')) {
				return code[i:j], j
			}
			j += n
		default:
			return code[i:j], j
		}
	}
	return code[i:j], j
}

// skipString returns the offset after the string literal at i. A line
// terminator ends it too (only a broken file has one; esbuild reports it).
func skipString(code string, i int) int {
	q := code[i]
	for j := i + 1; j < len(code); j++ {
		switch code[j] {
		case '\\':
			j++
		case q:
			return j + 1
		case '\n', '\r':
			return j
		}
	}
	return len(code)
}

// skipTemplate reads a template literal from i (just after "`" or after
// the "}" of a substitution) and returns the offset after its closing "`"
// (subst false) or after a "${" (subst true).
func skipTemplate(code string, i int) (end int, subst bool) {
	for j := i; j < len(code); j++ {
		switch code[j] {
		case '\\':
			j++
		case '`':
			return j + 1, false
		case '$':
			if j+1 < len(code) && code[j+1] == '{' {
				return j + 2, true
			}
		}
	}
	return len(code), false
}

// skipRegex returns the offset after the regular expression literal at i
// (flags included), or -1 when none ends on this line (then "/" divides).
func skipRegex(code string, i int) int {
	inClass := false
	for j := i + 1; j < len(code); j++ {
		switch c := code[j]; {
		case c == '\\':
			j++
		case c == '\n' || c == '\r' || strings.HasPrefix(code[j:], "\u2028") || strings.HasPrefix(code[j:], "\u2029"):
			return -1
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '/' && !inClass:
			_, end := readWord(code, j+1)
			return end
		}
	}
	return -1
}

// skipNumber returns the offset after the number literal at i.
func skipNumber(code string, i int) int {
	hex := strings.HasPrefix(code[i:], "0x") || strings.HasPrefix(code[i:], "0X")
	j := i
	for j < len(code) {
		c := code[j]
		switch {
		case (c == 'e' || c == 'E') && !hex && j+1 < len(code) && (code[j+1] == '+' || code[j+1] == '-'):
			j += 2
		case c == '.' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j++
		default:
			return j
		}
	}
	return j
}
