package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The pipe's image, as users reference it. pipe.yml holds the one copy the
// release tool rewrites; every other mention must carry the same version.
const (
	imageRepo = "auth0deploy/auth0-deploy"  // Docker Hub image (pipe.yml `image`)
	pipeRef   = "auth0-deploy/auth0-deploy" // `pipe:` reference (Bitbucket workspace/repo)
)

// root is the repository root (tests run in test/packaging).
func root(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("repository root not found at %s: %v", dir, err)
	}
	return dir
}

// readFile reads a file relative to the repository root.
func readFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	return b
}

// readYAML decodes a YAML file relative to the repository root.
func readYAML(t testing.TB, rel string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(readFile(t, rel), &doc); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return doc
}

var pipeYMLImageRe = regexp.MustCompile(`(?m)^image: ` + regexp.QuoteMeta(imageRepo) + `:([0-9]+\.[0-9]+\.[0-9]+)$`)

// pipeVersion is the version in pipe.yml's image tag.
func pipeVersion(t testing.TB) string {
	t.Helper()
	m := pipeYMLImageRe.FindSubmatch(readFile(t, "pipe.yml"))
	if m == nil {
		t.Fatalf("pipe.yml has no line `image: %s:X.Y.Z`", imageRepo)
	}
	return string(m[1])
}

// goTool is the go command of the toolchain running the tests.
func goTool() string {
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "go"
}

// runIn runs a command in dir with env and returns its stdout; it fails the
// test with stderr on error.
func runIn(t testing.TB, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// envWithout returns the process environment without the named variables.
func envWithout(names ...string) []string {
	var out []string
outer:
	for _, kv := range os.Environ() {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue outer
			}
		}
		out = append(out, kv)
	}
	return out
}

// markdownSection returns the text of the section that starts with the
// heading line (e.g. "## Variables") up to the next heading of the same or
// a higher level. It fails the test when the heading is missing.
func markdownSection(t testing.TB, doc, heading string) string {
	t.Helper()
	level := strings.IndexFunc(heading, func(r rune) bool { return r != '#' })
	lines := strings.Split(doc, "\n")
	start := -1
	inFence := false
	for i, l := range lines {
		if strings.HasPrefix(l, "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		if start < 0 {
			if strings.TrimRight(l, " ") == heading {
				start = i
			}
			continue
		}
		if n := strings.IndexFunc(l, func(r rune) bool { return r != '#' }); n > 0 && n <= level && strings.HasPrefix(l[n:], " ") {
			return strings.Join(lines[start:i], "\n")
		}
	}
	if start < 0 {
		t.Fatalf("README has no %q section", heading)
	}
	return strings.Join(lines[start:], "\n")
}

// fencedBlocks returns the bodies of the ```lang fenced blocks in text.
func fencedBlocks(text, lang string) []string {
	var out []string
	var cur []string
	in := false
	for _, l := range strings.Split(text, "\n") {
		switch {
		case !in && strings.TrimSpace(l) == "```"+lang:
			in, cur = true, nil
		case in && strings.TrimSpace(l) == "```":
			in = false
			out = append(out, strings.Join(cur, "\n")+"\n")
		case in:
			cur = append(cur, l)
		}
	}
	return out
}
