// Package config turns the pipe's environment variables into a Config,
// reporting every problem at once before any network call.
//
// envconfig reads the variables into a struct of strings (so that reading
// itself never stops at the first bad value); Load then checks and converts
// each one, collecting every problem.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/keywords"
)

// Modes.
const (
	ModeDeploy   = "deploy"
	ModePlan     = "plan"
	ModeValidate = "validate"
)

// SLACK_NOTIFY values.
const (
	NotifyAlways  = "always"
	NotifyFailure = "failure"
	NotifyChanges = "changes"
)

// raw is what envconfig reads: strings only, so that reading never fails.
type raw struct {
	Domain       string `envconfig:"AUTH0_DOMAIN"`
	ClientID     string `envconfig:"AUTH0_CLIENT_ID"`
	ClientSecret Secret `envconfig:"AUTH0_CLIENT_SECRET"`
	Audience     string `envconfig:"AUTH0_AUDIENCE"`

	Repository           string `envconfig:"BITBUCKET_REPOSITORY"`
	DeployBranch         string `envconfig:"DEPLOY_BRANCH"`
	BitbucketUser        string `envconfig:"BITBUCKET_USER"`
	BitbucketPassword    Secret `envconfig:"BITBUCKET_PASSWORD"`
	BitbucketAccessToken Secret `envconfig:"BITBUCKET_ACCESS_TOKEN"`
	BitbucketAPIURL      string `envconfig:"BITBUCKET_API_URL"`
	BitbucketProxy       string `envconfig:"BITBUCKET_PROXY"`

	SlackWebhook      Secret `envconfig:"SLACK_INCOMING_WEBHOOK"`
	SlackWebhookAlias Secret `envconfig:"SLACK_INCOMING_WEBHOOK_URL"`
	SlackNotify       string `envconfig:"SLACK_NOTIFY" default:"always"`

	BaseDir          string `envconfig:"BASE_DIR" default:"."`
	Mode             string `envconfig:"MODE" default:"deploy"`
	AllowDelete      string `envconfig:"ALLOW_DELETE" default:"true"`
	AllowDeleteAlias string `envconfig:"AUTH0_ALLOW_DELETE"`
	KeywordMappings  Secret `envconfig:"AUTH0_KEYWORD_REPLACE_MAPPINGS"`
	ReportDir        string `envconfig:"REPORT_DIR"`
	CodeInsights     string `envconfig:"CODE_INSIGHTS"`
	Debug            string `envconfig:"DEBUG" default:"false"`
	DetailedExitCode string `envconfig:"DETAILED_EXITCODE" default:"false"`
	Layout           string `envconfig:"LAYOUT" default:"auto"`
	Timeout          string `envconfig:"TIMEOUT" default:"30m"`

	// Set by Bitbucket Pipelines.
	CloneDir     string `envconfig:"BITBUCKET_CLONE_DIR"`
	Branch       string `envconfig:"BITBUCKET_BRANCH"`
	Tag          string `envconfig:"BITBUCKET_TAG"`
	Commit       string `envconfig:"BITBUCKET_COMMIT"`
	BuildNumber  string `envconfig:"BITBUCKET_BUILD_NUMBER"`
	RepoFullName string `envconfig:"BITBUCKET_REPO_FULL_NAME"`
	Workspace    string `envconfig:"BITBUCKET_WORKSPACE"`
	RepoSlug     string `envconfig:"BITBUCKET_REPO_SLUG"`
	PipelineUUID string `envconfig:"BITBUCKET_PIPELINE_UUID"`
	StepUUID     string `envconfig:"BITBUCKET_STEP_UUID"`
	DockerHost   string `envconfig:"DOCKER_HOST"`
	PipeStorage  string `envconfig:"BITBUCKET_PIPE_STORAGE_DIR"`
}

