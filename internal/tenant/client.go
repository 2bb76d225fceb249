// Package tenant is the pipe's adapter to the Auth0 Management API: the only
// package that imports go-auth0. It reads the tenant completely into
// model.Current and makes the writes the deploy stage asks for, under one
// retry and rate-limit policy (transport.go) and one error classifier
// (errors.go).
//
// go-auth0 provides authentication (client credentials), URL building and
// its standard headers; requests are decoded here, so that Auth0's errorCode,
// raw connection options and fields go-auth0 does not model (a rule's stage)
// survive.
package tenant

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/auth0/go-auth0/management"
	"github.com/rs/zerolog"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
)

// Client talks to one tenant's Management API. It is safe for concurrent use.
type Client struct {
	m         *management.Management
	transport *transport
	usage     *usage
	pacer     *pacer

	domain   string // scheme://host, for hints
	audience string
	redact   []string
	// deadline names the run deadline in messages ("TIMEOUT=10m"), or "".
	deadline string
	// scopes records the scope list of the token answer.
	scopes *scopeRecorder

	now          func() time.Time
	sleep        func(ctx context.Context, d time.Duration) error
	buildTimeout time.Duration
	pollInterval time.Duration
	maxConc      int
	log          zerolog.Logger

	// The gate lets only one request through until one has been answered,
	// so that parallel reads do not each fetch (or fail to fetch) a token.
	gateMu sync.Mutex
	authed bool
	leader *gateRound
	// rejected is the token endpoint's refusal (401/403), once met.
	rejected *Error
}

// New builds a client. It sends nothing: the token is fetched with the
// first request. ctx must stay alive as long as the client (the token
// request runs under it).
func New(ctx context.Context, opts Options) (*Client, error) {
	opts.setDefaults()
	base, err := baseURL(opts.Domain)
	if err != nil {
		return nil, &Error{Op: "configure the Auth0 client", Kind: KindInvalid, Message: err.Error(), redact: []string{opts.ClientSecret}}
	}
	var missing []string
	if opts.ClientID == "" {
		missing = append(missing, "AUTH0_CLIENT_ID")
	}
	if opts.ClientSecret == "" {
		missing = append(missing, "AUTH0_CLIENT_SECRET")
	}
	if len(missing) > 0 {
		return nil, &Error{Op: "configure the Auth0 client", Kind: KindInvalid, Message: strings.Join(missing, " and ") + " not set"}
	}
	audience := opts.Audience
	if audience == "" {
		audience = base.String() + "/api/v2/"
	}

	var baseRT http.RoundTripper
	if opts.HTTPClient != nil && opts.HTTPClient.Transport != nil {
		baseRT = opts.HTTPClient.Transport
	} else if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		baseRT = dt.Clone()
	} else {
		baseRT = http.DefaultTransport
	}

	c := &Client{
		usage:        &usage{},
		pacer:        &pacer{},
		domain:       base.String(),
		audience:     audience,
		redact:       []string{opts.ClientSecret},
		now:          opts.Now,
		sleep:        opts.Sleep,
		buildTimeout: opts.BuildTimeout,
		pollInterval: opts.PollInterval,
		maxConc:      opts.MaxConcurrency,
		log:          opts.Logger,
		deadline:     opts.deadlineLabel(),
	}
	c.transport = &transport{
		base:           baseRT,
		now:            opts.Now,
		sleep:          opts.Sleep,
		deadline:       opts.Deadline,
		attemptTimeout: opts.AttemptTimeout,
		pacer:          c.pacer,
		usage:          c.usage,
		log:            opts.Logger,
		deadlineLabel:  c.deadline,
	}
	httpClient := &http.Client{Transport: c.transport}
	// The token request uses the client found in its context: give it the
	// same retrying, counting transport.
	tokenCtx := context.WithValue(ctx, oauth2.HTTPClient, httpClient)
	// The client-credentials token source is the pipe's own. go-auth0's
	// leaves oauth2's AuthStyle unset, and oauth2 then probes: a failed
	// token request is sent again with the secret in the other place, so
	// a refused secret went out twice and a failing endpoint got twice the
	// retry policy's attempts. Auth0 documents the secret in the form body.
	tokens := (&clientcredentials.Config{
		ClientID:       opts.ClientID,
		ClientSecret:   opts.ClientSecret,
		TokenURL:       base.String() + "/oauth/token",
		EndpointParams: url.Values{"audience": {audience}},
		AuthStyle:      oauth2.AuthStyleInParams,
	}).TokenSource(tokenCtx)
	c.scopes = &scopeRecorder{src: tokens}
	apiClient := &http.Client{Transport: &oauth2.Transport{Source: c.scopes, Base: c.transport}}

	// go-auth0 wants a token source of its own: give it a static
	// placeholder, whose Authorization header apiClient's transport
	// replaces with the real token. WithInsecure (a placeholder too) also
	// lets go-auth0 speak plain http to a loopback stand-in.
	placeholder := management.WithStaticToken("replaced-by-the-client-credentials-token")
	if base.Scheme == "http" {
		placeholder = management.WithInsecure()
	}
	mopts := []management.Option{
		placeholder,
		management.WithNoRetries(),
		management.WithClient(apiClient),
	}
	if opts.UserAgent != "" {
		mopts = append(mopts, management.WithUserAgent(opts.UserAgent))
	}
	m, err := management.New(base.Host, mopts...)
	if err != nil {
		return nil, &Error{Op: "configure the Auth0 client", Kind: KindInvalid, Message: err.Error(), redact: c.redact}
	}
	c.m = m
	return c, nil
}

