package reliability

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
)

// hostile is one hostile repository: the pipe must not crash, hang or read
// outside the repository, and must report each problem with its path.
type hostile struct {
	name  string // as the table shows it
	setup func(t *testing.T, ws, outside string)
	env   map[string]string
	want  int
	// lines must each appear in the output (problem lines, path first);
	// deployLines instead in deploy mode, when set.
	lines, deployLines []string
	outcome            string
}

const outsideSecret = "SECRET-OUTSIDE-THE-REPOSITORY"

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

var validRule = ruleJS("valid")

func hostiles() []hostile {
	return []hostile{
		{name: "symbolic link to a file outside BASE_DIR", want: 2,
			setup: func(t *testing.T, ws, outside string) {
				write(t, filepath.Join(ws, "rules", "ok.js"), validRule)
				symlink(t, "../../outside/secret.js", filepath.Join(ws, "rules", "evil.js"))
				symlink(t, "/etc/passwd", filepath.Join(ws, "rules", "passwd.js"))
			},
			lines:   []string{"rules/evil.js: error: symbolic link points outside BASE_DIR: not read", "rules/passwd.js: error: symbolic link points outside BASE_DIR (absolute target): not read"},
			outcome: "exit 2, each link named, never followed"},
		{name: "symbolic link to a folder, and a link loop", want: 2,
			setup: func(t *testing.T, ws, outside string) {
				symlink(t, "../outside/rules", filepath.Join(ws, "rules"))
				symlink(t, ".", filepath.Join(ws, "pages", "loop"))
			},
			lines:   []string{"rules: error: symbolic link", "pages/loop: error: symbolic link to a folder: not followed"},
			outcome: "exit 2, not followed"},
		{name: "BASE_DIR with .. leaving the repository", want: 2, env: map[string]string{"BASE_DIR": "tenants/../../outside"},
			setup: func(t *testing.T, ws, outside string) {
				write(t, filepath.Join(ws, "tenants", "rules", "ok.js"), validRule)
			},
			lines:   []string{`BASE_DIR: "tenants/../../outside" leaves the repository`},
			outcome: "exit 2 before anything is read"},
		{name: "BASE_DIR through a symbolic link leaving the repository", want: 2, env: map[string]string{"BASE_DIR": "tenants/prod"},
			setup: func(t *testing.T, ws, outside string) {
				symlink(t, outside, filepath.Join(ws, "tenants", "prod"))
			},
			lines:   []string{"tenants/prod: error: BASE_DIR is, or goes through, a symbolic link that leads outside the repository: not read"},
			outcome: "exit 2, nothing read"},
		{name: "huge files (20 MB rule, 3 MB page)", want: 2,
			setup: func(t *testing.T, ws, outside string) {
				write(t, filepath.Join(ws, "rules", "huge.js"), "function (user, context, callback) {\n"+strings.Repeat("// padding padding padding\n", 20<<20/27)+"callback(null, user, context);\n}\n")
				write(t, filepath.Join(ws, "pages", "login.html"), "<html>"+strings.Repeat("x", 3<<20)+"</html>")
			},
			lines:   []string{"rules/huge.js: error: file is too large", "pages/login.html: error: file is too large"},
			outcome: "exit 2, size and limit named, not read into memory"},
		{name: "300 nested folders", want: 0,
			setup: func(t *testing.T, ws, outside string) {
				write(t, filepath.Join(ws, "database-connections", dbName, "login.js"), "function login(email, password, callback) { callback(null); }\n")
				deep := filepath.Join(ws, "database-connections", dbName)
				for i := 0; i < 300; i++ {
					deep = filepath.Join(deep, fmt.Sprintf("d%d", i))
				}
				write(t, filepath.Join(deep, "x.js"), "x")
			},
			lines:   []string{"database-connections/" + dbName + "/d0: warning: folder not expected in a connection folder: not read"},
			outcome: "exit 0 with one warning; the tree is not walked"},
		{name: "20,000 files outside the managed folders", want: 0,
			setup: func(t *testing.T, ws, outside string) {
				write(t, filepath.Join(ws, "rules", "ok.js"), validRule)
				dir := filepath.Join(ws, "node_modules")
				manyFiles(t, dir, 20000)
			},
			lines:   []string{"node_modules: warning: not managed by this pipe"},
			outcome: "exit 0 with one warning, in well under a second"},
		{name: "20,500 files in a managed folder", want: 2,
			setup: func(t *testing.T, ws, outside string) {
				manyFiles(t, filepath.Join(ws, "actions"), 20500)
			},
			lines:   []string{".: error: more than 20000 files and folders under BASE_DIR: stopped reading (is BASE_DIR right?)"},
			outcome: "exit 2: reading stops at 20,000 entries"},
		{name: "names that collide only by letter case", want: 2,
			setup: func(t *testing.T, ws, outside string) {
				write(t, filepath.Join(ws, "rules", "Alpha.js"), validRule)
				write(t, filepath.Join(ws, "rules", "alpha.js"), validRule)
				write(t, filepath.Join(ws, "actions", "Tag.js"), actionJS("a"))
				write(t, filepath.Join(ws, "actions", "Tag.json"), `{"trigger": "post-login"}`)
				write(t, filepath.Join(ws, "actions", "tag.js"), actionJS("b"))
				write(t, filepath.Join(ws, "actions", "tag.json"), `{"trigger": "post-login"}`)
				write(t, filepath.Join(ws, "Pages", "login.html"), "<html></html>")
			},
			lines: []string{"rules/Alpha.js: error: name differs only in letter case from rules/alpha.js",
				"rules/alpha.js: error: name differs only in letter case from rules/Alpha.js",
				"actions/Tag.js: error: name differs only in letter case from actions/tag.js",
				"Pages: warning: not managed by this pipe"},
			outcome: "exit 2, both names of each pair reported"},
		{name: "CRLF line ends and UTF-8 byte-order marks", want: 0,
			setup: func(t *testing.T, ws, outside string) {
				bom := "\xef\xbb\xbf"
				write(t, filepath.Join(ws, "rules", "crlf.js"), strings.ReplaceAll(bom+validRule, "\n", "\r\n"))
				write(t, filepath.Join(ws, "rules", "crlf.json"), bom+"{\r\n  \"order\": 3,\r\n  \"enabled\": false\r\n}\r\n")
				write(t, filepath.Join(ws, "rules-configs", "KEY.json"), bom+"{\"value\": \"v\"}\r\n")
				write(t, filepath.Join(ws, "pages", "login.html"), bom+"<html>\r\n</html>\r\n")
				write(t, filepath.Join(ws, "pages", "login.json"), bom+"{\"enabled\": true}\r\n")
				write(t, filepath.Join(ws, "actions", "a.js"), bom+strings.ReplaceAll(actionJS("crlf"), "\n", "\r\n"))
				write(t, filepath.Join(ws, "actions", "a.json"), bom+"{\"trigger\": \"post-login\"}\r\n")
			},
			lines:       []string{"rule crlf (rules/crlf.js)", "action a → post-login (actions/a.js)"},
			deployLines: []string{"created rule crlf (new rule, disabled)", "created action a", "read back: the tenant matches the repository"},
			outcome:     "exit 0: accepted as written"},
		{name: "JSON with duplicate keys", want: 2,
			setup: func(t *testing.T, ws, outside string) {
				write(t, filepath.Join(ws, "rules", "r.js"), validRule)
				write(t, filepath.Join(ws, "rules", "r.json"), "{\"order\": 1,\n \"order\": 2}")
				write(t, filepath.Join(ws, "rules-configs", "K.json"), `{"value": "a", "value": "b"}`)
				write(t, filepath.Join(ws, "pages", "login.html"), "<html></html>")
				write(t, filepath.Join(ws, "pages", "login.json"), `{"enabled": true, "enabled": false}`)
				write(t, filepath.Join(ws, "actions", "a.js"), actionJS("dup"))
				write(t, filepath.Join(ws, "actions", "a.json"), `{"trigger": "post-login", "secrets": [], "secrets": ["X"]}`)
			},
			lines: []string{`rules/r.json:2:2: error: duplicate key "order"`, `rules-configs/K.json:1:16: error: duplicate key "value"`,
				`pages/login.json:1:19: error: duplicate key "enabled"`, `actions/a.json:1:42: error: duplicate key "secrets"`},
			outcome: "exit 2, each at its line and column"},
		{name: "file names with a newline, terminal escapes, invalid UTF-8", want: 2,
			setup: func(t *testing.T, ws, outside string) {
				write(t, filepath.Join(ws, "rules", "evil\n✔ deployed 99 changes.js"), validRule)
				write(t, filepath.Join(ws, "rules", "ansi\x1b[2J\x1b[31mred.js"), validRule)
				write(t, filepath.Join(ws, "rules", "bad\xff\xfename.js"), validRule)
			},
			lines:   []string{`rules/evil\u000a✔ deployed 99 changes.js: error: invalid rule name`, `rules/ansi\u001b[2J\u001b[31mred.js: error: invalid rule name`, `rules/bad\xff\xfename.js: error:`},
			outcome: "exit 2, names shown escaped: no forged log line, no terminal control"},
		{name: "a named pipe where a rule should be", want: 2,
			setup: func(t *testing.T, ws, outside string) {
				if err := os.MkdirAll(filepath.Join(ws, "rules"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := syscall.Mkfifo(filepath.Join(ws, "rules", "fifo.js"), 0o644); err != nil {
					t.Skip("mkfifo:", err)
				}
			},
			lines:   []string{"rules/fifo.js: error: not a regular file or folder"},
			outcome: "exit 2 at once: never opened (opening would block)"},
	}
}

// manyFiles puts n empty files in dir: hard links to one file, which is
// four times faster to make than n files and the same to the pipe.
func manyFiles(t *testing.T, dir string, n int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(filepath.Dir(dir), ".many-files-source")
	if err := os.WriteFile(src, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(src)
	for i := 0; i < n; i++ {
		if err := os.Link(src, filepath.Join(dir, fmt.Sprintf("f%05d.txt", i))); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHostileRepositories validates each hostile repository offline
// (MODE=validate), and deploys it against the stand-ins (reports, Code
// Insights and Slack must carry the problems too).
func TestHostileRepositories(t *testing.T) {
	t.Parallel()
	bin := harness.Binary(t)
	for _, h := range hostiles() {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			ws, outside := filepath.Join(root, "ws"), filepath.Join(root, "outside")
			write(t, filepath.Join(outside, "secret.js"), "// "+outsideSecret+"\n")
			write(t, filepath.Join(outside, "rules", "out.js"), "function (user, context, callback) { /* "+outsideSecret+" */ callback(null, user, context); }\n")
			if err := os.MkdirAll(ws, 0o755); err != nil {
				t.Fatal(err)
			}
			h.setup(t, ws, outside)
			for _, mode := range []string{"validate", "deploy"} {
				env := map[string]string{"MODE": mode, "AUTH0_DOMAIN": "http://127.0.0.1:1", "CODE_INSIGHTS": "false", "REPORT_DIR": filepath.Join(root, "report-"+mode)}
				var s *stack
				if mode == "deploy" {
					st := deployedState(t)
					s = newStack(t, stackOptions{state: &st})
					env = s.env(env)
					env["AUTH0_DOMAIN"] = s.auth0URL
					env["CODE_INSIGHTS"] = "true"
				}
				for k, v := range h.env {
					env[k] = v
				}
				began := time.Now()
				res := harness.Run(t, bin, ws, env)
				took := time.Since(began)
				out := res.Stdout + res.Stderr
				if res.Code != h.want {
					t.Errorf("%s: exit %d, want %d\n%s", mode, res.Code, h.want, out)
				}
				for _, bad := range []string{"panic:", "goroutine ", outsideSecret, "\x1b"} {
					if strings.Contains(out, bad) {
						t.Errorf("%s: the output contains %q\n%s", mode, bad, out)
					}
				}
				for _, l := range harness.Lines(res.Stdout) {
					if strings.HasPrefix(l, "✔ deployed 99") {
						t.Errorf("%s: a file name forged a log line: %q", mode, l)
					}
				}
				lines := h.lines
				if mode == "deploy" && h.deployLines != nil {
					lines = h.deployLines
				}
				for _, want := range lines {
					if !strings.Contains(out, want) {
						t.Errorf("%s: the output lacks %q\n%s", mode, want, out)
					}
				}
				if took > 20*time.Second {
					t.Errorf("%s: took %s", mode, took)
				}
				configInvalid := strings.Contains(out, "invalid configuration")
				if s != nil && !configInvalid {
					if w := s.sim.APIWrites(); h.want != 0 && len(w) > 0 {
						t.Errorf("deploy of an invalid repository wrote: %v", w)
					}
					// Reports, Code Insights and Slack carry the outcome.
					if res.Report == nil {
						t.Errorf("deploy: no report.json\n%s", out)
					} else if len(s.slack.Requests()) == 0 {
						t.Errorf("deploy: no Slack message\n%s", out)
					}
					if len(res.Report.Warnings) > 0 {
						t.Errorf("deploy: publishing warnings: %v", res.Report.Warnings)
					}
				}
				if res.Report != nil && h.want == 2 && len(res.Report.Problems) == 0 && !configInvalid {
					t.Errorf("%s: report.json lists no problem", mode)
				}
			}
		})
	}
}
