package jsonmeta

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseValues(t *testing.T) {
	v, err := Parse(` {"enabled": true, "order": 10, "stage": "login_\u0073uccess", "deps": {"a": "1"}, "list": [null, false, -1.5e3]} `)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if v.Kind != Object || len(v.Members) != 5 || v.Offset != 1 {
		t.Fatalf("got kind %v, %d members, offset %d", v.Kind, len(v.Members), v.Offset)
	}
	if m := v.Get("enabled"); m == nil || m.Value.Kind != Bool || !m.Value.Bool || m.KeyOffset != 2 {
		t.Errorf("enabled = %+v", m)
	}
	if n, ok := v.Get("order").Value.Int(1, 100); !ok || n != 10 {
		t.Errorf("order = %d, %v", n, ok)
	}
	if s := v.Get("stage").Value.Str; s != "login_success" {
		t.Errorf("stage = %q", s)
	}
	list := v.Get("list").Value
	if len(list.Elems) != 3 || list.Elems[0].Kind != Null || list.Elems[1].Kind != Bool || list.Elems[2].Str != "-1.5e3" {
		t.Errorf("list = %+v", list.Elems)
	}
	if v.Get("missing") != nil {
		t.Error("Get(missing) != nil")
	}
}

func TestInt(t *testing.T) {
	for _, tc := range []struct {
		lit  string
		want int64
		ok   bool
	}{
		{"10", 10, true}, {"1e1", 10, true}, {"10.0", 10, true}, {"0", 0, false},
		{"-3", -3, false}, {"1.5", 0, false}, {"1e300", 0, false}, {"2147483647", 2147483647, true},
		{"2147483648", 2147483648, false},
	} {
		v, err := Parse(tc.lit)
		if err != nil {
			t.Fatalf("%s: %v", tc.lit, err)
		}
		got, ok := v.Int(1, 2147483647)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("Int(%s) = %d, %v; want %d, %v", tc.lit, got, ok, tc.want, tc.ok)
		}
	}
	s, _ := Parse(`"10"`)
	if _, ok := s.Int(1, 10); ok {
		t.Error("a string counted as an integer")
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in     string
		offset int
		msg    string
	}{
		{``, 0, "empty file: expected a JSON value"},
		{"  \n ", 4, "empty file: expected a JSON value"},
		{`{"a": 1 "b": 2}`, 8, "expected ',' or '}' after object value"},
		{`{"a": 1,}`, 8, "trailing comma before '}'"},
		{`[1, 2,]`, 6, "trailing comma before ']'"},
		{`[1 2]`, 3, "expected ',' or ']' after array element"},
		{`{"a" 1}`, 5, "expected ':' after object key"},
		{`{a: 1}`, 1, "expected a string key in double quotes"},
		{`{'a': 1}`, 1, "object keys must be strings in double quotes"},
		{`{"a": 'x'}`, 6, "strings must use double quotes"},
		{`{"a": 1} // c`, 9, "comments are not allowed in JSON"},
		{`{"a": /* c */ 1}`, 6, "comments are not allowed in JSON"},
		{`{"a": 1}}`, 8, "unexpected text after the end of the JSON value"},
		{`{"a": 1`, 7, "unexpected end of file: expected ',' or '}' after object value"},
		{`{"a": `, 6, "unexpected end of file: expected a value"},
		{`{"a": "x`, 6, "unterminated string"},
		{"{\"a\": \"x\ny\"}", 6, "unterminated string (a line break must be written as \\n)"},
		{"{\"a\": \"x\ty\"}", 8, "control character in string (write it as an escape such as \\t)"},
		{`{"a": "\x"}`, 7, `invalid escape in string (valid: \" \\ \/ \b \f \n \r \t \uXXXX)`},
		{`{"a": "\u12G4"}`, 7, "invalid \\u escape in string (expected four hex digits)"},
		{`{"a": 01}`, 6, "invalid number"},
		{`{"a": -}`, 6, "invalid number"},
		{`{"a": 1.}`, 6, "invalid number"},
		{`{"a": tru}`, 6, "invalid literal (expected true, false or null; strings need double quotes)"},
		{`{"a": undefined}`, 6, "expected a value (object, array, string, number, true, false or null)"},
		{"{\"a\": \"\xff\"}", 7, "invalid UTF-8 in string"},
		{strings.Repeat("[", MaxDepth+1), MaxDepth, "nesting too deep"},
	} {
		_, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q): no error", tc.in)
			continue
		}
		if err.Offset != tc.offset || err.Msg != tc.msg {
			t.Errorf("Parse(%q) = offset %d %q; want offset %d %q", tc.in, err.Offset, err.Msg, tc.offset, tc.msg)
		}
	}
}

