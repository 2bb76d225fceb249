package packaging

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// The image cannot be built here (no Docker engine), so this test does what
// the image does, without Docker: it builds the binary with the Dockerfile's
// command, checks that it is static, and runs it chrooted in a folder that
// holds what the image's scratch stage holds (the binary and the CA bundle)
// plus the checked-out repository at the path Pipelines mounts it on. A
// dynamic binary, a file read from the build machine, or a missing CA bundle
// fails here as it would in the image.

// imageLimit is the image size the issue allows. The image is FROM scratch,
// so its size is the size of the files the runtime stage copies.
const imageLimit = 20_000_000

// cloneDir is where Bitbucket Pipelines mounts the repository in a pipe.
const cloneDir = "/opt/atlassian/pipelines/agent/build"

// caBundle is the CA bundle the image copies from the build stage (Debian's
// path, the same in golang:*-bookworm and on this machine).
const caBundle = "/etc/ssl/certs/ca-certificates.crt"

// buildImageBinary builds ./pipe as the Dockerfile does: CGO off, -trimpath,
// -s -w, the version from pipe.yml.
func buildImageBinary(t *testing.T, dst string) {
	t.Helper()
	var ldflags string
	for _, in := range dockerfile(t) {
		if in.Cmd == "RUN" && strings.Contains(in.Args, "go build") {
			_, ldflags = buildFlags(t, "Dockerfile", in.Args)
		}
	}
	ldflags = strings.ReplaceAll(ldflags, "$VERSION", pipeVersion(t))
	env := append(envWithout("CGO_ENABLED", "GOFLAGS", "GOOS", "GOARCH"), "CGO_ENABLED=0")
	runIn(t, root(t), env, goTool(), "build", "-trimpath", "-ldflags", ldflags, "-o", dst, "./pipe")
}

// checkStatic fails unless bin is a static ELF executable: no program
// interpreter, no dynamic section, no symbol table, no build paths.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("%s is not an ELF file: %v", bin, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			t.Error("the binary has a program interpreter (PT_INTERP): it is dynamically linked")
		case elf.PT_DYNAMIC:
			t.Error("the binary has a dynamic section (PT_DYNAMIC)")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("the binary imports shared libraries %v (%v)", libs, err)
	}
	if f.Section(".symtab") != nil {
		t.Error("the binary has a symbol table: -ldflags -s is missing")
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(root(t))) {
		t.Errorf("the binary contains the build path %s: -trimpath is missing", root(t))
	}
}

