package workspace

import (
	"fmt"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jscheck"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jsonmeta"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/keywords"
)

// sourceFile is a text file after keyword replacement. Positions in the
// replaced text map back to the file as it is in the repository, so line
// numbers stay right even when a value spans several lines.
type sourceFile struct {
	rel  string
	orig string
	res  *keywords.Result
}

func (f *sourceFile) text() string { return f.res.Text }

// pos returns the line and column, in the original file, of an offset in
// the replaced text.
func (f *sourceFile) pos(out int) (line, col int) {
	return lineCol(f.orig, f.res.OrigOffset(out))
}

// fromValue reports whether [start, end) of the replaced text came from a
// keyword value; such text is never quoted in a message.
func (f *sourceFile) fromValue(start, end int) bool { return f.res.Replaced(start, end) }

// unknown reports whether [start, end) of the replaced text is, or touches,
// an unresolved marker: what a check finds there depends on a value that
// is not known here. The marker itself is already reported (an error in
// plan and deploy, a warning in validate); a syntax or type error at the
// same place would only repeat it, or be wrong once the value is there.
func (f *sourceFile) unknown(start, end int) bool { return f.res.UnresolvedIn(start, end) }

// checkText is the replaced text with a neutral placeholder of the same
// length for every unresolved marker (keywords.Result.Neutral), for syntax
// checks: offsets in it are offsets in the replaced text.
func (f *sourceFile) checkText(syntax keywords.Syntax) string { return f.res.Neutral(syntax) }

// load reads e, applies the keyword mappings and reports unresolved
// UPPER_CASE markers (see unresolved).
func (r *reader) load(e entry) (*sourceFile, bool) {
	text, ok := r.readText(e)
	if !ok {
		return nil, false
	}
	f := &sourceFile{rel: e.rel, orig: text, res: r.maps.Replace(text)}
	for _, m := range f.res.Unresolved {
		line, col := lineCol(text, m.Offset)
		r.unresolved(e, line, col, m.Text)
	}
	return f, true
}

// unresolved reports an UPPER_CASE marker that no mapping resolved. In
// plan and deploy (Options.RequireSecretValues) it is an error: the marker
// would reach the tenant as it is (a rules config whose value is
// "@@API_KEY@@", a page titled ##TENANT_NAME##), which is what a missing or
// misnamed AUTH0_KEYWORD_REPLACE_MAPPINGS looks like. In validate, which
// usually runs without the secured mappings, and in a file that is read but
// never deployed (a manual rule's or action's code), it is a warning.
func (r *reader) unresolved(e entry, line, col int, marker string) {
	if r.opts.RequireSecretValues && !e.notDeployed {
		r.errorf(e.rel, line, col, "unresolved keyword %s: not in AUTH0_KEYWORD_REPLACE_MAPPINGS (deploying it would write the marker itself)", marker)
		return
	}
	r.warnf(e.rel, line, col, "unresolved keyword %s: not in AUTH0_KEYWORD_REPLACE_MAPPINGS, left as it is", marker)
}

// retractUnresolved withdraws the unresolved-keyword problem that load
// reported for marker in file rel, once a value was found for it elsewhere.
func (r *reader) retractUnresolved(rel, marker string) {
	path, prefix := r.path(rel), "unresolved keyword "+marker+":"
	for i, p := range r.ps {
		if p.Path == path && strings.HasPrefix(p.Message, prefix) {
			r.ps = append(r.ps[:i], r.ps[i+1:]...)
			return
		}
	}
}

// loadJS loads a JavaScript file and checks it: not empty, valid syntax for
// kind. It returns the replaced code.
func (r *reader) loadJS(e entry, kind jscheck.Kind, what string) (string, bool) {
	f, ok := r.load(e)
	if !ok {
		return "", false
	}
	if strings.TrimSpace(f.text()) == "" {
		r.errorf(e.rel, 0, 0, "%s is empty", what)
		return "", false
	}
	diags := jscheck.Check(kind, f.checkText(keywords.JavaScript))
	for _, d := range diags {
		if !f.unknown(d.Offset, d.End) {
			r.jsError(f, d, kind)
		}
	}
	return f.text(), len(diags) == 0
}

func (r *reader) jsError(f *sourceFile, d jscheck.Diagnostic, kind jscheck.Kind) {
	line, col := f.pos(d.Offset)
	if d.Shape {
		// Valid JavaScript of the wrong shape; the text quotes nothing.
		r.errorf(f.rel, line, col, "%s", d.Text)
		return
	}
	if d.AtEnd && kind == jscheck.Rule {
		// esbuild's message names the ")" added around the rule.
		r.errorf(f.rel, line, col, "invalid JavaScript: unexpected end of file (a rule script is one function expression: function (user, context, callback) {...})")
		return
	}
	fromValue := f.fromValue(d.Offset, d.End)
	inserted := f.res.Inserted()
	allow := func(tok string) bool {
		if fromValue || !strings.Contains(f.orig, tok) {
			return false
		}
		for _, v := range inserted {
			if strings.Contains(v, tok) || strings.Contains(tok, v) {
				return false
			}
		}
		return true
	}
	r.errorf(f.rel, line, col, "invalid JavaScript: %s", jscheck.Sanitize(d.Text, allow))
}

