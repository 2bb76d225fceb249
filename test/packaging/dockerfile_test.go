package packaging

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with its continuation lines
// joined.
type instruction struct {
	Line int
	Cmd  string // upper case: FROM, RUN, COPY, ...
	Args string
}

func dockerfile(t testing.TB) []instruction {
	t.Helper()
	var out []instruction
	var cur *instruction
	for i, line := range strings.Split(string(readFile(t, "Dockerfile")), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur == nil && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur != nil && strings.HasPrefix(trimmed, "#") {
			continue // comment inside a continued instruction
		}
		cont := strings.HasSuffix(trimmed, `\`)
		trimmed = strings.TrimSuffix(trimmed, `\`)
		if cur == nil {
			cmd, args, _ := strings.Cut(trimmed, " ")
			cur = &instruction{Line: i + 1, Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args)}
		} else {
			cur.Args += " " + strings.TrimSpace(trimmed)
		}
		if !cont {
			out = append(out, *cur)
			cur = nil
		}
	}
	if len(out) == 0 {
		t.Fatal("Dockerfile: no instructions")
	}
	return out
}

// stages splits the instructions at each FROM.
func stages(ins []instruction) [][]instruction {
	var out [][]instruction
	for _, in := range ins {
		if in.Cmd == "FROM" {
			out = append(out, nil)
		}
		if len(out) > 0 {
			out[len(out)-1] = append(out[len(out)-1], in)
		}
	}
	return out
}

var fromRe = regexp.MustCompile(`^(\S+?)(?::(\S+?))?(?:@sha256:[0-9a-f]{64})?(?:\s+AS\s+(\S+))?$`)

// hadolint cannot be installed here; the pipe's own pipeline runs it. These
// are the rules of it that apply to this Dockerfile, checked on every
// `make test`.
func TestDockerfileFollowsHadolintRules(t *testing.T) {
	ins := dockerfile(t)
	st := stages(ins)
	if len(st) < 2 {
		t.Fatalf("Dockerfile: %d stages, want a build stage and a runtime stage", len(st))
	}
	hasPipefail := false
	for _, in := range ins {
		switch in.Cmd {
		case "FROM":
			m := fromRe.FindStringSubmatch(in.Args)
			if m == nil {
				t.Errorf("Dockerfile:%d: cannot read FROM %q", in.Line, in.Args)
				continue
			}
			image, tag := m[1], m[2]
			if image != "scratch" && (tag == "" || tag == "latest") { // DL3006, DL3007
				t.Errorf("Dockerfile:%d: %s must be pinned to a version tag", in.Line, image)
			}
		case "SHELL":
			hasPipefail = strings.Contains(in.Args, "pipefail")
		case "RUN":
			if regexp.MustCompile(`(^|[;&|]\s*)cd\s`).MatchString(in.Args) { // DL3003
				t.Errorf("Dockerfile:%d: use WORKDIR instead of cd", in.Line)
			}
			if strings.Contains(in.Args, "apt-get install") && !strings.Contains(in.Args, "--no-install-recommends") { // DL3015
				t.Errorf("Dockerfile:%d: apt-get install without --no-install-recommends", in.Line)
			}
			if regexp.MustCompile(`[^|]\|[^|]`).MatchString(in.Args) && !hasPipefail { // DL4006
				t.Errorf("Dockerfile:%d: a pipe in RUN needs SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] first", in.Line)
			}
			if strings.Contains(in.Args, "sudo ") { // DL3004
				t.Errorf("Dockerfile:%d: sudo", in.Line)
			}
		case "ENTRYPOINT", "CMD":
			var argv []string
			if err := json.Unmarshal([]byte(in.Args), &argv); err != nil || len(argv) == 0 { // DL3025
				t.Errorf("Dockerfile:%d: %s must be in exec form (a JSON array)", in.Line, in.Cmd)
			}
		case "USER":
			if u := strings.Fields(in.Args); len(u) > 0 && (u[0] == "root" || u[0] == "0") { // DL3002
				t.Errorf("Dockerfile:%d: do not switch to root explicitly", in.Line)
			}
		case "MAINTAINER": // DL4000
			t.Errorf("Dockerfile:%d: MAINTAINER is deprecated", in.Line)
		case "ADD": // DL3020
			t.Errorf("Dockerfile:%d: use COPY, not ADD", in.Line)
		}
	}
	for i := 1; i < len(ins); i++ { // DL3059
		if ins[i].Cmd == "RUN" && ins[i-1].Cmd == "RUN" {
			t.Errorf("Dockerfile:%d: consecutive RUN instructions", ins[i].Line)
		}
	}
	for i, s := range st[:len(st)-1] {
		if m := fromRe.FindStringSubmatch(s[0].Args); m == nil || m[3] == "" {
			t.Errorf("Dockerfile: build stage %d has no name (FROM ... AS name)", i+1)
		}
	}
}

// The runtime stage is what the issue asks for: an empty base with the
// static binary, the CA bundle, pipe.yml and README.md, and an exec-form
// entrypoint that runs the binary.
func TestDockerfileRuntimeStage(t *testing.T) {
	st := stages(dockerfile(t))
	final := st[len(st)-1]
	if final[0].Args != "scratch" {
		t.Errorf("Dockerfile: runtime stage FROM %s, want scratch (the static-binary test runs it in an empty root)", final[0].Args)
	}
	var copies []string
	entry := ""
	for _, in := range final[1:] {
		switch in.Cmd {
		case "COPY":
			copies = append(copies, in.Args)
		case "ENTRYPOINT":
			entry = in.Args
		case "ENV", "LABEL", "ARG":
		default:
			t.Errorf("Dockerfile:%d: runtime stage has %s; the empty-root test would not see what it adds", in.Line, in.Cmd)
		}
	}
	want := []string{
		"--from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt",
		"--from=build /out/auth0-deploy /auth0-deploy",
		"pipe.yml README.md /",
	}
	if strings.Join(copies, "\n") != strings.Join(want, "\n") {
		t.Errorf("Dockerfile runtime stage copies:\n%s\nwant:\n%s", strings.Join(copies, "\n"), strings.Join(want, "\n"))
	}
	if entry != `["/auth0-deploy"]` {
		t.Errorf("Dockerfile: ENTRYPOINT %s, want [\"/auth0-deploy\"]", entry)
	}
}

var (
	goBuildRe = regexp.MustCompile(`go build (.*?) (?:-o \S+ )?\./pipe`)
	ldflagsRe = regexp.MustCompile(`-ldflags ["']([^"']*)["']`)
)

// buildFlags returns the flags of `go build ... ./pipe` in text, with the
// -ldflags value's version expansion normalised.
func buildFlags(t testing.TB, where, text string) (flags []string, ldflags string) {
	t.Helper()
	m := goBuildRe.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("%s: no `go build ... ./pipe`", where)
	}
	l := ldflagsRe.FindStringSubmatch(m[1])
	if l == nil {
		t.Fatalf("%s: go build has no -ldflags", where)
	}
	rest := ldflagsRe.ReplaceAllString(m[1], "")
	ld := regexp.MustCompile(`\$\(?\{?(version|VERSION|LDFLAGS)\}?\)?`).ReplaceAllString(l[1], "$$VERSION")
	return strings.Fields(rest), ld
}

// The image builds the binary exactly as `make build` does, and as the
// static-binary test below does.
func TestDockerfileBuildMatchesMakefile(t *testing.T) {
	var run string
	for _, in := range dockerfile(t) {
		if in.Cmd == "RUN" && strings.Contains(in.Args, "go build") {
			run = in.Args
		}
	}
	if !strings.Contains(run, "CGO_ENABLED=0") {
		t.Error("Dockerfile: go build without CGO_ENABLED=0")
	}
	dfFlags, dfLD := buildFlags(t, "Dockerfile", run)

	mk := string(readFile(t, "Makefile"))
	build := regexp.MustCompile(`(?m)^build:.*\n\t(.*)$`).FindStringSubmatch(mk)
	if build == nil {
		t.Fatal("Makefile: no build target")
	}
	ldRe := regexp.MustCompile(`(?m)^LDFLAGS :?= (.*)$`).FindStringSubmatch(mk)
	if ldRe == nil {
		t.Fatal("Makefile: no LDFLAGS")
	}
	mkCmd := strings.ReplaceAll(strings.ReplaceAll(build[1], "$(GO)", "go"), "$(LDFLAGS)", ldRe[1])
	mkFlags, mkLD := buildFlags(t, "Makefile", mkCmd)
	t.Logf("go build %v -ldflags %q", dfFlags, dfLD)
	if strings.Join(dfFlags, " ") != strings.Join(mkFlags, " ") || dfLD != mkLD {
		t.Errorf("Dockerfile builds with %v -ldflags %q; make build with %v -ldflags %q", dfFlags, dfLD, mkFlags, mkLD)
	}
	if !strings.Contains(" "+strings.Join(dfFlags, " ")+" ", " -trimpath ") {
		t.Error("go build without -trimpath")
	}
	for _, f := range []string{"-s", "-w", "-X bitbucket.org/auth0-deploy/auth0-deploy/internal/version.Version=$VERSION"} {
		if !strings.Contains(dfLD, f) {
			t.Errorf("-ldflags %q lacks %s", dfLD, f)
		}
	}
	if !regexp.MustCompile(`(?m)^export CGO_ENABLED \??= 0$`).MatchString(mk) {
		t.Error("Makefile: make build does not default to CGO_ENABLED=0")
	}
}

func goVersion(s string) [3]int {
	var v [3]int
	for i, p := range strings.SplitN(s, ".", 3) {
		n := 0
		for _, r := range p {
			if r < '0' || r > '9' {
				break
			}
			n = n*10 + int(r-'0')
		}
		v[i] = n
	}
	return v
}

func less(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// The image's Go is at least go.mod's, and the pipe's own CI tests with the
// very image the Dockerfile builds with.
func TestGoVersionsAgree(t *testing.T) {
	mod := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(readFile(t, "go.mod"))
	if mod == nil {
		t.Fatal("go.mod: no go directive")
	}
	build := stages(dockerfile(t))[0][0].Args
	m := regexp.MustCompile(`^golang:([0-9.]+)-\S+ AS build$`).FindStringSubmatch(build)
	if m == nil {
		t.Fatalf("Dockerfile: build stage FROM %q, want golang:<version>-<variant> AS build", build)
	}
	if less(goVersion(m[1]), goVersion(string(mod[1]))) {
		t.Errorf("Dockerfile builds with Go %s, go.mod needs %s", m[1], mod[1])
	}
	image := strings.TrimSuffix(build, " AS build")
	if own := readYAML(t, "bitbucket-pipelines.yml")["image"]; own != image {
		t.Errorf("bitbucket-pipelines.yml tests with %v, the Dockerfile builds with %s", own, image)
	}
}

// dockerignoreAllows applies .dockerignore's rules (only `*` and `!path`
// lines are used) to a slash path relative to the context root.
func dockerignoreAllows(rules []string, rel string) bool {
	allowed := true
	for _, r := range rules {
		neg := strings.HasPrefix(r, "!")
		pat := strings.TrimSuffix(strings.TrimPrefix(r, "!"), "/")
		match := pat == "*" || rel == pat || strings.HasPrefix(rel, pat+"/")
		if !match {
			if ok, _ := path.Match(pat, rel); ok {
				match = true
			}
		}
		if match {
			allowed = neg
		}
	}
	return allowed
}

// The build context lets in everything the binary is built from, and
// nothing else (no .git, no reports, no local files that may hold secrets).
func TestDockerignore(t *testing.T) {
	var rules []string
	for _, l := range strings.Split(string(readFile(t, ".dockerignore")), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if l != "*" && !regexp.MustCompile(`^![A-Za-z0-9._/-]+$`).MatchString(l) {
			t.Fatalf(".dockerignore: %q: keep it to `*` and `!path` lines (this test reads no other syntax)", l)
		}
		rules = append(rules, l)
	}
	if len(rules) == 0 || rules[0] != "*" {
		t.Fatal(".dockerignore: must start with `*` and let in what the build needs")
	}

	// Every package of the module that ./pipe is built from.
	r := root(t)
	out := runIn(t, r, os.Environ(), goTool(), "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}", "./pipe")
	n := 0
	for _, dir := range strings.Fields(out) {
		rel, err := filepath.Rel(r, dir)
		if err != nil {
			t.Fatal(err)
		}
		rel = filepath.ToSlash(rel)
		n++
		if !dockerignoreAllows(rules, rel+"/x.go") {
			t.Errorf(".dockerignore keeps out %s, which ./pipe is built from", rel)
		}
	}
	if n == 0 {
		t.Fatal("go list found no package of ./pipe")
	}
	for _, f := range []string{"go.mod", "go.sum", "pipe.yml", "README.md"} {
		if !dockerignoreAllows(rules, f) {
			t.Errorf(".dockerignore keeps out %s, which the Dockerfile copies", f)
		}
	}
	for _, f := range []string{".git/config", "auth0-deploy-report/report.json", "bin/auth0-deploy", "test/auth0sim/server.go", "examples/repository/rules/x.js", ".env"} {
		if dockerignoreAllows(rules, f) {
			t.Errorf(".dockerignore lets %s into the build context", f)
		}
	}
}
