package insights

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// DefaultAPIURL is Bitbucket Cloud's REST API root.
const DefaultAPIURL = "https://api.bitbucket.org/2.0"

// ProxyAPIURL is the API root used through the Pipelines auth proxy: plain
// HTTP, so that the proxy can add its own Authorization header.
const ProxyAPIURL = "http://api.bitbucket.org/2.0"

// proxyPort is the port of the auth proxy Bitbucket Pipelines runs next to
// every build.
const proxyPort = "29418"

// Config says where and how to publish the Code Insights report.
//
// Exactly one way to authenticate is used, in this order: the Pipelines auth
// proxy (Proxy set: no credentials are sent), an access token (Bearer), an
// Atlassian account e-mail + API token (Basic).
type Config struct {
	// APIURL is the API root when no proxy is used; default DefaultAPIURL
	// (BITBUCKET_API_URL). Through a proxy the root is always ProxyAPIURL.
	APIURL string
	// Proxy is the Pipelines auth proxy, e.g. http://host.docker.internal:29418.
	// When set, requests go through it and carry no credentials.
	Proxy string
	// AccessToken is a repository, project or workspace access token (secret).
	AccessToken string
	// User and Password are an Atlassian account e-mail and an API token (secret).
	User, Password string
	// Repository is workspace/repo_slug.
	Repository string
	// Commit is the full commit hash the report belongs to.
	Commit string
	// HTTPClient is optional; without it a client with RequestTimeout is used.
	// When Proxy is set, the proxy is applied to a copy of its transport.
	HTTPClient *http.Client
	// RetryWait is the pause before the single retry of a request that
	// failed with a 5xx or a network error. 0 means DefaultRetryWait; a
	// negative value disables the retry.
	RetryWait time.Duration
}

// Time limits. Every request is bounded, and so is the whole publication.
const (
	RequestTimeout   = 15 * time.Second
	PublishTimeout   = 90 * time.Second
	DefaultRetryWait = 500 * time.Millisecond
)

// ErrNoCredentials is returned by ResolveConfig outside Pipelines when no
// Bitbucket credentials are set.
var ErrNoCredentials = errors.New("no Bitbucket credentials: set BITBUCKET_ACCESS_TOKEN, or BITBUCKET_USER (Atlassian account e-mail) + BITBUCKET_PASSWORD (API token); inside Pipelines none are needed")

// ResolveConfig builds a Config from environment variables, read through
// lookupEnv (os.LookupEnv in production). Empty values count as unset.
// inPipelines is the configuration's decision that the run is inside
// Bitbucket Pipelines (config.Config.InPipelines: BITBUCKET_PIPELINE_UUID,
// or BITBUCKET_PIPE_STORAGE_DIR, or BITBUCKET_BUILD_NUMBER with
// BITBUCKET_CLONE_DIR), so that the pipe decides it in one place.
//
//   - Repository: BITBUCKET_REPOSITORY (workspace/repo or a
//     https://bitbucket.org/workspace/repo URL), else BITBUCKET_REPO_FULL_NAME.
//   - Commit: BITBUCKET_COMMIT.
//   - Auth, first match wins:
//     1. BITBUCKET_PROXY set: that proxy, no credentials.
//     2. In Pipelines (inPipelines) with neither BITBUCKET_ACCESS_TOKEN
//     nor BITBUCKET_USER/PASSWORD: the
//     auth proxy on port 29418 of DOCKER_HOST's host (a pipe gets
//     DOCKER_HOST=tcp://host.docker.internal:2375); without DOCKER_HOST,
//     host.docker.internal inside a pipe (BITBUCKET_PIPE_STORAGE_DIR set),
//     localhost when the binary runs directly in a step.
//     3. BITBUCKET_ACCESS_TOKEN: Bearer.
//     4. BITBUCKET_USER + BITBUCKET_PASSWORD: Basic (Atlassian e-mail + API token).
//     5. Otherwise ErrNoCredentials.
//   - API root: ProxyAPIURL with a proxy; otherwise BITBUCKET_API_URL, else
//     DefaultAPIURL.
//
// DOCKER_HOST alone does not mean "in Pipelines": developers often set it
// for their own Docker engine, and a proxy guessed from it would swallow
// every request. Errors name variables, never their secret values.
func ResolveConfig(lookupEnv func(string) (string, bool), inPipelines bool) (Config, error) {
	get := func(name string) string {
		v, _ := lookupEnv(name)
		return strings.TrimSpace(v)
	}
	var cfg Config
	var problems []string

	repo := get("BITBUCKET_REPOSITORY")
	if repo == "" {
		repo = get("BITBUCKET_REPO_FULL_NAME")
	}
	if repo != "" {
		r, err := NormalizeRepository(repo)
		if err != nil {
			problems = append(problems, err.Error())
		}
		cfg.Repository = r
	}
	cfg.Commit = get("BITBUCKET_COMMIT")

	cfg.AccessToken = get("BITBUCKET_ACCESS_TOKEN")
	cfg.User = get("BITBUCKET_USER")
	cfg.Password = get("BITBUCKET_PASSWORD")
	switch {
	case cfg.User != "" && cfg.Password == "":
		problems = append(problems, "BITBUCKET_USER is set but BITBUCKET_PASSWORD (an API token) is not")
	case cfg.User == "" && cfg.Password != "":
		problems = append(problems, "BITBUCKET_PASSWORD is set but BITBUCKET_USER (your Atlassian account e-mail) is not")
	}
	hasCredentials := cfg.AccessToken != "" || (cfg.User != "" && cfg.Password != "")

	switch {
	case get("BITBUCKET_PROXY") != "":
		cfg.Proxy = get("BITBUCKET_PROXY")
	case inPipelines && !hasCredentials:
		cfg.Proxy = pipelinesProxy(get("DOCKER_HOST"), get("BITBUCKET_PIPE_STORAGE_DIR") != "")
	}
	if cfg.Proxy != "" {
		// The proxy authenticates; never send our own credentials through it.
		cfg.AccessToken, cfg.User, cfg.Password = "", "", ""
	} else if !hasCredentials && len(problems) == 0 {
		return cfg, ErrNoCredentials
	}
	cfg.APIURL = get("BITBUCKET_API_URL")

	if err := cfg.check(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return cfg, errors.New(strings.Join(problems, "; "))
	}
	return cfg, nil
}

