package plan

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// rulesConfigs: values cannot be read back, so every declared key is
// written on every run (a blind write, not a pending change); keys the
// repository no longer declares are deleted (full deployment).
func (b *builder) rulesConfigs() {
	d, c := b.d, b.c
	if !d.RulesConfigsManaged {
		return
	}
	if !c.RulesAvailable {
		// Rules configs belong to Rules: a tenant without Rules refuses them.
		reason := "Rules are not available on this tenant (end of life 2026-11-18), nor their configuration: move the value to the secrets of the actions that use it"
		if c.RulesScopeMissing {
			reason = "rules configs skipped with the rules: " + c.RulesUnavailableReason
		}
		for _, rc := range d.RulesConfigs {
			b.item(model.KindRulesConfig, rc.Key, OpSkip, rc.Source, "%s", reason)
		}
		if len(d.RulesConfigs) > 0 && !d.RulesManaged {
			b.p.Notes = append(b.p.Notes, "Rules are not available on this tenant (end of life 2026-11-18): the rules-configs step was skipped")
		}
		return
	}
	have := set(c.RuleConfigKeys)
	want := map[string]bool{}
	for _, rc := range d.RulesConfigs {
		want[rc.Key] = true
		var it *Item
		if have[rc.Key] {
			it = b.item(model.KindRulesConfig, rc.Key, OpUpdate, rc.Source, "value written on every run: Auth0 never returns it for comparison")
			it.Blind = true
		} else {
			it = b.item(model.KindRulesConfig, rc.Key, OpCreate, rc.Source, "new key")
		}
		b.write(&Write{Kind: WriteRulesConfigSet, ConfigKey: rc.Key, ConfigValue: rc.Value, Desc: "set rules config " + rc.Key}, it)
	}
	keys := append([]string(nil), c.RuleConfigKeys...)
	sort.Strings(keys)
	for _, k := range keys {
		if want[k] {
			continue
		}
		if !b.opts.AllowDelete {
			b.item(model.KindRulesConfig, k, OpSkip, model.Source{}, "not in the repository; kept because ALLOW_DELETE=false")
			continue
		}
		it := b.item(model.KindRulesConfig, k, OpDelete, model.Source{}, "not in the repository (full deployment)")
		b.write(&Write{Kind: WriteRulesConfigDelete, Delete: true, ConfigKey: k, Desc: "delete rules config " + k}, it)
	}
}

// Database scripts Auth0 knows, in display order.
var scriptOrder = []string{"login", "get_user", "create", "verify", "change_password", "delete", "change_email", "change_username", "change_phone_number"}

func scriptRank(name string) int {
	for i, s := range scriptOrder {
		if s == name {
			return i
		}
	}
	return len(scriptOrder)
}

// databases: each folder's scripts become exactly the connection's
// customScripts (with ALLOW_DELETE=false, plus the scripts the tenant has
// and the folder does not, each reported as a skipped deletion); the rest
// of options is sent back as read.
func (b *builder) databases() {
	d, c := b.d, b.c
	if !d.DatabasesManaged {
		return
	}
	for _, db := range d.Databases {
		conn, other := findConnection(c.Connections, db.Name)
		if conn == nil {
			if other != nil {
				b.errorf(db.Source, "connection %q is a %s connection, not a database connection (strategy auth0): its scripts cannot be deployed", db.Name, other.Strategy)
			} else {
				b.errorf(db.Source, "no database connection named %q in the tenant (names are case-sensitive; the folder name must match exactly)", db.Name)
			}
			continue
		}
		importMode := conn.ImportMode()
		if v, ok := db.Options["import_mode"].(bool); ok {
			importMode = v // the repository's options win (auth0-deploy-cli's database.json)
		}
		if importMode {
			ok := true
			for name, s := range db.Scripts {
				if name != "login" && name != "get_user" {
					b.errorf(s.Source, "script %s is not allowed: connection %q has import users (migration) mode on, which uses only login and get_user", name, db.Name)
					ok = false
				}
			}
			if _, has := db.Scripts["get_user"]; !has {
				b.errorf(db.Source, "get_user.js is required: connection %q has import users (migration) mode on", db.Name)
				ok = false
			}
			if !ok {
				continue
			}
		}
		want := map[string]string{}
		for name, s := range db.Scripts {
			want[name] = s.Code
		}
		have := conn.CustomScripts()
		var changes []string
		for _, name := range unionKeys(want, have) {
			w, inW := want[name]
			h, inH := have[name]
			switch {
			case inW && !inH:
				changes = append(changes, name+" added")
			case !inW && inH && !b.opts.AllowDelete:
				// Kept as it is: sent back unchanged with the others.
				want[name] = h
				b.item(model.KindDatabase, db.Name+"/"+name+".js", OpSkip, model.Source{}, "not in the repository; kept because ALLOW_DELETE=false")
			case !inW && inH:
				changes = append(changes, name+" removed")
			case w != h:
				changes = append(changes, name+" changed")
			}
		}
		if !conn.DatabaseCustomization() {
			changes = append(changes, "custom database turned on")
		}
		options := cloneMap(conn.Options)
		for _, k := range ChangedOptions(db.Options, conn.Options) {
			if k == "configuration" {
				changes = append(changes, "option configuration keys changed")
			} else {
				changes = append(changes, "option "+k+" changed")
			}
		}
		for k, v := range db.Options {
			if k != "customScripts" && k != "enabledDatabaseCustomization" {
				options[k] = v // configuration with the repository's values, whenever written
			}
		}
		if len(changes) == 0 {
			b.item(model.KindDatabase, db.Name, OpUnchanged, db.Source, "")
			continue
		}
		scripts := map[string]any{}
		for k, v := range want {
			scripts[k] = v
		}
		options["customScripts"] = scripts
		options["enabledDatabaseCustomization"] = true
		it := b.item(model.KindDatabase, db.Name, OpUpdate, db.Source, "%s", joinChanges(changes))
		b.write(&Write{Kind: WriteConnection, ConnectionID: conn.ID, Options: options,
			Desc: fmt.Sprintf("update database connection %s (%s)", db.Name, joinChanges(changes))}, it)
	}
}

