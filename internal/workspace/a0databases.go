package workspace

import (
	"sort"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jscheck"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jsonmeta"
)

// databaseFile is auth0-deploy-cli's connection settings file.
const databaseFile = "database.json"

// Keys of database.json that this reader uses; any other key is connection
// configuration this pipe does not manage (a warning lists them).
var a0DatabaseKeys = []string{"name", "strategy", "options", "customScripts", "enabled_clients"}

// readDatabasesA0 reads database-connections/<name>/database.json, whose
// options.customScripts names each script file relative to the folder.
func (r *reader) readDatabasesA0(d *model.Desired) {
	d.DatabasesManaged = true
	for _, e := range r.children(dirDatabases) {
		if e.kind != kindDir {
			if !e.bad {
				r.warnf(e.rel, 0, 0, "not a connection folder: %s/ holds one folder per database connection, holding its %s", dirDatabases, databaseFile)
			}
			continue
		}
		if e.bad {
			continue
		}
		if db, ok := r.readDatabaseA0(e); ok {
			d.Databases = append(d.Databases, db)
		}
	}
}

// readDatabaseA0 reads one connection folder; ok is false when the
// connection has no custom scripts (then this pipe leaves it alone).
func (r *reader) readDatabaseA0(dir entry) (db model.Database, ok bool) {
	db = model.Database{Name: dir.name, Scripts: map[string]model.Script{}, Source: r.source(dir.rel)}
	if len(dir.name) > maxNameLen || strings.TrimSpace(dir.name) != dir.name || displayPath(dir.name) != dir.name {
		r.errorf(dir.rel, 0, 0, "invalid connection name: at most %d characters, no leading or trailing space, no control characters", maxNameLen)
	}
	var settings *entry
	var others []entry
	for _, e := range r.children(dir.rel) {
		if e.name == databaseFile && e.kind == kindFile {
			settings = &e
			continue
		}
		others = append(others, e)
	}
	defer r.later(func() {
		r.strays(others, func(e entry) {
			if name, ext := splitExt(e.name); ext == ".js" && contains(DatabaseScripts, name) {
				r.warnf(e.rel, 0, 0, "not named in %s's options.customScripts: not deployed", databaseFile)
				return
			}
			r.warnf(e.rel, 0, 0, "not a database script named in %s: not read", databaseFile)
		})
	})
	if settings == nil {
		r.errorf(dir.rel, 0, 0, "%s is required in auth0-deploy-cli's layout: it names the connection's scripts in options.customScripts", databaseFile)
		return db, false
	}
	db.Source = r.source(settings.rel)
	m, _ := r.loadObject(*settings)
	if m == nil {
		return db, false
	}
	db.Name = m.itemName("name", dir.name, "a connection folder is named exactly as the connection")
	if s, v, ok := m.str("strategy"); ok && v != nil && s != "auth0" {
		m.errAt(v, "\"strategy\" must be \"auth0\": this pipe deploys the scripts of database connections only")
	}
	if v := m.value("enabled_clients"); v != nil {
		m.warnAt(v, "\"enabled_clients\" is not managed by this pipe: the connection's applications are left as they are")
	}
	var ignored []string
	for _, mem := range m.obj.Members {
		if !contains(a0DatabaseKeys, mem.Key) {
			ignored = append(ignored, m.f.quoteKey(mem.Key, mem.KeyOffset, mem.KeyEnd))
		}
	}
	if len(ignored) > 0 {
		m.warnAt(m.obj, "%s: not managed by this pipe (only \"options\" and the scripts are): left as they are in the tenant", strings.Join(ignored, ", "))
	}

	options := map[string]any{}
	var scripts *jsonmeta.Value
	if v := m.value("options"); v != nil {
		if v.Kind != jsonmeta.Object {
			m.errAt(v, "\"options\" must be an object, not %s", v.Kind)
			return db, false
		}
		for _, mem := range v.Members {
			switch mem.Key {
			case "customScripts":
				scripts = mem.Value
			case "enabledDatabaseCustomization":
				if mem.Value.Kind != jsonmeta.Bool || !mem.Value.Bool {
					m.warnAt(mem.Value, "\"enabledDatabaseCustomization\" is always turned on by this pipe, which deploys the connection's scripts")
				}
			default:
				options[mem.Key] = jsonValue(mem.Value)
			}
		}
	}
	if v := m.value("customScripts"); v != nil {
		scripts = v // auth0-deploy-cli merges a top-level customScripts over options'
	}
	if scripts == nil || (scripts.Kind == jsonmeta.Object && len(scripts.Members) == 0) {
		m.warnAt(m.obj, "no options.customScripts: this pipe deploys a connection's scripts (and its options with them), so this connection is left as it is")
		return db, false
	}
	if scripts.Kind != jsonmeta.Object {
		m.errAt(scripts, "\"customScripts\" must be an object of script names and file paths, not %s", scripts.Kind)
		return db, false
	}
	var present []string
	for _, mem := range scripts.Members {
		keyPos := &jsonmeta.Value{Offset: mem.KeyOffset, End: mem.KeyEnd}
		if !contains(DatabaseScripts, mem.Key) {
			m.errAt(keyPos, "%s is not a database script name; allowed: %s", m.f.quoteKey(mem.Key, mem.KeyOffset, mem.KeyEnd), strings.Join(DatabaseScripts, ", "))
			continue
		}
		f, ok := m.refFile(mem.Value, "customScripts."+mem.Key, dir.rel)
		if !ok {
			present = append(present, mem.Key) // reported already: not also "missing"
			continue
		}
		code, _ := r.loadJS(f, jscheck.Script, "database script")
		db.Scripts[mem.Key] = model.Script{Code: code, Source: r.source(f.rel)}
		present = append(present, mem.Key)
	}
	sort.Strings(present)
	if !contains(present, "login") {
		m.errAt(scripts, "options.customScripts must name login (\"login\": \"./login.js\"): it is required in a custom database connection")
	}
	if contains(present, "change_email") && !contains(present, "get_user") {
		m.errAt(scripts, "options.customScripts names change_email, which requires get_user")
	}
	db.Options = options
	return db, true
}