func TestDuplicateKey(t *testing.T) {
	_, err := Parse(`{"order": 1, "x": {"order": 2}, "order": 3}`)
	if err == nil || !err.Duplicate || err.Msg != "duplicate key" || err.Key != "order" || err.Offset != 32 || err.End != 39 {
		t.Fatalf("got %+v", err)
	}
	// The same key in different objects is fine.
	if _, err := Parse(`{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}`); err != nil {
		t.Fatalf("got %v", err)
	}
}

func TestErrorsNeverQuoteInput(t *testing.T) {
	const secret = "S3cr3tValue"
	for _, in := range []string{
		`{"a": ` + secret + `}`, `{"a": "` + secret + `" "b"}`, `{` + secret + `}`,
		`{"a": "` + secret + `\q"}`, `["` + secret + `", ` + secret + `]`, `{"a": 1}` + secret,
	} {
		_, err := Parse(in)
		if err == nil {
			t.Fatalf("Parse(%q): no error", in)
		}
		if strings.Contains(err.Msg, secret) || strings.Contains(err.Msg, "S3c") {
			t.Errorf("Parse(%q): message %q quotes the input", in, err.Msg)
		}
	}
}

// toAny converts a parsed value to what encoding/json (with UseNumber) gives.
func toAny(v *Value) any {
	switch v.Kind {
	case Null:
		return nil
	case Bool:
		return v.Bool
	case Number:
		return json.Number(v.Str)
	case String:
		return v.Str
	case Array:
		out := []any{}
		for _, e := range v.Elems {
			out = append(out, toAny(e))
		}
		return out
	default:
		out := map[string]any{}
		for _, m := range v.Members {
			out[m.Key] = toAny(m.Value)
		}
		return out
	}
}

func stdDecode(in string) (any, bool) {
	d := json.NewDecoder(strings.NewReader(in))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		return nil, false
	}
	if d.More() {
		return nil, false
	}
	// Decoder.More ignores trailing garbage such as "]"; json.Valid does not.
	if !json.Valid([]byte(in)) {
		return nil, false
	}
	if out == nil {
		out = nil
	}
	return out, true
}

// FuzzParse checks that Parse never panics, agrees with encoding/json on
// what is valid JSON and what it means (apart from duplicate keys and the
// nesting bound, which Parse refuses on purpose), reports offsets inside the
// input, and never quotes the input in a message.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"enabled": true, "order": 10}`, `{"trigger": "post-login", "secrets": ["A"], "dependencies": {"x": "1.0.0"}}`,
		`{"value": "a\"b\\c\u00e9\ud83d\ude00"}`, `[1, -0.5e+3, null, false]`, `{"a": 1,}`, `{"a" 1}`, `"\ud800"`,
		`{"a":{"a":{"a":[]}}}`, ` 12 `, `{"order": 1, "order": 2}`, "\"\x7f\"", `1e`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, err := Parse(in)
		std, stdOK := stdDecode(in)
		if err != nil {
			if err.Offset < 0 || err.Offset > len(in) || err.End < err.Offset || err.End > len(in) {
				t.Fatalf("error offsets %d..%d outside input of %d bytes", err.Offset, err.End, len(in))
			}
			if strings.ContainsAny(err.Msg, "\n\r") {
				t.Fatalf("multi-line message %q", err.Msg)
			}
			// encoding/json accepts invalid UTF-8 in strings (as U+FFFD);
			// Parse refuses it, and the reader refuses such files earlier.
			if !err.Duplicate && err.Msg != "nesting too deep" && stdOK && utf8.ValidString(in) {
				t.Fatalf("Parse refused %q (%s) but encoding/json accepts it", in, err.Msg)
			}
			return
		}
		if !stdOK {
			t.Fatalf("Parse accepted %q but encoding/json refuses it", in)
		}
		if got := toAny(v); !reflect.DeepEqual(got, std) {
			t.Fatalf("Parse(%q) = %#v; encoding/json gives %#v", in, got, std)
		}
		if v.Offset < 0 || v.End > len(in) || v.Offset >= v.End {
			t.Fatalf("value offsets %d..%d in %d bytes", v.Offset, v.End, len(in))
		}
	})
}
