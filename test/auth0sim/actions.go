package auth0sim

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// The action build lifecycle is time-based on Options.Clock: a draft created
// or changed at T is "pending" until T+BuildDelay/2, "building" until
// T+BuildDelay, then "built" (or "failed" for names in Options.FailBuilds).
// A deploy snapshots the built draft into a new version; that version reports
// deployed:true from DeployDelay after the deploy.

const timeLayout = time.RFC3339Nano

func ts(t time.Time) string { return t.UTC().Format(timeLayout) }

// runtimePattern admits node18, node22, … and the "node18-actions" runtime.
var runtimePattern = regexp.MustCompile(`^node[0-9]+(-actions)?$`)

var (
	actionCreateKeys = []string{"name", "supported_triggers", "code", "dependencies", "runtime", "secrets", "modules", "deploy"}
	actionUpdateKeys = []string{"name", "supported_triggers", "code", "dependencies", "runtime", "secrets", "modules"}
)

func (s *Sim) actionsRoutes() {
	s.route("GET /api/v2/actions/actions", "read:actions", s.listActions)
	s.route("POST /api/v2/actions/actions", "create:actions", s.createAction)
	s.route("GET /api/v2/actions/actions/{id}", "read:actions", s.readAction)
	s.route("PATCH /api/v2/actions/actions/{id}", "update:actions", s.updateAction)
	s.route("DELETE /api/v2/actions/actions/{id}", "delete:actions", s.deleteAction)
	s.route("POST /api/v2/actions/actions/{id}/deploy", "create:actions", s.deployAction)
	s.route("GET /api/v2/actions/actions/{id}/versions", "read:actions", s.listVersions)
	s.route("GET /api/v2/actions/actions/{id}/versions/{vid}", "read:actions", s.readVersion)
	s.route("POST /api/v2/actions/actions/{id}/versions/{vid}/deploy", "create:actions", s.deployVersion)
	s.route("GET /api/v2/actions/modules", "read:actions", s.listModules)
	s.route("GET /api/v2/actions/triggers", "read:actions", s.listTriggers)
}

func actionNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "That action does not exist.", "")
}

func (s *Sim) findAction(id string) int {
	for i, a := range s.state.Actions {
		if a.ID == id {
			return i
		}
	}
	return -1
}

// draftStatus is the build status of an action's draft at now.
func (s *Sim) draftStatus(a *Action, now time.Time) string {
	elapsed := now.Sub(a.BuildStartedAt)
	switch {
	case elapsed < s.opts.BuildDelay/2:
		return "pending"
	case elapsed < s.opts.BuildDelay:
		return "building"
	case a.BuildError != "":
		return "failed"
	default:
		return "built"
	}
}

func versionStatus(v *ActionVersion, now time.Time) string {
	switch {
	case now.Before(v.BuiltAt):
		return "pending"
	case v.BuildError != "":
		return "failed"
	default:
		return "built"
	}
}

func secretsView(list []Secret) []Object {
	out := make([]Object, 0, len(list))
	for _, sc := range list {
		out = append(out, Object{"name": sc.Name, "updated_at": ts(sc.UpdatedAt)})
	}
	return out
}

func dependenciesView(list []Dependency) []Dependency {
	if list == nil {
		return []Dependency{}
	}
	return list
}

// summary is the short action object embedded in versions.
func (a *Action) summary() Object {
	return Object{
		"id": a.ID, "name": a.Name, "supported_triggers": a.SupportedTriggers,
		"created_at": ts(a.CreatedAt), "updated_at": ts(a.UpdatedAt), "all_changes_deployed": a.AllChangesDeployed,
	}
}

// versionView renders a version; withAction adds the action summary.
func (s *Sim) versionView(a *Action, v *ActionVersion, now time.Time, withAction bool) Object {
	status := versionStatus(v, now)
	out := Object{
		"id": v.ID, "number": v.Number, "code": v.Code, "dependencies": dependenciesView(v.Dependencies),
		"runtime": v.Runtime, "secrets": secretsView(v.Secrets), "supported_triggers": v.SupportedTriggers,
		"status": status, "deployed": s.isLive(a, v, now),
		"created_at": ts(v.CreatedAt), "updated_at": ts(maxTime(v.CreatedAt, minTime(now, v.BuiltAt))),
	}
	if status == "built" {
		out["built_at"] = ts(v.BuiltAt)
	}
	if status == "failed" {
		out["errors"] = []Object{{"id": "build_failed", "msg": v.BuildError, "url": ""}}
	}
	if withAction {
		out["action"] = a.summary()
	}
	return out
}