// Config is the checked configuration of one run.
type Config struct {
	Mode string

	// Auth0.
	Domain       string // as given (host or URL)
	BaseURL      *url.URL
	ClientID     string
	ClientSecret Secret
	Audience     string

	// Repository and Bitbucket.
	Workspace      string // absolute path of the checked-out repository
	BaseDir        string // slash-separated, relative to Workspace; "" for the root
	Repository     string // workspace/repo_slug
	Branch         string // the built branch (BITBUCKET_BRANCH)
	Tag            string
	Commit         string
	BuildNumber    string
	DeployBranch   string
	InPipelines    bool
	PipeStorageDir string

	BitbucketUser        string
	BitbucketPassword    Secret
	BitbucketAccessToken Secret
	BitbucketAPIURL      string
	BitbucketProxy       string
	DockerHost           string
	CodeInsights         bool

	SlackWebhook Secret
	SlackNotify  string
	// rejectedSlack is a SLACK_INCOMING_WEBHOOK that is not used (see
	// Warnings), kept only so that it is redacted like any secret.
	rejectedSlack Secret

	// Warnings are configuration problems that do not stop the run (one
	// line each, never a secret).
	Warnings []string

	ManualRules   []string
	ManualActions []string
	// RedeployActions (REDEPLOY_ACTIONS) are actions updated, with their
	// secret values, and deployed even when unchanged; "*" means all.
	RedeployActions []string
	AllowDelete     bool
	// Mappings are the decoded keyword mappings; their values are secrets.
	Mappings map[string]any

	ReportDir        string // absolute
	Debug            bool
	DetailedExitCode bool
	Layout           string
	Timeout          time.Duration
}

// Problem is one configuration problem: the variable and what is wrong.
type Problem struct {
	Variable string
	Message  string
}

func (p Problem) String() string { return p.Variable + ": " + p.Message }

// Env finds environment variables; os.LookupEnv in production.
type Env func(string) (string, bool)

// Load reads the configuration from the process environment. It returns
// every problem found; Config is usable only when there are none.
func Load() (*Config, []Problem) {
	var r raw
	var problems []Problem
	if err := envconfig.Process("", &r); err != nil {
		// Only string fields and Decoders: this cannot fail on a value.
		problems = append(problems, Problem{"environment", err.Error()})
	}
	return check(r, os.LookupEnv, problems)
}

