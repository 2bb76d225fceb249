package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing/fstest"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/plan"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/keywords"
)

// NoteFile is the backup's explanation, at its top level. It is not
// README.md, so that copying the backup over BASE_DIR never replaces the
// repository's README; like every top-level *.md file, the pipe ignores it.
const NoteFile = "BACKUP.md"

// BackupReadme starts NoteFile; the folders the backup holds, the
// rules-configs keys and what this backup cannot restore follow it.
const BackupReadme = `# Backup of the tenant before this deployment

This folder holds, in the repository layout, what the tenant held before
the deployment for every kind the repository manages (rules, database
connection scripts, hosted pages, actions). To undo the deployment: in
BASE_DIR, delete the folders listed below, copy this folder's content in
(for example ` + "`cp -R backup/. <BASE_DIR>/`" + `), commit, and deploy again with the
same AUTH0_KEYWORD_REPLACE_MAPPINGS, MANUAL_RULES and MANUAL_ACTIONS. Items
the deployment created are not here, so that deploy deletes them (with
ALLOW_DELETE=true, the default). A folder of a kind the tenant had none of
holds only a .gitkeep file, so that it exists in git and means "none". A
manual rule whose order and enabled state the repository sets has a
metadata-only rules/<name>.json. An action is saved as it ran (its deployed
version), not as a draft that was never deployed.

Keyword mapping values (AUTH0_KEYWORD_REPLACE_MAPPINGS) are secrets: where
the tenant's text contains one, this backup has its marker instead
(` + "`@@KEY@@`" + ` for the JSON-encoded value, ` + "`##KEY##`" + ` for the plain text). Deployed with
the same mappings, the files give back exactly what the tenant held.

Never in a backup, so not restorable by committing: rules-configs values
and action secret values, which Auth0 never returns (keep the repository's
rules-configs/ folder as it is); the scripts of manual rules and manual
actions, which the pipe never changes. What else the repository layout
cannot express is listed at the end, to be restored by hand.
`

// Backup writes the current state of every kind the repository manages to
// dir, in the repository layout, and returns the files written (relative to
// dir). It runs before the first write; an error must stop the deployment.
// mappings are the keyword mappings: their values never reach the backup
// (see markers). What p changes that the layout cannot express is listed
// in NoteFile.
func Backup(dir string, d *model.Desired, c *model.Current, p *plan.Plan, manualRules, manualActions []string, mappings map[string]any) ([]string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	b := &backup{dir: dir, markers: markers(mappings)}
	manualR, manualA := setOf(manualRules), setOf(manualActions)
	if d.RulesManaged && c.RulesAvailable {
		b.rules(d, c, p, manualR)
	}
	if d.DatabasesManaged {
		b.databases(d, c, p)
	}
	for _, pg := range d.Pages {
		switch pg.Name {
		case model.PageLogin:
			if c.GlobalClient != nil {
				b.page("login", c.GlobalClient.CustomLoginPage, map[string]any{"enabled": c.GlobalClient.CustomLoginPageOn})
			}
		case model.PagePasswordReset:
			b.page("password_reset", c.TenantPages.ChangePassword.HTML, map[string]any{"enabled": c.TenantPages.ChangePassword.Enabled})
		case model.PageGuardianMultifactor:
			b.page("guardian_multifactor", c.TenantPages.GuardianMFAPage.HTML, map[string]any{"enabled": c.TenantPages.GuardianMFAPage.Enabled})
		case model.PageErrorPage:
			ep := c.TenantPages.ErrorPage
			meta := map[string]any{"enabled": ep.HTML != "", "show_log_link": ep.ShowLogLink}
			if ep.URL != "" {
				if ep.HTML != "" {
					b.unrestorable("hosted page error_page had both HTML and a redirect URL (%s); the layout keeps one: its files here hold the HTML, so the URL is not restored", b.mark(ep.URL))
				} else {
					meta["url"] = ep.URL
				}
			}
			b.page("error_page", ep.HTML, meta)
		}
	}
	if d.ActionsManaged {
		for _, a := range c.Actions {
			if manualA[a.Name] || a.Integration {
				continue
			}
			b.action(c, a)
		}
		b.keep("actions")
	}
	b.write(NoteFile, b.note(d, c), false)
	return b.written, b.err
}

