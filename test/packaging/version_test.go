package packaging

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The released versions in .changes/ (semversioner's files) are the source
// of truth for the pipe's version. The release pipe (semversioner) adds
// .changes/X.Y.Z.json, regenerates CHANGELOG.md and rewrites the version in
// pipe.yml and README.md; `make build` and the Dockerfile take the version
// from pipe.yml. These tests keep all of them in step.

var update = flag.Bool("update", false, "rewrite CHANGELOG.md from .changes/ (make changelog)")

type change struct {
	Type        string `json:"type"`
	Description string `json:"description"`
}

type release struct {
	Version string
	semver  [3]int
	Changes []change
}

var semverRe = regexp.MustCompile(`^([0-9]+)\.([0-9]+)\.([0-9]+)$`)

func parseSemver(s string) ([3]int, bool) {
	m := semverRe.FindStringSubmatch(s)
	if m == nil {
		return [3]int{}, false
	}
	var v [3]int
	for i := range v {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	return v, true
}

// releases reads .changes/X.Y.Z.json, newest first. Both of semversioner's
// formats are read: a bare list of changes (the one written here, which
// every semversioner version reads) and {"version", "changes", ...}.
func releases(t testing.TB) []release {
	t.Helper()
	dir := filepath.Join(root(t), ".changes")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read .changes: %v", err)
	}
	var out []release
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") {
			continue
		}
		ver := strings.TrimSuffix(name, ".json")
		sv, ok := parseSemver(ver)
		if !ok {
			t.Errorf(".changes/%s: a released version's file must be named X.Y.Z.json", name)
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var changes []change
		if err := json.Unmarshal(b, &changes); err != nil {
			var obj struct {
				Version string   `json:"version"`
				Changes []change `json:"changes"`
			}
			if err2 := json.Unmarshal(b, &obj); err2 != nil {
				t.Errorf(".changes/%s: neither a list of changes nor a release object: %v", name, err)
				continue
			}
			changes = obj.Changes
		}
		if len(changes) == 0 {
			t.Errorf(".changes/%s: a release without changes", name)
		}
		for _, c := range changes {
			checkChange(t, ".changes/"+name, c)
		}
		// semversioner sorts a release's changes by type + description.
		sort.SliceStable(changes, func(i, j int) bool {
			return changes[i].Type+changes[i].Description < changes[j].Type+changes[j].Description
		})
		out = append(out, release{Version: ver, semver: sv, Changes: changes})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].semver, out[j].semver
		for k := range a {
			if a[k] != b[k] {
				return a[k] > b[k]
			}
		}
		return false
	})
	if len(out) == 0 {
		t.Fatal(".changes/ has no released version (X.Y.Z.json)")
	}
	return out
}

func checkChange(t testing.TB, where string, c change) {
	t.Helper()
	switch c.Type {
	case "major", "minor", "patch":
	default:
		t.Errorf("%s: type %q, want major, minor or patch", where, c.Type)
	}
	if strings.TrimSpace(c.Description) == "" || strings.ContainsAny(c.Description, "\n\r") {
		t.Errorf("%s: description must be one non-empty line (it becomes one changelog bullet)", where)
	}
}

// renderChangelog renders releases as `semversioner changelog` does with
// its default template.
func renderChangelog(rels []release) string {
	var b strings.Builder
	b.WriteString("# Changelog\nNote: version releases in the 0.x.y range may introduce breaking changes.\n")
	for _, r := range rels {
		fmt.Fprintf(&b, "\n## %s\n\n", r.Version)
		for _, c := range r.Changes {
			fmt.Fprintf(&b, "- %s: %s\n", c.Type, c.Description)
		}
	}
	return b.String()
}

func TestChangelogIsGeneratedFromChanges(t *testing.T) {
	want := renderChangelog(releases(t))
	path := filepath.Join(root(t), "CHANGELOG.md")
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := string(readFile(t, "CHANGELOG.md"))
	// semversioner's CLI may add one newline; nothing else may differ.
	if strings.TrimRight(got, "\n") != strings.TrimRight(want, "\n") {
		t.Errorf("CHANGELOG.md is not what .changes/ generates (run `make changelog`).\n--- got\n%s\n--- want\n%s", got, want)
	}
}

