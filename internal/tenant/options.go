package tenant

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Options configure a Client.
type Options struct {
	// Domain is the tenant domain ("acme.eu.auth0.com"), a custom domain, or
	// a full "https://host[:port]" URL. A plain "http://host:port" URL is
	// accepted only for loopback addresses (local stand-ins).
	Domain       string
	ClientID     string
	ClientSecret string // a secret: never in errors or logs
	// Audience of the Management API; default "<scheme>://<domain>/api/v2/".
	Audience string
	// HTTPClient is an optional base client (tests: TLS to a stand-in). Its
	// Transport is wrapped by the retrying transport; its Timeout is ignored
	// in favour of the per-attempt timeout.
	HTTPClient *http.Client
	// Deadline bounds the whole run: no wait or retry goes past it. Zero
	// means only ctx bounds the run.
	Deadline time.Time
	// Logger receives one debug line per HTTP attempt (method, path,
	// status, duration, remaining rate limit) and the waits; never headers
	// or bodies.
	Logger zerolog.Logger
	// Sleep waits for d or until ctx is done; default a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now returns the current time; default time.Now.
	Now func() time.Time
	// BuildTimeout bounds WaitActionBuilt and WaitActionDeployed; default 5m.
	BuildTimeout time.Duration
	// PollInterval is the pause between two polls of an action; default 1s.
	PollInterval time.Duration
	// MaxConcurrency, when positive, overrides Concurrency().
	MaxConcurrency int
	// UserAgent replaces go-auth0's User-Agent when set.
	UserAgent string
	// AttemptTimeout bounds one HTTP attempt (a hung response is retried);
	// default 30s.
	AttemptTimeout time.Duration
	// RunTimeout is the pipe's TIMEOUT, which set Deadline: errors and hints
	// then name it ("TIMEOUT=10m reached; raise TIMEOUT …") instead of "the
	// run deadline". Zero: they say "run deadline".
	RunTimeout time.Duration
}

const (
	defaultBuildTimeout = 5 * time.Minute
	defaultPollInterval = time.Second
)

// DefaultAttemptTimeout is Options.AttemptTimeout when unset.
const DefaultAttemptTimeout = 30 * time.Second

func (o *Options) setDefaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = realSleep
	}
	if o.BuildTimeout <= 0 {
		o.BuildTimeout = defaultBuildTimeout
	}
	if o.PollInterval <= 0 {
		o.PollInterval = defaultPollInterval
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = DefaultAttemptTimeout
	}
}

// deadlineLabel names the run deadline in messages: "TIMEOUT=10m" when the
// pipe's TIMEOUT is known, else "" (messages then say "run deadline").
func (o *Options) deadlineLabel() string {
	if o.RunTimeout <= 0 {
		return ""
	}
	return "TIMEOUT=" + FormatDuration(o.RunTimeout)
}

// FormatDuration renders d as a user would write it in TIMEOUT: "10m",
// "1h30m", "90s", not "10m0s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// realSleep waits for d or until ctx is done.
func realSleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// baseURL turns Options.Domain into the tenant's base URL (scheme and host,
// no path). Plain http is accepted only for loopback hosts.
func baseURL(domain string) (*url.URL, error) {
	d := strings.TrimSpace(domain)
	if d == "" {
		return nil, fmt.Errorf("AUTH0_DOMAIN is empty")
	}
	if !strings.Contains(d, "://") {
		d = "https://" + d
	}
	u, err := url.Parse(d)
	if err != nil {
		return nil, fmt.Errorf("AUTH0_DOMAIN %q is not a domain or URL: %w", domain, err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("AUTH0_DOMAIN %q has no host name", domain)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("AUTH0_DOMAIN %q must be a bare domain or scheme://host[:port], without path, query or credentials", redactURL(u))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("AUTH0_DOMAIN %q uses plain http, which is accepted only for loopback addresses (127.0.0.1, ::1, localhost); use https", domain)
		}
	default:
		return nil, fmt.Errorf("AUTH0_DOMAIN %q: scheme %q is not http or https", domain, u.Scheme)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}
