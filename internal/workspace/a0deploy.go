package workspace

import (
	"encoding/json"
	"io/fs"
	"path"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jsonmeta"
)

// This file and the a0*.go files read auth0-deploy-cli's directory format
// (`a0deploy export --format directory`) into the same desired state as the
// extension's layout. docs/a0deploy.md describes the mapping.

// a0Dirs are the folders of auth0-deploy-cli's format this pipe deploys.
var a0Dirs = []string{dirRules, dirRulesConfigs, dirDatabases, dirPages, dirActions, dirTriggers}

// a0Resources names, for the top-level entries auth0-deploy-cli exports and
// this pipe does not deploy, what they hold (for the warning).
var a0Resources = map[string]string{
	"tenant.json": "tenant settings", "tenant.yaml": "tenant settings (YAML format)",
	"clients": "applications", "grants": "client grants", "client-grants": "client grants",
	"connections": "non-database connections", "resource-servers": "APIs", "roles": "roles",
	"emails": "email templates and provider", "email-templates": "email templates",
	"guardian": "MFA settings", "hooks": "hooks", "action-modules": "action modules",
	"attack-protection": "attack protection", "risk-assessment": "risk assessment",
	"branding": "branding", "prompts": "prompts and custom text", "themes": "themes",
	"log-streams": "log streams", "event-streams": "event streams", "organizations": "organizations",
	"custom-domains": "custom domains", "migrations": "migrations", "forms": "forms", "flows": "flows",
	"flow-vault-connections": "flow vault connections", "self-service-profiles": "self-service profiles",
	"network-acls": "network ACLs", "phone-providers": "phone providers", "phone-templates": "phone templates",
	"user-attribute-profiles": "user attribute profiles", "connection-profiles": "connection profiles",
	"token-exchange-profiles": "token exchange profiles", "rate-limit-policies": "rate limit policies",
	"supplemental-signals.json": "supplemental signals", "client-auth-credentials": "client credentials",
}

// readRootA0 reads the top level of BASE_DIR in auth0-deploy-cli's format.
func (r *reader) readRootA0(d *model.Desired) {
	root, ok := r.listRoot(a0Dirs)
	if !ok {
		return
	}
	// Bindings are explicit in this layout: without triggers/ no trigger's
	// bindings are touched (a nil map would derive them from the actions).
	d.Bindings = map[string][]model.BindingRef{}
	d.BindingsSource = map[string]model.Source{}
	found := false
	present := map[string]bool{}
	var unmanaged []entry
	for _, e := range root {
		switch {
		case !contains(a0Dirs, e.name):
			if !isFurniture(e) {
				unmanaged = append(unmanaged, e)
			}
		case e.bad:
			found = true
		case e.kind != kindDir:
			found = true
			r.errorf(e.rel, 0, 0, "must be a folder")
		default:
			found = true
			present[e.name] = true
		}
	}
	// Actions before triggers: bindings are checked against the actions.
	if present[dirRules] {
		r.readRulesA0(d)
	}
	if present[dirRulesConfigs] {
		r.readRulesConfigsA0(d)
	}
	if present[dirDatabases] {
		r.readDatabasesA0(d)
	}
	if present[dirPages] {
		r.readPagesA0(d)
	}
	if present[dirActions] {
		r.readActionsA0(d)
	}
	if present[dirTriggers] {
		r.readTriggersA0(d)
	}
	// Stray files are known once every metadata file has named its files.
	for _, check := range r.pending {
		check()
	}
	r.pending = nil
	for _, e := range unmanaged {
		if e.kind == kindLink && r.holdsRefs(e) {
			// Metadata names files through this link (checked where they
			// are read): the rest of where it leads is not looked at.
			continue
		}
		if r.holdsRefs(e) {
			// Code that metadata names lives here: only the rest is stray.
			r.strays([]entry{e}, func(e entry) {
				r.warnf(e.rel, 0, 0, "not named by any metadata file: not read")
			})
			continue
		}
		what := a0Resources[e.name]
		if what == "" {
			r.warnf(e.rel, 0, 0, "not managed by this pipe%s", caseHint(e.name, a0Dirs))
			continue
		}
		r.warnf(e.rel, 0, 0, "not managed by this pipe (auth0-deploy-cli's %s): left as it is in the tenant", what)
	}
	if !found && !r.stopped {
		r.warnf(".", 0, 0, "none of the folders %s/ is here: nothing to deploy (is BASE_DIR right?)", strings.Join(a0Dirs, "/, "))
	}
}

// later runs check once every folder has been read.
func (r *reader) later(check func()) { r.pending = append(r.pending, check) }

// holdsRefs reports whether e is, or is a folder holding, a file that
// metadata names by path.
func (r *reader) holdsRefs(e entry) bool {
	if r.refs[e.rel] {
		return true
	}
	if e.kind != kindDir && e.kind != kindLink {
		return false
	}
	for ref := range r.refs {
		if strings.HasPrefix(ref, e.rel+"/") {
			return true
		}
	}
	return false
}

