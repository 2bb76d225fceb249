package packaging

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// readmeRow is one row of the README's Variables table.
type readmeRow struct {
	Name              string
	Required, Context bool
	Usage             string
}

var rowNameRe = regexp.MustCompile(`^([A-Z][A-Z0-9_]*)((?: \(\*\*?\))*)$`)

func readmeVariables(t testing.TB) []readmeRow {
	t.Helper()
	sec := markdownSection(t, string(readFile(t, "README.md")), "## Variables")
	var rows []readmeRow
	for _, line := range strings.Split(sec, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| Variable ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if len(cells) != 2 {
			t.Errorf("README Variables: row %q does not have 2 cells", line)
			continue
		}
		m := rowNameRe.FindStringSubmatch(strings.TrimSpace(cells[0]))
		if m == nil {
			t.Errorf("README Variables: %q is not `NAME`, `NAME (*)` or `NAME (*) (**)`", cells[0])
			continue
		}
		rows = append(rows, readmeRow{
			Name:     m[1],
			Required: strings.Contains(m[2], "(*)"),
			Context:  strings.Contains(m[2], "(**)"),
			Usage:    strings.TrimSpace(cells[1]),
		})
	}
	return rows
}

func TestReadmeVariablesTable(t *testing.T) {
	rows := readmeVariables(t)
	byName, unmatched := map[string]readmeRow{}, map[string]bool{}
	for _, r := range rows {
		if _, dup := byName[r.Name]; dup {
			t.Errorf("README Variables: %s twice", r.Name)
		}
		byName[r.Name] = r
		unmatched[r.Name] = true
	}
	for _, v := range Variables {
		if v.AliasOf != "" {
			main, ok := byName[v.AliasOf]
			if !ok || !strings.Contains(main.Usage, "`"+v.Name+"`") {
				t.Errorf("README Variables: alias %s is not mentioned in the row of %s", v.Name, v.AliasOf)
			}
			if _, ok := byName[v.Name]; ok {
				t.Errorf("README Variables: alias %s has its own row; mention it in %s's", v.Name, v.AliasOf)
			}
			continue
		}
		r, ok := byName[v.Name]
		if !ok {
			t.Errorf("README Variables: no row for %s", v.Name)
			continue
		}
		if r.Required != v.Required {
			t.Errorf("README Variables: %s required mark (*) = %v, want %v", v.Name, r.Required, v.Required)
		}
		if r.Context != v.Inherited {
			t.Errorf("README Variables: %s context mark (**) = %v, want %v (pipe.yml default)", v.Name, r.Context, v.Inherited)
		}
		if !v.Required && !strings.Contains(r.Usage, "Default: ") {
			t.Errorf("README Variables: optional %s does not state its default inline (`Default: ...`)", v.Name)
		}
		delete(unmatched, v.Name)
	}
	for name := range unmatched {
		t.Errorf("README Variables: %s is not a variable of the pipe (test/packaging Variables)", name)
	}
	if len(rows) == 0 || rows[len(rows)-1].Name != "DEBUG" {
		t.Error("README Variables: DEBUG must be the last row")
	}
	sec := markdownSection(t, string(readFile(t, "README.md")), "## Variables")
	for _, note := range []string{"_(*) = required variable.", "_(**) = if this variable is configured as a repository"} {
		if !strings.Contains(sec, note) {
			t.Errorf("README Variables: missing the footnote %q", note)
		}
	}
}

// The README states each default the configuration applies.
func TestReadmeDefaultsMatchConfig(t *testing.T) {
	read := configVariables(t)
	rows := map[string]readmeRow{}
	for _, r := range readmeVariables(t) {
		rows[r.Name] = r
	}
	for name, def := range read.defaults {
		r, ok := rows[name]
		if !ok {
			continue // reported by TestConfigReadsDocumentedVariables
		}
		if !strings.Contains(r.Usage, "Default: `"+def+"`") {
			t.Errorf("README Variables: %s defaults to %q in internal/config; its row says %q", name, def, r.Usage)
		}
	}
}