// Usage returns the traffic so far: every HTTP attempt (token request
// included) counts as a request; reads and writes count Management API
// attempts by method.
func (c *Client) Usage() report.APIUsage {
	c.usage.mu.Lock()
	defer c.usage.mu.Unlock()
	return report.APIUsage{
		Requests:       c.usage.requests,
		Reads:          c.usage.reads,
		Writes:         c.usage.writes,
		Retries:        c.usage.retries,
		RateLimited:    c.usage.rateLimited,
		RateLimitWaits: c.usage.waits,
		WaitedMS:       c.usage.waited.Milliseconds(),
	}
}

// GrantedScopes returns the Management API scopes the token answer listed
// (its "scope" field, space separated), once a token has been fetched (by
// the first request). known is false before that, and when the answer had
// no scope field or an empty one: then nothing can be said about scopes.
func (c *Client) GrantedScopes() (scopes []string, known bool) {
	return c.scopes.granted()
}

// scopeRecorder passes tokens through and keeps the scope list of the
// token answer. oauth2's reuse source hands out the cached token until it
// expires, so this costs nothing per request.
type scopeRecorder struct {
	src   oauth2.TokenSource
	mu    sync.Mutex
	seen  bool
	scope string
}

func (s *scopeRecorder) Token() (*oauth2.Token, error) {
	t, err := s.src.Token()
	if err != nil || t == nil {
		return t, err
	}
	scope, _ := t.Extra("scope").(string)
	s.mu.Lock()
	s.seen, s.scope = true, scope
	s.mu.Unlock()
	return t, nil
}

func (s *scopeRecorder) granted() ([]string, bool) {
	if s == nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := strings.Fields(s.scope)
	if !s.seen || len(list) == 0 {
		return nil, false
	}
	return list, true
}

// Concurrency says how many writes the deploy stage may run at once: half
// the tenant's reported bucket size (X-RateLimit-Limit), at most 8, at least
// 1; 2 before any answer reported a limit. Options.MaxConcurrency overrides.
func (c *Client) Concurrency() int {
	if c.maxConc > 0 {
		return c.maxConc
	}
	limit, _, _ := c.pacer.view(c.now())
	if limit <= 0 {
		return 2
	}
	return max(1, min(limit/2, 8))
}

// request is one Management API call.
type request struct {
	op     string // what for errors: "update rule rul_123"
	method string
	path   []string // segments under /api/v2/, escaped by go-auth0
	query  url.Values
	body   any
	// out receives the decoded answer (numbers as json.Number inside
	// interface values); nil discards it unread.
	out any
	// retrySafe marks a POST that may be sent again after its answer was lost.
	retrySafe bool
}

