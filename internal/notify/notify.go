// Package notify posts one Slack message per run to an incoming webhook.
//
// The message is built with slack-go's Block Kit types but sent with a plain
// net/http POST: slack-go's PostWebhook discards Slack's answer, and that
// answer (no_service, invalid_blocks, rate_limited, ...) is the only thing
// that says why a post failed. Sending is best effort: Send returns a
// one-line error meant to be logged as a warning, never a reason to fail a
// deployment, and the webhook URL (itself the secret) never appears in it.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/version"
)

// When to notify (SLACK_NOTIFY).
const (
	Always  = "always"  // every run (the default, as the extension did)
	Failure = "failure" // failed or invalid runs
	Changes = "changes" // runs that changed, or would change, something, and failures
)

// Time limits for one post.
const (
	RequestTimeout = 15 * time.Second
	SendTimeout    = 20 * time.Second
)

// maxBody is how much of Slack's answer is read: it is a short word.
const maxBody = 1 << 10

// Config says where and when to post.
type Config struct {
	// WebhookURL is the incoming webhook (SLACK_INCOMING_WEBHOOK). Secret:
	// never printed, not even in errors.
	WebhookURL string
	// Notify is Always (also when empty), Failure or Changes.
	Notify string
	// HTTPClient is optional; without it a client with RequestTimeout is used.
	HTTPClient *http.Client
}

// String renders the Config without the webhook URL.
func (c Config) String() string {
	set := "unset"
	if c.WebhookURL != "" {
		set = "set"
	}
	return fmt.Sprintf("notify.Config{WebhookURL: %s, Notify: %s}", set, c.notify())
}

// GoString is String, so that %#v is safe too.
func (c Config) GoString() string { return c.String() }

func (c Config) notify() string {
	if c.Notify == "" {
		return Always
	}
	return c.Notify
}

// ParseNotify validates a SLACK_NOTIFY value ("" means Always).
func ParseNotify(s string) (string, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "":
		return Always, nil
	case Always, Failure, Changes:
		return v, nil
	}
	return "", fmt.Errorf("SLACK_NOTIFY is %q: use always, failure or changes", s)
}

// ShouldNotify reports whether the run deserves a message under cfg.Notify.
// An unknown value notifies (a message too many beats a missed failure).
func ShouldNotify(cfg Config, rep *report.Report) bool {
	if rep == nil || cfg.WebhookURL == "" {
		return false
	}
	isFailure := failed(rep)
	switch cfg.notify() {
	case Failure:
		return isFailure
	case Changes:
		return isFailure || hasChanges(rep)
	}
	return true
}

// hasChanges: something was created, updated or deleted, or would be (plan).
func hasChanges(rep *report.Report) bool {
	if len(rep.Items) == 0 {
		return rep.Total.Changes() > 0
	}
	return rep.ChangedItems() > 0
}

// Send posts BuildMessage(rep) to the webhook. Slack's answer decides: "ok"
// is success; anything else becomes a one-line error naming Slack's error
// text and what to do about it. Nothing is retried: a retry after a lost
// answer would post the message twice.
func Send(ctx context.Context, cfg Config, rep *report.Report) error {
	secrets := webhookSecrets(cfg.WebhookURL)
	fail := func(format string, args ...any) error {
		return errors.New(scrub("Slack message not sent: "+fmt.Sprintf(format, args...), secrets))
	}
	if rep == nil {
		return fail("no run report")
	}
	if err := checkWebhook(cfg.WebhookURL); err != nil {
		return fail("%v", err)
	}
	raw, err := json.Marshal(BuildMessage(rep))
	if err != nil {
		return fail("encode the message: %v", err)
	}

	ctx, cancel := context.WithTimeout(ctx, SendTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.WebhookURL, bytes.NewReader(raw))
	if err != nil {
		return fail("SLACK_INCOMING_WEBHOOK is not a valid URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", version.Name+"/"+version.Version)

	res, err := httpClient(cfg).Do(req)
	if err != nil {
		return fail("cannot reach Slack: %s", networkCause(err))
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxBody))
	answer := slackAnswer(body)
	if res.StatusCode/100 == 2 && (answer == "ok" || answer == "") {
		return nil
	}
	return fail("%s", explain(res.StatusCode, answer, res.Header.Get("Retry-After")))
}

