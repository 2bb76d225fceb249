package keywords

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func mustNew(t testing.TB, values map[string]any) *Mappings {
	t.Helper()
	m, err := New(values)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestReplace(t *testing.T) {
	m := mustNew(t, decode(t, `{
		"URL": "https://example.com/a?b=1&c=<2>",
		"DOLLAR": "a$&b$'c$$d$1",
		"QUOTES": "say \"hi\" 'there'",
		"NL": "line1\nline2\r\nline3",
		"N": 42, "F": 1.5, "B": true, "Z": null,
		"ARR": ["a", 1], "OBJ": {"k": "v", "a": [true]},
		"config": "must not be used unless given",
		"NESTED": "##URL## and @@URL@@"
	}`))
	for _, tc := range []struct{ in, want string }{
		{`x = "@@URL@@";`, `x = "https://example.com/a?b=1&c=<2>";`},
		{`x = '@@URL@@';`, `x = "https://example.com/a?b=1&c=<2>";`},
		{`x = @@URL@@;`, `x = "https://example.com/a?b=1&c=<2>";`},
		{`<a href="##URL##/x">`, `<a href="https://example.com/a?b=1&c=<2>/x">`},
		{`"@@URL@@/x"`, `""https://example.com/a?b=1&c=<2>"/x"`},
		{`##DOLLAR##|@@DOLLAR@@`, `a$&b$'c$$d$1|"a$&b$'c$$d$1"`},
		{`##QUOTES##`, `say "hi" 'there'`},
		{`{"q": "@@QUOTES@@"}`, `{"q": "say \"hi\" 'there'"}`},
		{`##NL##`, "line1\nline2\r\nline3"},
		{`{"v": "@@NL@@"}`, `{"v": "line1\nline2\r\nline3"}`},
		{`{"order": @@N@@, "f": @@F@@, "b": @@B@@, "z": @@Z@@}`, `{"order": 42, "f": 1.5, "b": true, "z": null}`},
		{`{"order": "@@N@@"}`, `{"order": 42}`},
		{`n=##N##,b=##B##,z=##Z##`, `n=42,b=true,z=null`},
		{`@@ARR@@ ##OBJ##`, `["a",1] {"a":[true],"k":"v"}`},
		// ##KEY## inserts JavaScript's String(value), as a0deploy does: an
		// array joined with ",", so "##ARR##".split(",") gives it back.
		{`"##ARR##".split(",")`, `"a,1".split(",")`},
		{`'##ARR##'`, `'a,1'`},
		{`##NESTED##`, `##URL## and @@URL@@`},
		{`@@config@@ ##config##`, `"must not be used unless given" must not be used unless given`},
		{`##UNKNOWN## @@nope@@ ## URL ## #URL# ##URL#`, `##UNKNOWN## @@nope@@ ## URL ## #URL# ##URL#`},
		{`###URL###`, `#https://example.com/a?b=1&c=<2>#`},
		{"##URL\n##", "##URL\n##"},
		{``, ``},
	} {
		if got := m.Replace(tc.in).Text; got != tc.want {
			t.Errorf("Replace(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// TestText checks `##KEY##`'s text of non-string values against what
// Node.js's String(JSON.parse(json)) prints (recorded with Node 20), objects
// excepted: they give their JSON text instead of "[object Object]".
func TestText(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`["example.com","example.org"]`, "example.com,example.org"},
		{`["a",["b",2],null,true,[]]`, "a,b,2,,true,"},
		{`[]`, ""},
		{`[null]`, ""},
		{`[[],[]]`, ","},
		{`[1.0,2e0,-0]`, "1,2,0"},
		{`1e3`, "1000"},
		{`1.50`, "1.5"},
		{`-0`, "0"},
		{`0.1`, "0.1"},
		{`100`, "100"},
		{`0.3e1`, "3"},
		{`3.14159`, "3.14159"},
		{`1e21`, "1e+21"},
		{`123e18`, "123000000000000000000"},
		{`123e19`, "1.23e+21"},
		{`123456789012345678901234`, "1.2345678901234569e+23"},
		{`12345678901234567890`, "12345678901234567000"},
		{`1e-7`, "1e-7"},
		{`0.000001`, "0.000001"},
		{`1.5e-7`, "1.5e-7"},
		{`-2.5e-10`, "-2.5e-10"},
		{`5e-324`, "5e-324"},
		{`1.7976931348623157e308`, "1.7976931348623157e+308"},
		{`1e400`, "Infinity"},
		{`-1e400`, "-Infinity"},
		{`1e-400`, "0"},
		{`true`, "true"},
		{`null`, "null"},
		{`"s"`, "s"},
		// The one difference from String(): objects are JSON text.
		{`{"k":[1,"<a&b>"]}`, `{"k":[1,"<a&b>"]}`},
		{`["x",{"k":1}]`, `x,{"k":1}`},
	} {
		for _, useNumber := range []bool{true, false} {
			dec := json.NewDecoder(strings.NewReader(tc.json))
			if useNumber {
				dec.UseNumber()
			}
			var v any
			if err := dec.Decode(&v); err != nil {
				if !useNumber {
					continue // 1e400 is out of float64's range for encoding/json
				}
				t.Fatal(err)
			}
			if got := Text(v); got != tc.want {
				t.Errorf("Text(%s) (UseNumber %v) = %q, want %q", tc.json, useNumber, got, tc.want)
			}
			m := mustNew(t, map[string]any{"K": v})
			if got := m.Replace("##K##").Text; got != tc.want {
				t.Errorf("##K## with %s = %q, want %q", tc.json, got, tc.want)
			}
		}
	}
}

func TestOnlyGivenMappings(t *testing.T) {
	t.Setenv("HOME_SECRET", "from-env")
	login := `<script>var config = JSON.parse(decodeURIComponent(escape(window.atob('@@config@@'))));</script> ##HOME_SECRET##`
	r := mustNew(t, nil).Replace(login)
	if r.Text != login {
		t.Fatalf("text changed: %q", r.Text)
	}
	off := strings.Index(login, "##HOME")
	want := []Marker{{Offset: off, OutOffset: off, Text: "##HOME_SECRET##"}}
	if !reflect.DeepEqual(r.Unresolved, want) {
		t.Fatalf("unresolved = %+v, want %+v", r.Unresolved, want)
	}
	var nilMappings *Mappings
	if got := nilMappings.Replace("@@A@@").Unresolved; len(got) != 1 || got[0].Text != "@@A@@" {
		t.Fatalf("nil mappings: unresolved = %+v", got)
	}
}

func TestUnresolved(t *testing.T) {
	m := mustNew(t, map[string]any{"KNOWN": "k"})
	r := m.Replace("a ##KNOWN## ##MISSING_1## @@ALSO@@ ##lower## @@config@@ ##1A##")
	var got []string
	for _, u := range r.Unresolved {
		got = append(got, u.Text)
	}
	if want := []string{"##MISSING_1##", "@@ALSO@@"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("unresolved = %v, want %v", got, want)
	}
	if r.Unresolved[0].Offset != 12 {
		t.Errorf("offset = %d, want 12", r.Unresolved[0].Offset)
	}
	// "##KNOWN##" (9 bytes) became "k": the markers after it moved 8 bytes.
	for _, u := range r.Unresolved {
		if u.OutOffset != u.Offset-8 || r.Text[u.OutOffset:u.OutOffset+len(u.Text)] != u.Text {
			t.Errorf("%s: out offset %d, in offset %d", u.Text, u.OutOffset, u.Offset)
		}
	}
}

// Neutral puts a same-length placeholder, valid where it stands, in place of
// every unresolved marker; resolved values and other text stay.
func TestNeutral(t *testing.T) {
	m := mustNew(t, map[string]any{"KNOWN": "a long value"})
	for _, tc := range []struct {
		in     string
		syntax Syntax
		want   string
	}{
		{`{"order": @@ORDER@@, "on": ##ON##}`, JSON, `{"order": null     , "on": null  }`},
		{`{"value": "@@API_KEY@@", "u": "https://##HOST##/x"}`, JSON, `{"value": "@@API_KEY@@", "u": "https://##HOST##/x"}`},
		{`{"a": "x\"@@A@@", "b": @@B@@}`, JSON, `{"a": "x\"@@A@@", "b": null }`},
		{`{"a": "x\\", "b": @@B@@}`, JSON, `{"a": "x\\", "b": null }`},
		{`{"k": "##KNOWN##", "n": @@N@@}`, JSON, `{"k": "a long value", "n": null }`},
		{"var urls = @@URLS@@; var r = ##REGION##;", JavaScript, "var urls = null    ; var r = __REGION__;"},
		{"x('@@CLAIM@@', ##KNOWN##.length)", JavaScript, "x('null     ', a long value.length)"},
		{"@@config@@ ##lower##", JavaScript, "@@config@@ ##lower##"},
	} {
		r := m.Replace(tc.in)
		got := r.Neutral(tc.syntax)
		if got != tc.want {
			t.Errorf("Neutral(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
		if len(got) != len(r.Text) {
			t.Errorf("Neutral(%q) changed the length", tc.in)
		}
	}
}

func TestUnresolvedIn(t *testing.T) {
	r := mustNew(t, nil).Replace(`{"order": @@ORDER@@}`)
	start := strings.Index(r.Text, "@@")
	end := start + len("@@ORDER@@")
	for _, tc := range []struct {
		s, e int
		want bool
	}{
		{start, end, true}, {start + 2, start + 3, true}, {0, start, false}, {end, end + 1, false},
		{start, start, true}, {end, end, true}, {end + 1, end + 1, false}, {0, len(r.Text), true},
	} {
		if got := r.UnresolvedIn(tc.s, tc.e); got != tc.want {
			t.Errorf("UnresolvedIn(%d, %d) = %v, want %v", tc.s, tc.e, got, tc.want)
		}
	}
}

func TestOffsets(t *testing.T) {
	m := mustNew(t, map[string]any{"A": "x", "LONG": "0123456789", "ML": "1\n2\n3"})
	in := `a ##A## b "@@LONG@@" c ##ML## d`
	r := m.Replace(in)
	if r.Text != "a x b \"0123456789\" c 1\n2\n3 d" {
		t.Fatalf("text = %q", r.Text)
	}
	// Every byte outside a replacement maps to the same byte of the input.
	for out := 0; out < len(r.Text); out++ {
		orig := r.OrigOffset(out)
		if r.Replaced(out, out+1) {
			if !strings.HasPrefix(in[orig:], "##") && !strings.HasPrefix(in[orig:], `"@@`) {
				t.Errorf("out %d in a replacement maps to %d, not a marker start", out, orig)
			}
			continue
		}
		if in[orig] != r.Text[out] {
			t.Errorf("out %d (%q) maps to %d (%q)", out, r.Text[out], orig, in[orig])
		}
	}
	if got := r.OrigOffset(len(r.Text)); got != len(in) {
		t.Errorf("end maps to %d, want %d", got, len(in))
	}
	if got := r.Inserted(); !reflect.DeepEqual(got, []string{"x", `"0123456789"`, "1\n2\n3"}) {
		t.Errorf("inserted = %q", got)
	}
	if r.Replaced(0, 2) || !r.Replaced(1, 3) || !r.Replaced(2, 2) {
		t.Error("Replaced ranges wrong")
	}
}

func TestValues(t *testing.T) {
	m := mustNew(t, map[string]any{"A": "s", "N": 1.0, "E": "", "L": []any{"x", "y"}})
	if got, want := m.Values(), []string{`""`, `"s"`, "1", `["x","y"]`, "s", "x,y"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Values = %q, want %q", got, want)
	}
	if m.Len() != 4 {
		t.Fatalf("Len = %d", m.Len())
	}
}

func TestNewRejectsUnencodable(t *testing.T) {
	_, err := New(map[string]any{"BAD": func() {}})
	if err == nil || !strings.Contains(err.Error(), `"BAD"`) {
		t.Fatalf("err = %v", err)
	}
}

// FuzzReplace checks that Replace never panics, that text outside the
// replacements is copied unchanged and maps back to where it came from, and
// that without mappings the text is unchanged.
func FuzzReplace(f *testing.F) {
	for _, s := range []string{`a ##A## b "@@B@@" c`, `'@@B@@'`, `####`, `@@@@@`, `##A##B##`, "##A\n##", `"@@A@@'`, `"##D##".split(",")`, `@@D@@ ##C##`} {
		f.Add(s, "v$&\"'\n")
	}
	f.Fuzz(func(t *testing.T, in, value string) {
		list := []any{value, nil, []any{1.5, true}}
		m := mustNew(t, map[string]any{"A": value, "B": value, "C": 1.0, "D": list})
		r := m.Replace(in)
		// An array's ##D## is its elements joined with "," (String()).
		if got, want := m.Replace("##D##").Text, value+",,1.5,true"; got != want {
			t.Fatalf("##D## = %q, want %q", got, want)
		}
		prevEnd := 0
		for _, s := range r.Spans {
			if s.OrigStart < prevEnd || s.OrigEnd <= s.OrigStart || s.OutEnd-s.OutStart < 0 {
				t.Fatalf("bad span %+v", s)
			}
			prevEnd = s.OrigEnd
		}
		for out := 0; out < len(r.Text); out++ {
			if r.Replaced(out, out+1) {
				continue
			}
			orig := r.OrigOffset(out)
			if orig < 0 || orig >= len(in) || in[orig] != r.Text[out] {
				t.Fatalf("out %d maps to %d", out, orig)
			}
		}
		if got := mustNew(t, nil).Replace(in).Text; got != in {
			t.Fatalf("no mappings changed %q to %q", in, got)
		}
		// Placeholders keep the length, and change nothing but markers.
		for _, syntax := range []Syntax{JSON, JavaScript} {
			n := r.Neutral(syntax)
			if len(n) != len(r.Text) {
				t.Fatalf("Neutral changed the length of %q", r.Text)
			}
			for i := range n {
				if n[i] != r.Text[i] && !r.UnresolvedIn(i, i+1) {
					t.Fatalf("Neutral changed byte %d of %q outside a marker", i, r.Text)
				}
			}
		}
	})
}