// do sends r and decodes the answer, turning every failure into an *Error.
func (c *Client) do(ctx context.Context, r request) error {
	if ctx.Err() != nil {
		return c.ctxError(ctx, r.op)
	}
	uri := c.m.URI(r.path...)
	if len(r.query) > 0 {
		uri += "?" + r.query.Encode()
	}
	trace := &callTrace{}
	rctx := withTrace(ctx, trace)
	if r.retrySafe {
		rctx = withRetrySafe(rctx)
	}
	req, err := c.m.NewRequest(rctx, r.method, uri, r.body)
	if err != nil {
		return c.errorf(&Error{Op: r.op, Kind: KindInvalid, Message: "building the request failed", Err: err})
	}

	finish, tokenErr, err := c.enter(ctx)
	if err != nil {
		return c.ctxError(ctx, r.op)
	}
	if tokenErr != nil {
		e := *tokenErr
		e.Op = r.op
		return &e
	}
	resp, err := c.m.Do(req)
	attempts, stopped, maybe := trace.snapshot()
	if err != nil {
		err = c.transportError(ctx, r.op, err, attempts, stopped, maybe)
		finish(false, err)
		return err
	}
	finish(true, nil)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return c.errorf(&Error{Op: r.op, Kind: KindNetwork, Err: err, Attempts: attempts})
	}
	if resp.StatusCode >= http.StatusBadRequest {
		return c.apiError(r.op, resp.StatusCode, body, attempts, stopped)
	}
	if r.out == nil || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(r.out); err != nil {
		return c.errorf(&Error{Op: r.op, Kind: KindDecode, Status: resp.StatusCode, Message: "could not decode Auth0's answer: " + decodeErrorText(err)})
	}
	return nil
}

// enter passes the gate: until some request has been answered, requests
// go one at a time, and when the leading request's token request fails,
// the requests waiting behind it fail the same way instead of each asking
// for a token again. finish must be called with the request's outcome.
func (c *Client) enter(ctx context.Context) (finish func(answered bool, err error), tokenErr *Error, err error) {
	noop := func(bool, error) {}
	for {
		c.gateMu.Lock()
		if c.rejected != nil {
			c.gateMu.Unlock()
			return nil, c.rejected, nil
		}
		if c.authed {
			c.gateMu.Unlock()
			return noop, nil, nil
		}
		if g := c.leader; g != nil {
			c.gateMu.Unlock()
			select {
			case <-g.done:
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
			if g.tokenErr != nil {
				return nil, g.tokenErr, nil
			}
			continue
		}
		g := &gateRound{done: make(chan struct{})}
		c.leader = g
		c.gateMu.Unlock()
		return func(answered bool, err error) {
			c.gateMu.Lock()
			if answered {
				c.authed = true
			} else if e, ok := AsError(err); ok && e.Kind == KindToken {
				g.tokenErr = e
				if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden {
					// The credentials were refused: they will not change
					// during the run, so do not ask again.
					c.rejected = e
				}
			}
			c.leader = nil
			c.gateMu.Unlock()
			close(g.done)
		}, nil, nil
	}
}

// gateRound is one request going through the gate alone.
type gateRound struct {
	done     chan struct{}
	tokenErr *Error
}

// apiErrorBody is the Management API's error shape.
type apiErrorBody struct {
	StatusCode int    `json:"statusCode"`
	Error      string `json:"error"`
	Message    string `json:"message"`
	ErrorCode  string `json:"errorCode"`
}

func (c *Client) apiError(op string, status int, body []byte, attempts int, stopped string) error {
	var b apiErrorBody
	msg := ""
	if err := json.Unmarshal(body, &b); err == nil {
		msg = b.Message
		if msg == "" {
			msg = b.Error
		}
	} else if len(bytes.TrimSpace(body)) > 0 {
		msg = "the answer was not JSON"
	}
	return c.errorf(&Error{Op: op, Kind: KindAPI, Status: status, Message: msg, Code: b.ErrorCode, Attempts: attempts, Stopped: stopped})
}

// transportError classifies an error from go-auth0's Do: a failed token
// request, a network error, the run deadline or a cancelled context.
func (c *Client) transportError(ctx context.Context, op string, err error, attempts int, stopped string, maybe bool) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		e := &Error{Op: op, Kind: KindToken, Code: re.ErrorCode, Message: re.ErrorDescription}
		if re.Response != nil {
			e.Status = re.Response.StatusCode
		}
		return c.errorf(e)
	}
	token := isTokenRequestError(err)
	switch {
	case errors.Is(err, errRunDeadline):
		e := &Error{Op: op, Kind: KindDeadline, Message: c.deadlineReached(), Attempts: attempts}
		if msg := deadlineDetail(err); msg != "" {
			e.Message = msg
		}
		return c.errorf(e)
	case ctx.Err() != nil:
		return c.ctxError(ctx, op)
	case token:
		return c.errorf(&Error{Op: op, Kind: KindToken, Err: innermostCause(err), Stopped: stopped})
	}
	return c.errorf(&Error{Op: op, Kind: KindNetwork, Err: innermostCause(err), Attempts: attempts, Stopped: stopped, MaybeApplied: maybe})
}