// rules backs up the tenant's login_success rules; of a manual rule, the
// order and enabled state when the repository sets them (a metadata-only
// rules/<name>.json, as the repository has it); a rule of another stage
// that the plan deletes goes to the note, since the layout only holds
// login_success rules.
func (b *backup) rules(d *model.Desired, c *model.Current, p *plan.Plan, manual map[string]bool) {
	metadataOnly := map[string]bool{}
	for _, r := range d.Rules {
		if r.MetadataOnly {
			metadataOnly[r.Name] = true
		}
	}
	deleted := map[string]bool{}
	for _, w := range p.Writes {
		if w.Kind == plan.WriteRuleDelete {
			deleted[w.RuleID] = true
		}
	}
	for _, r := range c.Rules {
		stage := r.Stage
		if stage == "" {
			stage = "login_success"
		}
		switch {
		case manual[r.Name]:
			if stage == "login_success" && metadataOnly[r.Name] {
				b.json("rules/"+r.Name+".json", map[string]any{"enabled": r.Enabled, "order": r.Order})
			}
		case stage != "login_success":
			if deleted[r.ID] {
				b.unrestorable("rule %s (stage %s, order %d, enabled %t) was deleted; the layout holds login_success rules only, so recreate it by hand; its script:\n\n%s",
					r.Name, stage, r.Order, r.Enabled, fenced(b.mark(r.Script)))
			}
		default:
			b.file("rules/"+r.Name+".js", r.Script)
			b.json("rules/"+r.Name+".json", map[string]any{"enabled": r.Enabled, "order": r.Order, "stage": "login_success"})
		}
	}
	b.keep("rules")
}

// databases backs up the scripts of the connections the repository has a
// folder for, and notes what a folder cannot say about a connection the
// plan changes.
func (b *backup) databases(d *model.Desired, c *model.Current, p *plan.Plan) {
	changed := map[string]bool{}
	for _, w := range p.Writes {
		if w.Kind == plan.WriteConnection {
			changed[w.ConnectionID] = true
		}
	}
	for _, db := range d.Databases {
		for _, conn := range c.Connections {
			if conn.Name != db.Name || conn.Strategy != "auth0" {
				continue
			}
			scripts := conn.CustomScripts()
			for name, code := range scripts {
				b.file("database-connections/"+conn.Name+"/"+name+".js", code)
			}
			if !changed[conn.ID] {
				continue
			}
			switch _, login := scripts["login"]; {
			case len(scripts) == 0:
				b.unrestorable("database connection %s had no custom scripts: a connection folder needs login.js, so this backup has none for it and committing cannot remove the scripts the deployment added; remove them by hand", conn.Name)
			case !login:
				b.unrestorable("database connection %s had no login script: its folder here lacks login.js, which the pipe requires; complete or remove database-connections/%s/ before committing", conn.Name, conn.Name)
			}
			if !conn.DatabaseCustomization() {
				b.unrestorable("database connection %s had enabledDatabaseCustomization (custom database) off; deploying scripts turns it on: turn it off by hand", conn.Name)
			}
			if keys := plan.ChangedOptions(db.Options, conn.Options); len(keys) > 0 {
				b.unrestorable("database connection %s: the deployment changed its option(s) %s; the layout holds scripts only, so their previous values are not here", conn.Name, strings.Join(keys, ", "))
			}
		}
	}
}

// action backs up one action as it runs: its deployed version, which
// differs from its draft when a change was never deployed (someone edited
// the action in the dashboard, or a run stopped between its update and its
// deploy); that draft never ran and is not saved. An action never deployed
// has only its draft. What the layout cannot say about it goes to the note.
func (b *backup) action(c *model.Current, a model.CurrentAction) {
	v := model.ActionVersion{Code: a.Code, Runtime: a.Runtime, Trigger: a.Trigger, TriggerVersion: a.TriggerVersion,
		Dependencies: a.Dependencies, SecretNames: a.SecretNames}
	switch dv := a.DeployedVersion; {
	case dv == nil:
		b.unrestorable("action %s was never deployed: its files here hold its draft, which never ran (the layout has no undeployed action); committing this backup deploys it, bound to no trigger", a.Name)
	case dv.Code == "":
		// The answer carried no content for the deployed version: the
		// draft is all there is.
		if !a.AllChangesDeployed {
			b.unrestorable("action %s had a draft that was never deployed, and Auth0 did not return the deployed version's code: its files here hold the draft, which is not what ran", a.Name)
		}
	default:
		running := *dv
		if running.Trigger == "" {
			running.Trigger, running.TriggerVersion = a.Trigger, a.TriggerVersion
		}
		if !sameActionVersion(v, running) {
			b.unrestorable("action %s had a draft that was never deployed: its files here hold the deployed version (what ran); the draft is not saved", a.Name)
			v = running
		}
	}
	meta := map[string]any{"trigger": v.Trigger}
	if v.Runtime != "" {
		meta["runtime"] = v.Runtime
		if !b.runtimeAccepted(v.Runtime) {
			b.unrestorable("action %s has runtime %s, which the repository layout refuses: committing this backup fails validation until actions/%s.json says \"runtime\": %q (the current runtime) or the action is removed from the backup", a.Name, v.Runtime, a.Name, workspace.DefaultRuntime)
		}
	}
	switch t, ok := findTrigger(v.Trigger); {
	case !ok:
		b.unrestorable("action %s belongs to trigger %s, which the repository layout does not support: committing this backup fails validation until actions/%s.* are removed; recreate the action by hand", a.Name, v.Trigger, a.Name)
	case v.TriggerVersion != "" && v.TriggerVersion != t.Version:
		b.unrestorable("action %s ran on trigger %s version %s; the layout has no field for a trigger version, so committing this backup deploys it for %s: set the version back by hand if its code needs %s", a.Name, v.Trigger, v.TriggerVersion, t.Version, v.TriggerVersion)
	}
	if len(v.Dependencies) > 0 {
		deps := map[string]string{}
		for _, dep := range v.Dependencies {
			deps[dep.Name] = dep.Version
		}
		meta["dependencies"] = deps
	}
	if len(v.SecretNames) > 0 {
		meta["secrets"] = v.SecretNames
	}
	meta["enabled"] = false
	for i, bnd := range c.Bindings[a.Trigger] {
		if bnd.ActionName == a.Name {
			meta["enabled"] = true
			meta["order"] = (i + 1) * 10
		}
	}
	b.file("actions/"+a.Name+".js", v.Code)
	b.json("actions/"+a.Name+".json", meta)
}

