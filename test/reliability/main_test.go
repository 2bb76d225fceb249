// Package reliability runs the built pipe against in-process stand-ins of
// Auth0, Bitbucket Code Insights and Slack, and breaks things on purpose:
// faults at every kind of operation, overlapping runs, secrets looked for
// on every output channel, hostile repositories, backups restored. The
// scenarios and their outcomes are tabled in docs/reliability.md (kept in
// step by TestDocumentedTable; regenerate with -update).
package reliability

import (
	"flag"
	"os"
	"testing"
)

// parallel is how many tests run at once unless -parallel says otherwise.
// The tests mostly wait (retry backoffs, rate-limit resets, slow answers,
// the pipe's one-second action polls), so more of them than CPUs can run
// together; each has its own stand-ins.
const parallel = "16"

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", parallel)
	}
	os.Exit(m.Run())
}
