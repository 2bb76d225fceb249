package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/insights"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
)

// output collects what the command prints after its first line.
type output struct {
	mu    sync.Mutex
	lines []string
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.lines, "\n")
}

// start runs the command in-process and returns the base URL it printed.
func start(t *testing.T, args ...string) (string, *output) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	require.True(t, sc.Scan(), "the first line is the base URL")
	base := sc.Text()
	out := &output{}
	go func() {
		for sc.Scan() {
			out.mu.Lock()
			out.lines = append(out.lines, sc.Text())
			out.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("bbsim did not stop")
		}
	})
	return base, out
}

func loadReport(t *testing.T, name string) *report.Report {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "internal", "insights", "testdata", "reports", name+".json"))
	require.NoError(t, err)
	var rep report.Report
	require.NoError(t, json.Unmarshal(raw, &rep))
	return &rep
}

func TestPrintsAndSavesWhatItReceives(t *testing.T) {
	dir := t.TempDir()
	base, out := start(t, "-out", dir)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, base)

	rep := loadReport(t, "invalid")
	require.NoError(t, insights.Publish(context.Background(), insights.Config{Proxy: base}, rep))

	id := insights.ReportID(rep)
	want := []string{
		"PUT report " + id + " on acme/auth0-tenant@1b2c3d4e5f60 (auth: proxy)",
		"  FAILED  Auth0 deploy: acme-prod.eu.auth0.com  [BUG]",
		"POST 4 annotations to report " + id + " on acme/auth0-tenant@1b2c3d4e5f60 (4 in the report)",
		`    BUG/HIGH/FAILED              rules/Block IPs.js:7  JavaScript syntax error: Unexpected "}"`,
	}
	require.Eventually(t, func() bool { return strings.Contains(out.String(), want[len(want)-1]) }, 5*time.Second, 10*time.Millisecond)
	for _, w := range want {
		assert.Contains(t, out.String(), w)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "acme_auth0-tenant_1b2c3d4e5f60_"+id+".json")}, files)
}

func TestCredentialsAndFaults(t *testing.T) {
	base, _ := start(t, "-token", "t0k", "-fail", "403", "-fail-method", "PUT", "-quiet")
	rep := loadReport(t, "deploy")
	err := insights.Publish(context.Background(), insights.Config{APIURL: base + "/2.0", AccessToken: "t0k"}, rep)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "403 Forbidden")

	base, _ = start(t, "-user", "me@acme.example", "-password", "pw", "-quiet")
	require.NoError(t, insights.Publish(context.Background(), insights.Config{APIURL: base + "/2.0", User: "me@acme.example", Password: "pw"}, rep))
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"-fail", "200"}, {"extra"}} {
		assert.Error(t, run(context.Background(), args, io.Discard, io.Discard), args)
	}
}
