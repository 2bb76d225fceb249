package workspace

import (
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// canary is a keyword value the fuzzer's files can reference (##K##, @@K@@)
// and that must never appear in a problem.
const canary = "Zq9xCanaryValue"

// archive encodes files as "--- path\ncontent" blocks; "--- path -> target"
// is a symbolic link.
func archive(files map[string]string) string {
	var b strings.Builder
	for p, c := range files {
		b.WriteString("--- " + p + "\n" + c + "\n")
	}
	return b.String()
}

func unarchive(data string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, block := range strings.Split("\n"+data, "\n--- ")[1:] {
		header, content, _ := strings.Cut(block, "\n")
		name, target, isLink := strings.Cut(header, " -> ")
		if !fs.ValidPath(name) || name == "." {
			continue
		}
		if isLink {
			fsys[name] = link(target)
		} else {
			fsys[name] = file(content)
		}
	}
	return fsys
}

func seedArchive(t testing.TB, dir string) string {
	files := map[string]string{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(os.DirFS(dir), p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return archive(files)
}

// FuzzRead checks that the reader never panics (Read recovers, so an
// "internal error" problem counts as one), that problems are sorted,
// one line each, under the path prefix, and that a keyword value never
// appears in a problem.
func FuzzRead(f *testing.F) {
	f.Add(seedArchive(f, exampleDir(f)), false)
	f.Add(archive(map[string]string{
		"rules/a.js":                      "function (u, c, cb) { ##K## }",
		"rules/a.json":                    `{"order": @@K@@, "##K##": 1}`,
		"rules/b.json":                    `{"order": 1}`,
		"rules/m.json":                    `{"order": 1}`,
		"rules-configs/x.json":            `{"value": "##K##"`,
		"actions/a.js":                    "exports.onExecutePostLogin = async () => { ##K## };",
		"actions/a.json":                  `{"trigger": "post-login", "secrets": ["K", "##K##"], "dependencies": {"##K##": "@@K@@"}}`,
		"pages/error_page.json":           `{"url": "##K##"}`,
		"database-connections/d/login.js": "function login() { @@K@@ x }",
	}), true)
	f.Add("--- rules/l.js -> ../x\n--- rules/m.js -> m.js\n--- pages -> rules\n", false)
	// auth0-deploy-cli's layout: the pair fixture, and paths and values
	// that come from keywords.
	f.Add(seedArchive(f, "../../test/testdata/a0deploy/pair/a0deploy"), true)
	f.Add(archive(map[string]string{
		"rules/a.json":                         `{"name": "##K##", "script": "./##K##.js", "order": @@K@@}`,
		"rules/m.json":                         `{"name": "m", "order": 1}`,
		"actions/x.json":                       `{"name": "x", "code": "../@@K@@", "supported_triggers": [{"id": "##K##", "version": "v3"}, {}], "secrets": [{"name": "S", "value": "##K##"}, {"name": "L", "value": "lit"}], "dependencies": [{"name": "##K##", "version": "@@K@@"}], "deployed": true}`,
		"database-connections/d/database.json": `{"name": "d", "options": {"customScripts": {"login": "##K##", "##K##": "./x.js"}, "k": @@J@@}}`,
		"pages/login.json":                     `{"name": "login", "html": "##K##"}`,
		"triggers/t.json":                      `{"##K##": [{"action_name": "@@K@@"}], "post-login": [{"action_name": "x", "display_name": "##K##"}]}`,
		"src/x.js":                             "exports.onExecutePostLogin = async () => { ##K## };",
	}), false)
	f.Fuzz(func(t *testing.T, data string, require bool) {
		fsys := unarchive(data)
		opts := Options{
			PathPrefix:          "p",
			Mappings:            map[string]any{"K": canary, "J": map[string]any{"k": canary}},
			ManualRules:         []string{"m"},
			LookupEnv:           func(string) (string, bool) { return canary, true },
			RequireSecretValues: require,
			MaxFileSize:         4096,
		}
		lim := limits{maxEntries: 200, maxTotalBytes: 1 << 20}
		_, ps := read(fsys, opts, lim)
		checkFuzzProblems(t, data, ps)
		// The same files, read in auth0-deploy-cli's layout whatever they look like.
		opts.Layout = LayoutA0Deploy
		_, ps = read(fsys, opts, lim)
		checkFuzzProblems(t, data, ps)
	})
}

// checkFuzzProblems checks the properties FuzzRead states.
func checkFuzzProblems(t *testing.T, data string, ps model.Problems) {
	t.Helper()
	leakCheck := !strings.Contains(data, canary[:4])
	for i, p := range ps {
		s := p.String()
		if strings.Contains(p.Message, "internal error") {
			t.Fatalf("reader panicked: %s", s)
		}
		if strings.ContainsAny(s, "\n\r") {
			t.Fatalf("multi-line problem %q", s)
		}
		if p.Path != "p" && !strings.HasPrefix(p.Path, "p/") {
			t.Fatalf("path without prefix: %q", s)
		}
		if p.Line < 0 || p.Column < 0 || (p.Column > 0 && p.Line == 0) {
			t.Fatalf("bad position: %q", s)
		}
		if leakCheck && strings.Contains(s, canary[:6]) {
			t.Fatalf("keyword value in a problem: %q", s)
		}
		if i > 0 && path.Clean(p.Path) != p.Path {
			t.Fatalf("unclean path %q", p.Path)
		}
	}
	sorted := append(ps[:0:0], ps...)
	sorted.Sort()
	for i := range ps {
		if ps[i] != sorted[i] {
			t.Fatalf("problems not sorted")
		}
	}
}

func BenchmarkReadExample(b *testing.B) {
	fsys := unarchive(seedArchive(b, exampleDir(b)))
	for i := 0; i < b.N; i++ {
		Read(fsys, exampleOptions())
	}
}
