package workspace

import (
	"fmt"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jsonmeta"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/keywords"
)

// The layouts a repository can be read in (Options.Layout, the pipe's
// LAYOUT variable, and model.Desired.Layout).
const (
	// LayoutAuto picks the layout from the files (the default).
	LayoutAuto = "auto"
	// LayoutExtension is the layout of Auth0's Bitbucket Deployments
	// extension, plus actions/ (docs/repository-layout.md).
	LayoutExtension = "extension"
	// LayoutA0Deploy is auth0-deploy-cli's directory format (docs/a0deploy.md).
	LayoutA0Deploy = "a0deploy"
)

// Layouts lists the values Options.Layout accepts ("" means auto).
var Layouts = []string{LayoutAuto, LayoutExtension, LayoutA0Deploy}

// layoutNames are the layouts as messages name them.
var layoutNames = map[string]string{
	LayoutExtension: "the extension's layout",
	LayoutA0Deploy:  "auth0-deploy-cli's layout",
}

// marker is a file (or folder) whose shape belongs to one layout only.
type marker struct {
	// rel is relative to BASE_DIR.
	rel string
	// why says what gives it away, e.g. `"name" and "script"`.
	why string
}

// markers are the files of each layout found in a repository.
type markers struct {
	a0, ext []marker
}

func (ms markers) of(layout string) []marker {
	if layout == LayoutA0Deploy {
		return ms.a0
	}
	return ms.ext
}

// chooseLayout decides the layout to read the repository in: the one
// Options.Layout names, or under auto the one whose markers are present
// (the extension's when there are none). Under auto, markers of both
// layouts decide by a clear majority (more than twice as many files of one
// layout): a repository of one layout with a broken file, such as an
// auth0-deploy-cli connection folder without its database.json, is read in
// its layout, so that the broken file gets the error that says what is
// wrong with it, and one warning names the files of the other layout.
// Without a clear majority every marker file is an error, and layout is "".
func (r *reader) chooseLayout() (layout string) {
	want := strings.ToLower(strings.TrimSpace(r.opts.Layout))
	if want == "" {
		want = LayoutAuto
	}
	if !contains(Layouts, want) {
		r.errorf("", 0, 0, "LAYOUT must be auto, extension or a0deploy (got %q)", r.opts.Layout)
		return ""
	}
	ms := r.detect()
	switch want {
	case LayoutAuto:
		a0, ext := len(ms.a0), len(ms.ext)
		switch {
		case a0 > 0 && ext > 0 && a0 > 2*ext:
			r.majorityHint(LayoutA0Deploy, LayoutExtension, ms)
			return LayoutA0Deploy
		case a0 > 0 && ext > 0 && ext > 2*a0:
			r.majorityHint(LayoutExtension, LayoutA0Deploy, ms)
			return LayoutExtension
		case a0 > 0 && ext > 0:
			r.mixedLayouts(ms)
			return ""
		case a0 > 0:
			return LayoutA0Deploy
		}
		return LayoutExtension
	case LayoutExtension:
		r.explicitLayoutHint(LayoutExtension, LayoutA0Deploy, ms.a0)
	case LayoutA0Deploy:
		r.explicitLayoutHint(LayoutA0Deploy, LayoutExtension, ms.ext)
	}
	return want
}

// mixedLayouts reports every marker file of either layout, naming the files
// of the other.
func (r *reader) mixedLayouts(ms markers) {
	for _, layout := range []string{LayoutA0Deploy, LayoutExtension} {
		other := LayoutExtension
		if layout == LayoutExtension {
			other = LayoutA0Deploy
		}
		for _, m := range ms.of(layout) {
			r.errorf(m.rel, 0, 0, "in %s (%s), while %s in %s: a repository is read in one layout; convert the files, or set LAYOUT=a0deploy or LAYOUT=extension to choose (files of the other layout are then reported against it)",
				layoutNames[layout], m.why, r.fileList(ms.of(other)), layoutNames[other])
		}
	}
}

// majorityHint warns once, under auto, that files of the other layout are
// read in the chosen one, which most files are in.
func (r *reader) majorityHint(chosen, other string, ms markers) {
	found := ms.of(other)
	r.warnf(found[0].rel, 0, 0, "in %s (%s)%s, while %d files are in %s: the repository is read as %s (set LAYOUT=%s or LAYOUT=%s to choose)",
		layoutNames[other], found[0].why, more(len(found)-1), len(ms.of(chosen)), layoutNames[chosen], layoutNames[chosen], chosen, other)
}

