// Package corpus loads the malformed-repository corpus under
// test/testdata/invalid: one folder per case, each a small repository with
// one fault (a few with several) and the exact problem lines the pipe must
// print for it. The in-process reader test and the end-to-end test of the
// built binary both use it, so the two cannot drift apart.
//
// A case folder holds:
//
//	workspace/       the repository (BITBUCKET_CLONE_DIR); may be absent
//	generate.json    optional: files created at test time (symbolic links,
//	                 huge or binary files, names that differ only in case,
//	                 which would break a checkout on macOS or Windows)
//	env.json         optional: the pipe variables of the case, a JSON object
//	                 of strings (BASE_DIR, MANUAL_RULES, MANUAL_ACTIONS,
//	                 AUTH0_KEYWORD_REPLACE_MAPPINGS, LAYOUT; MODE=plan with
//	                 dummy credentials for a fault that is an error only
//	                 when deploying: the run must stop before the tenant)
//	expected.golden  "# comment" lines saying what the case is about, then
//	                 the expected problem lines in output order
package corpus

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Case is one corpus case.
type Case struct {
	Name string
	Dir  string
	// Env holds the variables of env.json.
	Env map[string]string
	// Comment is the golden file's leading comment lines.
	Comment []string
	// Want are the expected problem lines.
	Want []string
}

// GoldenFile is the name of a case's golden file.
const GoldenFile = "expected.golden"

// Load returns every case under dir, sorted by name.
func Load(dir string) ([]Case, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c := Case{Name: e.Name(), Dir: filepath.Join(dir, e.Name()), Env: map[string]string{}}
		if err := c.readEnv(); err != nil {
			return nil, err
		}
		if err := c.readGolden(); err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}

func (c *Case) readEnv() error {
	data, err := os.ReadFile(filepath.Join(c.Dir, "env.json"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &c.Env); err != nil {
		return fmt.Errorf("%s/env.json: %w", c.Name, err)
	}
	return nil
}

func (c *Case) readGolden() error {
	f, err := os.Open(filepath.Join(c.Dir, GoldenFile))
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#") && len(c.Want) == 0:
			c.Comment = append(c.Comment, line)
		case strings.TrimSpace(line) != "":
			c.Want = append(c.Want, line)
		}
	}
	return sc.Err()
}

// WriteGolden rewrites the case's golden file with got, keeping the comment.
func (c *Case) WriteGolden(got []string) error {
	var b strings.Builder
	for _, l := range c.Comment {
		b.WriteString(l + "\n")
	}
	for _, l := range got {
		b.WriteString(l + "\n")
	}
	return os.WriteFile(filepath.Join(c.Dir, GoldenFile), []byte(b.String()), 0o644)
}

// generated is one entry of generate.json.
type generated struct {
	Path string `json:"path"`
	// Exactly one of the following.
	Text    *string `json:"text,omitempty"`
	Base64  string  `json:"base64,omitempty"`
	Symlink string  `json:"symlink,omitempty"`
	// Repeat and Count create Count copies of Repeat (a big file).
	Repeat string `json:"repeat,omitempty"`
	Count  int    `json:"count,omitempty"`
	// Dir creates an empty folder.
	Dir bool `json:"dir,omitempty"`
}

// Materialize copies the case's workspace to dst (which must exist) and
// creates the generated files.
func (c *Case) Materialize(dst string) error {
	src := filepath.Join(c.Dir, "workspace")
	if _, err := os.Stat(src); err == nil {
		if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
			return fmt.Errorf("copy %s: %w", c.Name, err)
		}
	}
	data, err := os.ReadFile(filepath.Join(c.Dir, "generate.json"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var gens []generated
	if err := json.Unmarshal(data, &gens); err != nil {
		return fmt.Errorf("%s/generate.json: %w", c.Name, err)
	}
	for _, g := range gens {
		p := filepath.Join(dst, filepath.FromSlash(g.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		switch {
		case g.Dir:
			err = os.MkdirAll(p, 0o755)
		case g.Symlink != "":
			err = os.Symlink(g.Symlink, p)
		case g.Text != nil:
			err = os.WriteFile(p, []byte(*g.Text), 0o644)
		case g.Base64 != "":
			var b []byte
			if b, err = base64.StdEncoding.DecodeString(g.Base64); err == nil {
				err = os.WriteFile(p, b, 0o644)
			}
		case g.Count > 0:
			err = os.WriteFile(p, []byte(strings.Repeat(g.Repeat, g.Count)), 0o644)
		default:
			err = fmt.Errorf("nothing to generate")
		}
		if err != nil {
			return fmt.Errorf("%s: generate %s: %w", c.Name, g.Path, err)
		}
	}
	return nil
}

// problemLine matches a line that model.Problem.String() prints:
// [path[:line[:col]]: ]severity: message.
var problemLine = regexp.MustCompile(`^(\S[^:]*(:\d+(:\d+)?)?: )?(error|warning): `)

// ProblemLines returns the lines of output that are problem lines.
func ProblemLines(output string) []string {
	var out []string
	for _, line := range strings.Split(output, "\n") {
		line = strings.TrimRight(line, "\r")
		if problemLine.MatchString(line) {
			out = append(out, line)
		}
	}
	return out
}

// List splits a list variable the way the pipe does: commas or newlines.
func List(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
