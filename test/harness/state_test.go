package harness

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite examples/tenant-state.json")

// stableJSON renders ExampleState without the random client secrets the
// stand-in's seed generates.
func stableJSON(t *testing.T) []byte {
	st := ExampleState()
	for _, c := range st.Clients {
		delete(c, "client_secret")
	}
	data, err := json.MarshalIndent(st, "", "  ")
	require.NoError(t, err)
	return append(data, '\n')
}

// examples/tenant-state.json is ExampleState for the standalone stand-in
// (`auth0sim -state examples/tenant-state.json`); it must not drift.
func TestExampleStateFile(t *testing.T) {
	want := stableJSON(t)
	path := filepath.Join(RepoRoot(), "examples", "tenant-state.json")
	if *update {
		require.NoError(t, os.WriteFile(path, want, 0o644))
	}
	got, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./test/harness -update")
	require.JSONEq(t, string(want), string(got))
}
