package workspace

import (
	"regexp"
	"sort"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jscheck"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jsonmeta"
)

// a0ActionKeys are the keys of auth0-deploy-cli's actions/<name>.json.
// "status" and "id" are what its export writes; like auth0-deploy-cli,
// this pipe does not use them (actions are matched by name).
var a0ActionKeys = []string{"name", "code", "supported_triggers", "runtime", "dependencies", "secrets", "deployed", "status", "modules", "id"}

// a0OtherTriggers are trigger ids auth0-deploy-cli knows that this pipe
// does not deploy to: their bindings are left alone, with a warning.
var a0OtherTriggers = []string{"login-post-identifier", "signup-post-identifier"}

// triggerVersion is the shape of a trigger version ("v3").
var triggerVersion = regexp.MustCompile(`^v[1-9][0-9]{0,2}$`)

// keywordMarker is a whole value that is an unresolved UPPER_CASE keyword.
var keywordMarker = regexp.MustCompile(`^(##[A-Z][A-Z0-9_]*##|@@[A-Z][A-Z0-9_]*@@)$`)

// secretPlaceholder is the value auth0-deploy-cli's examples and exports
// put where a secret's value cannot be shown.
const secretPlaceholder = "_VALUE_NOT_SHOWN_"

// readActionsA0 reads actions/<name>.json, each naming its code by a path
// relative to BASE_DIR (auth0-deploy-cli exports "./actions/<name>/code.js").
func (r *reader) readActionsA0(d *model.Desired) {
	d.ActionsManaged = true
	var others []entry
	seen := map[string]string{} // action name → its file
	for _, e := range r.children(dirActions) {
		name, ext := splitExt(e.name)
		if e.kind != kindFile || ext != ".json" || e.bad {
			if !r.badExtCase(e, ext, ".json") {
				others = append(others, e)
			}
			continue
		}
		a := model.Action{Name: name, Runtime: DefaultRuntime, MetaSource: r.source(e.rel)}
		m, _ := r.loadMeta(e, a0ActionKeys...)
		if m != nil {
			// The name is the JSON's: the file name is the name as an export
			// writes it (exportFileName), which may have lost characters.
			a.Name = m.itemName("name", name, "an action is named by its file, actions/<name>.json")
		}
		if problem := a0ActionNameProblem(a.Name); problem != "" {
			r.errorf(e.rel, 0, 0, "invalid action name: %s", problem)
		}
		if m != nil {
			r.actionMetaA0(m, &a, name)
		}
		if prev, dup := seen[a.Name]; dup {
			r.errorf(e.rel, 0, 0, "action %q is also in %s: an action is in one file", a.Name, r.path(prev))
		} else {
			seen[a.Name] = e.rel
		}
		d.Actions = append(d.Actions, a)
	}
	r.later(func() {
		r.strays(others, func(e entry) {
			if _, ext := splitExt(e.name); ext == ".js" {
				r.warnf(e.rel, 0, 0, "not named by the \"code\" of any actions/*.json: not deployed")
				return
			}
			r.warnf(e.rel, 0, 0, "not an action file: in auth0-deploy-cli's layout actions/ holds <name>.json files naming their code")
		})
	})
}

