package bench

import (
	"net/http"
	"regexp"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
)

// Traffic is what the stand-in's request log says a run sent: the
// authoritative count for every tool.
type Traffic struct {
	Requests int `json:"requests"` // everything, the token request and failed attempts included
	Token    int `json:"token"`    // POST /oauth/token
	Reads    int `json:"reads"`    // Management API GETs other than polls
	Polls    int `json:"polls"`    // GET /api/v2/actions/actions/{id}: waiting for a build or a deploy
	Writes   int `json:"writes"`   // Management API POST/PUT/PATCH/DELETE
	// RateLimited counts 429 answers, Conflicts 409 answers; Failed other
	// answers >= 400 and connections reset.
	RateLimited int `json:"rate_limited"`
	Conflicts   int `json:"conflicts"`
	Failed      int `json:"failed"`
	// Retried counts attempts that had to be sent again to succeed: 429s,
	// 5xx and resets (a tool that gave up instead fails the run).
	Retried int `json:"retried"`
	// WriteStatuses counts write answers by status code.
	WriteStatuses map[int]int `json:"write_statuses,omitempty"`
}

var actionPath = regexp.MustCompile(`^/api/v2/actions/actions/[^/]+$`)

// CountTraffic classifies a request log.
func CountTraffic(reqs []auth0sim.Request) Traffic {
	t := Traffic{WriteStatuses: map[int]int{}}
	for _, r := range reqs {
		t.Requests++
		switch {
		case r.IsToken():
			t.Token++
		case !r.IsAPI():
		case r.IsWrite():
			t.Writes++
			t.WriteStatuses[r.Status]++
		case r.Method == http.MethodGet && actionPath.MatchString(r.Path):
			t.Polls++
		default:
			t.Reads++
		}
		switch {
		case r.Status == http.StatusTooManyRequests:
			t.RateLimited++
			t.Retried++
		case r.Status == http.StatusConflict:
			t.Conflicts++
		case r.Status == 0 || r.Status >= 500:
			t.Failed++
			t.Retried++
		case r.Status >= 400:
			t.Failed++
		}
	}
	return t
}

// APIRequests is what counts against the rate limit: everything but the
// token request.
func (t Traffic) APIRequests() int { return t.Reads + t.Polls + t.Writes }
