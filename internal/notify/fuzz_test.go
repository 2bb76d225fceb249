package notify

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/slacksim"
)

// FuzzBuildMessage checks that the webhook stand-in accepts the message
// whatever text the run carries.
func FuzzBuildMessage(f *testing.F) {
	f.Add("acme.eu.auth0.com", "main", "Enrich <profile> & *co*", "boom", 3)
	f.Add("", "", "", "", 0)
	f.Add(strings.Repeat("t", 400), "\n", "`", "\xff", 300)
	sim := slacksim.New(slacksim.Options{})
	f.Fuzz(func(t *testing.T, tenant, branch, name, errText string, n int) {
		rep := &report.Report{Tenant: tenant, Branch: branch, Repository: "acme/site", Commit: "abcdef1", Status: report.StatusFailed, Error: errText}
		for i := range min(max(n, 0), 400) {
			rep.Items = append(rep.Items, report.Item{Kind: model.KindRule, Name: name, Action: "create", Result: report.ResultApplied, Reason: errText})
			if i%2 == 0 {
				rep.Problems = append(rep.Problems, model.Problem{Severity: model.SeverityError, Path: name, Line: i, Message: errText})
			}
		}
		raw, err := json.Marshal(BuildMessage(rep))
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/services/T/B/X", strings.NewReader(string(raw)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			reqs := sim.Requests()
			t.Fatalf("slacksim refused the message: %d %s (%s)", rec.Code, rec.Body.String(), reqs[len(reqs)-1].Reason)
		}
	})
}