// ChangedOptions lists, sorted, the options the repository sets
// (auth0-deploy-cli's database.json) that differ from the connection's.
// customScripts and enabledDatabaseCustomization are the plan's own.
// Auth0 returns configuration values encrypted, so configuration is
// compared by its keys only.
func ChangedOptions(want, have map[string]any) []string {
	var keys []string
	for k, v := range want {
		switch k {
		case "customScripts", "enabledDatabaseCustomization":
			continue
		case "configuration":
			if !sameKeys(have[k], v) {
				keys = append(keys, k)
			}
		default:
			if !reflect.DeepEqual(normalizeJSON(have[k]), normalizeJSON(v)) {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// sameKeys reports whether two JSON objects have the same keys (values
// aside); anything but two objects compares as JSON.
func sameKeys(a, b any) bool {
	ma, okA := a.(map[string]any)
	mb, okB := b.(map[string]any)
	if !okA || !okB {
		return reflect.DeepEqual(normalizeJSON(a), normalizeJSON(b))
	}
	if len(ma) != len(mb) {
		return false
	}
	for k := range ma {
		if _, ok := mb[k]; !ok {
			return false
		}
	}
	return true
}

func findConnection(conns []model.Connection, name string) (db, other *model.Connection) {
	for i := range conns {
		if conns[i].Name != name {
			continue
		}
		if conns[i].Strategy == "auth0" {
			return &conns[i], nil
		}
		other = &conns[i]
	}
	return nil, other
}

func unionKeys(a, b map[string]string) []string {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := scriptRank(out[i]), scriptRank(out[j])
		if ri != rj {
			return ri < rj
		}
		return out[i] < out[j]
	})
	return out
}

// cloneMap deep-copies a JSON object so that the plan never aliases the
// state it was built from.
func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	data, err := json.Marshal(m)
	if err != nil {
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	var out map[string]any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	_ = dec.Decode(&out)
	return out
}

func normalizeJSON(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(data, &out)
	return out
}

// pages: login lives on the global client, the other three in tenant
// settings, written together in one PATCH.
func (b *builder) pages() {
	d, c := b.d, b.c
	var tp model.TenantPagesPatch
	var tenantItems []*Item
	var tenantChanges []string
	for _, p := range d.Pages {
		var changes []string
		diff := func(what string, changed bool) {
			if changed {
				changes = append(changes, what)
			}
		}
		switch p.Name {
		case model.PageLogin:
			gc := c.GlobalClient
			if gc == nil {
				b.errorf(p.Source(), "the tenant has no global client (All Applications) to hold the login page")
				continue
			}
			diff("html changed", gc.CustomLoginPage != p.HTML)
			diff(onOff(p.Enabled), gc.CustomLoginPageOn != p.Enabled)
			if len(changes) == 0 {
				b.item(model.KindPage, p.Name, OpUnchanged, p.Source(), "")
				continue
			}
			it := b.item(model.KindPage, p.Name, OpUpdate, p.Source(), "%s", joinChanges(changes))
			b.write(&Write{Kind: WriteLoginPage, ClientID: gc.ClientID, LoginHTML: p.HTML, LoginOn: p.Enabled,
				Desc: "update login page (" + joinChanges(changes) + ")"}, it)
			continue
		case model.PagePasswordReset, model.PageGuardianMultifactor:
			cur := c.TenantPages.ChangePassword
			if p.Name == model.PageGuardianMultifactor {
				cur = c.TenantPages.GuardianMFAPage
			}
			diff("html changed", cur.HTML != p.HTML)
			diff(onOff(p.Enabled), cur.Enabled != p.Enabled)
			if len(changes) > 0 {
				s := &model.PageSetting{Enabled: p.Enabled, HTML: p.HTML}
				if p.Name == model.PagePasswordReset {
					tp.ChangePassword = s
				} else {
					tp.GuardianMFAPage = s
				}
			}
		case model.PageErrorPage:
			cur := c.TenantPages.ErrorPage
			want := model.ErrorPageSetting{ShowLogLink: cur.ShowLogLink}
			if p.ShowLogLink != nil {
				want.ShowLogLink = *p.ShowLogLink
			}
			if p.Enabled {
				want.HTML = p.HTML
			} else {
				want.URL = p.URL
			}
			diff("html changed", cur.HTML != want.HTML)
			diff(fmt.Sprintf("url %q→%q", cur.URL, want.URL), cur.URL != want.URL)
			diff("show_log_link "+onOff(want.ShowLogLink), cur.ShowLogLink != want.ShowLogLink)
			if len(changes) > 0 {
				tp.ErrorPage = &want
			}
		default:
			continue
		}
		if len(changes) == 0 {
			b.item(model.KindPage, p.Name, OpUnchanged, p.Source(), "")
			continue
		}
		tenantItems = append(tenantItems, b.item(model.KindPage, p.Name, OpUpdate, p.Source(), "%s", joinChanges(changes)))
		tenantChanges = append(tenantChanges, p.Name)
	}
	if len(tenantItems) > 0 {
		b.write(&Write{Kind: WriteTenantPages, TenantPages: &tp, Desc: "update tenant settings pages (" + strings.Join(tenantChanges, ", ") + ")"}, tenantItems...)
	}
}

func onOff(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}