// The YAML Definition names every variable: the required ones set, the
// others commented out as `# NAME: '<type>' # Optional`, DEBUG last.
func TestReadmeDefinitionListsEveryVariable(t *testing.T) {
	snippet := readmeDefinition(t)
	var names []string
	set := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*(# )?([A-Z][A-Z0-9_]*): '<[a-z]+>'( # Optional.*)?$`).FindAllStringSubmatch(snippet, -1) {
		names = append(names, m[2])
		set[m[2]] = m[1] == ""
		if (m[1] == "") != (m[3] == "") {
			t.Errorf("YAML Definition: %s: a set variable has no `# Optional`, a commented one has", m[2])
		}
	}
	for _, v := range Variables {
		if v.AliasOf != "" {
			continue
		}
		isSet, ok := set[v.Name]
		switch {
		case !ok:
			t.Errorf("YAML Definition: %s is missing", v.Name)
		case isSet != v.Required:
			t.Errorf("YAML Definition: %s set = %v, want %v (required variables are set, optional ones commented out)", v.Name, isSet, v.Required)
		}
		delete(set, v.Name)
	}
	for name := range set {
		t.Errorf("YAML Definition: %s is not a variable of the pipe", name)
	}
	if len(names) == 0 || names[len(names)-1] != "DEBUG" {
		t.Error("YAML Definition: DEBUG must come last")
	}
	if !strings.Contains(snippet, "pipe: "+pipeRef+":"+pipeVersion(t)) {
		t.Errorf("YAML Definition: does not use `pipe: %s:%s`", pipeRef, pipeVersion(t))
	}
}