// isLive reports whether v is the deployed version and has gone live.
func (s *Sim) isLive(a *Action, v *ActionVersion, now time.Time) bool {
	return v.ID == a.DeployedVersionID && !now.Before(a.DeployedAt)
}

func (a *Action) version(id string) *ActionVersion {
	for i := range a.Versions {
		if a.Versions[i].ID == id {
			return &a.Versions[i]
		}
	}
	return nil
}

// currentVersionView is the short form of the newest version (status in
// upper case, as the real API shows it).
func (s *Sim) currentVersionView(a *Action, now time.Time) Object {
	if len(a.Versions) == 0 {
		return nil
	}
	v := &a.Versions[len(a.Versions)-1]
	status := versionStatus(v, now)
	out := Object{
		"id": v.ID, "code": v.Code, "runtime": v.Runtime, "status": strings.ToUpper(status), "number": v.Number,
		"created_at": ts(v.CreatedAt), "updated_at": ts(maxTime(v.CreatedAt, minTime(now, v.BuiltAt))),
	}
	if status == "built" {
		out["build_time"] = ts(v.BuiltAt)
	}
	return out
}

// actionRefs adds current_version and deployed_version to an action object.
func (s *Sim) actionRefs(out Object, a *Action, now time.Time) {
	if cv := s.currentVersionView(a, now); cv != nil {
		out["current_version"] = cv
	}
	if v := a.version(a.DeployedVersionID); v != nil {
		out["deployed_version"] = s.versionView(a, v, now, false)
	}
}

// actionView renders an action as GET returns it.
func (s *Sim) actionView(a *Action, now time.Time) Object {
	out := Object{
		"id": a.ID, "name": a.Name, "supported_triggers": a.SupportedTriggers,
		"created_at": ts(a.CreatedAt), "updated_at": ts(a.UpdatedAt),
		"code": a.Code, "dependencies": dependenciesView(a.Dependencies), "runtime": a.Runtime,
		"status": s.draftStatus(a, now), "secrets": secretsView(a.Secrets),
		"all_changes_deployed": a.AllChangesDeployed,
	}
	s.actionRefs(out, a, now)
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// listActions pages in the actions family and filters by actionName (exact),
// triggerId, deployed and installed (no marketplace actions exist here).
func (s *Sim) listActions(w http.ResponseWriter, r *http.Request) {
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	name, byName := q.Get("actionName"), q.Has("actionName")
	trigger := q.Get("triggerId")
	deployed, byDeployed := boolParam(r, "deployed")
	installed, _ := boolParam(r, "installed")
	now := s.clock.Now()
	s.mu.Lock()
	items := []Object{}
	for i := range s.state.Actions {
		a := &s.state.Actions[i]
		if installed || (byName && a.Name != name) || (byDeployed && (a.DeployedVersionID != "") != deployed) {
			continue
		}
		if trigger != "" && !supports(a, trigger) {
			continue
		}
		items = append(items, s.actionView(a, now))
	}
	s.mu.Unlock()
	writeActionsPage(w, "actions", items, p)
}

func supports(a *Action, trigger string) bool {
	for _, t := range a.SupportedTriggers {
		if t.ID == trigger {
			return true
		}
	}
	return false
}

func (s *Sim) readAction(w http.ResponseWriter, r *http.Request) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findAction(r.PathValue("id"))
	if i < 0 {
		actionNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.actionView(&s.state.Actions[i], now))
}

// actionInput is a validated create/update payload; nil fields were not sent.
type actionInput struct {
	name         *string
	triggers     []TriggerRef
	code         *string
	dependencies []Dependency
	hasDeps      bool
	runtime      *string
	secrets      []Secret
	hasSecrets   bool
	deploy       bool
}