// checkWebhook refuses URLs that would send the message (and the URL's
// token) in clear text, without echoing the URL.
func checkWebhook(raw string) error {
	if raw == "" {
		return errors.New("SLACK_INCOMING_WEBHOOK is not set")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return errors.New("SLACK_INCOMING_WEBHOOK is not a valid URL")
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil // local stand-ins
	}
	return errors.New("SLACK_INCOMING_WEBHOOK must be an https:// URL")
}

func httpClient(cfg Config) *http.Client {
	c := &http.Client{Timeout: RequestTimeout}
	if cfg.HTTPClient != nil {
		cp := *cfg.HTTPClient
		c = &cp
		if c.Timeout == 0 {
			c.Timeout = RequestTimeout
		}
	}
	// A webhook never redirects; following one would hand the message to
	// whatever the redirect names.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// networkCause is net/http's error without the request URL (the secret).
func networkCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
		if ue.Timeout() {
			return "timed out: " + err.Error()
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out: " + err.Error()
	}
	return err.Error()
}

// slackAnswer is Slack's plain-text answer, kept to one short printable line.
func slackAnswer(body []byte) string {
	s := strings.TrimSpace(string(body))
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return cut(s, 100)
}

// explain turns Slack's status and answer into a cause and a remedy.
func explain(status int, answer, retryAfter string) string {
	if answer == "" {
		answer = strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))
	}
	head := strconv.Itoa(status) + " " + answer
	switch answer {
	case "no_service":
		return head + ": the webhook is disabled, revoked or invalid (for example its creator left the workspace): create a new incoming webhook and update SLACK_INCOMING_WEBHOOK"
	case "channel_not_found":
		return head + ": the webhook's channel no longer exists: create a new incoming webhook"
	case "channel_is_archived":
		return head + ": the webhook's channel is archived"
	case "no_team", "team_disabled":
		return head + ": the webhook's Slack workspace no longer exists or is disabled"
	case "invalid_token":
		return head + ": the webhook's token is invalid: create a new incoming webhook and update SLACK_INCOMING_WEBHOOK"
	case "action_prohibited", "posting_to_general_channel_denied":
		return head + ": the Slack workspace's admins do not let this webhook post"
	case "invalid_blocks", "invalid_blocks_format", "invalid_payload", "no_text", "missing_text_or_fallback_or_attachments", "too_many_attachments":
		return head + ": Slack refused the message itself; this is an auth0-deploy bug, please report it with report.json"
	case "rate_limited", "message_limit_exceeded":
		s := head + ": Slack's rate limit was reached"
		if retryAfter != "" {
			s += " (Retry-After " + retryAfter + " s)"
		}
		return s
	}
	if status >= 500 {
		return head + ": Slack failed; the next run will post again"
	}
	return head
}

// webhookSecrets are the parts of the webhook URL that must never be shown:
// the URL itself, its path and its last segment (the token).
func webhookSecrets(raw string) []string {
	if raw == "" {
		return nil
	}
	s := []string{raw}
	if u, err := url.Parse(raw); err == nil {
		if p := strings.Trim(u.Path, "/"); len(p) >= 8 {
			s = append(s, p)
		}
		if i := strings.LastIndex(u.Path, "/"); i >= 0 && len(u.Path)-i > 8 {
			s = append(s, u.Path[i+1:])
		}
		if u.RawQuery != "" {
			s = append(s, u.RawQuery)
		}
	}
	return s
}

func scrub(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[webhook URL]")
		}
	}
	return oneLine(s)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
