package slacksim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const hook = "/services/T000/B000/XXXX"

func post(t *testing.T, url, contentType, body string) (int, string, http.Header) {
	t.Helper()
	res, err := http.Post(url, contentType, strings.NewReader(body))
	require.NoError(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw), res.Header
}

func serve(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func section(text string) string {
	return `{"type":"section","text":{"type":"mrkdwn","text":` + quote(text) + `}}`
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func blocks(bs ...string) string {
	return `{"text":"fallback","blocks":[` + strings.Join(bs, ",") + `]}`
}

func TestAcceptsAValidMessage(t *testing.T) {
	s, base := serve(t, Options{Path: hook})
	body := blocks(
		`{"type":"header","text":{"type":"plain_text","text":"✅ Deployed","emoji":true}}`,
		section("*1* created"),
		`{"type":"section","fields":[{"type":"mrkdwn","text":"*Tenant*\nacme"}]}`,
		`{"type":"divider"}`,
		`{"type":"context","elements":[{"type":"mrkdwn","text":"auth0-deploy"}]}`,
	)
	status, answer, _ := post(t, base+hook, "application/json", body)
	assert.Equal(t, 200, status)
	assert.Equal(t, "ok", answer)
	msgs := s.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, "fallback", msgs[0].Text)
	assert.Len(t, msgs[0].Blocks, 5)
	assert.JSONEq(t, body, string(msgs[0].Raw))
}

func TestRefusals(t *testing.T) {
	many := make([]string, 51)
	for i := range many {
		many[i] = section("x")
	}
	fields := make([]string, 11)
	for i := range fields {
		fields[i] = `{"type":"mrkdwn","text":"f"}`
	}
	cases := []struct {
		name, contentType, body string
		status                  int
		answer, reason          string
	}{
		{"not json", "application/json", "{", 400, "invalid_payload", "unexpected end of JSON input"},
		{"form body", "application/x-www-form-urlencoded", "payload=%7B%7D", 400, "invalid_payload", "Content-Type is application/x-www-form-urlencoded, not application/json"},
		{"nothing to post", "application/json", `{"text":""}`, 400, "no_text", "no text, blocks or attachments"},
		{"51 blocks", "application/json", blocks(many...), 400, "invalid_blocks", "51 blocks, at most 50"},
		{"header too long", "application/json", blocks(`{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("h", 151) + `"}}`), 400, "invalid_blocks", "blocks[0].text: text has 151 characters, at most 150"},
		{"mrkdwn header", "application/json", blocks(`{"type":"header","text":{"type":"mrkdwn","text":"h"}}`), 400, "invalid_blocks", "blocks[0].text: must be plain_text"},
		{"section text too long", "application/json", blocks(section(strings.Repeat("é", 3001))), 400, "invalid_blocks", "blocks[0].text: text has 3001 characters, at most 3000"},
		{"empty section text", "application/json", blocks(section(" ")), 400, "invalid_blocks", "blocks[0].text: text must not be empty"},
		{"11 fields", "application/json", blocks(`{"type":"section","fields":[` + strings.Join(fields, ",") + `]}`), 400, "invalid_blocks", "blocks[0].fields: 11 fields, at most 10"},
		{"field too long", "application/json", blocks(`{"type":"section","fields":[{"type":"mrkdwn","text":"` + strings.Repeat("f", 2001) + `"}]}`), 400, "invalid_blocks", "blocks[0].fields[0]: text has 2001 characters, at most 2000"},
		{"empty section", "application/json", blocks(`{"type":"section"}`), 400, "invalid_blocks", "blocks[0]: a section needs text or fields"},
		{"emoji in mrkdwn", "application/json", blocks(`{"type":"section","text":{"type":"mrkdwn","text":"x","emoji":true}}`), 400, "invalid_blocks", "blocks[0].text: emoji is only allowed in plain_text"},
		{"empty context", "application/json", blocks(`{"type":"context","elements":[]}`), 400, "invalid_blocks", "blocks[0].elements: must be a non-empty array"},
		{"duplicate block ids", "application/json", blocks(`{"type":"divider","block_id":"a"}`, `{"type":"divider","block_id":"a"}`), 400, "invalid_blocks", "blocks[1]: duplicate block_id a"},
		{"blocks not an array", "application/json", `{"blocks":{"type":"divider"}}`, 400, "invalid_blocks_format", "blocks is not an array of objects"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, base := serve(t, Options{})
			status, answer, _ := post(t, base+hook, tc.contentType, tc.body)
			assert.Equal(t, tc.status, status)
			assert.Equal(t, tc.answer, answer)
			reqs := s.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, tc.reason, reqs[0].Reason)
			assert.Empty(t, s.Messages())
		})
	}
}

func TestFaultsAndPaths(t *testing.T) {
	s, base := serve(t, Options{Path: hook})
	status, answer, _ := post(t, base+"/services/T000/B000/REVOKED", "application/json", `{"text":"x"}`)
	assert.Equal(t, 404, status)
	assert.Equal(t, "no_service", answer)

	for _, tc := range []struct {
		fault  Fault
		status int
		answer string
		retry  string
	}{
		{NoService, 404, "no_service", ""},
		{RateLimited, 429, "rate_limited", "30"},
		{ServerError, 500, "rollup_error", ""},
	} {
		s.SetFault(Fault{Status: tc.fault.Status, Answer: tc.fault.Answer, RetryAfter: tc.fault.RetryAfter, Times: 1})
		status, answer, header := post(t, base+hook, "application/json", `{"text":"x"}`)
		assert.Equal(t, tc.status, status)
		assert.Equal(t, tc.answer, answer)
		assert.Equal(t, tc.retry, header.Get("Retry-After"))
	}
	status, answer, _ = post(t, base+hook, "application/json", `{"text":"x"}`)
	assert.Equal(t, 200, status, "each fault was for one post")
	assert.Equal(t, "ok", answer)
}

func TestLogAndOutDir(t *testing.T) {
	var log bytes.Buffer
	dir := t.TempDir()
	_, base := serve(t, Options{Log: &log, OutDir: dir})
	body := blocks(
		`{"type":"header","text":{"type":"plain_text","text":"✅ Deployed"}}`,
		`{"type":"section","fields":[{"type":"mrkdwn","text":"*Tenant*\nacme"}]}`,
		`{"type":"context","elements":[{"type":"mrkdwn","text":"a"},{"type":"mrkdwn","text":"b"}]}`,
	)
	status, _, _ := post(t, base+hook, "application/json", body)
	require.Equal(t, 200, status)
	post(t, base+hook, "application/json", `{}`)

	assert.Equal(t, `Slack message — notification text: fallback
  │ ✅ DEPLOYED
  │
  │ *Tenant* acme
  │
  │ a  b
  │
Slack webhook refused a post: 400 no_text (no text, blocks or attachments)
`, log.String())
	raw, err := os.ReadFile(filepath.Join(dir, "message-001.json"))
	require.NoError(t, err)
	assert.JSONEq(t, body, string(raw))
}