// parseActionInput checks an action payload against the triggers catalogue.
// It runs under s.mu.
func (s *Sim) parseActionInput(body Object, allowed []string) (actionInput, string) {
	var in actionInput
	if msg := checkKeys(body, allowed...); msg != "" {
		return in, msg
	}
	if v, ok := body["name"]; ok {
		n, isStr := v.(string)
		if !isStr || n == "" {
			return in, fmt.Sprintf("'Expected type string but found type %s' on property name (The name of an action.).", jsonType(v))
		}
		in.name = &n
	}
	if v, ok := body["code"]; ok {
		c, isStr := v.(string)
		if !isStr {
			return in, fmt.Sprintf("'Expected type string but found type %s' on property code (The source code of the action.).", jsonType(v))
		}
		in.code = &c
	}
	if v, ok := body["runtime"]; ok {
		rt, isStr := v.(string)
		if !isStr || !runtimePattern.MatchString(rt) {
			return in, fmt.Sprintf("'No enum match for: %s' on property runtime (The Node runtime.).", mustJSON(v))
		}
		in.runtime = &rt
	}
	if v, ok := body["deploy"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return in, fmt.Sprintf("'Expected type boolean but found type %s' on property deploy.", jsonType(v))
		}
		in.deploy = b
	}
	if v, ok := body["supported_triggers"]; ok {
		list, isList := v.([]any)
		if !isList || len(list) == 0 {
			return in, "'Array is too short (0), minimum 1' on property supported_triggers (The list of triggers that this action supports.)."
		}
		for _, e := range list {
			o, _ := e.(Object)
			id, version := str(o["id"]), str(o["version"])
			if id == "" {
				return in, "Missing required property: supported_triggers[].id"
			}
			if !s.knownTrigger(id, version) {
				return in, fmt.Sprintf("'No enum match for: %s' on property supported_triggers (The list of triggers that this action supports.).", mustJSON(e))
			}
			if version == "" {
				version = s.currentTriggerVersion(id)
			}
			in.triggers = append(in.triggers, TriggerRef{ID: id, Version: version})
		}
	}
	if v, ok := body["dependencies"]; ok {
		in.hasDeps = true
		list, isList := v.([]any)
		if !isList && v != nil {
			return in, fmt.Sprintf("'Expected type array but found type %s' on property dependencies.", jsonType(v))
		}
		in.dependencies = []Dependency{}
		for _, e := range list {
			o, _ := e.(Object)
			if str(o["name"]) == "" {
				return in, "Missing required property: dependencies[].name"
			}
			in.dependencies = append(in.dependencies, Dependency{Name: str(o["name"]), Version: str(o["version"]), RegistryURL: str(o["registry_url"])})
		}
	}
	if v, ok := body["secrets"]; ok {
		in.hasSecrets = true
		list, isList := v.([]any)
		if !isList && v != nil {
			return in, fmt.Sprintf("'Expected type array but found type %s' on property secrets.", jsonType(v))
		}
		seen := map[string]bool{}
		in.secrets = []Secret{}
		for _, e := range list {
			o, _ := e.(Object)
			if str(o["name"]) == "" {
				return in, "Missing required property: secrets[].name"
			}
			if seen[str(o["name"])] {
				return in, fmt.Sprintf("Duplicate secret name: %s", str(o["name"]))
			}
			seen[str(o["name"])] = true
			value, hasValue := o["value"].(string)
			sec := Secret{Name: str(o["name"]), Value: value}
			if !hasValue {
				sec.Value = "\x00keep"
			}
			in.secrets = append(in.secrets, sec)
		}
	}
	return in, ""
}

func (s *Sim) knownTrigger(id, version string) bool {
	for _, t := range s.state.Triggers {
		if t.ID == id && (version == "" || t.Version == version) {
			return true
		}
	}
	return false
}

func (s *Sim) currentTriggerVersion(id string) string {
	last := ""
	for _, t := range s.state.Triggers {
		if t.ID == id {
			last = t.Version
			if t.Status == "CURRENT" {
				return t.Version
			}
		}
	}
	return last
}

func (s *Sim) defaultRuntime(triggers []TriggerRef) string {
	for _, ref := range triggers {
		for _, t := range s.state.Triggers {
			if t.ID == ref.ID && t.Version == ref.Version && t.DefaultRuntime != "" {
				return t.DefaultRuntime
			}
		}
	}
	return "node22"
}

// mergeSecrets applies a secrets list: values not sent keep the stored one.
func mergeSecrets(old, sent []Secret, now time.Time) []Secret {
	out := make([]Secret, 0, len(sent))
	for _, sc := range sent {
		if sc.Value == "\x00keep" {
			sc.Value = ""
			for _, o := range old {
				if o.Name == sc.Name {
					sc.Value = o.Value
				}
			}
		}
		sc.UpdatedAt = now
		out = append(out, sc)
	}
	return out
}

func (s *Sim) nameTaken(name, selfID string) bool {
	for _, a := range s.state.Actions {
		if a.ID != selfID && a.Name == name {
			return true
		}
	}
	return false
}

