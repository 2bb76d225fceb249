package workspace

import (
	"sort"
	"strconv"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jscheck"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jsonmeta"
)

// Trigger is an Actions trigger this pipe deploys to.
type Trigger struct {
	ID string
	// Version is the trigger version new actions are created for.
	Version string
	// Handler is the function the action code must export.
	Handler string
}

// Triggers lists the supported triggers and the version each is deployed with.
var Triggers = []Trigger{
	{"post-login", "v3", "onExecutePostLogin"},
	{"credentials-exchange", "v2", "onExecuteCredentialsExchange"},
	{"pre-user-registration", "v2", "onExecutePreUserRegistration"},
	{"post-user-registration", "v2", "onExecutePostUserRegistration"},
	{"post-change-password", "v2", "onExecutePostChangePassword"},
	{"send-phone-message", "v2", "onExecuteSendPhoneMessage"},
	{"password-reset-post-challenge", "v1", "onExecutePostChallenge"},
	{"custom-phone-provider", "v1", "onExecuteCustomPhoneProvider"},
	{"custom-email-provider", "v1", "onExecuteCustomEmailProvider"},
	{"custom-token-exchange", "v1", "onExecuteCustomTokenExchange"},
}

// Runtimes are the Node.js runtimes an action may ask for; DefaultRuntime
// is used when the metadata names none (the Management API's default).
var Runtimes = []string{"node18", "node22"}

// oldRuntimes are runtimes that real tenants, and so auth0-deploy-cli's
// exports, still carry: accepted (the action is deployed as it is) with a
// warning saying why to move on. node18-actions is the name the Management
// API gives the generally available Node 18 runtime ("node18" was its beta).
var oldRuntimes = map[string]string{
	"node12":         "Auth0 has retired Node 12 (Node.js 12 and 16 lost support in 2023) and may refuse to build the action or run it on a newer runtime",
	"node16":         "Auth0 has retired Node 16 (Node.js 12 and 16 lost support in 2023) and may refuse to build the action or run it on a newer runtime",
	"node18-actions": "Auth0 has deprecated Node 18 and, once it removes it from the tenant, runs the action on the latest runtime",
}

// runtime reads "runtime" into a.Runtime: one of Runtimes, or of
// oldRuntimes with a warning; anything else is an error.
func (m *meta) runtime(a *model.Action) {
	rt, v, ok := m.str("runtime")
	if !ok || v == nil {
		return
	}
	if why, old := oldRuntimes[rt]; old {
		a.Runtime = rt
		m.warnAt(v, "\"runtime\" %q: %s; \"node22\" is the current runtime", rt, why)
		return
	}
	if !contains(Runtimes, rt) {
		m.errAt(v, "\"runtime\" must be one of: %s (node12, node16 and node18-actions are accepted with a warning)", strings.Join(Runtimes, ", "))
		return
	}
	a.Runtime = rt
}

// DefaultRuntime is the runtime of an action whose metadata names none.
const DefaultRuntime = "node22"

var actionMetaKeys = []string{"trigger", "runtime", "dependencies", "secrets", "order", "enabled"}

// reservedEnvPrefixes name environment variables that are never passed to
// an action as a secret value: they hold the pipe's own credentials and
// Pipelines' tokens. A mapping can still supply such a name explicitly.
var reservedEnvPrefixes = []string{"AUTH0_", "BITBUCKET_", "SLACK_"}

func findTrigger(id string) (Trigger, bool) {
	for _, t := range Triggers {
		if t.ID == id {
			return t, true
		}
	}
	return Trigger{}, false
}

func triggerIDs() string {
	ids := make([]string, len(Triggers))
	for i, t := range Triggers {
		ids[i] = t.ID
	}
	return strings.Join(ids, ", ")
}

func (r *reader) readActions(d *model.Desired) {
	d.ActionsManaged = true
	names, files := r.pairs(dirActions, ".js", "an action file")
	orders := map[string][]orderUse{}
	for _, name := range names {
		p := files[name]
		if !actionName.MatchString(name) || len(name) > maxNameLen {
			r.errorf(p.main().rel, 0, 0, "invalid action name: letters, digits, spaces, \".\", \"_\" and \"-\" (a letter or digit first and last), at most %d characters", maxNameLen)
		}
		a := model.Action{Name: name, Runtime: DefaultRuntime, Enabled: true, Deploy: true}
		if p.meta != nil {
			a.MetaSource = r.source(p.meta.rel)
			if m, _ := r.loadMeta(*p.meta, actionMetaKeys...); m != nil {
				r.actionMeta(m, &a)
				if a.Order != nil && a.Trigger != "" {
					k := a.Trigger + "\x00" + strconv.Itoa(*a.Order)
					orders[k] = append(orders[k], orderUse{rel: p.meta.rel, meta: m, value: m.value("order"), what: a.Trigger + " actions"})
				}
			}
		}
		switch {
		case p.code != nil:
			a.CodeSource = r.source(p.code.rel)
			e := *p.code
			e.notDeployed = r.manualActions[name]
			code, ok := r.loadJS(e, jscheck.Module, "action code")
			a.Code = code
			if t, known := findTrigger(a.Trigger); ok && known && !strings.Contains(code, t.Handler) {
				r.warnf(p.code.rel, 0, 0, "does not mention %s, the function a %s action exports (exports.%s = async (event, api) => {...})", t.Handler, t.ID, t.Handler)
			}
			if p.meta == nil {
				r.errorf(p.code.rel, 0, 0, "no %s.json next to it: an action needs its metadata, at least {\"trigger\": \"post-login\"}", name)
			}
		case r.manualActions[name]:
			// A manual action is never created, updated or deleted: its
			// metadata is only checked.
		case !p.meta.bad:
			r.errorf(p.meta.rel, 0, 0, "no %s.js next to it: a metadata file without code is allowed only for an action listed in MANUAL_ACTIONS", name)
		}
		d.Actions = append(d.Actions, a)
	}
	r.duplicateOrders(orders)
}

