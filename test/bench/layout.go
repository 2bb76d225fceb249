package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// WritePipe writes c into dir in the pipe's (the extension's) layout:
// rules/<name>.js + .json, database-connections/<name>/<script>.js,
// pages/<page>.html + .json, actions/<name>.js + .json. There is no
// rules-configs/ folder: rules configs are written on every run by design
// (Auth0 never returns their values), so a no-change run would not be one.
func WritePipe(dir string, c Content) error {
	files := map[string][]byte{}
	for _, r := range c.Rules {
		files["rules/"+r.Name+".js"] = []byte(r.Script)
		files["rules/"+r.Name+".json"] = mustJSON(struct {
			Enabled bool `json:"enabled"`
			Order   int  `json:"order"`
		}{r.Enabled, r.Order})
	}
	for _, db := range c.Databases {
		for name, script := range db.Scripts {
			files["database-connections/"+db.Name+"/"+name+".js"] = []byte(script)
		}
	}
	for _, p := range c.Pages {
		files["pages/"+p.Name+".html"] = []byte(p.HTML)
		meta := map[string]any{"enabled": p.Enabled}
		if p.Name == "error_page" {
			meta["show_log_link"] = false
		}
		files["pages/"+p.Name+".json"] = mustJSON(meta)
	}
	for _, a := range c.Actions {
		files["actions/"+a.Name+".js"] = []byte(a.Code)
		files["actions/"+a.Name+".json"] = mustJSON(struct {
			Trigger string `json:"trigger"`
			Runtime string `json:"runtime"`
			Order   int    `json:"order"`
			Enabled bool   `json:"enabled"`
		}{Trigger, Runtime, a.Order, true})
	}
	return writeTree(dir, files)
}

// WriteDeployCLI writes c into dir in auth0-deploy-cli's directory format
// (its export layout): rules/<name>.json naming rules/<name>.js;
// database-connections/<name>/database.json with options.customScripts
// naming the scripts beside it; pages/<page>.json + .html;
// actions/<name>.json naming actions/<name>/code.js; triggers/triggers.json
// with the post-login bindings in order.
func WriteDeployCLI(dir string, c Content) error {
	files := map[string][]byte{}
	type rule struct {
		Name    string `json:"name"`
		Script  string `json:"script"`
		Order   int    `json:"order"`
		Enabled bool   `json:"enabled"`
		Stage   string `json:"stage"`
	}
	for _, r := range c.Rules {
		files["rules/"+r.Name+".js"] = []byte(r.Script)
		files["rules/"+r.Name+".json"] = mustJSON(rule{r.Name, "./" + r.Name + ".js", r.Order, r.Enabled, "login_success"})
	}
	for _, db := range c.Databases {
		scripts := map[string]string{}
		for name, script := range db.Scripts {
			files["database-connections/"+db.Name+"/"+name+".js"] = []byte(script)
			scripts[name] = "./" + name + ".js"
		}
		files["database-connections/"+db.Name+"/database.json"] = mustJSON(map[string]any{
			"name":     db.Name,
			"strategy": "auth0",
			"options": map[string]any{
				"enabledDatabaseCustomization": true,
				"customScripts":                scripts,
			},
		})
	}
	for _, p := range c.Pages {
		files["pages/"+p.Name+".html"] = []byte(p.HTML)
		meta := map[string]any{"name": p.Name}
		if p.Name == "error_page" {
			meta["show_log_link"] = false
			meta["url"] = ""
		} else {
			meta["enabled"] = p.Enabled
		}
		files["pages/"+p.Name+".json"] = mustJSON(meta)
	}
	type trig struct {
		ID      string `json:"id"`
		Version string `json:"version"`
	}
	type binding struct {
		ActionName  string `json:"action_name"`
		DisplayName string `json:"display_name"`
	}
	var bindings []binding
	for _, a := range sortedActions(c.Actions) {
		files["actions/"+a.Name+"/code.js"] = []byte(a.Code)
		files["actions/"+a.Name+".json"] = mustJSON(map[string]any{
			"name":               a.Name,
			"code":               "./actions/" + a.Name + "/code.js",
			"runtime":            Runtime,
			"dependencies":       []any{},
			"secrets":            []any{},
			"supported_triggers": []trig{{Trigger, TriggerVersion}},
			"deployed":           true,
		})
		bindings = append(bindings, binding{a.Name, a.Name})
	}
	if len(c.Actions) > 0 {
		files["triggers/triggers.json"] = mustJSON(map[string][]binding{Trigger: bindings})
	}
	return writeTree(dir, files)
}

// DeployCLITypes is AUTH0_INCLUDED_ONLY for auth0-deploy-cli: the types the
// scenarios contain (no rulesConfigs, as for the pipe).
const DeployCLITypes = `["rules","databases","pages","actions","triggers"]`

func sortedActions(as []Action) []Action {
	out := append([]Action(nil), as...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Order < out[j-1].Order; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("bench: encode %T: %v", v, err))
	}
	return append(b, '\n')
}

// writeTree replaces dir's content with files (slash paths).
func writeTree(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clear %s: %w", dir, err)
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}
