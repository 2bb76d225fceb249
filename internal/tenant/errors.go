package tenant

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
)

// Kind classifies an Error.
type Kind string

const (
	// KindAPI: the Management API answered with an error status.
	KindAPI Kind = "api"
	// KindToken: the client-credentials token request failed.
	KindToken Kind = "token"
	// KindNetwork: no answer (connection refused/reset, timeout, DNS, TLS).
	KindNetwork Kind = "network"
	// KindDeadline: the run deadline was reached (or a wait would pass it).
	KindDeadline Kind = "deadline"
	// KindCanceled: the run was cancelled.
	KindCanceled Kind = "canceled"
	// KindIncomplete: a listing came back inconsistent (short, duplicated,
	// changing): the tenant could not be read completely.
	KindIncomplete Kind = "incomplete"
	// KindBuild: an action build failed, or did not finish in time.
	KindBuild Kind = "build"
	// KindInvalid: the caller asked for something the adapter refuses to send.
	KindInvalid Kind = "invalid"
	// KindDecode: the answer could not be understood.
	KindDecode Kind = "decode"
	// KindChanged: the tenant changed under the run (another deployment or
	// a hand edit) in a way that makes the run's write moot.
	KindChanged Kind = "changed"
)

// Error is the one error type the tenant package returns (possibly wrapped).
// Error() is a single line and never contains the client secret, a token or
// a request body.
type Error struct {
	// Op is what was being done, e.g. "update rule rul_123".
	Op   string
	Kind Kind
	// Status is the HTTP status of the answer; 0 when there was none.
	Status int
	// Message is Auth0's message (or the token endpoint's error_description,
	// or this package's description for non-HTTP kinds).
	Message string
	// Code is Auth0's errorCode (or the OAuth "error"), when present.
	Code string
	// Attempts is how many HTTP attempts the request took.
	Attempts int
	// Stopped says why retrying stopped before the retry policy's limit
	// ("run deadline"), when it did.
	Stopped string
	// MaybeApplied is true when a non-idempotent request may have been
	// applied even though no answer arrived.
	MaybeApplied bool
	// Err is the underlying cause (network or context error), if any.
	Err error

	// Context for hints.
	audience string
	domain   string
	// deadline names the run deadline ("TIMEOUT=10m"), or "".
	deadline string
	// live says, for a failed action build, whether the action has a
	// deployed version that keeps running: liveUnknown, liveYes, liveNo.
	live liveState
	// redact lists strings that must never appear in Error().
	redact []string
}

// Error renders the error as one line.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	switch e.Kind {
	case KindAPI:
		b.WriteString(statusLine(e.Status))
		if e.Message != "" {
			b.WriteString(": ")
			b.WriteString(e.Message)
		}
		if e.Code != "" {
			fmt.Fprintf(&b, " (%s)", e.Code)
		}
	case KindToken:
		b.WriteString("Auth0 token request failed: ")
		switch {
		case e.Status != 0:
			b.WriteString(statusLine(e.Status))
			if e.Code != "" {
				b.WriteString(": ")
				b.WriteString(e.Code)
			}
			if e.Message != "" {
				b.WriteString(": ")
				b.WriteString(e.Message)
			}
		case e.Err != nil:
			b.WriteString(causeText(e.Err))
		default:
			b.WriteString(e.Message)
		}
	case KindNetwork:
		b.WriteString("network error: ")
		if e.Err != nil {
			b.WriteString(causeText(e.Err))
		} else {
			b.WriteString(e.Message)
		}
	default:
		b.WriteString(e.Message)
		if e.Err != nil && e.Message == "" {
			b.WriteString(causeText(e.Err))
		}
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts", e.Attempts)
		if e.Stopped != "" {
			fmt.Fprintf(&b, "; stopped: %s", e.Stopped)
		}
		b.WriteString(")")
	} else if e.Stopped != "" {
		fmt.Fprintf(&b, " (stopped: %s)", e.Stopped)
	}
	if e.MaybeApplied {
		b.WriteString(" (the request may have been applied)")
	}
	return e.scrub(oneLine(b.String()))
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// liveState says whether an action whose build failed has a deployed version.
type liveState int

