package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/plan"
)

// BackupReadme explains the backup folder to whoever finds it.
const BackupReadme = `# Backup of the tenant before this deployment

This folder holds, in the repository layout, what the tenant held before
the deployment for every kind the repository manages (rules, database
connection scripts, hosted pages, actions). To undo the deployment, replace
the repository's folders with these (for example
` + "`cp -R backup/. <BASE_DIR>/`" + ` after removing files of items that the deployment
created), commit, and deploy again.

Not included: rules-configs values and action secret values, which Auth0
never returns; manual rules and manual actions, which the pipe never changes.
`

// Backup writes the current state of every kind the repository manages to
// dir, in the repository layout, and returns the files written (relative to
// dir). It runs before the first write; an error must stop the deployment.
func Backup(dir string, d *model.Desired, c *model.Current, p *plan.Plan, manualRules, manualActions []string) ([]string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	b := &backup{dir: dir}
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
	if d.RulesConfigsManaged && len(c.RuleConfigKeys) > 0 {
		keys := append([]string(nil), c.RuleConfigKeys...)
		sort.Strings(keys)
		b.file("rules-configs/KEYS.txt", "Keys present before the deployment (Auth0 never returns their values):\n"+strings.Join(keys, "\n")+"\n")
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
			code, _ := plan.SplitFingerprint(a.Code)
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
	b.file("README.md", BackupReadme)
	return b.written, b.err
}

type backup struct {
	dir     string
	written []string
	err     error
}

func (b *backup) file(rel, content string) {
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