// explicitLayoutHint warns once when LAYOUT names a layout and files of the
// other one are present: they are read (and reported) as the chosen layout.
func (r *reader) explicitLayoutHint(chosen, other string, found []marker) {
	if len(found) == 0 {
		return
	}
	r.warnf(found[0].rel, 0, 0, "in %s (%s)%s, but LAYOUT=%s: read as %s (LAYOUT=%s reads %s)",
		layoutNames[other], found[0].why, more(len(found)-1), chosen, layoutNames[chosen], other, layoutNames[other])
}

// fileList names the first marker and how many more there are:
// "actions/x.json (and 2 more) are" / "actions/x.json is".
func (r *reader) fileList(ms []marker) string {
	if len(ms) == 1 {
		return r.path(ms[0].rel) + " is"
	}
	return fmt.Sprintf("%s (and %d more) are", r.path(ms[0].rel), len(ms)-1)
}

func more(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" (and %d more file(s))", n)
}

// detect finds the marker files of both layouts. It reads through a quiet
// copy of the reader: problems it meets are left to the real reading.
//
//	auth0-deploy-cli: rules/*.json with "name" and "script", actions/*.json
//	  with "code", pages/*.json with "name", database-connections/*/database.json,
//	  triggers/*.json
//	extension: rules/*.json with neither "name" nor "script", actions/*.json
//	  with "trigger" and no "code", pages/*.json without "name", a
//	  database-connections/ folder holding scripts and no database.json
//
// Anything else (scripts, rules-configs/, files that do not parse) fits both.
func (r *reader) detect() markers {
	q := r.quiet()
	var ms markers
	root, ok := q.listRoot(a0Dirs)
	if !ok {
		return ms
	}
	dirs := map[string]bool{}
	for _, e := range root {
		if e.kind == kindDir && !e.bad {
			dirs[e.name] = true
		}
	}
	jsonFiles := func(dir string, fn func(e entry, obj *jsonmeta.Value)) {
		if !dirs[dir] {
			return
		}
		for _, e := range q.children(dir) {
			if e.kind == kindFile && !e.bad && strings.HasSuffix(e.name, ".json") {
				if obj := q.peekObject(e); obj != nil {
					fn(e, obj)
				}
			}
		}
	}
	has := func(obj *jsonmeta.Value, key string) bool { return obj.Get(key) != nil }
	jsonFiles(dirRules, func(e entry, obj *jsonmeta.Value) {
		switch name, script := has(obj, "name"), has(obj, "script"); {
		case name && script:
			ms.a0 = append(ms.a0, marker{e.rel, `"name" and "script"`})
		case !name && !script:
			ms.ext = append(ms.ext, marker{e.rel, `rule metadata without "name" and "script"`})
		}
	})
	jsonFiles(dirActions, func(e entry, obj *jsonmeta.Value) {
		switch {
		case has(obj, "code"):
			ms.a0 = append(ms.a0, marker{e.rel, `"code"`})
		case has(obj, "trigger"):
			ms.ext = append(ms.ext, marker{e.rel, `"trigger"`})
		}
	})
	jsonFiles(dirPages, func(e entry, obj *jsonmeta.Value) {
		if has(obj, "name") {
			ms.a0 = append(ms.a0, marker{e.rel, `"name"`})
		} else {
			ms.ext = append(ms.ext, marker{e.rel, `page metadata without "name"`})
		}
	})
	if dirs[dirDatabases] {
		for _, dir := range q.children(dirDatabases) {
			if dir.kind != kindDir || dir.bad {
				continue
			}
			settings, scripts := false, false
			for _, e := range q.children(dir.rel) {
				settings = settings || (e.name == "database.json" && e.kind == kindFile)
				scripts = scripts || (strings.HasSuffix(e.name, ".js") && e.kind == kindFile)
			}
			switch {
			case settings:
				ms.a0 = append(ms.a0, marker{dir.rel + "/database.json", "connection settings"})
			case scripts:
				ms.ext = append(ms.ext, marker{dir.rel, "scripts without database.json"})
			}
		}
	}
	jsonFiles(dirTriggers, func(e entry, _ *jsonmeta.Value) {
		ms.a0 = append(ms.a0, marker{e.rel, "trigger bindings"})
	})
	return ms
}

// quiet returns a copy of the reader that shares its settings and keeps
// its own problems and counters.
func (r *reader) quiet() *reader {
	q := *r
	q.ps, q.entries, q.totalBytes, q.stopped, q.refs, q.pending = nil, 0, 0, false, map[string]bool{}, nil
	return &q
}

// peekObject parses e (after keyword replacement) and returns it when it is
// a JSON object, nil otherwise; problems go to the (quiet) reader.
func (r *reader) peekObject(e entry) *jsonmeta.Value {
	text, ok := r.readText(e)
	if !ok {
		return nil
	}
	v, err := jsonmeta.Parse(r.maps.Replace(text).Neutral(keywords.JSON))
	if err != nil || v.Kind != jsonmeta.Object {
		return nil
	}
	return v
}