const (
	liveUnknown liveState = iota
	liveYes
	liveNo
)

// changedHint explains a tenant that changed under the run.
const changedHint = "another deployment (or someone in the Auth0 dashboard) changed the tenant during this run; run again: the next run reads the tenant afresh. In Bitbucket Pipelines, give the step a deployment environment so that deployments to one tenant never overlap"

// Hint tells the user what to do about the error, or "" when the message
// says it all.
func (e *Error) Hint() string {
	return e.scrub(e.hint())
}

func (e *Error) hint() string {
	aud := e.audience
	switch e.Kind {
	case KindToken:
		return e.tokenHint()
	case KindNetwork:
		return fmt.Sprintf("could not reach the tenant at %s: check AUTH0_DOMAIN and that the pipeline can reach it; Auth0's status page is https://status.auth0.com", e.domainOr("AUTH0_DOMAIN"))
	case KindDeadline:
		if e.Status == http.StatusTooManyRequests || strings.Contains(e.Message, "rate limit") {
			return e.rateLimitHint()
		}
		if e.deadline != "" {
			return "the run reached " + e.deadline + " before Auth0 answered: raise TIMEOUT or run again (a run converges)"
		}
		return "the run deadline was reached before Auth0 answered; run again (a run converges) or allow the step more time"
	case KindIncomplete:
		return "the tenant could not be read completely, so nothing was planned from a partial listing; run again (someone may have changed the tenant during the run)"
	case KindBuild:
		const fix = "fix the action's code or dependencies (see the build message) and run again"
		switch e.live {
		case liveYes:
			return fix + "; the previously deployed version keeps running"
		case liveNo:
			return fix + "; the action has never been deployed (a new action stays an undeployed draft), so it does not run and was not bound"
		}
		return fix + "; the version deployed before this run, if there is one, keeps running"
	case KindChanged:
		return changedHint
	}
	if e.MaybeApplied {
		return "the answer was lost, so the change may or may not have been applied; run again: the next run reads the tenant and converges"
	}
	switch e.Status {
	case http.StatusUnauthorized:
		return fmt.Sprintf("the Management API rejected the token: check AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET and that the application is authorised for the Management API (audience %s)", orDefault(aud, "AUTH0_AUDIENCE"))
	case http.StatusForbidden:
		if scopes := e.Scopes(); len(scopes) > 0 {
			what := "the scope " + scopes[0]
			if len(scopes) > 1 {
				what = "one of the scopes " + strings.Join(scopes, ", ")
			}
			return fmt.Sprintf("the application lacks %s: grant it in the Auth0 dashboard (Applications > APIs > Auth0 Management API > Machine To Machine Applications) and run again", what)
		}
		return "the Management API refused the request: check the application's Management API scopes and the tenant's plan (features such as Rules may not be available)"
	case http.StatusNotFound:
		return "it no longer exists in the tenant (changed during the run?); run again: the next run reads the tenant afresh"
	case http.StatusConflict:
		if strings.Contains(strings.ToLower(e.Message), "same name") {
			return "an item with this name already exists in the tenant: it was probably created during the run (by hand or by another deployment); run again: the next run reads the tenant afresh"
		}
		if e.Code == "rule_conflict" || strings.Contains(strings.ToLower(e.Message), "same order") {
			return "another rule already holds this order (rule_conflict): the pipe moves conflicting rules out of the way first, so a rule was probably changed in the tenant during the run; run again"
		}
		return "Auth0 reports a conflict with the tenant's current state; run again: the next run reads the tenant afresh"
	case http.StatusTooManyRequests:
		return e.rateLimitHint()
	}
	if e.Status >= 500 {
		return "Auth0 answered with server errors even after retrying; check https://status.auth0.com and run again"
	}
	return ""
}

const rateLimitHint = "the tenant's Management API rate limit stayed exhausted until the run deadline: other tools or applications share the tenant's limit; run again later or allow the step more time"

func (e *Error) rateLimitHint() string {
	if e.deadline != "" {
		return "the tenant's Management API rate limit stayed exhausted until " + e.deadline + ": other tools or applications share the tenant's limit; run again later or raise TIMEOUT"
	}
	return rateLimitHint
}