// quoteKey quotes a JSON key for a message, unless it came from a keyword
// value or is unreasonable to print.
func (f *sourceFile) quoteKey(key string, start, end int) string {
	if f.fromValue(start, end) {
		return "(from a keyword value)"
	}
	if len(key) > 64 {
		key = key[:64] + "…"
	}
	return fmt.Sprintf("%q", key)
}

// meta is a parsed metadata file: a JSON object.
type meta struct {
	r   *reader
	f   *sourceFile
	obj *jsonmeta.Value
}

// loadMeta reads e as a JSON object (after keyword replacement) and reports
// every key not in allowed.
func (r *reader) loadMeta(e entry, allowed ...string) (*meta, bool) {
	m, ok := r.loadObject(e)
	if !ok {
		return nil, false
	}
	return m, m.checkKeys(m.obj, allowed...)
}

// loadObject reads e as a JSON object (after keyword replacement), whatever
// its keys.
func (r *reader) loadObject(e entry) (*meta, bool) {
	f, ok := r.load(e)
	if !ok {
		return nil, false
	}
	v, perr := jsonmeta.Parse(f.checkText(keywords.JSON))
	if perr != nil {
		if !perr.Duplicate && f.unknown(perr.Offset, perr.End) {
			return nil, false
		}
		line, col := f.pos(perr.Offset)
		if perr.Duplicate {
			r.errorf(e.rel, line, col, "duplicate key %s", f.quoteKey(perr.Key, perr.Offset, perr.End))
		} else {
			r.errorf(e.rel, line, col, "invalid JSON: %s", perr.Msg)
		}
		return nil, false
	}
	m := &meta{r: r, f: f, obj: v}
	if v.Kind != jsonmeta.Object {
		m.errAt(v, "must be a JSON object, not %s", v.Kind)
		return nil, false
	}
	return m, true
}

// checkKeys reports every key of the object obj (in m's file) that is not
// in allowed, and returns whether there was none.
func (m *meta) checkKeys(obj *jsonmeta.Value, allowed ...string) bool {
	ok := true
	for _, mem := range obj.Members {
		if !contains(allowed, mem.Key) {
			if m.f.unknown(mem.KeyOffset, mem.KeyEnd) {
				continue // the key is not known until deployment
			}
			line, col := m.f.pos(mem.KeyOffset)
			m.r.errorf(m.f.rel, line, col, "unknown key %s (allowed: %s)", m.f.quoteKey(mem.Key, mem.KeyOffset, mem.KeyEnd), strings.Join(allowed, ", "))
			ok = false
		}
	}
	return ok
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// errAt reports an error about the value v, unless v is a value (not an
// object or array) that is or holds an unresolved marker: its type and
// content are not known until deployment, and the marker is reported.
func (m *meta) errAt(v *jsonmeta.Value, format string, args ...any) {
	if v.Kind != jsonmeta.Object && v.Kind != jsonmeta.Array && m.f.unknown(v.Offset, v.End) {
		return
	}
	line, col := m.f.pos(v.Offset)
	m.r.errorf(m.f.rel, line, col, format, args...)
}

func (m *meta) warnAt(v *jsonmeta.Value, format string, args ...any) {
	line, col := m.f.pos(v.Offset)
	m.r.warnf(m.f.rel, line, col, format, args...)
}

// value returns the value of key, or nil when absent.
func (m *meta) value(key string) *jsonmeta.Value {
	if mem := m.obj.Get(key); mem != nil {
		return mem.Value
	}
	return nil
}

// boolean reads an optional boolean: (value, present, ok).
func (m *meta) boolean(key string) (val, set, ok bool) {
	v := m.value(key)
	if v == nil {
		return false, false, true
	}
	if v.Kind != jsonmeta.Bool {
		m.errAt(v, "%q must be true or false, not %s", key, v.Kind)
		return false, false, false
	}
	return v.Bool, true, true
}

// maxOrder is the largest order accepted (Auth0 stores orders as 32-bit integers).
const maxOrder = 1<<31 - 1

// order reads an optional positive whole number; null counts as absent.
func (m *meta) order(key string) (*int, bool) {
	v := m.value(key)
	if v == nil || v.Kind == jsonmeta.Null {
		return nil, true
	}
	n, ok := v.Int(1, maxOrder)
	if !ok {
		if v.Kind == jsonmeta.Number {
			m.errAt(v, "%q must be a whole number from 1 to %d", key, maxOrder)
		} else {
			m.errAt(v, "%q must be a whole number from 1 to %d, not %s", key, maxOrder, v.Kind)
		}
		return nil, false
	}
	i := int(n)
	return &i, true
}

// str reads an optional string: (value, the JSON value or nil, ok).
func (m *meta) str(key string) (string, *jsonmeta.Value, bool) {
	v := m.value(key)
	if v == nil {
		return "", nil, true
	}
	if v.Kind != jsonmeta.String {
		m.errAt(v, "%q must be a string, not %s", key, v.Kind)
		return "", v, false
	}
	return v.Str, v, true
}

// quote quotes a string value for a message, unless it came from a keyword
// value (then it is described, not shown).
func (m *meta) quote(v *jsonmeta.Value) string {
	if m.f.fromValue(v.Offset, v.End) {
		return "(from a keyword value)"
	}
	s := v.Str
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return fmt.Sprintf("%q", s)
}
