package app

import (
	"os"
	"path/filepath"
	"testing"
)

func TestInsideRepository(t *testing.T) {
	tmp := t.TempDir()
	ws := filepath.Join(tmp, "repo")
	outside := filepath.Join(tmp, "elsewhere")
	for _, d := range []string{filepath.Join(ws, "tenants", "prod"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"abs-out":   outside,                                // absolute, outside
		"rel-out":   "../elsewhere",                         // relative, outside
		"in":        "tenants/prod",                         // inside: fine
		"tenants/x": filepath.Join("..", "..", "elsewhere"), // a link deeper in the path
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(ws, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		base string
		ok   bool
	}{
		{".", true},
		{"tenants/prod", true},
		{"in", true},
		{"abs-out", false},
		{"rel-out", false},
		{"tenants/x", false},
	} {
		err := insideRepository(ws, filepath.Join(ws, tc.base))
		if (err == nil) != tc.ok {
			t.Errorf("BASE_DIR=%s: err = %v, want ok=%v", tc.base, err, tc.ok)
		}
	}
}