// pipelinesProxy derives the auth proxy's URL: port 29418 on DOCKER_HOST's
// host (tcp://host.docker.internal:2375 → http://host.docker.internal:29418).
func pipelinesProxy(dockerHost string, inPipe bool) string {
	host := ""
	if u, err := url.Parse(dockerHost); err == nil && u.Scheme == "tcp" {
		host = u.Hostname()
	}
	if host == "" {
		host = "localhost"
		if inPipe {
			host = "host.docker.internal"
		}
	}
	return "http://" + net.JoinHostPort(host, proxyPort)
}

var (
	repoSegment = regexp.MustCompile(`^[A-Za-z0-9_.{}-]+$`)
	commitHash  = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)
)

// NormalizeRepository turns "workspace/repo" or a Bitbucket URL
// (https://bitbucket.org/workspace/repo[.git][/...]) into "workspace/repo".
func NormalizeRepository(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", fmt.Errorf("BITBUCKET_REPOSITORY is not a valid URL")
		}
		s = strings.Trim(u.Path, "/")
	}
	parts := strings.Split(strings.Trim(s, "/"), "/")
	if len(parts) < 2 {
		return "", fmt.Errorf("repository %q is not workspace/repo", s)
	}
	ws, slug := parts[0], strings.TrimSuffix(parts[1], ".git")
	if !repoSegment.MatchString(ws) || !repoSegment.MatchString(slug) {
		return "", fmt.Errorf("repository %q is not workspace/repo", s)
	}
	return ws + "/" + slug, nil
}

// check validates the parts of a Config that Publish relies on.
func (c Config) check() error {
	var problems []string
	if c.Repository != "" {
		if _, err := NormalizeRepository(c.Repository); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if c.Commit != "" && !commitHash.MatchString(c.Commit) {
		problems = append(problems, fmt.Sprintf("commit %q is not a hexadecimal commit hash", c.Commit))
	}
	if c.Proxy != "" {
		u, err := url.Parse(c.Proxy)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			problems = append(problems, "BITBUCKET_PROXY must be an http://host:port URL")
		}
	}
	if c.APIURL != "" && c.Proxy == "" {
		u, err := url.Parse(c.APIURL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			problems = append(problems, "BITBUCKET_API_URL must be an http(s) URL")
		case u.User != nil:
			problems = append(problems, "BITBUCKET_API_URL must not carry credentials")
		case u.Scheme == "http" && c.hasCredentials() && !isLoopback(u.Hostname()):
			problems = append(problems, "BITBUCKET_API_URL uses plain http to a non-loopback host: credentials would travel unencrypted")
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func (c Config) hasCredentials() bool {
	return c.AccessToken != "" || c.User != "" || c.Password != ""
}

// apiURL is the API root the requests go to.
func (c Config) apiURL() string {
	switch {
	case c.Proxy != "":
		return ProxyAPIURL
	case c.APIURL != "":
		return strings.TrimRight(c.APIURL, "/")
	default:
		return DefaultAPIURL
	}
}

// Auth describes, for logs and errors, how requests authenticate; it never
// contains a secret.
func (c Config) Auth() string {
	switch {
	case c.Proxy != "":
		return "the Pipelines auth proxy " + redactURL(c.Proxy) + " (no credentials sent)"
	case c.AccessToken != "":
		return "the access token in BITBUCKET_ACCESS_TOKEN (Bearer)"
	case c.User != "" || c.Password != "":
		return "BITBUCKET_USER + BITBUCKET_PASSWORD (Basic: Atlassian account e-mail + API token)"
	default:
		return "no credentials"
	}
}

// String renders the Config without secrets, so that logging it with %v or
// %+v is safe.
func (c Config) String() string {
	return fmt.Sprintf("insights.Config{API: %s, Repository: %s, Commit: %s, Auth: %s}",
		c.apiURL(), c.Repository, c.Commit, c.Auth())
}

// GoString is String, so that %#v is safe too.
func (c Config) GoString() string { return c.String() }

// secrets lists the values that must never appear in an error.
func (c Config) secrets() []string {
	var s []string
	for _, v := range []string{c.AccessToken, c.Password} {
		if v != "" {
			s = append(s, v)
		}
	}
	if u, err := url.Parse(c.Proxy); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			s = append(s, p)
		}
	}
	return s
}

// redactURL drops a URL's user information.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	u.User = nil
	return u.String()
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