// actionMetaA0 reads one action's metadata into a; file is the name of its
// JSON file, without .json.
func (r *reader) actionMetaA0(m *meta, a *model.Action, file string) {
	r.supportedTriggerA0(m, a)
	m.runtime(a)
	switch deployed, set, ok := m.boolean("deployed"); {
	case set:
		a.Deploy = deployed
	case ok:
		m.warnAt(m.obj, "\"deployed\" is not set: the action is created or updated but not deployed (as auth0-deploy-cli does); add \"deployed\": true to deploy it")
	}
	if v := m.value("modules"); v != nil && (v.Kind != jsonmeta.Array || len(v.Elems) > 0) {
		m.errAt(v, "action modules are not supported by this pipe: the action cannot be deployed without them")
	}
	a.Dependencies = r.dependenciesA0(m)
	a.Secrets = r.secretsA0(m)

	switch v := m.value("code"); {
	case v != nil:
		f, ok := m.refFile(v, "code", "")
		if !ok {
			return
		}
		a.CodeSource = r.source(f.rel)
		f.notDeployed = r.manualActions[a.Name]
		code, ok := r.loadJS(f, jscheck.Module, "action code")
		a.Code = code
		if t, known := findTrigger(a.Trigger); ok && known && !strings.Contains(code, t.Handler) {
			r.warnf(f.rel, 0, 0, "does not mention %s, the function a %s action exports (exports.%s = async (event, api) => {...})", t.Handler, t.ID, t.Handler)
		}
	case r.manualActions[a.Name]:
		// A manual action is never created, updated or deleted.
	default:
		m.required("code", ": the path of the action's code, relative to BASE_DIR (\"./actions/"+file+"/code.js\"); only an action listed in MANUAL_ACTIONS may leave it out")
	}
}

// supportedTriggerA0 reads "supported_triggers": exactly one {id, version}.
func (r *reader) supportedTriggerA0(m *meta, a *model.Action) {
	v := m.value("supported_triggers")
	switch {
	case v == nil:
		m.required("supported_triggers", ": [{\"id\": \"post-login\", \"version\": \"v3\"}]")
		return
	case v.Kind != jsonmeta.Array:
		m.errAt(v, "\"supported_triggers\" must be an array of {\"id\", \"version\"}, not %s", v.Kind)
		return
	case len(v.Elems) == 0:
		m.errAt(v, "\"supported_triggers\" is empty: name the action's trigger, e.g. [{\"id\": \"post-login\", \"version\": \"v3\"}]")
		return
	case len(v.Elems) > 1:
		m.errAt(v.Elems[1], "\"supported_triggers\" names %d triggers: this pipe deploys an action for exactly one trigger (Auth0 binds an action to one); split it into one action per trigger", len(v.Elems))
		return
	}
	el := v.Elems[0]
	if el.Kind != jsonmeta.Object {
		m.errAt(el, "a supported trigger must be an object {\"id\", \"version\"}, not %s", el.Kind)
		return
	}
	t := m.sub(el)
	if !t.checkKeys(el, "id", "version") {
		return
	}
	id, idv, ok := t.str("id")
	if !ok {
		return
	}
	if idv == nil {
		t.required("id", ": one of "+triggerIDs())
		return
	}
	trig, known := findTrigger(id)
	if !known {
		t.errAt(idv, "\"id\" %s is not a trigger this pipe deploys to; one of: %s", t.quote(idv), triggerIDs())
		return
	}
	a.Trigger, a.TriggerVersion = trig.ID, trig.Version
	if ver, vv, ok := t.str("version"); ok && vv != nil {
		if triggerVersion.MatchString(ver) {
			a.TriggerVersion = ver
		} else {
			t.errAt(vv, "\"version\" must be a trigger version such as %q", trig.Version)
		}
	}
}