func (s *Sim) createAction(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeObject(w, r, false)
	if !ok {
		return
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	in, msg := s.parseActionInput(body, actionCreateKeys)
	if msg == "" && in.name == nil {
		msg = "Missing required property: name"
	}
	if msg == "" && in.triggers == nil {
		msg = "Missing required property: supported_triggers"
	}
	if msg != "" {
		payloadError(w, msg)
		return
	}
	if s.nameTaken(*in.name, "") {
		writeError(w, http.StatusConflict, fmt.Sprintf("An action with the name '%s' already exists.", *in.name), "")
		return
	}
	a := Action{
		ID: newUUID(), Name: *in.name, SupportedTriggers: in.triggers, Dependencies: []Dependency{},
		Secrets: []Secret{}, CreatedAt: now, UpdatedAt: now, Versions: []ActionVersion{},
	}
	if in.code != nil {
		a.Code = *in.code
	}
	if in.hasDeps {
		a.Dependencies = in.dependencies
	}
	a.Runtime = s.defaultRuntime(a.SupportedTriggers)
	if in.runtime != nil {
		a.Runtime = *in.runtime
	}
	if in.hasSecrets {
		a.Secrets = mergeSecrets(nil, in.secrets, now)
	}
	s.startBuild(&a, now)
	if in.deploy {
		s.snapshotVersion(&a, now, a.BuildStartedAt.Add(s.opts.BuildDelay))
	}
	s.state.Actions = append(s.state.Actions, a)
	writeJSON(w, http.StatusCreated, s.actionView(&s.state.Actions[len(s.state.Actions)-1], now))
}

// startBuild marks the draft changed at now.
func (s *Sim) startBuild(a *Action, now time.Time) {
	a.BuildStartedAt = now
	a.BuildError = s.opts.FailBuilds[a.Name]
	a.AllChangesDeployed = false
	a.UpdatedAt = now
}

// snapshotVersion makes the draft a new version built at builtAt and marks it
// the deployed one.
func (s *Sim) snapshotVersion(a *Action, now, builtAt time.Time) *ActionVersion {
	v := ActionVersion{
		ID: newUUID(), Number: len(a.Versions) + 1, Code: a.Code,
		Dependencies: append([]Dependency{}, a.Dependencies...), Runtime: a.Runtime,
		Secrets: append([]Secret{}, a.Secrets...), SupportedTriggers: append([]TriggerRef{}, a.SupportedTriggers...),
		CreatedAt: now, BuiltAt: builtAt, BuildError: a.BuildError,
	}
	a.Versions = append(a.Versions, v)
	a.DeployedVersionID = v.ID
	a.DeployedAt = maxTime(now, builtAt).Add(s.opts.DeployDelay)
	a.AllChangesDeployed = true
	return &a.Versions[len(a.Versions)-1]
}

func (s *Sim) updateAction(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeObject(w, r, true)
	if !ok {
		return
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	in, msg := s.parseActionInput(body, actionUpdateKeys)
	if msg != "" {
		payloadError(w, msg)
		return
	}
	i := s.findAction(r.PathValue("id"))
	if i < 0 {
		actionNotFound(w)
		return
	}
	a := &s.state.Actions[i]
	if in.name != nil && s.nameTaken(*in.name, a.ID) {
		writeError(w, http.StatusConflict, fmt.Sprintf("An action with the name '%s' already exists.", *in.name), "")
		return
	}
	if in.triggers != nil {
		for trigger, list := range s.state.Bindings {
			for _, b := range list {
				if b.ActionID == a.ID && !supportsRef(in.triggers, trigger) {
					writeError(w, http.StatusBadRequest, "can't upgrade to this trigger.", "")
					return
				}
			}
		}
		a.SupportedTriggers = in.triggers
	}
	if in.name != nil {
		a.Name = *in.name
	}
	if in.code != nil {
		a.Code = *in.code
	}
	if in.hasDeps {
		a.Dependencies = in.dependencies
	}
	if in.runtime != nil {
		a.Runtime = *in.runtime
	}
	if in.hasSecrets {
		a.Secrets = mergeSecrets(a.Secrets, in.secrets, now)
	}
	s.startBuild(a, now)
	writeJSON(w, http.StatusOK, s.actionView(a, now))
}

func supportsRef(refs []TriggerRef, trigger string) bool {
	for _, t := range refs {
		if t.ID == trigger {
			return true
		}
	}
	return false
}

// deleteAction deletes an action; a bound one only with force=true, which
// removes its bindings too. A missing action is 404 (also on a repeat).
func (s *Sim) deleteAction(w http.ResponseWriter, r *http.Request) {
	force, _ := boolParam(r, "force")
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findAction(r.PathValue("id"))
	if i < 0 {
		actionNotFound(w)
		return
	}
	id := s.state.Actions[i].ID
	bound := false
	for _, list := range s.state.Bindings {
		for _, b := range list {
			if b.ActionID == id {
				bound = true
			}
		}
	}
	if bound && !force {
		writeError(w, http.StatusConflict, "The action is bound to a trigger. Remove its bindings first, or delete it with force=true.", "")
		return
	}
	for trigger, list := range s.state.Bindings {
		kept := []Binding{}
		for _, b := range list {
			if b.ActionID != id {
				kept = append(kept, b)
			}
		}
		s.state.Bindings[trigger] = kept
	}
	s.state.Actions = append(s.state.Actions[:i], s.state.Actions[i+1:]...)
	writeNoContent(w, http.StatusNoContent)
}

// deployAction snapshots a built draft into a new version and deploys it.
// The reply is the version with deployed:false; GETs show it deployed.
func (s *Sim) deployAction(w http.ResponseWriter, r *http.Request) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findAction(r.PathValue("id"))
	if i < 0 {
		actionNotFound(w)
		return
	}
	a := &s.state.Actions[i]
	if s.draftStatus(a, now) != "built" {
		writeError(w, http.StatusBadRequest, "A draft must be in the 'built' state before it can be deployed.", "")
		return
	}
	v := s.snapshotVersion(a, now, now)
	out := s.versionView(a, v, now, true)
	out["deployed"] = false
	writeJSON(w, http.StatusOK, out)
}

// deployVersion (roll back) deploys an existing version as a new version.
func (s *Sim) deployVersion(w http.ResponseWriter, r *http.Request) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findAction(r.PathValue("id"))
	if i < 0 {
		actionNotFound(w)
		return
	}
	a := &s.state.Actions[i]
	old := a.version(r.PathValue("vid"))
	if old == nil {
		writeError(w, http.StatusNotFound, "That version does not exist.", "")
		return
	}
	if versionStatus(old, now) != "built" {
		writeError(w, http.StatusBadRequest, "A version must be in the 'built' state before it can be deployed.", "")
		return
	}
	v := ActionVersion{
		ID: newUUID(), Number: len(a.Versions) + 1, Code: old.Code, Dependencies: old.Dependencies,
		Runtime: old.Runtime, Secrets: old.Secrets, SupportedTriggers: old.SupportedTriggers,
		CreatedAt: now, BuiltAt: now,
	}
	a.Versions = append(a.Versions, v)
	a.DeployedVersionID = v.ID
	a.DeployedAt = now.Add(s.opts.DeployDelay)
	a.AllChangesDeployed = a.Code == v.Code && a.Runtime == v.Runtime
	out := s.versionView(a, &a.Versions[len(a.Versions)-1], now, true)
	out["deployed"] = false
	writeJSON(w, http.StatusOK, out)
}

