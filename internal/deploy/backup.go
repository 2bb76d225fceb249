package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/plan"
)

// NoteFile is the backup's explanation, at its top level. It is not
// README.md, so that copying the backup over BASE_DIR never replaces the
// repository's README; like every top-level *.md file, the pipe ignores it.
const NoteFile = "BACKUP.md"

// BackupReadme starts NoteFile; the folders the backup holds and the
// rules-configs keys follow it.
const BackupReadme = `# Backup of the tenant before this deployment

This folder holds, in the repository layout, what the tenant held before
the deployment for every kind the repository manages (rules, database
connection scripts, hosted pages, actions). To undo the deployment: in
BASE_DIR, delete the folders listed below, copy this folder's content in
(for example ` + "`cp -R backup/. <BASE_DIR>/`" + `), commit, and deploy again with the
same AUTH0_KEYWORD_REPLACE_MAPPINGS. Items the deployment created are not
here, so that deploy deletes them.

Not included: rules-configs values and action secret values, which Auth0
never returns (keep the repository's rules-configs/ folder as it is);
manual rules and manual actions, which the pipe never changes.

Keyword mapping values (AUTH0_KEYWORD_REPLACE_MAPPINGS) are secrets: where
the tenant's text contains one, this backup has its marker instead
(` + "`@@KEY@@`" + ` for the JSON-encoded value, ` + "`##KEY##`" + ` for the plain text). Deployed with
the same mappings, the files give back exactly what the tenant held.
`

// Backup writes the current state of every kind the repository manages to
// dir, in the repository layout, and returns the files written (relative to
// dir). It runs before the first write; an error must stop the deployment.
// mappings are the keyword mappings: their values never reach the backup
// (see markers).
func Backup(dir string, d *model.Desired, c *model.Current, p *plan.Plan, manualRules, manualActions []string, mappings map[string]any) ([]string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	b := &backup{dir: dir, markers: markers(mappings)}
	manualR, manualA := setOf(manualRules), setOf(manualActions)
	if d.RulesManaged && c.RulesAvailable {
		for _, r := range c.Rules {
			if manualR[r.Name] || (r.Stage != "" && r.Stage != "login_success") {
				continue
			}
			b.file("rules/"+r.Name+".js", r.Script)
			b.json("rules/"+r.Name+".json", map[string]any{"enabled": r.Enabled, "order": r.Order, "stage": "login_success"})
		}
	}
	if d.DatabasesManaged {
		for _, db := range d.Databases {
			for _, conn := range c.Connections {
				if conn.Name != db.Name || conn.Strategy != "auth0" {
					continue
				}
				scripts := conn.CustomScripts()
				for name, code := range scripts {
					b.file("database-connections/"+conn.Name+"/"+name+".js", code)
				}
			}
		}
	}
	for _, pg := range d.Pages {
		switch pg.Name {
		case model.PageLogin:
			if c.GlobalClient != nil {
				b.file("pages/login.html", c.GlobalClient.CustomLoginPage)
				b.json("pages/login.json", map[string]any{"enabled": c.GlobalClient.CustomLoginPageOn})
			}
		case model.PagePasswordReset:
			b.file("pages/password_reset.html", c.TenantPages.ChangePassword.HTML)
			b.json("pages/password_reset.json", map[string]any{"enabled": c.TenantPages.ChangePassword.Enabled})
		case model.PageGuardianMultifactor:
			b.file("pages/guardian_multifactor.html", c.TenantPages.GuardianMFAPage.HTML)
			b.json("pages/guardian_multifactor.json", map[string]any{"enabled": c.TenantPages.GuardianMFAPage.Enabled})
		case model.PageErrorPage:
			ep := c.TenantPages.ErrorPage
			meta := map[string]any{"enabled": ep.HTML != "", "show_log_link": ep.ShowLogLink}
			if ep.URL != "" {
				meta["url"] = ep.URL
			}
			b.file("pages/error_page.html", ep.HTML)
			b.json("pages/error_page.json", meta)
		}
	}
	if d.ActionsManaged {
		for _, a := range c.Actions {
			if manualA[a.Name] || a.Integration {
				continue
			}
			code := a.Code
			meta := map[string]any{"trigger": a.Trigger, "runtime": a.Runtime}
			if len(a.Dependencies) > 0 {
				deps := map[string]string{}
				for _, dep := range a.Dependencies {
					deps[dep.Name] = dep.Version
				}
				meta["dependencies"] = deps
			}
			if len(a.SecretNames) > 0 {
				meta["secrets"] = a.SecretNames
			}
			meta["enabled"] = false
			for i, bnd := range c.Bindings[a.Trigger] {
				if bnd.ActionName == a.Name {
					meta["enabled"] = true
					meta["order"] = (i + 1) * 10
				}
			}
			b.file("actions/"+a.Name+".js", code)
			b.json("actions/"+a.Name+".json", meta)
		}
	}
	b.write(NoteFile, b.note(d, c), false)
	return b.written, b.err
}

// note is NoteFile's content: BackupReadme, the folders to replace, and
// the rules-configs keys the tenant had. The keys are listed here rather
// than in a rules-configs/ folder: copied into the repository, a folder
// without <key>.json files would tell the next deploy to delete every key.
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
	return sb.String()
}

type backup struct {
	dir     string
	markers *strings.Replacer
	written []string
	err     error
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
		} else if len(enc) >= 6 {
			pairs = append(pairs, pair{string(enc), "@@" + key + "@@"})
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
