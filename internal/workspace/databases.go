package workspace

import (
	"sort"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jscheck"
)

// DatabaseScripts are the custom database action scripts Auth0 accepts, in
// the order the documentation lists them.
var DatabaseScripts = []string{"login", "get_user", "create", "verify", "change_password", "delete", "change_email", "change_username", "change_phone_number"}

func (r *reader) readDatabases(d *model.Desired) {
	d.DatabasesManaged = true
	for _, e := range r.children(dirDatabases) {
		if e.kind != kindDir {
			if !e.bad {
				r.warnf(e.rel, 0, 0, "not a connection folder: %s/ holds one folder per database connection, named exactly as the connection", dirDatabases)
			}
			continue
		}
		if e.bad {
			continue
		}
		d.Databases = append(d.Databases, r.readDatabase(e))
	}
}

func (r *reader) readDatabase(dir entry) model.Database {
	db := model.Database{Name: dir.name, Scripts: map[string]model.Script{}, Source: r.source(dir.rel)}
	if len(dir.name) > maxNameLen || strings.TrimSpace(dir.name) != dir.name || displayPath(dir.name) != dir.name {
		r.errorf(dir.rel, 0, 0, "invalid connection name: at most %d characters, no leading or trailing space, no control characters", maxNameLen)
	}
	present := map[string]*entry{}
	for _, e := range r.children(dir.rel) {
		if e.kind == kindDir {
			if !e.bad {
				r.warnf(e.rel, 0, 0, "folder not expected in a connection folder: not read")
			}
			continue
		}
		name, ext := splitExt(e.name)
		switch {
		case ext == ".js" && contains(DatabaseScripts, name):
			present[name] = &e
		case ext == ".js":
			r.errorf(e.rel, 0, 0, "not a database script name; allowed: %s", strings.Join(DatabaseScripts, ", "))
		case r.badExtCase(e, ext, ".js"):
		case e.bad:
		case e.name == "database.json" || e.name == "settings.json":
			r.warnf(e.rel, 0, 0, "connection settings are not managed by this pipe (only the scripts are): not read")
		default:
			r.warnf(e.rel, 0, 0, "not a database script: a connection folder holds <script>.js files (%s)", strings.Join(DatabaseScripts, ", "))
		}
	}
	if present["login"] == nil {
		r.errorf(dir.rel, 0, 0, "login.js is required in a custom database connection folder")
	}
	if present["change_email"] != nil && present["get_user"] == nil {
		r.errorf(present["change_email"].rel, 0, 0, "change_email.js requires get_user.js in the same folder")
	}
	names := make([]string, 0, len(present))
	for name := range present {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		e := present[name]
		code, _ := r.loadJS(*e, jscheck.Script, "database script")
		db.Scripts[name] = model.Script{Code: code, Source: r.source(e.rel)}
	}
	return db
}