func TestPipeYML(t *testing.T) {
	doc := readYAML(t, "pipe.yml")
	for _, f := range []string{"name", "image", "category", "description", "repository", "maintainer", "vendor", "tags"} {
		if doc[f] == nil {
			t.Errorf("pipe.yml: missing %s", f)
		}
	}
	if doc["category"] != "Deployment" {
		t.Errorf("pipe.yml: category = %v, want Deployment", doc["category"])
	}
	if img, want := doc["image"], imageRepo+":"+pipeVersion(t); img != want {
		t.Errorf("pipe.yml: image = %v, want %s", img, want)
	}
	if d, _ := doc["description"].(string); d == "" || strings.Contains(d, "\n") {
		t.Error("pipe.yml: description must be one line")
	}
	for _, f := range []string{"maintainer", "vendor"} {
		m, _ := doc[f].(map[string]any)
		if m["name"] == nil || m["website"] == nil {
			t.Errorf("pipe.yml: %s needs name and website", f)
		}
	}
	if tags, _ := doc["tags"].([]any); len(tags) == 0 {
		t.Error("pipe.yml: no tags")
	}

	// variables: a `${NAME}` default exactly for the inherited variables.
	got := map[string]bool{}
	list, _ := doc["variables"].([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		name, _ := m["name"].(string)
		if m["default"] != "${"+name+"}" {
			t.Errorf("pipe.yml: variable %s: default %v, want '${%s}' (inherited from the context)", name, m["default"], name)
		}
		got[name] = true
	}
	for _, v := range Variables {
		if got[v.Name] != v.Inherited {
			t.Errorf("pipe.yml: %s listed under variables = %v, want %v", v.Name, got[v.Name], v.Inherited)
		}
	}
	for name := range got {
		if _, ok := LookupVariable(name); !ok {
			t.Errorf("pipe.yml: variables lists %s, which the pipe does not read", name)
		}
	}
}

// pipeUses returns every use of this pipe in a decoded pipelines file: its
// path in the document and its variables.
func pipeUses(doc any) map[string]map[string]any {
	out := map[string]map[string]any{}
	var walk func(n any, path string)
	walk = func(n any, path string) {
		switch v := n.(type) {
		case map[string]any:
			if p, ok := v["pipe"].(string); ok && (strings.HasPrefix(p, pipeRef+":") || strings.HasPrefix(p, "docker://"+imageRepo+":")) {
				vars, _ := v["variables"].(map[string]any)
				if vars == nil {
					vars = map[string]any{}
				}
				out[path] = vars
			}
			for k, c := range v {
				walk(c, path+"."+k)
			}
		case []any:
			for i, c := range v {
				walk(c, path+"["+strconv.Itoa(i)+"]")
			}
		}
	}
	walk(doc, "")
	return out
}

func checkKnownVariables(t *testing.T, where string, doc any) int {
	t.Helper()
	uses := pipeUses(doc)
	for path, vars := range uses {
		for name := range vars {
			if _, ok := LookupVariable(name); !ok {
				t.Errorf("%s%s: passes %s, which the pipe does not know", where, path, name)
			}
		}
	}
	return len(uses)
}

func TestExamplesPassOnlyKnownVariables(t *testing.T) {
	doc := decodeYAML(t, "examples", readFile(t, "examples/bitbucket-pipelines.yml"))
	if n := checkKnownVariables(t, "examples/bitbucket-pipelines.yml", doc); n == 0 {
		t.Fatal("examples/bitbucket-pipelines.yml never uses the pipe")
	}
	for i, b := range fencedBlocks(string(readFile(t, "README.md")), "yaml") {
		checkKnownVariables(t, "README yaml block "+strconv.Itoa(i+1), decodeYAML(t, "README", []byte(uncommentOptional(b))))
	}
}

// The examples show what the issue asks for, in the file users copy.
func TestExamplesCoverTheUseCases(t *testing.T) {
	doc := readYAML(t, "examples/bitbucket-pipelines.yml")
	pipelines := doc["pipelines"].(map[string]any)
	steps := func(p any) []map[string]any {
		var out []map[string]any
		var walk func(n any)
		walk = func(n any) {
			switch v := n.(type) {
			case map[string]any:
				if s, ok := v["step"].(map[string]any); ok {
					out = append(out, s)
				}
				for _, c := range v {
					walk(c)
				}
			case []any:
				for _, c := range v {
					walk(c)
				}
			}
		}
		walk(p)
		return out
	}
	vars := func(step map[string]any) map[string]any {
		for _, uses := range pipeUses(step) {
			return uses
		}
		t.Fatalf("step %v does not use the pipe", step["name"])
		return nil
	}
	keptOnFailure := func(step map[string]any) bool {
		a, _ := step["artifacts"].(map[string]any)
		up, _ := a["upload"].([]any)
		for _, u := range up {
			if m, _ := u.(map[string]any); m["capture-on"] == "always" {
				return true
			}
		}
		return false
	}

	main := steps(pipelines["branches"].(map[string]any)["main"])
	if len(main) < 2 {
		t.Fatalf("branches.main: %d steps, want a deployment per tenant", len(main))
	}
	baseDirs := map[any]bool{}
	for _, s := range main {
		v := vars(s)
		if s["deployment"] == nil || s["concurrency-group"] == nil {
			t.Errorf("main step %v: want a deployment environment and a concurrency group", s["name"])
		}
		if m, ok := v["MODE"]; ok && m != "deploy" {
			t.Errorf("main step %v: MODE %v", s["name"], m)
		}
		baseDirs[v["BASE_DIR"]] = true
		if !keptOnFailure(s) {
			t.Errorf("main step %v: reports not kept when the step fails (capture-on: always)", s["name"])
		}
	}
	if len(baseDirs) < 2 || baseDirs[nil] {
		t.Errorf("main: want two tenants, each with its own BASE_DIR; got %v", baseDirs)
	}

	prs := steps(pipelines["pull-requests"])
	if len(prs) == 0 {
		t.Fatal("no pull-requests pipeline")
	}
	for _, s := range prs {
		v := vars(s)
		if v["MODE"] != "plan" || v["CODE_INSIGHTS"] == "false" || s["deployment"] != nil {
			t.Errorf("pull request step %v: want MODE plan with Code Insights and no deployment", s["name"])
		}
	}

	custom := pipelines["custom"].(map[string]any)
	redeploy, _ := custom["redeploy"].([]any)
	if len(redeploy) < 2 {
		t.Fatal("no custom redeploy pipeline")
	}
	prompted, _ := redeploy[0].(map[string]any)["variables"].([]any)
	if len(prompted) == 0 {
		t.Error("redeploy: no variables asked for at run time")
	}
	for _, s := range steps(custom["redeploy"]) {
		if s["deployment"] == nil || s["concurrency-group"] == nil || !keptOnFailure(s) {
			t.Errorf("redeploy step %v: want deployment, concurrency-group and artifacts kept on failure", s["name"])
		}
		v := vars(s)
		for _, p := range prompted {
			name := p.(map[string]any)["name"].(string)
			if v[name] != "$"+name {
				t.Errorf("redeploy: prompted %s is not passed to the pipe", name)
			}
		}
	}

	drift := steps(custom["drift-check"])
	if len(drift) == 0 {
		t.Fatal("no custom drift-check pipeline")
	}
	for _, s := range drift {
		v := vars(s)
		if v["MODE"] != "plan" || v["DETAILED_EXITCODE"] != "true" || !keptOnFailure(s) {
			t.Errorf("drift-check step %v: want MODE plan, DETAILED_EXITCODE true, reports kept on failure", s["name"])
		}
	}
}

// configRead is what internal/config reads from the environment.
type configRead struct {
	names    map[string]bool
	defaults map[string]string
}

// configVariables reads internal/config's source: the envconfig tags of its
// structs and the names passed to List(env, "NAME").
func configVariables(t testing.TB) configRead {
	t.Helper()
	dir := filepath.Join(root(t), "internal", "config")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("internal/config: no Go files (%v)", err)
	}
	read := configRead{names: map[string]bool{}, defaults: map[string]string{}}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Field:
				if n.Tag == nil {
					return true
				}
				tag, _ := strconv.Unquote(n.Tag.Value)
				st := reflect.StructTag(tag)
				if name := st.Get("envconfig"); name != "" {
					read.names[name] = true
					if def, ok := st.Lookup("default"); ok {
						read.defaults[name] = def
					}
				}
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "List" && len(n.Args) == 2 {
					if lit, ok := n.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						name, _ := strconv.Unquote(lit.Value)
						read.names[name] = true
					}
				}
			}
			return true
		})
	}
	if len(read.names) == 0 {
		t.Fatal("internal/config: found no envconfig tags")
	}
	return read
}

