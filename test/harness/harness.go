// Package harness runs the built pipe binary as a process, the way
// Bitbucket Pipelines does: configuration in the environment, a workspace
// folder, exit code and output observed from outside. End-to-end tests and
// the demo share it.
package harness

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// RepoRoot finds the module root (the folder holding go.mod).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Binary builds ./pipe once per test process (static, as the image does)
// and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "auth0-deploy-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "auth0-deploy")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X bitbucket.org/auth0-deploy/auth0-deploy/internal/version.Version=0.0.0-test", "-o", binPath, "./pipe")
		cmd.Dir = RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./pipe: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Result of one run of the pipe.
type Result struct {
	Code   int
	Stdout string
	Stderr string
	// Report is REPORT_DIR/report.json when it was written.
	Report    *report.Report
	ReportDir string
}

// Run runs the binary with exactly env (plus PATH and HOME) in workspace.
// REPORT_DIR defaults to a fresh temp folder unless env sets it.
func Run(t testing.TB, bin, workspace string, env map[string]string) Result {
	t.Helper()
	full := map[string]string{
		"PATH":                os.Getenv("PATH"),
		"HOME":                os.Getenv("HOME"),
		"BITBUCKET_CLONE_DIR": workspace,
		"NO_COLOR":            "1",
	}
	for k, v := range env {
		full[k] = v
	}
	if _, ok := full["REPORT_DIR"]; !ok {
		full["REPORT_DIR"] = t.TempDir()
	}
	var list []string
	for k, v := range full {
		list = append(list, k+"="+v)
	}
	cmd := exec.Command(bin)
	cmd.Dir = workspace
	cmd.Env = list
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String(), ReportDir: full["REPORT_DIR"]}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.Code = ee.ExitCode()
	default:
		t.Fatalf("run %s: %v", bin, err)
	}
	if data, err := os.ReadFile(filepath.Join(res.ReportDir, "report.json")); err == nil {
		var rep report.Report
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatalf("report.json is not valid JSON: %v", err)
		}
		res.Report = &rep
	}
	return res
}

// CopyTree copies src into a new temp folder and returns it.
func CopyTree(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := Copy(src, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// Copy copies the tree at src into dst.
func Copy(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// WriteFiles writes name → content files under dir (slash paths).
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Lines returns the non-empty lines of s.
func Lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