// listVersions pages an action's versions, newest first.
func (s *Sim) listVersions(w http.ResponseWriter, r *http.Request) {
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	now := s.clock.Now()
	s.mu.Lock()
	i := s.findAction(r.PathValue("id"))
	if i < 0 {
		s.mu.Unlock()
		actionNotFound(w)
		return
	}
	a := &s.state.Actions[i]
	items := []Object{}
	for j := len(a.Versions) - 1; j >= 0; j-- {
		items = append(items, s.versionView(a, &a.Versions[j], now, true))
	}
	s.mu.Unlock()
	writeActionsPage(w, "versions", items, p)
}

func (s *Sim) readVersion(w http.ResponseWriter, r *http.Request) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findAction(r.PathValue("id"))
	if i < 0 {
		actionNotFound(w)
		return
	}
	a := &s.state.Actions[i]
	v := a.version(r.PathValue("vid"))
	if v == nil {
		writeError(w, http.StatusNotFound, "That version does not exist.", "")
		return
	}
	writeJSON(w, http.StatusOK, s.versionView(a, v, now, true))
}

// listModules: no action modules exist in the simulator.
func (s *Sim) listModules(w http.ResponseWriter, r *http.Request) {
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	writeActionsPage(w, "modules", []Object{}, p)
}

func (s *Sim) listTriggers(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	list := append([]Trigger{}, s.state.Triggers...)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, Object{"triggers": list})
}