var (
	repoRe       = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	hostnameRe   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`)
	mappingKeyRe = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

func check(r raw, env Env, problems []Problem) (*Config, []Problem) {
	var modeUnknown bool
	add := func(v, format string, args ...any) {
		problems = append(problems, Problem{v, fmt.Sprintf(format, args...)})
	}
	c := &Config{
		Domain:               strings.TrimSpace(r.Domain),
		ClientID:             strings.TrimSpace(r.ClientID),
		ClientSecret:         r.ClientSecret,
		Branch:               r.Branch,
		Tag:                  r.Tag,
		Commit:               r.Commit,
		BuildNumber:          r.BuildNumber,
		DeployBranch:         strings.TrimSpace(r.DeployBranch),
		BitbucketUser:        strings.TrimSpace(r.BitbucketUser),
		BitbucketPassword:    r.BitbucketPassword,
		BitbucketAccessToken: r.BitbucketAccessToken,
		BitbucketProxy:       strings.TrimSpace(r.BitbucketProxy),
		DockerHost:           r.DockerHost,
		PipeStorageDir:       r.PipeStorage,
		InPipelines:          r.PipelineUUID != "" || r.PipeStorage != "" || (r.BuildNumber != "" && r.CloneDir != ""),
	}

	// Mode first: it decides what else is required.
	c.Mode = strings.ToLower(strings.TrimSpace(r.Mode))
	switch c.Mode {
	case ModeDeploy, ModePlan, ModeValidate:
	default:
		add("MODE", "must be deploy, plan or validate (got %q)", r.Mode)
		modeUnknown = true
		c.Mode = ModeValidate // check the rest as leniently as possible
	}

	// Auth0. With an unknown MODE the tenant settings are still checked, as
	// for deploy (the default), so that one run lists every problem.
	needTenant := c.Mode != ModeValidate || modeUnknown
	unless := ""
	if modeUnknown {
		unless = ", unless MODE=validate"
	}
	if c.Domain == "" {
		if needTenant {
			add("AUTH0_DOMAIN", "required (the tenant domain, e.g. acme.eu.auth0.com%s)", unless)
		}
	} else if u, err := ParseDomain(c.Domain); err != nil {
		add("AUTH0_DOMAIN", "%v", err)
	} else {
		c.BaseURL = u
	}
	if needTenant && c.ClientID == "" {
		add("AUTH0_CLIENT_ID", "required (the machine-to-machine application's client id%s)", unless)
	}
	if needTenant && !c.ClientSecret.IsSet() {
		add("AUTH0_CLIENT_SECRET", "required (the machine-to-machine application's client secret%s)", unless)
	}
	c.Audience = strings.TrimSpace(r.Audience)
	if c.Audience != "" {
		if u, err := url.Parse(c.Audience); err != nil || u.Scheme == "" || u.Host == "" {
			add("AUTH0_AUDIENCE", "must be an absolute URL such as https://acme.eu.auth0.com/api/v2/")
		} else if strings.HasSuffix(u.Path, "/api/v2") {
			// The Management API's audience ends with a slash; without it
			// the token request is refused.
			c.Audience += "/"
		}
	} else if c.BaseURL != nil {
		c.Audience = c.BaseURL.Scheme + "://" + c.BaseURL.Host + "/api/v2/"
	}

	// Workspace and paths.
	ws := r.CloneDir
	if ws == "" {
		wd, err := os.Getwd()
		if err != nil {
			add("BITBUCKET_CLONE_DIR", "not set and the working directory is unknown: %v", err)
		}
		ws = wd
	}
	if abs, err := filepath.Abs(ws); err == nil {
		ws = abs
	}
	c.Workspace = ws
	if st, err := os.Stat(ws); err != nil || !st.IsDir() {
		add("BITBUCKET_CLONE_DIR", "%q is not a folder", ws)
	}
	if bd, err := cleanRelative(r.BaseDir); err != nil {
		add("BASE_DIR", "%v", err)
	} else {
		c.BaseDir = bd
		if st, err := os.Stat(filepath.Join(ws, filepath.FromSlash(bd))); err != nil || !st.IsDir() {
			add("BASE_DIR", "%q is not a folder in the repository", displayDir(bd))
		}
	}
	if r.ReportDir == "" {
		c.ReportDir = filepath.Join(ws, "auth0-deploy-report")
	} else if filepath.IsAbs(r.ReportDir) {
		c.ReportDir = filepath.Clean(r.ReportDir)
	} else {
		c.ReportDir = filepath.Join(ws, filepath.FromSlash(r.ReportDir))
	}

	if rel, err := filepath.Rel(filepath.Join(ws, filepath.FromSlash(c.BaseDir)), c.ReportDir); err == nil && !strings.HasPrefix(rel, "..") {
		switch top := strings.Split(filepath.ToSlash(rel), "/")[0]; top {
		case ".", "rules", "rules-configs", "database-connections", "pages", "actions", "triggers":
			add("REPORT_DIR", "%q would put the reports inside the repository's Auth0 folders (%s): choose a folder of its own, e.g. auth0-deploy-report", r.ReportDir, top)
		}
	}

	// Repository.
	repo := strings.TrimSpace(r.Repository)
	if repo == "" {
		repo = r.RepoFullName
	}
	if repo == "" && r.Workspace != "" && r.RepoSlug != "" {
		repo = r.Workspace + "/" + r.RepoSlug
	}
	if repo != "" {
		if parsed, err := ParseRepository(repo); err != nil {
			add("BITBUCKET_REPOSITORY", "%v", err)
		} else {
			c.Repository = parsed
		}
	}

	// Bitbucket API.
	c.BitbucketAPIURL = strings.TrimSpace(r.BitbucketAPIURL)
	if c.BitbucketAPIURL == "" {
		c.BitbucketAPIURL = "https://api.bitbucket.org/2.0"
	} else if u, err := url.Parse(c.BitbucketAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("BITBUCKET_API_URL", "must be an http(s) URL such as https://api.bitbucket.org/2.0")
	}
	if c.BitbucketProxy != "" {
		if u, err := url.Parse(c.BitbucketProxy); err != nil || u.Scheme != "http" || u.Host == "" {
			add("BITBUCKET_PROXY", "must be an http URL such as http://host.docker.internal:29418")
		}
	}
	if (c.BitbucketUser == "") != !c.BitbucketPassword.IsSet() {
		if c.BitbucketUser == "" {
			add("BITBUCKET_USER", "required with BITBUCKET_PASSWORD (the Atlassian account e-mail of the API token)")
		} else {
			add("BITBUCKET_PASSWORD", "required with BITBUCKET_USER (an Atlassian API token; app passwords were removed in July 2026)")
		}
	}
	if ci := strings.TrimSpace(r.CodeInsights); ci == "" {
		c.CodeInsights = c.InPipelines
	} else if b, err := parseBool(ci); err != nil {
		add("CODE_INSIGHTS", "must be true or false (got %q)", ci)
	} else {
		c.CodeInsights = b
	}

	// Slack.
	c.SlackWebhook = r.SlackWebhook
	if !c.SlackWebhook.IsSet() {
		c.SlackWebhook = r.SlackWebhookAlias
	}
	if c.SlackWebhook.IsSet() {
		if u, err := url.Parse(strings.TrimSpace(c.SlackWebhook.Reveal())); err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) || u.Host == "" {
			// A Slack problem never stops a deployment (SPEC §4): say so and
			// send nothing, least of all the URL (the secret) in plain http.
			// Never echo the value.
			c.Warnings = append(c.Warnings, "SLACK_INCOMING_WEBHOOK is not an https URL (https://hooks.slack.com/services/...): no Slack message is sent")
			c.rejectedSlack, c.SlackWebhook = c.SlackWebhook, Secret{}
		}
	}
	c.SlackNotify = strings.ToLower(strings.TrimSpace(r.SlackNotify))
	switch c.SlackNotify {
	case NotifyAlways, NotifyFailure, NotifyChanges:
	default:
		add("SLACK_NOTIFY", "must be always, failure or changes (got %q)", r.SlackNotify)
	}

	// Lists.
	var err error
	if c.ManualRules, err = List(env, "MANUAL_RULES"); err != nil {
		add("MANUAL_RULES", "%v", err)
	}
	if c.ManualActions, err = List(env, "MANUAL_ACTIONS"); err != nil {
		add("MANUAL_ACTIONS", "%v", err)
	}
	if c.RedeployActions, err = List(env, "REDEPLOY_ACTIONS"); err != nil {
		add("REDEPLOY_ACTIONS", "%v", err)
	}

	// Booleans.
	boolVar := func(name, v string, dst *bool) {
		b, err := parseBool(v)
		if err != nil {
			add(name, "must be true or false (got %q)", v)
			return
		}
		*dst = b
	}
	boolVar("ALLOW_DELETE", r.AllowDelete, &c.AllowDelete)
	// AUTH0_ALLOW_DELETE is what the extension's later versions and
	// auth0-deploy-cli call it: honoured when ALLOW_DELETE is not given.
	// Present but empty (an unset $VARIABLE) means false, as for
	// ALLOW_DELETE: never the default full deployment.
	if _, present := env("AUTH0_ALLOW_DELETE"); present || r.AllowDeleteAlias != "" {
		v := r.AllowDeleteAlias
		if primary, set := env("ALLOW_DELETE"); !set {
			boolVar("AUTH0_ALLOW_DELETE", v, &c.AllowDelete)
		} else if a, errA := parseBool(v); errA == nil && strings.TrimSpace(v) != "" {
			if b, errB := parseBool(primary); errB == nil && a != b {
				add("AUTH0_ALLOW_DELETE", "contradicts ALLOW_DELETE (%t vs %t): set only ALLOW_DELETE", a, b)
			}
		}
	}
	// auth0-deploy-cli's variables that would change what is deployed or
	// deleted: silently ignoring one could delete what a team meant to keep.
	for _, v := range a0deployOnly {
		if _, ok := env(v.name); ok {
			add(v.name, "is auth0-deploy-cli's and is not read by this pipe: %s", v.instead)
		}
	}
	boolVar("DEBUG", r.Debug, &c.Debug)
	boolVar("DETAILED_EXITCODE", r.DetailedExitCode, &c.DetailedExitCode)

	// Keyword mappings: the value is a secret, so errors never quote it.
	if v := strings.TrimSpace(r.KeywordMappings.Reveal()); v != "" {
		m, err := ParseMappings(v)
		if err != nil {
			add("AUTH0_KEYWORD_REPLACE_MAPPINGS", "%v", err)
		}
		c.Mappings = m
	}

	c.Layout = strings.ToLower(strings.TrimSpace(r.Layout))
	switch c.Layout {
	case "auto", "extension", "a0deploy":
	default:
		add("LAYOUT", "must be auto, extension or a0deploy (got %q)", r.Layout)
	}
	if d, err := time.ParseDuration(strings.TrimSpace(r.Timeout)); err != nil || d <= 0 {
		add("TIMEOUT", "must be a positive duration such as 30m (got %q)", r.Timeout)
	} else {
		c.Timeout = d
	}

	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Variable < problems[j].Variable })
	return c, problems
}

// ParseDomain accepts a bare domain (acme.eu.auth0.com, login.example.com,
// optionally with :port) or a full URL. Plain http is accepted only for
// loopback addresses. The result has no path.
func ParseDomain(d string) (*url.URL, error) {
	raw := d
	if !strings.Contains(d, "://") {
		raw = "https://" + d
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%q is not a domain or URL (expected e.g. acme.eu.auth0.com)", d)
	}
	if u.User != nil {
		// Never echo it: the part before @ may be a password.
		return nil, errors.New("must be a bare domain: it holds credentials (user:password@), which are never sent this way")
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q must be a bare domain, without path or query", d)
	}
	host := u.Hostname()
	if net.ParseIP(host) == nil && !hostnameRe.MatchString(host) {
		return nil, fmt.Errorf("%q is not a valid host name", host)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%q has an invalid port", d)
		}
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(host) {
			return nil, fmt.Errorf("plain http is accepted only for loopback addresses (127.0.0.1, ::1, localhost); use https://%s", u.Host)
		}
	default:
		return nil, fmt.Errorf("scheme %q is not supported: use https", u.Scheme)
	}
	return &url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host)}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ParseRepository accepts workspace/repo or a https://bitbucket.org/workspace/repo URL.
func ParseRepository(v string) (string, error) {
	s := strings.TrimSpace(v)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", fmt.Errorf("%q is not workspace/repo or a https://bitbucket.org/workspace/repo URL", v)
		}
		s = strings.Trim(strings.TrimSuffix(u.Path, ".git"), "/")
	}
	if !repoRe.MatchString(s) {
		return "", fmt.Errorf("%q is not workspace/repo or a https://bitbucket.org/workspace/repo URL", v)
	}
	return s, nil
}

// List reads a list variable in either form Bitbucket passes: a comma or
// newline separated string (NAME), or a YAML list expanded to NAME_COUNT and
// NAME_0..NAME_{n-1}. Items are trimmed; empty items are dropped.
func List(env Env, name string) ([]string, error) {
	var out []string
	if countStr, ok := env(name + "_COUNT"); ok && strings.TrimSpace(countStr) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(countStr))
		if err != nil || n < 0 || n > 10000 {
			return nil, fmt.Errorf("%s_COUNT must be a non-negative number (got %q)", name, countStr)
		}
		for i := 0; i < n; i++ {
			v, ok := env(fmt.Sprintf("%s_%d", name, i))
			if !ok {
				return nil, fmt.Errorf("%s_COUNT is %d but %s_%d is not set", name, n, name, i)
			}
			out = append(out, splitList(v)...)
		}
	}
	if v, ok := env(name); ok {
		out = append(out, splitList(v)...)
	}
	return dedupe(out), nil
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// ParseMappings decodes AUTH0_KEYWORD_REPLACE_MAPPINGS: a JSON object whose
// keys are keyword names. Errors never quote the value.
func ParseMappings(v string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		var se *json.SyntaxError
		if ok := asSyntax(err, &se); ok {
			return nil, fmt.Errorf("not valid JSON (syntax error at byte %d); expected an object such as {\"KEY\": \"value\"}", se.Offset)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("not valid JSON: it ends before the object is closed")
		}
		return nil, fmt.Errorf("must be a JSON object such as {\"KEY\": \"value\"}")
	}
	if dec.More() || m == nil {
		return nil, fmt.Errorf("must be a single JSON object such as {\"KEY\": \"value\"}")
	}
	if dup := duplicateKey(v); dup != "" {
		return nil, fmt.Errorf("key %q appears twice", dup)
	}
	var bad []string
	for k := range m {
		if !mappingKeyRe.MatchString(k) {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, fmt.Errorf("keys must be letters, digits, '_', '-' or '.': %s", strings.Join(quoteAll(bad), ", "))
	}
	return m, nil
}

// duplicateKey returns the first top-level key given twice in a JSON
// object ("" when none); encoding/json would silently keep the last one.
func duplicateKey(v string) string {
	dec := json.NewDecoder(strings.NewReader(v))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		k, _ := t.(string)
		if seen[k] {
			return k
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
}

func asSyntax(err error, target **json.SyntaxError) bool {
	se, ok := err.(*json.SyntaxError)
	if ok {
		*target = se
	}
	return ok
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// a0deployOnly are auth0-deploy-cli's settings of what to deploy, with what
// to use instead.
var a0deployOnly = []struct{ name, instead string }{
	{"AUTH0_INCLUDED_ONLY", "this pipe deploys the folders under BASE_DIR; leave a folder out (a missing folder is not managed)"},
	{"AUTH0_EXCLUDED", "this pipe deploys the folders under BASE_DIR; leave a folder out (a missing folder is not managed)"},
	{"AUTH0_EXCLUDED_RULES", "use MANUAL_RULES"},
	{"AUTH0_EXCLUDED_ACTIONS", "use MANUAL_ACTIONS"},
	{"AUTH0_EXCLUDED_DATABASES", "leave the connection's folder out of database-connections/"},
	{"AUTH0_EXCLUDED_CONNECTIONS", "leave the connection's folder out of database-connections/"},
	{"AUTH0_INCLUDED_CONNECTIONS", "this pipe deploys only the folders in database-connections/"},
	{"AUTH0_DRY_RUN", "use MODE=plan"},
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean")
}

// cleanRelative checks BASE_DIR: relative, inside the workspace.
func cleanRelative(v string) (string, error) {
	v = strings.TrimSpace(strings.ReplaceAll(v, "\\", "/"))
	if v == "" {
		return "", nil
	}
	if strings.HasPrefix(v, "/") {
		return "", fmt.Errorf("%q must be relative to the repository root", v)
	}
	c := path.Clean(v)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%q leaves the repository", v)
	}
	if c == "." {
		return "", nil
	}
	return c, nil
}

func displayDir(d string) string {
	if d == "" {
		return "."
	}
	return d
}

// Secrets returns every secret value of the configuration, for redaction
// of output: the client secret, the Bitbucket credentials, the Slack URL
// and the keyword mapping values (strings of 4+ characters, and the JSON
// text of non-string values of 6+ characters, so that true/false and small
// numbers do not blank out ordinary words).
func (c *Config) Secrets() []string {
	var out []string
	for _, s := range []Secret{c.ClientSecret, c.BitbucketPassword, c.BitbucketAccessToken, c.SlackWebhook, c.rejectedSlack} {
		if s.IsSet() {
			out = append(out, s.Reveal())
		}
	}
	for _, v := range c.Mappings {
		switch t := v.(type) {
		case string:
			if len(t) >= 4 {
				out = append(out, t)
				if b, err := json.Marshal(t); err == nil {
					out = append(out, strings.Trim(string(b), `"`))
				}
			}
		default:
			if b, err := json.Marshal(t); err == nil && len(b) >= 6 {
				out = append(out, string(b))
			}
			// What ##KEY## inserts (an array joined with ","), as well.
			if text := keywords.Text(t); len(text) >= 6 {
				out = append(out, text)
			}
		}
	}
	return out
}

// RelBaseDir returns BASE_DIR for display ("." for the root).
func (c *Config) RelBaseDir() string { return displayDir(c.BaseDir) }

// PipelineURL links to the pipeline run when known.
func (c *Config) PipelineURL() string {
	if c.Repository == "" || c.BuildNumber == "" {
		return ""
	}
	return "https://bitbucket.org/" + c.Repository + "/pipelines/results/" + c.BuildNumber
}

// TenantName is the tenant as reports show it (host only, never credentials).
func (c *Config) TenantName() string {
	if c.BaseURL != nil {
		return c.BaseURL.Host
	}
	return c.Domain
}
