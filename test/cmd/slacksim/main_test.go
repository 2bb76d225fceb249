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

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/notify"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/slacksim"
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
			t.Error("slacksim did not stop")
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
	base, out := start(t, "-out", dir, "-path", "/services/T000/B000/XXXX")
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, base)

	rep := loadReport(t, "failed")
	require.NoError(t, notify.Send(context.Background(), notify.Config{WebhookURL: base + "/services/T000/B000/XXXX"}, rep))

	last := "  │ auth0-deploy 1.4.0 · deploy · 31 API requests, 3 retries · 2026-12-03 13:00 UTC"
	require.Eventually(t, func() bool { return strings.Contains(out.String(), last) }, 5*time.Second, 10*time.Millisecond)
	golden, err := os.ReadFile(filepath.Join("..", "..", "..", "internal", "notify", "testdata", "failed.golden.txt"))
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSuffix(string(golden), "\n"), out.String(), "prints the message as the notify golden file shows it")

	raw, err := os.ReadFile(filepath.Join(dir, "message-001.json"))
	require.NoError(t, err)
	var msg slacksim.Message
	require.NoError(t, json.Unmarshal(raw, &msg))
	assert.True(t, strings.HasPrefix(msg.Text, "❌ Deployment to acme-prod.eu.auth0.com failed"))
}

func TestFaults(t *testing.T) {
	for fail, want := range map[string]string{
		"no_service":            "404 no_service",
		"rate_limited":          "429 rate_limited: Slack's rate limit was reached (Retry-After 30 s)",
		"server_error":          "500 rollup_error",
		"403:action_prohibited": "403 action_prohibited",
	} {
		base, _ := start(t, "-fail", fail, "-quiet")
		err := notify.Send(context.Background(), notify.Config{WebhookURL: base + "/services/T/B/X"}, loadReport(t, "deploy"))
		require.Error(t, err, fail)
		assert.Contains(t, err.Error(), want)
	}
	assert.Error(t, run(context.Background(), []string{"-fail", "teapot"}, io.Discard, io.Discard))
}
