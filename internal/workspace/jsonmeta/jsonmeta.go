// Package jsonmeta parses the small JSON metadata files of a tenant
// repository (rules/x.json, pages/x.json, actions/x.json, rules-configs/x.json).
//
// It is a strict RFC 8259 parser written for three needs that encoding/json
// does not meet: every value keeps its byte offset so that problems point at
// a line and column; duplicate object keys are an error (encoding/json keeps
// the last one silently); and error messages never quote the input, because
// metadata files hold secrets after keyword replacement.
package jsonmeta

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of arrays and objects.
const MaxDepth = 64

// Kind is the type of a JSON value.
type Kind int

// The kinds of JSON values.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// String names the kind as the problem messages do.
func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "a boolean"
	case Number:
		return "a number"
	case String:
		return "a string"
	case Array:
		return "an array"
	case Object:
		return "an object"
	}
	return "unknown"
}

// Value is one parsed JSON value with its position in the input.
type Value struct {
	Kind Kind
	// Offset and End delimit the value's text in the input (bytes).
	Offset, End int
	// Bool is set for Bool values.
	Bool bool
	// Str is the decoded string for String values, and the literal text
	// for Number values (e.g. "10", "1e3").
	Str string
	// Members are an object's members in input order.
	Members []Member
	// Elems are an array's elements.
	Elems []*Value
}

// Member is one key of an object.
type Member struct {
	Key string
	// KeyOffset and KeyEnd delimit the quoted key in the input.
	KeyOffset, KeyEnd int
	Value             *Value
}

// Get returns the member named key, or nil.
func (v *Value) Get(key string) *Member {
	for i := range v.Members {
		if v.Members[i].Key == key {
			return &v.Members[i]
		}
	}
	return nil
}

// Error is a syntax error or a duplicate key. Msg never contains input text.
type Error struct {
	// Offset is the byte offset the error refers to.
	Offset int
	// End is the end of the offending text (>= Offset).
	End int
	Msg string
	// Duplicate is true when the error is a duplicate object key; Key is
	// then that key, which the caller may choose to show.
	Duplicate bool
	Key       string
}

func (e *Error) Error() string { return "offset " + strconv.Itoa(e.Offset) + ": " + e.Msg }

// Parse parses data as one JSON value. It never panics.
func Parse(data string) (*Value, *Error) {
	p := &parser{s: data}
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, &Error{Offset: p.i, End: p.i, Msg: "empty file: expected a JSON value"}
	}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i < len(p.s) {
		if c := p.s[p.i]; c == '/' {
			return nil, p.commentError()
		}
		return nil, p.errAt(p.i, "unexpected text after the end of the JSON value")
	}
	return v, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) errAt(off int, msg string) *Error {
	end := off
	if off < len(p.s) {
		_, n := utf8.DecodeRuneInString(p.s[off:])
		end = off + n
	}
	return &Error{Offset: off, End: end, Msg: msg}
}

func (p *parser) eof(what string) *Error {
	return &Error{Offset: len(p.s), End: len(p.s), Msg: "unexpected end of file: " + what}
}

func (p *parser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) commentError() *Error {
	return p.errAt(p.i, "comments are not allowed in JSON")
}

// value parses the value at p.i (spaces already skipped).
func (p *parser) value(depth int) (*Value, *Error) {
	if p.i >= len(p.s) {
		return nil, p.eof("expected a value")
	}
	start := p.i
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &Value{Kind: String, Offset: start, End: p.i, Str: s}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't' || c == 'f' || c == 'n':
		return p.literal()
	case c == '\'':
		return nil, p.errAt(p.i, "strings must use double quotes")
	case c == '/':
		return nil, p.commentError()
	default:
		return nil, p.errAt(p.i, "expected a value (object, array, string, number, true, false or null)")
	}
}

func (p *parser) object(depth int) (*Value, *Error) {
	if depth >= MaxDepth {
		return nil, p.errAt(p.i, "nesting too deep")
	}
	v := &Value{Kind: Object, Offset: p.i}
	p.i++ // {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		v.End = p.i
		return v, nil
	}
	seen := map[string]bool{}
	for {
		if p.i >= len(p.s) {
			return nil, p.eof("expected a string key or '}'")
		}
		switch c := p.s[p.i]; {
		case c == '"':
		case c == '}' && len(v.Members) > 0:
			return nil, p.errAt(p.i, "trailing comma before '}'")
		case c == '\'':
			return nil, p.errAt(p.i, "object keys must be strings in double quotes")
		case c == '/':
			return nil, p.commentError()
		default:
			return nil, p.errAt(p.i, "expected a string key in double quotes")
		}
		keyStart := p.i
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		keyEnd := p.i
		if seen[key] {
			return nil, &Error{Offset: keyStart, End: keyEnd, Msg: "duplicate key", Duplicate: true, Key: key}
		}
		seen[key] = true
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.eof("expected ':' after object key")
		}
		if p.s[p.i] != ':' {
			return nil, p.errAt(p.i, "expected ':' after object key")
		}
		p.i++
		p.skipSpace()
		val, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.Members = append(v.Members, Member{Key: key, KeyOffset: keyStart, KeyEnd: keyEnd, Value: val})
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.eof("expected ',' or '}' after object value")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case '}':
			p.i++
			v.End = p.i
			return v, nil
		case '/':
			return nil, p.commentError()
		default:
			return nil, p.errAt(p.i, "expected ',' or '}' after object value")
		}
	}
}