// sameActionVersion reports whether two versions hold the same content,
// as far as the repository layout expresses it.
func sameActionVersion(x, y model.ActionVersion) bool {
	return x.Code == y.Code && x.Runtime == y.Runtime && x.Trigger == y.Trigger && x.TriggerVersion == y.TriggerVersion &&
		reflect.DeepEqual(nonEmpty(x.Dependencies), nonEmpty(y.Dependencies)) && reflect.DeepEqual(nonEmpty(x.SecretNames), nonEmpty(y.SecretNames))
}

func nonEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func findTrigger(id string) (workspace.Trigger, bool) {
	for _, t := range workspace.Triggers {
		if t.ID == id {
			return t, true
		}
	}
	return workspace.Trigger{}, false
}

// runtimeAccepted reports whether the repository layout accepts runtime
// (perhaps with a warning): it reads an action with that runtime as the
// pipe reads a repository, so that it follows the workspace's rules.
func (b *backup) runtimeAccepted(runtime string) bool {
	if ok, known := b.runtimes[runtime]; known {
		return ok
	}
	meta, err := json.Marshal(map[string]any{"trigger": "post-login", "runtime": runtime})
	if err != nil {
		return false
	}
	probe := fstest.MapFS{
		"actions/probe.js":   {Data: []byte("exports.onExecutePostLogin = async (event, api) => {};\n")},
		"actions/probe.json": {Data: meta},
	}
	_, ps := workspace.Read(probe, workspace.Options{Layout: workspace.LayoutExtension})
	ok := !ps.HasErrors()
	if b.runtimes == nil {
		b.runtimes = map[string]bool{}
	}
	b.runtimes[runtime] = ok
	return ok
}

// page backs up one hosted page. An enabled page with empty HTML is an
// error in the repository layout (it would deploy a blank page): it is
// saved disabled, and noted.
func (b *backup) page(name, html string, meta map[string]any) {
	if on, _ := meta["enabled"].(bool); on && strings.TrimSpace(html) == "" {
		meta["enabled"] = false
		b.unrestorable("hosted page %s was enabled with empty HTML, which the repository layout refuses: its files here say disabled", name)
	}
	b.file("pages/"+name+".html", html)
	b.json("pages/"+name+".json", meta)
}

// keep makes sure folder exists in the backup: a managed kind the tenant
// had none of gets folder/.gitkeep, so that the folder exists in git and
// means "none" (an absent folder means "not managed"), and committing the
// backup deletes what the deployment created.
func (b *backup) keep(folder string) {
	for _, f := range b.written {
		if strings.HasPrefix(f, folder+"/") {
			return
		}
	}
	b.write(folder+"/.gitkeep", "", false)
}

// unrestorable notes something the repository layout cannot express;
// args taken from the tenant must already be marked (b.mark).
func (b *backup) unrestorable(format string, args ...any) {
	b.lost = append(b.lost, fmt.Sprintf(format, args...))
}

// mark turns keyword values in tenant text into their markers.
func (b *backup) mark(s string) string {
	if b.markers == nil {
		return s
	}
	return b.markers.Replace(s)
}

// fenced is a Markdown code block holding s, its fence longer than any
// run of backticks in s.
func fenced(s string) string {
	fence := "```"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + "js\n" + strings.TrimSuffix(s, "\n") + "\n" + fence
}