// dependenciesA0 reads "dependencies": [{"name", "version"}], sorted by name.
func (r *reader) dependenciesA0(m *meta) []model.Dependency {
	v := m.value("dependencies")
	if v == nil || v.Kind == jsonmeta.Null {
		return nil
	}
	if v.Kind != jsonmeta.Array {
		m.errAt(v, "\"dependencies\" must be an array of {\"name\", \"version\"}, not %s", v.Kind)
		return nil
	}
	var deps []model.Dependency
	seen := map[string]bool{}
	for _, el := range v.Elems {
		if el.Kind != jsonmeta.Object {
			m.errAt(el, "a dependency must be an object {\"name\", \"version\"}, not %s", el.Kind)
			continue
		}
		dm := m.sub(el)
		if rv := el.Get("registry_url"); rv != nil {
			dm.errAt(rv.Value, "\"registry_url\" (a private npm registry) is not supported by this pipe")
			continue
		}
		if !dm.checkKeys(el, "name", "version") {
			continue
		}
		name, nv, ok := dm.str("name")
		ver, vv, vok := dm.str("version")
		switch {
		case !ok || !vok:
		case nv == nil:
			dm.required("name", "")
		case !npmName.MatchString(name) || len(name) > 214:
			dm.errAt(nv, "dependency %s is not a valid npm package name", dm.quote(nv))
		case seen[name]:
			dm.errAt(nv, "dependency %s is listed twice", dm.quote(nv))
		case vv == nil || strings.TrimSpace(ver) == "":
			dm.errAt(el, "the version of dependency %s must be a non-empty string (e.g. \"1.2.3\" or \"latest\")", dm.quote(nv))
		default:
			seen[name] = true
			deps = append(deps, model.Dependency{Name: name, Version: ver})
		}
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return deps
}

// secretsA0 reads "secrets": [{"name", "value"}]. A value that is a keyword
// (after replacement) is used as it is; a literal value is used with a
// warning (a secret in git); a value that is missing or empty, the export's
// placeholder or an unresolved keyword is looked up as in the extension's
// layout (the mapping of that name, then the environment).
func (r *reader) secretsA0(m *meta) []model.ActionSecret {
	v := m.value("secrets")
	if v == nil || v.Kind == jsonmeta.Null {
		return nil
	}
	if v.Kind != jsonmeta.Array {
		m.errAt(v, "\"secrets\" must be an array of {\"name\", \"value\"}, not %s", v.Kind)
		return nil
	}
	var secrets []model.ActionSecret
	seen := map[string]bool{}
	for _, el := range v.Elems {
		if el.Kind != jsonmeta.Object {
			m.errAt(el, "a secret must be an object {\"name\", \"value\"}, not %s", el.Kind)
			continue
		}
		sm := m.sub(el)
		if !sm.checkKeys(el, "name", "value") {
			continue
		}
		name, nv, ok := sm.str("name")
		switch {
		case !ok:
			continue
		case nv == nil:
			sm.required("name", "")
			continue
		case !secretName.MatchString(name):
			sm.errAt(nv, "a secret name must be letters, digits, \"_\" and \"-\", starting with a letter or \"_\"")
			continue
		case seen[name]:
			sm.errAt(nv, "secret %s is listed twice", sm.quote(nv))
			continue
		}
		seen[name] = true
		value, vv, ok := sm.str("value")
		if !ok {
			continue
		}
		if vv != nil && value != "" && value != secretPlaceholder && !keywordMarker.MatchString(value) {
			if !sm.f.fromValue(vv.Offset, vv.End) {
				sm.warnAt(vv, "the value of secret %s is written in the repository: use a keyword (\"value\": \"@@%s@@\" with AUTH0_KEYWORD_REPLACE_MAPPINGS), or leave \"value\" out to take it from the mapping or the secured variable %s", sm.quote(nv), name, name)
			}
			secrets = append(secrets, model.ActionSecret{Name: name, Value: value})
			continue
		}
		marker := vv != nil && keywordMarker.MatchString(value)
		if found, ok := r.secretValue(sm, nv, name); ok {
			secrets = append(secrets, model.ActionSecret{Name: name, Value: found})
			if marker {
				// The marker was reported as unresolved when the file was
				// read; the secured variable of the secret's name gave the
				// value after all, so it is not a problem.
				r.retractUnresolved(sm.f.rel, value)
			}
		}
	}
	sort.Slice(secrets, func(i, j int) bool { return secrets[i].Name < secrets[j].Name })
	return secrets
}

// readTriggersA0 reads every triggers/*.json: {"<trigger>": [{"action_name",
// "display_name"}]}, each list the complete bindings of that trigger in
// execution order. Triggers no file names are left as they are.
func (r *reader) readTriggersA0(d *model.Desired) {
	actions := map[string]*model.Action{}
	for i := range d.Actions {
		actions[d.Actions[i].Name] = &d.Actions[i]
	}
	found := false
	for _, e := range r.children(dirTriggers) {
		_, ext := splitExt(e.name)
		switch {
		case e.kind == kindDir:
			if !e.bad {
				r.warnf(e.rel, 0, 0, "folder not expected in %s/: not read", dirTriggers)
			}
			continue
		case ext != ".json":
			if !r.badExtCase(e, ext, ".json") && !e.bad {
				r.warnf(e.rel, 0, 0, "not a trigger bindings file: %s/ holds *.json files", dirTriggers)
			}
			continue
		}
		found = true
		if m, _ := r.loadObject(e); m != nil {
			r.triggerFileA0(m, d, actions)
		}
	}
	if !found && !r.stopped {
		r.warnf(dirTriggers, 0, 0, "no *.json file here: no trigger bindings are deployed")
	}
	for name, a := range actions {
		a.Enabled = false
		for _, refs := range d.Bindings {
			for _, ref := range refs {
				a.Enabled = a.Enabled || ref.ActionName == name
			}
		}
	}
}

// triggerFileA0 reads one bindings file into d.Bindings.
func (r *reader) triggerFileA0(m *meta, d *model.Desired, actions map[string]*model.Action) {
	for _, mem := range m.obj.Members {
		keyPos := &jsonmeta.Value{Offset: mem.KeyOffset, End: mem.KeyEnd}
		quoted := m.f.quoteKey(mem.Key, mem.KeyOffset, mem.KeyEnd)
		trig, known := findTrigger(mem.Key)
		switch {
		case contains(a0OtherTriggers, mem.Key):
			m.warnAt(keyPos, "bindings of trigger %s are not managed by this pipe: left as they are", quoted)
			continue
		case !known:
			m.errAt(keyPos, "unknown trigger %s; known: %s", quoted, triggerIDs())
			continue
		}
		line, _ := m.f.pos(mem.KeyOffset)
		src := model.Source{Path: r.path(m.f.rel), Line: line}
		prev, dup := d.BindingsSource[trig.ID]
		if dup {
			m.errAt(keyPos, "trigger %s is listed twice (also at %s:%d): give its bindings once", quoted, prev.Path, prev.Line)
		}
		refs, ok := r.bindingListA0(m, mem.Value, quoted, trig, actions)
		if ok && !dup {
			d.Bindings[trig.ID] = refs
			d.BindingsSource[trig.ID] = src
		}
	}
}

// bindingListA0 reads one trigger's bindings: [{"action_name", "display_name"}].
func (r *reader) bindingListA0(m *meta, list *jsonmeta.Value, quoted string, trig Trigger, actions map[string]*model.Action) ([]model.BindingRef, bool) {
	if list.Kind != jsonmeta.Array {
		m.errAt(list, "the bindings of %s must be an array of {\"action_name\", \"display_name\"}, not %s", quoted, list.Kind)
		return nil, false
	}
	refs := []model.BindingRef{}
	seen := map[string]bool{}
	for _, el := range list.Elems {
		if el.Kind != jsonmeta.Object {
			m.errAt(el, "a binding must be an object {\"action_name\", \"display_name\"}, not %s", el.Kind)
			continue
		}
		bm := m.sub(el)
		if !bm.checkKeys(el, "action_name", "display_name") {
			continue
		}
		name, nv, ok := bm.str("action_name")
		display, _, dok := bm.str("display_name")
		switch {
		case !ok || !dok:
			continue
		case nv == nil:
			bm.required("action_name", "")
			continue
		case seen[name]:
			bm.errAt(nv, "action %s is bound to %s twice", bm.quote(nv), trig.ID)
			continue
		}
		seen[name] = true
		if a := actions[name]; a != nil && a.Trigger != "" && a.Trigger != trig.ID {
			bm.errAt(nv, "action %s is for trigger %s (its supported_triggers), so it cannot be bound to %s", bm.quote(nv), a.Trigger, trig.ID)
			continue
		}
		refs = append(refs, model.BindingRef{ActionName: name, DisplayName: display})
	}
	return refs, true
}