func (p *parser) array(depth int) (*Value, *Error) {
	if depth >= MaxDepth {
		return nil, p.errAt(p.i, "nesting too deep")
	}
	v := &Value{Kind: Array, Offset: p.i}
	p.i++ // [
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		v.End = p.i
		return v, nil
	}
	for {
		if p.i < len(p.s) && p.s[p.i] == ']' && len(v.Elems) > 0 {
			return nil, p.errAt(p.i, "trailing comma before ']'")
		}
		el, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.Elems = append(v.Elems, el)
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.eof("expected ',' or ']' after array element")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case ']':
			p.i++
			v.End = p.i
			return v, nil
		case '/':
			return nil, p.commentError()
		default:
			return nil, p.errAt(p.i, "expected ',' or ']' after array element")
		}
	}
}

// str parses a string at p.i (which is '"') and returns its decoded value.
func (p *parser) str() (string, *Error) {
	start := p.i
	p.i++
	// Fast path: no escapes.
	j := p.i
	for j < len(p.s) {
		c := p.s[j]
		if c == '"' {
			s := p.s[p.i:j]
			if !utf8.ValidString(s) {
				break
			}
			p.i = j + 1
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		j++
	}
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", &Error{Offset: start, End: len(p.s), Msg: "unterminated string"}
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c == '\n':
			return "", &Error{Offset: start, End: p.i, Msg: "unterminated string (a line break must be written as \\n)"}
		case c < 0x20:
			return "", p.errAt(p.i, "control character in string (write it as an escape such as \\t)")
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", &Error{Offset: start, End: len(p.s), Msg: "unterminated string"}
			}
			esc := p.s[p.i+1]
			switch esc {
			case '"', '\\', '/':
				b.WriteByte(esc)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, ok := hex4(p.s, p.i+2)
				if !ok {
					return "", p.errAt(p.i, "invalid \\u escape in string (expected four hex digits)")
				}
				p.i += 6
				if utf16.IsSurrogate(r) {
					if r2, ok := hex4(p.s, p.i+2); ok && p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b.WriteRune(dec)
							p.i += 6
							continue
						}
					}
					r = utf8.RuneError // lone surrogate, as encoding/json does
				}
				b.WriteRune(r)
				continue
			default:
				return "", p.errAt(p.i, "invalid escape in string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
			}
			p.i += 2
		default:
			r, n := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && n <= 1 {
				return "", p.errAt(p.i, "invalid UTF-8 in string")
			}
			b.WriteString(p.s[p.i : p.i+n])
			p.i += n
		}
	}
}

func hex4(s string, at int) (rune, bool) {
	if at+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[at : at+4]) {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (p *parser) number() (*Value, *Error) {
	start := p.i
	bad := func() (*Value, *Error) {
		end := p.i
		for end < len(p.s) && strings.IndexByte("+-.0123456789eE", p.s[end]) >= 0 {
			end++
		}
		if end == start {
			end = start + 1
		}
		return nil, &Error{Offset: start, End: end, Msg: "invalid number"}
	}
	if p.s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.s) && p.s[p.i] == '0':
		p.i++
	case p.i < len(p.s) && p.s[p.i] >= '1' && p.s[p.i] <= '9':
		p.digits()
	default:
		return bad()
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return bad()
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return bad()
		}
	}
	if p.i < len(p.s) && (p.s[p.i] >= '0' && p.s[p.i] <= '9' || p.s[p.i] == '.') {
		return bad() // leading zero such as 010, or 1.2.3
	}
	return &Value{Kind: Number, Offset: start, End: p.i, Str: p.s[start:p.i]}, nil
}

func (p *parser) digits() int {
	n := 0
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

func (p *parser) literal() (*Value, *Error) {
	start := p.i
	for _, lit := range []string{"true", "false", "null"} {
		if strings.HasPrefix(p.s[p.i:], lit) {
			end := p.i + len(lit)
			if end < len(p.s) && isIdentByte(p.s[end]) {
				break
			}
			p.i = end
			v := &Value{Offset: start, End: end}
			switch lit {
			case "true":
				v.Kind, v.Bool = Bool, true
			case "false":
				v.Kind = Bool
			default:
				v.Kind = Null
			}
			return v, nil
		}
	}
	end := p.i
	for end < len(p.s) && isIdentByte(p.s[end]) {
		end++
	}
	return nil, &Error{Offset: start, End: end, Msg: "invalid literal (expected true, false or null; strings need double quotes)"}
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// Int returns the value of a Number that is a whole number within
// [min, max] (1e1 and 10.0 count as 10), and whether it is one.
func (v *Value) Int(min, max int64) (int64, bool) {
	if v == nil || v.Kind != Number {
		return 0, false
	}
	if n, err := strconv.ParseInt(v.Str, 10, 64); err == nil {
		return n, n >= min && n <= max
	}
	f, err := strconv.ParseFloat(v.Str, 64)
	if err != nil || f < float64(min) || f > float64(max) || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}