func copyFile(t *testing.T, src, dst string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == "auth0-deploy-report" {
				return fs.SkipDir // reports of a local run of the README's example: not part of it
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		copyFile(t, p, filepath.Join(dst, rel), 0o644)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// chrootRun is one run of the pipe inside the image root.
type chrootRun struct {
	Code           int
	Stdout, Stderr string
}

// setVariables records the pipe variables the chrooted runs set.
var setVariables = map[string]bool{}

// runChrooted runs /auth0-deploy with exactly env (nothing inherited) in
// the root folder, with the working directory at the clone dir.
func runChrooted(t *testing.T, rootDir string, env map[string]string, args ...string) chrootRun {
	t.Helper()
	cmd := exec.Command("/auth0-deploy", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: rootDir}
	cmd.Dir = cloneDir
	cmd.Env = []string{}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
		if known, ok := LookupVariable(k); ok {
			setVariables[known.Name] = true
			setVariables[k] = true
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := chrootRun{Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.Code = ee.ExitCode()
	default:
		t.Fatalf("run /auth0-deploy chrooted in %s: %v", rootDir, err)
	}
	return res
}

// readReport reads report.json from the image root.
func readReport(t *testing.T, rootDir, reportDir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(rootDir, filepath.FromSlash(reportDir), "report.json"))
	if err != nil {
		t.Fatalf("report.json: %v", err)
	}
	var rep map[string]any
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	return rep
}

// pipelinesEnv is what Bitbucket Pipelines gives every pipe (see
// /work/shared/reference/pipes.md §1.1), for a build of main.
func pipelinesEnv() map[string]string {
	return map[string]string{
		"CI":                       "true",
		"BITBUCKET_CLONE_DIR":      cloneDir,
		"BITBUCKET_BRANCH":         "main",
		"BITBUCKET_COMMIT":         "3f6c2a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c",
		"BITBUCKET_BUILD_NUMBER":   "42",
		"BITBUCKET_REPO_FULL_NAME": "acme/auth0-tenant",
		"BITBUCKET_WORKSPACE":      "acme",
		"BITBUCKET_REPO_SLUG":      "auth0-tenant",
		"BITBUCKET_PIPELINE_UUID":  "{8c3b5a1e-1b2c-4d5e-8f90-123456789abc}",
		"BITBUCKET_STEP_UUID":      "{1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6}",
	}
}

func TestStaticBinaryRunsInEmptyRoot(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the pipe image is linux; this test needs a linux machine")
	}
	dir := t.TempDir()
	rootDir := filepath.Join(dir, "root")
	bin := filepath.Join(rootDir, "auth0-deploy")
	if err := os.MkdirAll(rootDir, 0o755); err != nil {
		t.Fatal(err)
	}
	buildImageBinary(t, bin)
	checkStatic(t, bin)

	// The image: scratch + these files (see TestDockerfileRuntimeStage).
	copyFile(t, caBundle, filepath.Join(rootDir, filepath.FromSlash(caBundle)), 0o644)
	var size int64
	for _, f := range []string{bin, filepath.Join(rootDir, filepath.FromSlash(caBundle)), filepath.Join(root(t), "pipe.yml"), filepath.Join(root(t), "README.md")} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		size += st.Size()
	}
	t.Logf("image content: %d bytes (limit %d)", size, imageLimit)
	if size >= imageLimit {
		t.Errorf("the image would be %d bytes, over the %d limit", size, imageLimit)
	}

	if os.Geteuid() != 0 {
		t.Skip("running the binary in an empty root needs chroot, which needs root: run `make test` as root (CI and Bitbucket Pipelines do)")
	}
	workspace := filepath.Join(rootDir, filepath.FromSlash(cloneDir))
	copyTree(t, filepath.Join(root(t), "examples", "repository"), workspace)

	t.Run("version", func(t *testing.T) {
		res := runChrooted(t, rootDir, nil, "--version")
		if want := "auth0-deploy " + pipeVersion(t) + "\n"; res.Code != 0 || res.Stdout != want {
			t.Errorf("--version: exit %d, stdout %q, want %q (stderr %q)", res.Code, res.Stdout, want, res.Stderr)
		}
	})

	t.Run("validate", func(t *testing.T) {
		env := pipelinesEnv()
		for k, v := range exampleVariables {
			env[k] = v
		}
		env["MODE"] = "validate"
		env["LAYOUT"] = "auto"
		env["BASE_DIR"] = "."
		env["CODE_INSIGHTS"] = "false"
		env["DEBUG"] = "true"
		res := runChrooted(t, rootDir, env)
		if res.Code != 0 {
			t.Fatalf("validate: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
		}
		first, _, _ := strings.Cut(res.Stdout, "\n")
		if !strings.Contains(first, pipeVersion(t)) || !strings.Contains(first, "validate") {
			t.Errorf("validate: first line %q does not name the version and the mode", first)
		}
		rep := readReport(t, rootDir, cloneDir+"/auth0-deploy-report")
		tool, _ := rep["tool"].(map[string]any)
		if rep["mode"] != "validate" || rep["status"] != "succeeded" || tool["version"] != pipeVersion(t) {
			t.Errorf("validate: report.json mode %v status %v tool %v", rep["mode"], rep["status"], tool)
		}
	})

	t.Run("plan, deploy, plan", func(t *testing.T) { planDeployPlan(t, rootDir) })

	// Every variable of the pipe was set by one of the runs above.
	if t.Failed() {
		return // a run stopped early; its variables are not the point
	}
	for _, v := range Variables {
		if !setVariables[v.Name] {
			t.Errorf("no run of the static binary sets %s", v.Name)
		}
	}
}
