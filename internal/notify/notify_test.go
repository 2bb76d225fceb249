package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/slacksim"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// webhookPath is the secret part of a webhook URL.
const webhookPath = "/services/T0SECRET/B0SECRET/XySECRETtoken1234567890"

// loadReport reads one of the hand-built run reports shared with the
// insights tests.
func loadReport(t *testing.T, name string) *report.Report {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "insights", "testdata", "reports", name+".json"))
	require.NoError(t, err)
	var rep report.Report
	require.NoError(t, json.Unmarshal(raw, &rep))
	return &rep
}

func newSim(t *testing.T) (*slacksim.Server, Config) {
	t.Helper()
	sim := slacksim.New(slacksim.Options{Path: webhookPath})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, Config{WebhookURL: srv.URL + webhookPath}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), string(got), "differs from %s (go test -update rewrites it)", path)
}

// TestSendGolden posts the message of each of the four outcomes to the
// stand-in and compares what it received with golden files.
func TestSendGolden(t *testing.T) {
	for _, name := range []string{"deploy", "plan", "invalid", "failed"} {
		t.Run(name, func(t *testing.T) {
			sim, cfg := newSim(t)
			require.NoError(t, Send(context.Background(), cfg, loadReport(t, name)))
			msgs := sim.Messages()
			require.Len(t, msgs, 1)
			var pretty bytes.Buffer
			require.NoError(t, json.Indent(&pretty, msgs[0].Raw, "", "  "))
			pretty.WriteByte('\n')
			golden(t, name+".golden.json", pretty.Bytes())
			golden(t, name+".golden.txt", []byte(slacksim.Format(msgs[0])))
		})
	}
}

func TestFallbackText(t *testing.T) {
	cases := map[string]string{
		// 5 writes, one of them a rules config rewritten as on every run.
		"deploy":  "✅ Deployed 4 changes to acme-prod.eu.auth0.com (acme/auth0-tenant main 3f6c2a9)",
		"plan":    "📋 Plan: 3 changes pending for acme-prod.eu.auth0.com (acme/auth0-tenant feature/mfa 9a8b7c6)",
		"invalid": "⚠️ Invalid workspace: nothing deployed to acme-prod.eu.auth0.com: 3 errors (acme/auth0-tenant main 1b2c3d4)",
		"failed":  "❌ Deployment to acme-prod.eu.auth0.com failed: update rule \"Force MFA\": 500 Internal Server Error after 4 attempts: deletions were not started (acme/auth0-tenant main c0ffee0)",
	}
	for name, want := range cases {
		assert.Equal(t, want, BuildMessage(loadReport(t, name)).Text, name)
	}
	rep := loadReport(t, "deploy")
	rep.Total = report.Counts{Unchanged: 9}
	assert.Equal(t, "✅ Nothing to deploy: acme-prod.eu.auth0.com is up to date (acme/auth0-tenant main 3f6c2a9)", BuildMessage(rep).Text)
}

// bigRun is a run with n changes, n problems and a very long error, with
// names full of characters mrkdwn treats specially.
func bigRun(n int) *report.Report {
	rep := &report.Report{
		Mode: "deploy", Status: report.StatusFailed,
		Tenant:     strings.Repeat("very-long-tenant-", 20) + ".auth0.com",
		Repository: "acme/auth0-tenant", Branch: strings.Repeat("b", 300), Commit: strings.Repeat("a", 40), BuildNumber: "9",
		Error: strings.Repeat("boom <&> ", 2000), DurationMS: 3_600_000,
		Notes: []string{strings.Repeat("note ", 1000), "second", "third"},
	}
	for i := range n {
		rep.Items = append(rep.Items, report.Item{Kind: model.KindRule, Name: fmt.Sprintf("rule *%d* <x> `y` %s", i, strings.Repeat("é", 300)), Path: "rules/x.js",
			Action: "update", Result: report.ResultApplied, Reason: strings.Repeat("r", 5000)})
		rep.Problems = append(rep.Problems, model.Problem{Severity: model.SeverityWarning, Path: strings.Repeat("p/", 200), Line: 1, Message: strings.Repeat("m", 3000)})
	}
	rep.Total.Updated = n
	return rep
}

