package insights

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/version"
)

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 4 << 10

// client is a minimal Bitbucket Reports API client.
type client struct {
	cfg       Config
	base      string
	http      *http.Client
	retryWait time.Duration
}

func newClient(cfg Config) (*client, error) {
	hc := &http.Client{Timeout: RequestTimeout}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
		if hc.Timeout == 0 {
			hc.Timeout = RequestTimeout
		}
	}
	if cfg.Proxy != "" {
		proxy, err := url.Parse(cfg.Proxy)
		if err != nil {
			return nil, errors.New("BITBUCKET_PROXY is not a valid URL")
		}
		var tr *http.Transport
		switch t := hc.Transport.(type) {
		case nil:
			tr = http.DefaultTransport.(*http.Transport).Clone()
		case *http.Transport:
			tr = t.Clone()
		default:
			return nil, fmt.Errorf("cannot route a %T through the Pipelines proxy", t)
		}
		tr.Proxy = http.ProxyURL(proxy)
		hc.Transport = tr
	}
	wait := cfg.RetryWait
	if wait == 0 {
		wait = DefaultRetryWait
	}
	return &client{cfg: cfg, base: cfg.apiURL(), http: hc, retryWait: wait}, nil
}

// response is what the caller needs of an HTTP answer.
type response struct {
	status     int
	body       []byte
	retryAfter string
}

// do sends one request, retrying once after a 5xx or a network error. A 429
// is not retried: Bitbucket's Retry-After is usually longer than a pipe
// should wait for a report.
func (c *client) do(ctx context.Context, method, path string, body any) (response, error) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return response{}, fmt.Errorf("encode request: %w", err)
		}
	}
	resp, err := c.once(ctx, method, path, raw)
	if c.retryWait > 0 && ctx.Err() == nil && (err != nil || resp.status >= 500) {
		select {
		case <-ctx.Done():
		case <-time.After(c.retryWait):
			resp, err = c.once(ctx, method, path, raw)
		}
	}
	return resp, err
}

func (c *client) once(ctx context.Context, method, path string, raw []byte) (response, error) {
	var body io.Reader
	if raw != nil {
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return response{}, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", version.Name+"/"+version.Version)
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.cfg.Proxy != "":
		// The proxy adds the pipeline's own credentials.
	case c.cfg.AccessToken != "":
		req.Header.Set("Authorization", "Bearer "+c.cfg.AccessToken)
	default:
		req.SetBasicAuth(c.cfg.User, c.cfg.Password)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return response{}, c.networkError(err)
	}
	defer res.Body.Close()
	out := response{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After")}
	out.body, _ = io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20)) // let the connection be reused
	return out, nil
}

// networkError drops the request URL from net/http's error (it is rebuilt
// from configuration and adds nothing) and says where the request went.
func (c *client) networkError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (ue != nil && ue.Timeout()):
		msg = "timed out: " + msg
	}
	if c.cfg.Proxy != "" {
		return fmt.Errorf("cannot reach Bitbucket through the Pipelines auth proxy %s (outside Pipelines set BITBUCKET_ACCESS_TOKEN or BITBUCKET_USER + BITBUCKET_PASSWORD): %s", redactURL(c.cfg.Proxy), msg)
	}
	return fmt.Errorf("cannot reach Bitbucket at %s: %s", redactURL(c.base), msg)
}

// statusError explains an unexpected HTTP status in one line: which
// credential, scope, repository or commit is at fault.
func (c *client) statusError(resp response) error {
	status := strconv.Itoa(resp.status) + " " + http.StatusText(resp.status)
	msg, required := bitbucketMessage(resp.body)
	suffix := ""
	if msg != "" {
		suffix = " (Bitbucket: " + msg + ")"
	}
	var s string
	switch resp.status {
	case http.StatusUnauthorized:
		s = fmt.Sprintf("%s: Bitbucket rejected %s: %s; app passwords no longer work (Atlassian removed them in July 2026)%s",
			status, c.cfg.Auth(), c.unauthorizedHint(), suffix)
	case http.StatusForbidden:
		scope := "repository:write (API tokens: write:repository:bitbucket)"
		if required != "" {
			scope = required
		}
		s = fmt.Sprintf("%s: %s may not write Code Insights reports on %s: it needs the %s scope%s",
			status, c.cfg.Auth(), c.cfg.Repository, scope, suffix)
	case http.StatusNotFound:
		s = fmt.Sprintf("%s: Bitbucket finds no commit %s in repository %s: check BITBUCKET_REPOSITORY, that the commit is pushed, and that %s can read the repository%s",
			status, c.cfg.Commit, c.cfg.Repository, c.cfg.Auth(), suffix)
	case http.StatusTooManyRequests:
		s = status + ": Bitbucket's rate limit was reached"
		if resp.retryAfter != "" {
			s += " (Retry-After " + resp.retryAfter + " s)"
		}
		s += suffix
	case http.StatusBadRequest:
		s = status + ": Bitbucket refused the request" + suffix
	default:
		if resp.status >= 500 {
			s = status + ": Bitbucket failed; a rerun usually publishes the report" + suffix
		} else {
			s = status + suffix
		}
	}
	return errors.New(s)
}

func (c *client) unauthorizedHint() string {
	switch {
	case c.cfg.Proxy != "":
		return "the proxy only authenticates inside Bitbucket Pipelines; elsewhere set BITBUCKET_ACCESS_TOKEN or BITBUCKET_USER + BITBUCKET_PASSWORD"
	case c.cfg.AccessToken != "":
		return "the token is invalid, expired or revoked"
	default:
		return "BITBUCKET_USER must be your Atlassian account e-mail (not your username) and BITBUCKET_PASSWORD an API token that is neither expired nor revoked"
	}
}

// bitbucketMessage extracts the message from Bitbucket's error envelope
// ({"type":"error","error":{"message":..,"detail":..}}) or the flat shape
// some endpoints use ({"code":400,"message":..}), plus the scopes a 403
// says are required. Anything else yields "".
func bitbucketMessage(body []byte) (msg, required string) {
	var env struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &env) != nil {
		return "", ""
	}
	msg = env.Message
	var inner struct {
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if len(env.Error) > 0 && json.Unmarshal(env.Error, &inner) == nil {
		if inner.Message != "" {
			msg = inner.Message
		}
		var text string
		var scopes struct {
			Required []string `json:"required"`
		}
		switch {
		case json.Unmarshal(inner.Detail, &text) == nil && text != "":
			msg += " " + text
		case json.Unmarshal(inner.Detail, &scopes) == nil && len(scopes.Required) > 0:
			required = strings.Join(scopes.Required, ", ")
		}
	} else if len(env.Error) > 0 {
		_ = json.Unmarshal(env.Error, &msg) // {"error": "text"}
	}
	return cut(oneLine(msg), 300), cut(oneLine(required), 100)
}