// Change files others add for the next release: semversioner refuses to
// release a malformed one, so catch it here, at the commit that adds it.
func TestNextReleaseChangeFiles(t *testing.T) {
	dir := filepath.Join(root(t), ".changes", "next-release")
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return // nothing pending
	}
	if err != nil {
		t.Fatal(err)
	}
	nameRe := regexp.MustCompile(`^(major|minor|patch)-[0-9]+(-[0-9]+)?\.json$`)
	for _, e := range entries {
		where := ".changes/next-release/" + e.Name()
		m := nameRe.FindStringSubmatch(e.Name())
		if e.IsDir() || m == nil {
			if e.Name() != ".gitkeep" {
				t.Errorf("%s: want <major|minor|patch>-<timestamp>.json", where)
			}
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var c change
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			t.Errorf("%s: want {\"type\": ..., \"description\": ...}: %v", where, err)
			continue
		}
		checkChange(t, where, c)
		if c.Type != m[1] {
			t.Errorf("%s: type %q does not match the file name", where, c.Type)
		}
	}
}

// pipeRefRe finds every reference to the pipe or its image with a version:
// `auth0-deploy/auth0-deploy:1.2.3`, `docker://auth0deploy/auth0-deploy:1.2.3`.
var pipeRefRe = regexp.MustCompile(`(?:` + regexp.QuoteMeta(pipeRef) + `|` + regexp.QuoteMeta(imageRepo) + `):([0-9][0-9A-Za-z.+-]*)`)

func TestVersionAgreesEverywhere(t *testing.T) {
	latest := releases(t)[0].Version
	if v := pipeVersion(t); v != latest {
		t.Errorf("pipe.yml's image tag is %s, the latest release in .changes/ is %s", v, latest)
	}
	if !strings.Contains(string(readFile(t, "CHANGELOG.md")), "\n## "+latest+"\n") {
		t.Errorf("CHANGELOG.md has no section for %s", latest)
	}

	// Every versioned mention of the pipe in what users read.
	files := []string{"README.md", "examples/bitbucket-pipelines.yml"}
	docs, _ := filepath.Glob(filepath.Join(root(t), "docs", "*.md"))
	for _, d := range docs {
		files = append(files, "docs/"+filepath.Base(d))
	}
	for _, f := range files {
		refs := pipeRefRe.FindAllStringSubmatch(string(readFile(t, f)), -1)
		if f == "README.md" && len(refs) == 0 {
			t.Errorf("README.md never names the pipe with its version")
		}
		for _, m := range refs {
			if m[1] != latest {
				t.Errorf("%s: %s, want version %s", f, m[0], latest)
			}
		}
	}

	// The version `make build` stamps (the Makefile reads pipe.yml).
	got := strings.TrimSpace(runIn(t, root(t), envWithout("VERSION", "MAKEFLAGS", "MFLAGS"), "make", "-s", "--no-print-directory", "version"))
	if got != latest {
		t.Errorf("make version = %q, want %s", got, latest)
	}
}

// The Dockerfile derives the version from pipe.yml with sed; run that very
// command so that a change of pipe.yml's shape cannot silently stamp an
// empty version into the image (the build would also stop at `test -n`).
func TestDockerfileReadsVersionFromPipeYML(t *testing.T) {
	df := string(readFile(t, "Dockerfile"))
	m := regexp.MustCompile(`\$\((sed -n '[^']+' pipe\.yml)\)`).FindStringSubmatch(df)
	if m == nil {
		t.Fatal("Dockerfile: no $(sed -n '...' pipe.yml) that reads the version")
	}
	got := strings.TrimSpace(runIn(t, root(t), os.Environ(), "sh", "-c", m[1]))
	if want := pipeVersion(t); got != want {
		t.Errorf("Dockerfile's %s prints %q, want %q", m[1], got, want)
	}
}