func TestBigRunStaysWithinBlockKitLimits(t *testing.T) {
	for _, n := range []int{300, 1500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			sim, cfg := newSim(t)
			rep := bigRun(n)
			require.NoError(t, Send(context.Background(), cfg, rep))
			msg := sim.Messages()[0]
			assert.LessOrEqual(t, len(msg.Blocks), MaxBlocks)
			assert.True(t, utf8.ValidString(string(msg.Raw)))
			for _, title := range []string{"*Changes*", "*Problems*"} {
				text := sectionText(t, msg, title)
				m := regexp.MustCompile(`\n… and (\d+) more \(`).FindStringSubmatch(text)
				require.NotNil(t, m, "%s ends with how many more there are", title)
				more, _ := strconv.Atoi(m[1])
				shown := strings.Count(text, "\n") - 1
				assert.Equal(t, n, shown+more, title)
				assert.GreaterOrEqual(t, shown, 5, "%s still lists a few", title)
				assert.LessOrEqual(t, shown, listLines)
			}
		})
	}
}

// sectionText returns the text of the section starting with title.
func sectionText(t *testing.T, msg slacksim.Message, title string) string {
	t.Helper()
	for _, b := range msg.Blocks {
		if txt, ok := b["text"].(map[string]any); ok {
			if s, _ := txt["text"].(string); strings.HasPrefix(s, title) {
				return s
			}
		}
	}
	t.Fatalf("no section %s", title)
	return ""
}

func TestListSectionNeverExceedsASection(t *testing.T) {
	lines := make([]string, 40)
	for i := range lines {
		lines[i] = strings.Repeat("x", lineChars+50)
	}
	got := listSection("*T*", lines, "where")
	assert.LessOrEqual(t, utf8.RuneCountInString(got), MaxSectionText)
	assert.Contains(t, got, "… and 31 more (where)", "nine lines of 301 characters fit with the last line")

	// Fewer lines than the limit: all shown, no "more" line.
	got = listSection("*T*", []string{"a", "b"}, "where")
	assert.Equal(t, "*T*\na\nb", got)
}

func TestShouldNotify(t *testing.T) {
	plan := loadReport(t, "plan")
	upToDate := loadReport(t, "deploy")
	upToDate.Total = report.Counts{Unchanged: 4}
	upToDate.Items = nil
	cases := []struct {
		notify string
		rep    *report.Report
		want   bool
	}{
		{"", upToDate, true},
		{Always, upToDate, true},
		{Failure, upToDate, false},
		{Failure, loadReport(t, "deploy"), false},
		{Failure, loadReport(t, "failed"), true},
		{Failure, loadReport(t, "invalid"), true},
		{Changes, upToDate, false},
		{Changes, loadReport(t, "deploy"), true},
		{Changes, plan, true},
		{Changes, loadReport(t, "invalid"), true},
		{"bogus", upToDate, true},
	}
	for _, tc := range cases {
		cfg := Config{WebhookURL: "https://hooks.slack.com/services/x", Notify: tc.notify}
		assert.Equal(t, tc.want, ShouldNotify(cfg, tc.rep), "%s / %s %d changes", tc.notify, tc.rep.Status, tc.rep.Total.Changes())
	}
	assert.False(t, ShouldNotify(Config{}, upToDate), "no webhook, no message")

	// A plan whose counts are empty still has planned items.
	plan.Total = report.Counts{}
	assert.True(t, ShouldNotify(Config{WebhookURL: "https://h/x", Notify: Changes}, plan))
}

