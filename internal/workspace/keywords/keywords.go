// Package keywords implements AUTH0_KEYWORD_REPLACE_MAPPINGS: the markers
// `##KEY##` (replaced by the value as text) and `@@KEY@@` (replaced by the
// value JSON-encoded) in the raw text of .js, .html and .json files.
//
// The semantics follow auth0-deploy-cli, minus its faults:
//   - only the mappings given are used, never the process environment, so
//     Auth0's own login template variable `@@config@@` survives untouched;
//   - the text is scanned once, left to right: a replaced value is never
//     scanned again, so a value that contains a marker stays as it is, and a
//     value containing `$&`, quotes or newlines reaches the output byte for byte;
//   - a `@@KEY@@` that fills a whole quoted literal ("@@KEY@@" or '@@KEY@@')
//     replaces the quotes too, so a string value is not double-quoted;
//   - `##KEY##` with a non-string value inserts what JavaScript's
//     String(value) gives, as auth0-deploy-cli and the extension do (see
//     Text): an array's elements joined with ",", a number as JavaScript
//     prints it; an object, for which String gives the useless
//     "[object Object]", inserts its JSON text instead.
//
// Replace records where each replacement happened, so that positions in the
// replaced text (JSON and JavaScript syntax errors) map back to the file as
// it is in the repository, and so that messages can avoid quoting text that
// came from a value (values are secrets).
package keywords

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// maxNameLen bounds the search for a marker's closing delimiter.
const maxNameLen = 256

// Span is one replacement: the marker at [OrigStart, OrigEnd) of the input
// became the text at [OutStart, OutEnd) of the output.
type Span struct {
	OrigStart, OrigEnd int
	OutStart, OutEnd   int
}

// Marker is a marker with an UPPER_CASE name that no mapping resolved.
type Marker struct {
	// Offset of the marker in the input.
	Offset int
	// OutOffset is its offset in Result.Text, where it stays as it is.
	OutOffset int
	// Text is the whole marker, e.g. "##API_URL##".
	Text string
}

// Result is the replaced text and where the replacements are.
type Result struct {
	Text       string
	Spans      []Span
	Unresolved []Marker
}

// Mappings holds the keyword values with their two encodings.
type Mappings struct {
	text map[string]string // for ##KEY##
	json map[string]string // for @@KEY@@
}

// New prepares mappings (the JSON-decoded AUTH0_KEYWORD_REPLACE_MAPPINGS
// object) for replacement. Values are what encoding/json decodes: string,
// float64 or json.Number, bool, nil, []any, map[string]any. The error names
// the key of a value that cannot be encoded, never the value.
func New(values map[string]any) (*Mappings, error) {
	m := &Mappings{text: map[string]string{}, json: map[string]string{}}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := values[k]
		enc, err := encodeJSON(v)
		if err != nil {
			return nil, fmt.Errorf("keyword mapping %q: value cannot be encoded as JSON", k)
		}
		m.json[k] = enc
		m.text[k] = Text(v)
	}
	return m, nil
}

// Text is what `##KEY##` inserts for the value v (as encoding/json decodes
// it): JavaScript's String(v), which auth0-deploy-cli and the extension
// insert, so that `"##DOMAINS##".split(",")` works the same here:
//
//   - a string as it is; true, false and null as written;
//   - a number as JavaScript prints it (1e3 → "1000", 1.50 → "1.5",
//     1e21 → "1e+21", -0 → "0");
//   - an array as its elements' texts joined with "," (nested arrays the
//     same way, null elements as empty strings): ["a", ["b", 2], null] →
//     "a,b,2,";
//
// except that an object, alone or in an array, is its JSON text
// (String gives "[object Object]", which no code can use).
func Text(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(t)
	case json.Number:
		// Out of range reads as JSON.parse reads it: ±Infinity or ±0.
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return string(t)
		}
		return jsNumber(f)
	case float64:
		return jsNumber(t)
	case []any:
		parts := make([]string, len(t))
		for i, el := range t {
			if el != nil {
				parts[i] = Text(el)
			}
		}
		return strings.Join(parts, ",")
	}
	enc, err := encodeJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return enc
}