// note is NoteFile's content: BackupReadme, the folders to replace, the
// rules-configs keys the tenant had, and what the layout cannot express.
// The keys are listed here rather than in a rules-configs/ folder: copied
// into the repository, a folder without <key>.json files would tell the
// next deploy to delete every key.
func (b *backup) note(d *model.Desired, c *model.Current) string {
	var sb strings.Builder
	sb.WriteString(BackupReadme)
	folders := map[string]bool{}
	for _, f := range b.written {
		folders[strings.SplitN(f, "/", 2)[0]] = true
	}
	if len(folders) > 0 {
		sb.WriteString("\nFolders in this backup: ")
		names := make([]string, 0, len(folders))
		for f := range folders {
			names = append(names, "`"+f+"/`")
		}
		sort.Strings(names)
		sb.WriteString(strings.Join(names, ", ") + ".\n")
	}
	if d.RulesConfigsManaged && len(c.RuleConfigKeys) > 0 {
		keys := append([]string(nil), c.RuleConfigKeys...)
		sort.Strings(keys)
		sb.WriteString("\nRules-configs keys the tenant had (values are never returned): " + strings.Join(keys, ", ") + ".\n")
	}
	if len(b.lost) > 0 {
		sb.WriteString("\n## Not restorable by committing\n\nThe repository layout cannot express these; restore them by hand if needed:\n\n")
		for _, l := range b.lost {
			sb.WriteString("- " + l + "\n")
			if strings.Contains(l, "\n") {
				sb.WriteString("\n") // after a code block, the list goes on
			}
		}
	}
	return sb.String()
}

type backup struct {
	dir     string
	markers *strings.Replacer
	written []string
	lost    []string // what the layout cannot express, for the note
	err     error
	// runtimes caches runtimeAccepted's answers.
	runtimes map[string]bool
}

// markers returns a replacer that turns keyword mapping values back into
// the markers that insert them: the JSON encoding of a value into
// @@KEY@@, its text into ##KEY##. The values it covers are those the pipe
// redacts as secrets (strings of 4+ characters, other values whose JSON is
// 6+ characters), longest first, so that one value inside another is not
// split. Replacing a value's every occurrence, even one typed by hand, is
// safe: deployed with the same mappings it gives the same text back.
func markers(mappings map[string]any) *strings.Replacer {
	type pair struct{ value, marker string }
	var pairs []pair
	for key, v := range mappings {
		// Encoded as the keyword replacement encodes it: no HTML escaping.
		var buf bytes.Buffer
		e := json.NewEncoder(&buf)
		e.SetEscapeHTML(false)
		if e.Encode(v) != nil {
			continue
		}
		enc := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if s, ok := v.(string); ok {
			if len(s) < 4 {
				continue
			}
			pairs = append(pairs, pair{string(enc), "@@" + key + "@@"}, pair{s, "##" + key + "##"})
			// The JSON-escaped text (a value inside a longer JSON string).
			if esc := string(enc[1 : len(enc)-1]); esc != s {
				pairs = append(pairs, pair{esc, "##" + key + "##"})
			}
		} else {
			// ##KEY## inserts String(value) (an array joined with ","),
			// @@KEY@@ the JSON text; where both are the same text (a
			// number), ## gives it back even inside quotes.
			text := keywords.Text(v)
			if len(text) >= 6 { // as config.Secrets: true, 10 are not secrets
				pairs = append(pairs, pair{text, "##" + key + "##"})
			}
			if len(enc) >= 6 && string(enc) != text {
				pairs = append(pairs, pair{string(enc), "@@" + key + "@@"})
			}
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	sort.Slice(pairs, func(i, j int) bool {
		if len(pairs[i].value) != len(pairs[j].value) {
			return len(pairs[i].value) > len(pairs[j].value)
		}
		return pairs[i].value < pairs[j].value
	})
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.value, p.marker)
	}
	return strings.NewReplacer(args...)
}

// file writes a file of tenant content, with keyword values as markers.
func (b *backup) file(rel, content string) { b.write(rel, content, true) }

func (b *backup) write(rel, content string, tenantText bool) {
	if b.err != nil {
		return
	}
	clean := filepath.Clean(filepath.FromSlash(rel))
	if strings.HasPrefix(clean, "..") || filepath.IsAbs(clean) || strings.Contains(rel, "\x00") {
		b.err = fmt.Errorf("refusing to back up %q: the name is not a safe file name", rel)
		return
	}
	path := filepath.Join(b.dir, clean)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.err = err
		return
	}
	if tenantText && b.markers != nil {
		content = b.markers.Replace(content)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		b.err = err
		return
	}
	b.written = append(b.written, filepath.ToSlash(clean))
}

func (b *backup) json(rel string, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		b.err = err
		return
	}
	b.file(rel, string(data)+"\n")
}

func setOf(ss []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return m
}