func TestParseNotify(t *testing.T) {
	for in, want := range map[string]string{"": Always, "always": Always, " Failure ": Failure, "CHANGES": Changes} {
		got, err := ParseNotify(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := ParseNotify("sometimes")
	assert.EqualError(t, err, `SLACK_NOTIFY is "sometimes": use always, failure or changes`)
}

func TestSendErrors(t *testing.T) {
	cases := []struct {
		name  string
		fault slacksim.Fault
		want  string
	}{
		{"no_service", slacksim.NoService,
			"Slack message not sent: 404 no_service: the webhook is disabled, revoked or invalid (for example its creator left the workspace): create a new incoming webhook and update SLACK_INCOMING_WEBHOOK"},
		{"rate_limited", slacksim.RateLimited,
			"Slack message not sent: 429 rate_limited: Slack's rate limit was reached (Retry-After 30 s)"},
		{"server error", slacksim.ServerError,
			"Slack message not sent: 500 rollup_error: Slack failed; the next run will post again"},
		{"invalid_blocks", slacksim.Fault{Status: 400, Answer: "invalid_blocks"},
			"Slack message not sent: 400 invalid_blocks: Slack refused the message itself; this is an auth0-deploy bug, please report it with report.json"},
		{"channel archived", slacksim.Fault{Status: 410, Answer: "channel_is_archived"},
			"Slack message not sent: 410 channel_is_archived: the webhook's channel is archived"},
		{"empty 502", slacksim.Fault{Status: 502},
			"Slack message not sent: 502 bad_gateway: Slack failed; the next run will post again"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, cfg := newSim(t)
			sim.SetFault(tc.fault)
			err := Send(context.Background(), cfg, loadReport(t, "deploy"))
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			assertSafe(t, err.Error(), cfg)
			assert.Len(t, sim.Requests(), 1, "never retried")
		})
	}
}

func TestSendUnknownWebhookPath(t *testing.T) {
	_, cfg := newSim(t)
	cfg.WebhookURL = strings.Replace(cfg.WebhookURL, "XySECRET", "Revoked-SECRET", 1)
	err := Send(context.Background(), cfg, loadReport(t, "deploy"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "404 no_service")
	assertSafe(t, err.Error(), cfg)
}

func TestSendNetworkErrorsHideTheURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + webhookPath
	srv.Close()
	err := Send(context.Background(), Config{WebhookURL: url}, loadReport(t, "deploy"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Slack message not sent: cannot reach Slack: dial tcp")
	assertSafe(t, err.Error(), Config{WebhookURL: url})
}

func TestSendTimeout(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	cfg := Config{WebhookURL: srv.URL + webhookPath, HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}}
	err := Send(context.Background(), cfg, loadReport(t, "deploy"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Slack message not sent: cannot reach Slack: timed out")
	assertSafe(t, err.Error(), cfg)
}

func TestSendRefusesARedirect(t *testing.T) {
	var hits int
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer target.Close()
	srv := httptest.NewServer(http.RedirectHandler(target.URL+"/elsewhere", http.StatusTemporaryRedirect))
	defer srv.Close()
	cfg := Config{WebhookURL: srv.URL + webhookPath}
	err := Send(context.Background(), cfg, loadReport(t, "deploy"))
	require.Error(t, err)
	assert.Equal(t, "Slack message not sent: 307 temporary_redirect", err.Error())
	assert.Zero(t, hits)
}

func TestSendRefusesUnsafeURLs(t *testing.T) {
	for url, want := range map[string]string{
		"":                                      "Slack message not sent: SLACK_INCOMING_WEBHOOK is not set",
		"http://hooks.slack.com" + webhookPath:  "Slack message not sent: SLACK_INCOMING_WEBHOOK must be an https:// URL",
		"hooks.slack.com" + webhookPath:         "Slack message not sent: SLACK_INCOMING_WEBHOOK is not a valid URL",
		"https://hooks slack com" + webhookPath: "Slack message not sent: SLACK_INCOMING_WEBHOOK is not a valid URL",
	} {
		err := Send(context.Background(), Config{WebhookURL: url}, loadReport(t, "deploy"))
		require.Error(t, err, url)
		assert.Equal(t, want, err.Error())
	}
}

func TestConfigPrintsNoURL(t *testing.T) {
	cfg := Config{WebhookURL: "https://hooks.slack.com" + webhookPath, Notify: Changes}
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
		assert.Equal(t, "notify.Config{WebhookURL: set, Notify: changes}", s)
	}
}

// assertSafe checks that an error is one line and shows no part of the
// webhook URL's secret.
func assertSafe(t *testing.T, msg string, cfg Config) {
	t.Helper()
	assert.NotContains(t, msg, "\n")
	assert.NotContains(t, msg, "SECRET")
	assert.NotContains(t, msg, "/services/")
	if cfg.WebhookURL != "" {
		assert.NotContains(t, msg, cfg.WebhookURL)
	}
}