// jsNumber formats f as JavaScript's Number.prototype.toString does
// (ECMA-262 Number::toString): the shortest digits that read back as f,
// in plain notation from 1e-7 up to 1e21, in exponent notation outside.
func jsNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0" // -0 too
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// "d.ddddde±x": the shortest digits and the exponent.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, n := len(digits), x+1 // f = 0.digits × 10^n
	switch {
	case k <= n && n <= 21:
		return sign + digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return sign + digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return sign + "0." + strings.Repeat("0", -n) + digits
	}
	expSign := "+"
	if n-1 < 0 {
		expSign = "-"
	}
	exponent := strconv.Itoa(abs(n - 1))
	if k == 1 {
		return sign + digits + "e" + expSign + exponent
	}
	return sign + digits[:1] + "." + digits[1:] + "e" + expSign + exponent
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// Len returns the number of mappings.
func (m *Mappings) Len() int {
	if m == nil {
		return 0
	}
	return len(m.text)
}

// Values returns every distinct value text that a replacement can insert
// (both encodings), for callers that must make sure none is ever printed.
func (m *Mappings) Values() []string {
	if m == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for k := range m.text {
		for _, v := range []string{m.text[k], m.json[k]} {
			if v != "" && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	sort.Strings(out)
	return out
}

func encodeJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // JSON.stringify does not escape <, > and &
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// Replace replaces every marker of a known key in text, in one pass. A nil
// *Mappings replaces nothing but still reports unresolved markers.
func (m *Mappings) Replace(text string) *Result {
	res := &Result{}
	var out strings.Builder
	last := 0 // input copied up to here
	i := 0
	for i < len(text) {
		c := text[i]
		if c != '@' && c != '#' && c != '"' && c != '\'' {
			// Skip quickly to the next byte that can start a marker.
			j := strings.IndexAny(text[i:], "@#\"'")
			if j < 0 {
				break
			}
			i += j
			continue
		}
		if c == '"' || c == '\'' {
			// A quoted "@@KEY@@" literal: the quotes go too.
			if name, end, ok := marker(text, i+1, "@@"); ok && end < len(text) && text[end] == c {
				if v, ok := m.lookup(m.jsonMap(), name); ok {
					out.WriteString(text[last:i])
					res.add(&out, i, end+1, v)
					i, last = end+1, end+1
					continue
				}
			}
			i++
			continue
		}
		delim := text[i : i+1]
		if i+1 >= len(text) || text[i+1] != c {
			i++
			continue
		}
		delim += delim
		name, end, ok := marker(text, i, delim)
		if !ok {
			i++
			continue
		}
		table := m.textMap()
		if delim == "@@" {
			table = m.jsonMap()
		}
		if v, ok := m.lookup(table, name); ok {
			out.WriteString(text[last:i])
			res.add(&out, i, end, v)
			i, last = end, end
			continue
		}
		if isUpperName(name) {
			res.Unresolved = append(res.Unresolved, Marker{Offset: i, OutOffset: out.Len() + i - last, Text: text[i:end]})
		}
		i++
	}
	if last == 0 && len(res.Spans) == 0 {
		res.Text = text
		return res
	}
	out.WriteString(text[last:])
	res.Text = out.String()
	return res
}

func (m *Mappings) jsonMap() map[string]string {
	if m == nil {
		return nil
	}
	return m.json
}

func (m *Mappings) textMap() map[string]string {
	if m == nil {
		return nil
	}
	return m.text
}

func (m *Mappings) lookup(table map[string]string, name string) (string, bool) {
	v, ok := table[name]
	return v, ok
}

func (r *Result) add(out *strings.Builder, origStart, origEnd int, value string) {
	start := out.Len()
	out.WriteString(value)
	r.Spans = append(r.Spans, Span{OrigStart: origStart, OrigEnd: origEnd, OutStart: start, OutEnd: out.Len()})
}

// marker reads a marker that starts at text[i:] with delim (e.g. "@@KEY@@")
// and returns its name and the offset just after it.
func marker(text string, i int, delim string) (name string, end int, ok bool) {
	if !strings.HasPrefix(text[i:], delim) {
		return "", 0, false
	}
	rest := text[i+len(delim):]
	if len(rest) > maxNameLen+len(delim) {
		rest = rest[:maxNameLen+len(delim)]
	}
	j := strings.Index(rest, delim)
	if j <= 0 || strings.ContainsAny(rest[:j], "\n\r") {
		return "", 0, false
	}
	return rest[:j], i + len(delim) + j + len(delim), true
}

// isUpperName reports whether name looks like a keyword meant for
// replacement (UPPER_CASE), as opposed to a template variable such as
// Auth0's own `@@config@@`.
func isUpperName(name string) bool {
	if name == "" || name[0] < 'A' || name[0] > 'Z' {
		return false
	}
	for i := 1; i < len(name); i++ {
		c := name[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// OrigOffset maps an offset in the replaced text to the input: inside a
// replacement it gives the start of the marker.
func (r *Result) OrigOffset(out int) int {
	// The last span that starts at or before out.
	k := sort.Search(len(r.Spans), func(k int) bool { return r.Spans[k].OutStart > out }) - 1
	if k < 0 {
		return out
	}
	s := r.Spans[k]
	if out < s.OutEnd {
		return s.OrigStart
	}
	return out - s.OutEnd + s.OrigEnd
}

// Replaced reports whether [outStart, outEnd) of the replaced text overlaps
// text that a replacement inserted (an empty range counts when it touches one).
func (r *Result) Replaced(outStart, outEnd int) bool {
	if outEnd < outStart {
		outEnd = outStart
	}
	for _, s := range r.Spans {
		if s.OutStart >= s.OutEnd {
			continue
		}
		if outStart < s.OutEnd && outEnd > s.OutStart || outStart == outEnd && outStart >= s.OutStart && outStart <= s.OutEnd {
			return true
		}
	}
	return false
}

// Inserted returns the texts that the replacements inserted.
func (r *Result) Inserted() []string {
	out := make([]string, 0, len(r.Spans))
	for _, s := range r.Spans {
		out = append(out, r.Text[s.OutStart:s.OutEnd])
	}
	return out
}

// Syntax is the language of a file that Neutral prepares for a syntax check.
type Syntax int

// The languages Neutral knows.
const (
	// JSON: a marker outside a string becomes null (padded with spaces);
	// inside a string it stays as it is, so string values keep it.
	JSON Syntax = iota
	// JavaScript: @@KEY@@ becomes null (a JSON value stands there), and
	// ##KEY## becomes the identifier __KEY__ (text stands there: a value,
	// a name, part of a string).
	JavaScript
)

// Neutral returns Text with every unresolved marker replaced by a
// placeholder of the same length that is valid where the marker stands, so
// that a syntax check of a file whose keyword values are not known (validate
// without AUTH0_KEYWORD_REPLACE_MAPPINGS) reports the file's own errors,
// at the offsets of Text, and not the markers. Markers are ASCII, so columns
// are kept too. A placeholder cannot fit every place a value can (JSON
// members inserted by ##KEY##): callers ignore an error that falls on a
// marker (see UnresolvedIn).
func (r *Result) Neutral(syntax Syntax) string {
	if len(r.Unresolved) == 0 {
		return r.Text
	}
	b := []byte(r.Text)
	next := 0 // bytes before next are done (overlapping markers are skipped)
	inString := false
	scanned := 0 // JSON string state is known up to here
	for _, m := range r.Unresolved {
		start, end := m.OutOffset, m.OutOffset+len(m.Text)
		if start < next || end > len(b) || r.Text[start:end] != m.Text {
			continue
		}
		if syntax == JSON {
			inString, scanned = jsonStringState(r.Text, scanned, start, inString)
			if inString {
				continue
			}
		}
		placeholder := "null" + strings.Repeat(" ", len(m.Text)-4)
		if syntax == JavaScript && strings.HasPrefix(m.Text, "##") {
			placeholder = "__" + m.Text[2:len(m.Text)-2] + "__"
		}
		copy(b[start:end], placeholder)
		next = end
	}
	return string(b)
}

// jsonStringState continues a scan of JSON text from "from" (where the scan
// is inside a string when in is true) up to "to", and reports whether "to" is
// inside a string. Markers hold no quote or backslash, so a scan may jump
// over them.
func jsonStringState(text string, from, to int, in bool) (bool, int) {
	for i := from; i < to; i++ {
		switch c := text[i]; {
		case in && c == '\\':
			i++
		case c == '"':
			in = !in
		case c == '\n':
			in = false // a string never spans lines; the parser reports it
		}
	}
	return in, max(to, from)
}

// UnresolvedIn reports whether [outStart, outEnd) of Text overlaps an
// unresolved marker (an empty range counts when it touches one): whatever
// a check finds there depends on a value that is not known.
func (r *Result) UnresolvedIn(outStart, outEnd int) bool {
	if outEnd < outStart {
		outEnd = outStart
	}
	for _, m := range r.Unresolved {
		s, e := m.OutOffset, m.OutOffset+len(m.Text)
		if outStart < e && outEnd > s || outStart == outEnd && outStart >= s && outStart <= e {
			return true
		}
	}
	return false
}