// Variables is the list the README, pipe.yml and the examples are checked
// against; it must be what the pipe really reads.
func TestConfigReadsDocumentedVariables(t *testing.T) {
	read := configVariables(t)
	known := map[string]bool{}
	for _, v := range Variables {
		known[v.Name] = true
		if !read.names[v.Name] {
			t.Errorf("%s is documented but internal/config does not read it", v.Name)
		}
	}
	for _, n := range PipelinesVariables {
		known[n] = true
	}
	var extra []string
	for n := range read.names {
		if !known[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	for _, n := range extra {
		t.Errorf("internal/config reads %s: add it to test/packaging Variables (and the README, pipe.yml if inherited) or PipelinesVariables", n)
	}
}

// Environment variable names in the rest of the pipe's code (e.g. the Code
// Insights configuration reads the environment itself) are known too.
func TestCodeReadsOnlyKnownVariables(t *testing.T) {
	known := map[string]bool{}
	for _, v := range Variables {
		known[v.Name] = true
	}
	for _, n := range PipelinesVariables {
		known[n] = true
	}
	for _, n := range RefusedVariables {
		known[n] = true
	}
	nameRe := regexp.MustCompile(`^(AUTH0|BITBUCKET|SLACK|DEPLOY|DOCKER)_[A-Z0-9_]+$`)
	fset := token.NewFileSet()
	for _, dir := range []string{"pipe", "internal"} {
		err := filepath.WalkDir(filepath.Join(root(t), dir), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			file, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(file, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, _ := strconv.Unquote(lit.Value)
				if nameRe.MatchString(s) && !known[s] {
					rel, _ := filepath.Rel(root(t), p)
					t.Errorf("%s: %s looks like an environment variable the pipe reads, but it is not documented (test/packaging Variables or PipelinesVariables)", filepath.ToSlash(rel), s)
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Every auth0-deploy-cli variable the pipe refuses is named in the README,
// with what to use instead, and refused by the configuration.
func TestRefusedVariablesAreDocumented(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root(t), "internal", "config", "config.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range RefusedVariables {
		if !strings.Contains(string(readme), "`"+n+"`") {
			t.Errorf("README.md does not name %s (refused by the pipe)", n)
		}
		if !strings.Contains(string(src), strconv.Quote(n)) {
			t.Errorf("internal/config does not refuse %s", n)
		}
	}
}