// actionMeta reads an action's metadata into a.
func (r *reader) actionMeta(m *meta, a *model.Action) {
	switch id, v, ok := m.str("trigger"); {
	case ok && v == nil:
		line, col := m.f.pos(m.obj.Offset)
		r.errorf(m.f.rel, line, col, "\"trigger\" is required; one of: %s", triggerIDs())
	case ok:
		if t, known := findTrigger(id); known {
			a.Trigger, a.TriggerVersion = t.ID, t.Version
		} else {
			m.errAt(v, "\"trigger\" must be one of: %s", triggerIDs())
		}
	}
	m.runtime(a)
	if enabled, set, _ := m.boolean("enabled"); set {
		a.Enabled = enabled
	}
	a.Order, _ = m.order("order")
	a.Dependencies = r.actionDependencies(m)
	a.Secrets = r.actionSecrets(m)
}

func (r *reader) actionDependencies(m *meta) []model.Dependency {
	v := m.value("dependencies")
	if v == nil {
		return nil
	}
	if v.Kind != jsonmeta.Object {
		m.errAt(v, "\"dependencies\" must be an object of package names and versions, not %s", v.Kind)
		return nil
	}
	var deps []model.Dependency
	for _, mem := range v.Members {
		keyPos := &jsonmeta.Value{Offset: mem.KeyOffset, End: mem.KeyEnd}
		if !npmName.MatchString(mem.Key) || len(mem.Key) > 214 {
			m.errAt(keyPos, "dependency %s is not a valid npm package name", m.f.quoteKey(mem.Key, mem.KeyOffset, mem.KeyEnd))
			continue
		}
		if mem.Value.Kind != jsonmeta.String || strings.TrimSpace(mem.Value.Str) == "" {
			m.errAt(mem.Value, "the version of dependency %s must be a non-empty string (e.g. \"1.2.3\" or \"latest\")", m.f.quoteKey(mem.Key, mem.KeyOffset, mem.KeyEnd))
			continue
		}
		deps = append(deps, model.Dependency{Name: mem.Key, Version: mem.Value.Str})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return deps
}

func (r *reader) actionSecrets(m *meta) []model.ActionSecret {
	v := m.value("secrets")
	if v == nil {
		return nil
	}
	if v.Kind != jsonmeta.Array {
		m.errAt(v, "\"secrets\" must be an array of secret names, not %s", v.Kind)
		return nil
	}
	var secrets []model.ActionSecret
	seen := map[string]bool{}
	for _, el := range v.Elems {
		if el.Kind != jsonmeta.String || !secretName.MatchString(el.Str) {
			m.errAt(el, "a secret name must be a string of letters, digits, \"_\" and \"-\", starting with a letter or \"_\"")
			continue
		}
		name := el.Str
		if seen[name] {
			m.errAt(el, "secret %s is listed twice", m.quote(el))
			continue
		}
		seen[name] = true
		value, ok := r.secretValue(m, el, name)
		if !ok {
			continue
		}
		secrets = append(secrets, model.ActionSecret{Name: name, Value: value})
	}
	sort.Slice(secrets, func(i, j int) bool { return secrets[i].Name < secrets[j].Name })
	return secrets
}

// secretValue finds a secret's value: the keyword mapping of that name
// (which must be a string), else the environment (never for the pipe's own
// variables). A missing value is an error when values are required.
func (r *reader) secretValue(m *meta, el *jsonmeta.Value, name string) (string, bool) {
	if v, ok := r.opts.Mappings[name]; ok {
		s, isString := v.(string)
		if !isString {
			m.errAt(el, "secret %s: its AUTH0_KEYWORD_REPLACE_MAPPINGS value must be a string", m.quote(el))
			return "", false
		}
		if s != "" {
			return s, true
		}
		return r.noSecretValue(m, el, "secret %s has an empty value in AUTH0_KEYWORD_REPLACE_MAPPINGS: Auth0 keeps a secret's old value when it is sent empty")
	}
	reserved := false
	for _, p := range reservedEnvPrefixes {
		reserved = reserved || strings.HasPrefix(name, p)
	}
	if !reserved && r.opts.LookupEnv != nil {
		if s, ok := r.opts.LookupEnv(name); ok {
			if s != "" {
				return s, true
			}
			// An unset variable named in the step's YAML reaches the pipe
			// empty; sending it would silently keep the old value.
			return r.noSecretValue(m, el, "secret %s has no value: the variable of that name is empty (Auth0 keeps a secret's old value when it is sent empty)")
		}
	}
	msg := "secret %s has no value: add it to AUTH0_KEYWORD_REPLACE_MAPPINGS or set it as a (secured) variable"
	if reserved {
		msg = "secret %s has no value: variables named AUTH0_*, BITBUCKET_* or SLACK_* are never read for actions; add it to AUTH0_KEYWORD_REPLACE_MAPPINGS"
	}
	return r.noSecretValue(m, el, msg)
}

// noSecretValue reports a secret without a usable value (msg has one %s,
// the quoted name): an error when values are required (plan, deploy), else
// a warning.
func (r *reader) noSecretValue(m *meta, el *jsonmeta.Value, msg string) (string, bool) {
	line, col := m.f.pos(el.Offset)
	if r.opts.RequireSecretValues {
		r.errorf(m.f.rel, line, col, msg, m.quote(el))
		return "", false
	}
	r.warnf(m.f.rel, line, col, msg, m.quote(el))
	return "", true
}