// ctxError is the error of a request stopped by ctx: the run deadline, or
// a cancellation, with its cause when ctx has one (the signal that stopped
// the run).
func (c *Client) ctxError(ctx context.Context, op string) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return c.errorf(&Error{Op: op, Kind: KindDeadline, Message: c.deadlineReached(), Err: err})
	}
	return c.errorf(&Error{Op: op, Kind: KindCanceled, Message: CancelReason(ctx), Err: err})
}

// deadlineReached is the message of a run stopped by its deadline.
func (c *Client) deadlineReached() string {
	if c.deadline != "" {
		return c.deadline + " reached"
	}
	return "run deadline reached"
}

// CancelReason says why ctx was canceled: "canceled: SIGTERM received" when
// the cause is a signal (os/signal.NotifyContext records which one), else
// "canceled" with the cause if there is one.
func CancelReason(ctx context.Context) string {
	cause := context.Cause(ctx)
	// Compared, not errors.Is: os/signal's cause "is" context.Canceled too.
	if cause == nil || cause == context.Canceled || cause == context.DeadlineExceeded {
		return "canceled"
	}
	msg := cause.Error()
	if sig, ok := strings.CutSuffix(msg, " signal received"); ok {
		return "canceled: " + signalName(sig) + " received"
	}
	return "canceled: " + msg
}

// signalName turns Go's description of a signal ("terminated") into its
// name ("SIGTERM").
func signalName(desc string) string {
	switch desc {
	case "terminated":
		return "SIGTERM"
	case "interrupt":
		return "SIGINT"
	case "hangup":
		return "SIGHUP"
	case "quit":
		return "SIGQUIT"
	}
	return desc + " signal"
}

// errorf fills the context every Error needs for hints and redaction.
func (c *Client) errorf(e *Error) *Error {
	e.audience = c.audience
	e.domain = c.domain
	e.redact = c.redact
	e.deadline = c.deadline
	return e
}

// isTokenRequestError reports whether err came from the request to
// /oauth/token (the API request's error wraps the token request's).
func isTokenRequestError(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if ue, ok := e.(*url.Error); ok {
			if u, perr := url.Parse(ue.URL); perr == nil && strings.HasSuffix(u.Path, "/oauth/token") {
				return true
			}
		}
	}
	return false
}

// innermostCause strips net/http's "Get \"url\": " wrappers so that an
// error reads as its cause.
func innermostCause(err error) error {
	for {
		ue, ok := err.(*url.Error)
		if !ok {
			return err
		}
		err = ue.Err
	}
}

func deadlineDetail(err error) string {
	// The pacer's message says why; strip the sentinel suffix.
	msg := innermostCause(err).Error()
	if msg == errRunDeadline.Error() {
		return ""
	}
	return strings.TrimSuffix(msg, ": "+errRunDeadline.Error())
}

func decodeErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has an unexpected %s", te.Field, te.Value)
	}
	return "invalid JSON"
}

// waitFor sleeps d within the run deadline, for polls and client-level
// retries.
func (c *Client) waitFor(ctx context.Context, op string, d time.Duration) error {
	if !c.transport.fits(d) {
		return c.errorf(&Error{Op: op, Kind: KindDeadline, Message: c.deadlineReached()})
	}
	if err := c.sleep(ctx, d); err != nil {
		return c.ctxError(ctx, op)
	}
	return nil
}
