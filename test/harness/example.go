package harness

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// ExampleDir is the bundled example repository, examples/repository.
func ExampleDir() string { return filepath.Join(RepoRoot(), "examples", "repository") }

// ExampleRepository copies the bundled example (ExampleDir) into a new
// temp folder and returns it. Every test that runs on the example uses it,
// never the folder in place: only what the repository holds is copied, so
// leftovers in the working copy cannot change a result (the README's
// standalone example runs the pipe with BITBUCKET_CLONE_DIR set to the
// example, which leaves a git-ignored auth0-deploy-report/ in it).
func ExampleRepository(t testing.TB) string {
	t.Helper()
	dst := t.TempDir()
	if err := CopyRepository(ExampleDir(), dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// CopyRepository copies the files of src that belong to the repository
// into dst (which must exist): those git lists as tracked or as new and not
// ignored. Without git (not installed, or src not in a work tree) it copies
// everything but the pipe's own output, auth0-deploy-report/ folders.
func CopyRepository(src, dst string) error {
	files, err := repositoryFiles(src)
	if err != nil {
		files, err = filesOutsideReports(src)
		if err != nil {
			return err
		}
	}
	for _, rel := range files {
		from := filepath.Join(src, filepath.FromSlash(rel))
		info, err := os.Lstat(from)
		if os.IsNotExist(err) {
			continue // tracked, but deleted in the working copy
		}
		if err != nil {
			return err
		}
		to := filepath.Join(dst, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(from)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, to); err != nil {
				return err
			}
			continue
		}
		data, err := os.ReadFile(from)
		if err != nil {
			return err
		}
		if err := os.WriteFile(to, data, info.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

// repositoryFiles asks git for the files under src (slash paths relative
// to src) that are tracked, or new and not ignored.
func repositoryFiles(src string) ([]string, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
	cmd.Dir = src
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files in %s: %v: %s", src, err, strings.TrimSpace(stderr.String()))
	}
	var files []string
	seen := map[string]bool{}
	for _, f := range strings.Split(string(out), "\x00") {
		if f != "" && !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("git lists no files in %s", src)
	}
	return files, nil
}

// reportDirName is the pipe's default REPORT_DIR, which .gitignore ignores
// wherever it is.
const reportDirName = "auth0-deploy-report"

// filesOutsideReports lists every file under src but those in
// auth0-deploy-report/ folders.
func filesOutsideReports(src string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == reportDirName {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	return files, err
}