func (e *Error) tokenHint() string {
	aud := orDefault(e.audience, "AUTH0_AUDIENCE")
	where := fmt.Sprintf("the Auth0 token request (POST %s/oauth/token, the Auth0 tenant, not Bitbucket)", e.domainOr("AUTH0_DOMAIN"))
	desc := strings.ToLower(e.Message + " " + e.Code)
	switch {
	case e.Status == 0:
		return where + " got no answer: check AUTH0_DOMAIN and that the pipeline can reach it"
	case strings.Contains(desc, "service not enabled") || strings.Contains(desc, "audience"):
		return fmt.Sprintf("%s names an audience the tenant does not know: check AUTH0_AUDIENCE (now %s); with a custom domain it must be https://<tenant>.<region>.auth0.com/api/v2/", where, aud)
	case strings.Contains(desc, "not authorized") || strings.Contains(desc, "client-grant") || strings.Contains(desc, "client grant"):
		return fmt.Sprintf("%s was refused because the application is not authorised for the Management API: authorise it for audience %s (Applications > APIs > Auth0 Management API > Machine To Machine Applications)", where, aud)
	case e.Status == http.StatusUnauthorized:
		return where + " was rejected: check AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (a machine-to-machine application of this tenant; a rotated secret must be updated in the repository variables)"
	case e.Status == http.StatusForbidden:
		return fmt.Sprintf("%s was refused: check AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, that the application has the Client Credentials grant, and that it is authorised for audience %s", where, aud)
	case e.Status == http.StatusTooManyRequests:
		return where + " was rate limited by the Authentication API; run again later"
	case e.Status >= 500:
		return where + " failed on Auth0's side even after retrying; check https://status.auth0.com and run again"
	}
	return where + " failed: check AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET and AUTH0_AUDIENCE"
}

var scopeRe = regexp.MustCompile(`(?i)expected (?:any|all) of:?\s*([A-Za-z0-9_:.,\s-]+)`)

// Scopes returns the scopes an insufficient_scope answer names, in order.
func (e *Error) Scopes() []string {
	if e.Status != http.StatusForbidden {
		return nil
	}
	m := scopeRe.FindStringSubmatch(e.Message)
	if m == nil {
		return nil
	}
	var out []string
	for _, s := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if strings.Contains(s, ":") {
			out = append(out, strings.TrimRight(s, "."))
		}
	}
	return out
}

func (e *Error) domainOr(def string) string {
	if e.domain != "" {
		return e.domain
	}
	return def
}

func (e *Error) scrub(s string) string {
	for _, r := range e.redact {
		if r != "" {
			s = strings.ReplaceAll(s, r, "[redacted]")
		}
	}
	return s
}

func statusLine(status int) string {
	if t := http.StatusText(status); t != "" {
		return fmt.Sprintf("%d %s", status, t)
	}
	return fmt.Sprintf("HTTP %d", status)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// causeText renders a cause on one line, preferring the innermost useful
// text of a net/http error.
func causeText(err error) string {
	if err == nil {
		return ""
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		if dns.IsNotFound {
			return fmt.Sprintf("no such host %q", dns.Name)
		}
		return "DNS lookup failed: " + dns.Err
	}
	return err.Error()
}

// maxLine bounds Error() so a strange upstream message cannot flood logs.
const maxLine = 600

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxLine {
		s = s[:maxLine] + "…"
	}
	return s
}

// AsError returns the *Error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Status returns the HTTP status carried by err, or 0.
func Status(err error) int {
	if e, ok := AsError(err); ok {
		return e.Status
	}
	return 0
}

// IsNotFound reports whether err is a 404 from the Management API.
func IsNotFound(err error) bool { return Status(err) == http.StatusNotFound }

// IsForbidden reports whether err is a 403 from the Management API.
func IsForbidden(err error) bool { return Status(err) == http.StatusForbidden }

// IsConflict reports whether err is a 409 from the Management API.
func IsConflict(err error) bool { return Status(err) == http.StatusConflict }

// Hint returns the hint of the *Error inside err, or "".
func Hint(err error) string {
	if e, ok := AsError(err); ok {
		return e.Hint()
	}
	return ""
}
