package workspace

import (
	"encoding/json"
	"flag"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/corpus"
)

var update = flag.Bool("update", false, "rewrite the golden files of test/testdata/invalid")

const corpusDir = "../../test/testdata/invalid"

// caseOptions builds reader options from a corpus case's env file the way
// the pipe's configuration does.
func caseOptions(t *testing.T, c corpus.Case) (baseDir string, opts Options) {
	t.Helper()
	baseDir = strings.Trim(c.Env["BASE_DIR"], "/")
	if baseDir == "." {
		baseDir = ""
	}
	opts.PathPrefix = baseDir
	opts.ManualRules = corpus.List(c.Env["MANUAL_RULES"])
	opts.ManualActions = corpus.List(c.Env["MANUAL_ACTIONS"])
	opts.Layout = c.Env["LAYOUT"]
	// plan and deploy need every secret value and keyword; validate warns.
	opts.RequireSecretValues = c.Env["MODE"] == "plan" || c.Env["MODE"] == "deploy"
	if m := c.Env["AUTH0_KEYWORD_REPLACE_MAPPINGS"]; m != "" {
		dec := json.NewDecoder(strings.NewReader(m))
		dec.UseNumber()
		if err := dec.Decode(&opts.Mappings); err != nil {
			t.Fatalf("%s: mappings: %v", c.Name, err)
		}
	}
	return baseDir, opts
}

// TestCorpus reads every malformed repository of the corpus in-process and
// compares the problem lines with the golden file that the end-to-end test
// of the binary (test/e2e) checks too.
func TestCorpus(t *testing.T) {
	cases, err := corpus.Load(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 40 {
		t.Fatalf("corpus has %d cases, want at least 40", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			ws := t.TempDir()
			if err := c.Materialize(ws); err != nil {
				t.Fatal(err)
			}
			baseDir, opts := caseOptions(t, c)
			_, problems := Read(os.DirFS(filepath.Join(ws, filepath.FromSlash(path.Clean("./"+baseDir)))), opts)
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if *update {
				if err := c.WriteGolden(got); err != nil {
					t.Fatal(err)
				}
				return
			}
			if strings.Join(got, "\n") != strings.Join(c.Want, "\n") {
				t.Errorf("problems differ from %s/%s\n got:\n%s\nwant:\n%s", c.Name, corpus.GoldenFile, strings.Join(got, "\n"), strings.Join(c.Want, "\n"))
			}
			if len(c.Comment) == 0 {
				t.Errorf("%s has no comment saying what it tests", corpus.GoldenFile)
			}
		})
	}
}