// strays reports the entries of a folder that no metadata names: files get
// notRead, folders are listed one level down (auth0-deploy-cli keeps action
// code in actions/<name>/code.js) and their unnamed files reported the same.
func (r *reader) strays(entries []entry, notRead func(e entry)) {
	for _, e := range entries {
		switch {
		case e.bad || r.refs[e.rel]:
		case e.kind == kindDir && r.holdsRefs(e):
			for _, c := range r.children(e.rel) {
				switch {
				case c.bad || r.refs[c.rel]:
				case c.kind == kindDir && r.holdsRefs(c):
				case c.kind == kindDir:
					r.warnf(c.rel, 0, 0, "folder not expected here: not read")
				default:
					notRead(c)
				}
			}
		case e.kind == kindDir:
			r.warnf(e.rel, 0, 0, "folder not expected here: nothing in it is named by a metadata file: not read")
		default:
			notRead(e)
		}
	}
}

// refFile resolves the path that key (the value v) of a metadata file names,
// relative to the folder base (relative to BASE_DIR; "" for BASE_DIR
// itself), and returns the file as an entry ready to read. A path that is
// absolute, leaves BASE_DIR, or names no regular file is an error at v.
func (m *meta) refFile(v *jsonmeta.Value, key, base string) (entry, bool) {
	r := m.r
	if v.Kind != jsonmeta.String || strings.TrimSpace(v.Str) == "" {
		m.errAt(v, "%q must be the path of a file (a non-empty string), not %s", key, describeKind(v))
		return entry{}, false
	}
	p := strings.ReplaceAll(v.Str, `\`, "/")
	relTo := "BASE_DIR"
	if base != "" {
		relTo = base + "/"
	}
	if strings.HasPrefix(p, "/") || (len(p) > 1 && p[1] == ':') {
		m.errAt(v, "%q %s is an absolute path: paths are relative to %s", key, m.quote(v), relTo)
		return entry{}, false
	}
	rel := path.Join(base, p)
	if rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
		m.errAt(v, "%q %s leaves BASE_DIR (it is relative to %s): the file must be inside the folder being deployed", key, m.quote(v), relTo)
		return entry{}, false
	}
	// The resolved path is shown unless it came from a keyword value.
	shown, inParens := r.path(rel), " ("+r.path(rel)+")"
	if m.f.fromValue(v.Offset, v.End) {
		shown, inParens = "it", ""
	}
	if !fs.ValidPath(rel) {
		m.errAt(v, "%q %s is not a valid path", key, m.quote(v))
		return entry{}, false
	}
	hops := 0
	real, info, msg := r.resolve(rel, &hops)
	switch {
	case msg == msgNotExist:
		m.errAt(v, "%q %s: file not found%s", key, m.quote(v), inParens)
		return entry{}, false
	case msg != "":
		m.errAt(v, "%q %s: not read: %s (a symbolic link on its way) %s", key, m.quote(v), shown, msg)
		return entry{}, false
	case info.IsDir():
		m.errAt(v, "%q %s: %s is a folder, not a file", key, m.quote(v), shown)
		return entry{}, false
	case !info.Mode().IsRegular():
		m.errAt(v, "%q %s: %s is not a regular file", key, m.quote(v), shown)
		return entry{}, false
	}
	r.refs[rel], r.refs[real] = true, true
	return entry{name: path.Base(rel), rel: rel, kind: kindFile, real: real, size: info.Size()}, true
}

func describeKind(v *jsonmeta.Value) string {
	if v.Kind == jsonmeta.String {
		return "an empty string"
	}
	return v.Kind.String()
}

// sub returns a meta for a nested object of the same file, so that the
// helpers (str, boolean, order, ...) read its keys.
func (m *meta) sub(obj *jsonmeta.Value) *meta { return &meta{r: m.r, f: m.f, obj: obj} }

// required reports a missing key at the object's opening brace.
func (m *meta) required(key, hint string) {
	m.errAt(m.obj, "%q is required%s", key, hint)
}

// nameMatches checks auth0-deploy-cli's "name" against the file (or
// folder) name that identifies the item here (see itemName).
func (m *meta) nameMatches(key, want, what string) { m.itemName(key, want, what) }

// itemName reads auth0-deploy-cli's "name", which is required, and checks
// it against file, the file (or folder) name that holds the item: it must
// be the same, or the file name an export gives that name (exportFileName:
// action "Roles: add to token" is in actions/Roles- add to token.json), so
// that one item is one file and reports point at it. It returns the item's
// name: "name" when it fits the file, else the file name (an error has
// then been reported).
func (m *meta) itemName(key, file, what string) string {
	name, v, ok := m.str(key)
	switch {
	case !ok:
	case v == nil:
		m.required(key, ": "+what)
	case name == file || exportFileName(name) == file:
		return name
	case exportFileName(name) != name && !m.f.fromValue(v.Offset, v.End):
		m.errAt(v, "%q %s differs from the file name %q (an export names it %q): %s", key, m.quote(v), file, exportFileName(name), what)
	default:
		m.errAt(v, "%q %s differs from the file name %q: %s", key, m.quote(v), file, what)
	}
	return file
}

// jsonValue converts a parsed JSON value to the Go value encoding/json
// would decode it into (numbers as json.Number, keeping their text).
func jsonValue(v *jsonmeta.Value) any {
	switch v.Kind {
	case jsonmeta.Bool:
		return v.Bool
	case jsonmeta.Number:
		return json.Number(v.Str)
	case jsonmeta.String:
		return v.Str
	case jsonmeta.Array:
		out := make([]any, len(v.Elems))
		for i, el := range v.Elems {
			out[i] = jsonValue(el)
		}
		return out
	case jsonmeta.Object:
		out := make(map[string]any, len(v.Members))
		for _, mem := range v.Members {
			out[mem.Key] = jsonValue(mem.Value)
		}
		return out
	}
	return nil
}
