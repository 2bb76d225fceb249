package harness

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// listFiles returns the files under dir as sorted slash paths.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	}))
	sort.Strings(out)
	return out
}

func writeTree(t *testing.T, dir string, files ...string) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(f+"\n"), 0o644))
	}
}

// The copy of the example holds exactly the repository's files.
func TestExampleRepository(t *testing.T) {
	got := listFiles(t, ExampleRepository(t))
	for _, f := range got {
		if strings.HasPrefix(f, reportDirName+"/") {
			t.Errorf("the copy holds %s", f)
		}
	}
	for _, want := range []string{"README.md", "rules/add-country-claim.js", "pages/login.html", "database-connections/legacy-users/login.js"} {
		require.Contains(t, got, want)
	}
}

// Leftovers that git ignores (a report written into the example by a run
// in place) are not copied; new files that git does not ignore are.
func TestCopyRepositoryLeavesIgnoredFilesOut(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repo := t.TempDir()
	for _, args := range [][]string{{"init", "-q"}, {"config", "user.email", "t@example.com"}, {"config", "user.name", "t"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
	}
	require.NoError(t, os.WriteFile(filepath.Join(repo, ".gitignore"), []byte("auth0-deploy-report/\n*.out\n"), 0o644))
	writeTree(t, repo, "examples/repository/rules/a.js", "examples/repository/README.md")
	cmd := exec.Command("git", "add", ".")
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	writeTree(t, repo, "examples/repository/rules/new.js",
		"examples/repository/auth0-deploy-report/report.json", "examples/repository/rules/x.out")

	dst := t.TempDir()
	require.NoError(t, CopyRepository(filepath.Join(repo, "examples", "repository"), dst))
	require.Equal(t, []string{"README.md", "rules/a.js", "rules/new.js"}, listFiles(t, dst))
}

// Outside a git work tree, everything but auth0-deploy-report/ is copied.
func TestCopyRepositoryWithoutGit(t *testing.T) {
	src := t.TempDir()
	// Whatever the temp folder is in, git finds no repository here.
	t.Setenv("GIT_DIR", filepath.Join(src, "no-such-git-dir"))
	writeTree(t, src, "rules/a.js", "README.md", "auth0-deploy-report/report.json", "pages/auth0-deploy-report/x")
	dst := t.TempDir()
	require.NoError(t, CopyRepository(src, dst))
	require.Equal(t, []string{"README.md", "rules/a.js"}, listFiles(t, dst))
}
