// Package slacksim is a stand-in for a Slack incoming webhook. It checks
// what Slack checks (a JSON body, something to post, Block Kit limits: at
// most 50 blocks, header text of at most 150 characters, section text of at
// most 3000, at most 10 fields of at most 2000, at most 10 context elements,
// no empty text) and answers as Slack does: HTTP 200 "ok", or an HTTP error
// with Slack's plain-text error word (invalid_payload, no_text,
// invalid_blocks, no_service, rate_limited + Retry-After, rollup_error...).
//
// Use it in-process (New(...) is an http.Handler; serve it with httptest) or
// through test/cmd/slacksim.
package slacksim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"
)

// Block Kit limits the stand-in enforces.
const (
	MaxBlocks       = 50
	MaxHeader       = 150
	MaxSectionText  = 3000
	MaxFields       = 10
	MaxFieldText    = 2000
	MaxContextItems = 10
	MaxBlockID      = 255
)

// Options configure a Server.
type Options struct {
	// Path, when set, is the only webhook path that exists (others answer
	// 404 no_service), e.g. /services/T000/B000/XXXX.
	Path string
	// Log, when set, receives every message rendered for people.
	Log io.Writer
	// OutDir, when set, receives every accepted message as message-NNN.json.
	OutDir string
}

// Fault makes the webhook answer with an error instead of posting.
type Fault struct {
	Status     int
	Answer     string // Slack's error word, e.g. no_service
	RetryAfter string // seconds, sent with a 429
	Times      int    // how many requests get it; 0 = until ClearFault
}

// Slack's usual failures.
var (
	NoService   = Fault{Status: http.StatusNotFound, Answer: "no_service"}
	RateLimited = Fault{Status: http.StatusTooManyRequests, Answer: "rate_limited", RetryAfter: "30"}
	ServerError = Fault{Status: http.StatusInternalServerError, Answer: "rollup_error"}
)

// Request is one post as the webhook saw it.
type Request struct {
	Path   string
	Status int
	Answer string // the body sent back: ok or an error word
	// Reason explains a refusal in detail (Slack itself does not).
	Reason string
	// Body is the request body.
	Body json.RawMessage
}

// Message is an accepted post.
type Message struct {
	Text   string           `json:"text,omitempty"`
	Blocks []map[string]any `json:"blocks,omitempty"`
	// Raw is the whole body as received.
	Raw json.RawMessage `json:"-"`
}

// Server is the stand-in. It is safe for concurrent use.
type Server struct {
	opts  Options
	logMu sync.Mutex

	mu       sync.Mutex
	fault    *Fault
	requests []Request
	messages []Message
}

// New returns a Server; it is an http.Handler.
func New(opts Options) *Server { return &Server{opts: opts} }

// SetFault makes the next posts fail with f.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = &f
}

// ClearFault ends a fault.
func (s *Server) ClearFault() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = nil
}

// Requests returns every post received, accepted or not, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Messages returns the accepted messages in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// reply is the webhook's answer to one post.
type reply struct {
	status     int
	answer     string
	reason     string
	retryAfter string
	msg        *Message
}

func refuse(status int, answer, reason string) reply {
	return reply{status: status, answer: answer, reason: reason}
}

// ServeHTTP answers one webhook post.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	rep := s.handle(r, body)

	s.mu.Lock()
	s.requests = append(s.requests, Request{Path: r.URL.Path, Status: rep.status, Answer: rep.answer, Reason: rep.reason, Body: body})
	n := 0
	if rep.msg != nil {
		s.messages = append(s.messages, *rep.msg)
		n = len(s.messages)
	}
	s.mu.Unlock()

	if rep.retryAfter != "" {
		w.Header().Set("Retry-After", rep.retryAfter)
	}
	w.Header().Set("Content-Type", "text/html") // as Slack sends it
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.answer)

	if rep.msg != nil {
		s.logf("%s", Format(*rep.msg))
		s.save(n, body)
	} else {
		detail := ""
		if rep.reason != "" {
			detail = " (" + rep.reason + ")"
		}
		s.logf("Slack webhook refused a post: %d %s%s\n", rep.status, rep.answer, detail)
	}
}

func (s *Server) handle(r *http.Request, body []byte) reply {
	if r.Method != http.MethodPost {
		return refuse(http.StatusMethodNotAllowed, "invalid_method", "webhooks take POST only")
	}
	if s.opts.Path != "" && r.URL.Path != s.opts.Path {
		return refuse(http.StatusNotFound, "no_service", "unknown webhook path")
	}
	if f := s.takeFault(); f != nil {
		return reply{status: f.Status, answer: f.Answer, reason: "fault", retryAfter: f.RetryAfter}
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return refuse(http.StatusBadRequest, "invalid_payload", "Content-Type is "+ct+", not application/json")
	}
	var payload struct {
		Text        *string         `json:"text"`
		Blocks      json.RawMessage `json:"blocks"`
		Attachments json.RawMessage `json:"attachments"`
	}
	if err := json.Unmarshal(body, &payload); err != nil {
		return refuse(http.StatusBadRequest, "invalid_payload", err.Error())
	}
	msg := &Message{Raw: append(json.RawMessage(nil), body...)}
	if payload.Text != nil {
		msg.Text = *payload.Text
	}
	hasBlocks := len(payload.Blocks) > 0 && string(payload.Blocks) != "null"
	hasAttachments := len(payload.Attachments) > 0 && string(payload.Attachments) != "null" && string(payload.Attachments) != "[]"
	if strings.TrimSpace(msg.Text) == "" && !hasBlocks && !hasAttachments {
		return refuse(http.StatusBadRequest, "no_text", "no text, blocks or attachments")
	}
	if hasBlocks {
		if err := json.Unmarshal(payload.Blocks, &msg.Blocks); err != nil {
			return refuse(http.StatusBadRequest, "invalid_blocks_format", "blocks is not an array of objects")
		}
		if reason := validateBlocks(msg.Blocks); reason != "" {
			return refuse(http.StatusBadRequest, "invalid_blocks", reason)
		}
	}
	return reply{status: http.StatusOK, answer: "ok", msg: msg}
}

func (s *Server) takeFault() *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fault
	if f == nil {
		return nil
	}
	out := *f
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			s.fault = nil
		}
	}
	return &out
}

// validateBlocks returns why Slack would answer invalid_blocks, or "".
func validateBlocks(blocks []map[string]any) string {
	if len(blocks) == 0 {
		return "blocks is empty"
	}
	if len(blocks) > MaxBlocks {
		return fmt.Sprintf("%d blocks, at most %d", len(blocks), MaxBlocks)
	}
	ids := map[string]bool{}
	for i, b := range blocks {
		where := fmt.Sprintf("blocks[%d]", i)
		if id, ok := b["block_id"].(string); ok {
			if len(id) > MaxBlockID || id == "" {
				return where + ": block_id must have 1 to 255 characters"
			}
			if ids[id] {
				return where + ": duplicate block_id " + id
			}
			ids[id] = true
		}
		typ, _ := b["type"].(string)
		var reason string
		switch typ {
		case "header":
			reason = checkText(b["text"], where+".text", MaxHeader, true)
		case "section":
			reason = checkSection(b, where)
		case "context":
			reason = checkContext(b, where)
		case "divider":
		default:
			// Slack knows more block types; the pipe uses none of them, so a
			// test notices when that changes.
			reason = fmt.Sprintf("%s: block type %q is not one the stand-in checks", where, typ)
		}
		if reason != "" {
			return reason
		}
	}
	return ""
}

func checkSection(b map[string]any, where string) string {
	text, hasText := b["text"]
	fields, hasFields := b["fields"]
	if !hasText && !hasFields {
		return where + ": a section needs text or fields"
	}
	if hasText {
		if r := checkText(text, where+".text", MaxSectionText, false); r != "" {
			return r
		}
	}
	if hasFields {
		list, ok := fields.([]any)
		switch {
		case !ok || len(list) == 0:
			return where + ".fields: must be a non-empty array"
		case len(list) > MaxFields:
			return fmt.Sprintf("%s.fields: %d fields, at most %d", where, len(list), MaxFields)
		}
		for i, f := range list {
			if r := checkText(f, fmt.Sprintf("%s.fields[%d]", where, i), MaxFieldText, false); r != "" {
				return r
			}
		}
	}
	return ""
}

func checkContext(b map[string]any, where string) string {
	list, ok := b["elements"].([]any)
	switch {
	case !ok || len(list) == 0:
		return where + ".elements: must be a non-empty array"
	case len(list) > MaxContextItems:
		return fmt.Sprintf("%s.elements: %d elements, at most %d", where, len(list), MaxContextItems)
	}
	for i, e := range list {
		el, _ := e.(map[string]any)
		if el["type"] == "image" {
			if el["image_url"] == nil || el["alt_text"] == nil {
				return fmt.Sprintf("%s.elements[%d]: an image needs image_url and alt_text", where, i)
			}
			continue
		}
		if r := checkText(e, fmt.Sprintf("%s.elements[%d]", where, i), MaxSectionText, false); r != "" {
			return r
		}
	}
	return ""
}

// checkText validates a text composition object.
func checkText(v any, where string, max int, plainOnly bool) string {
	obj, ok := v.(map[string]any)
	if !ok {
		return where + ": must be a text object"
	}
	typ, _ := obj["type"].(string)
	text, isString := obj["text"].(string)
	switch {
	case typ != "plain_text" && typ != "mrkdwn":
		return fmt.Sprintf("%s: type %q must be plain_text or mrkdwn", where, typ)
	case plainOnly && typ != "plain_text":
		return where + ": must be plain_text"
	case typ == "mrkdwn" && obj["emoji"] != nil:
		return where + ": emoji is only allowed in plain_text"
	case !isString || strings.TrimSpace(text) == "":
		return where + ": text must not be empty"
	case utf8.RuneCountInString(text) > max:
		return fmt.Sprintf("%s: text has %d characters, at most %d", where, utf8.RuneCountInString(text), max)
	}
	return ""
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.opts.Log, format, args...)
}

func (s *Server) save(n int, body []byte) {
	if s.opts.OutDir == "" {
		return
	}
	var pretty any
	out := body
	if json.Unmarshal(body, &pretty) == nil {
		if b, err := json.MarshalIndent(pretty, "", "  "); err == nil {
			out = append(b, '\n')
		}
	}
	err := os.MkdirAll(s.opts.OutDir, 0o755)
	if err == nil {
		err = os.WriteFile(filepath.Join(s.opts.OutDir, fmt.Sprintf("message-%03d.json", n)), out, 0o644)
	}
	if err != nil {
		s.logf("slacksim: save message: %v\n", err)
	}
}

// Format renders a message roughly as Slack shows it, for people.
func Format(m Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Slack message — notification text: %s\n", m.Text)
	line := func(s string) {
		for _, l := range strings.Split(s, "\n") {
			b.WriteString("  │ " + l + "\n")
		}
	}
	for _, blk := range m.Blocks {
		switch blk["type"] {
		case "header":
			line(strings.ToUpper(textOf(blk["text"])))
		case "section":
			if t := textOf(blk["text"]); t != "" {
				line(t)
			}
			if fields, ok := blk["fields"].([]any); ok {
				for _, f := range fields {
					line(strings.Replace(textOf(f), "\n", " ", 1))
				}
			}
		case "context":
			if els, ok := blk["elements"].([]any); ok {
				var parts []string
				for _, e := range els {
					parts = append(parts, textOf(e))
				}
				line(strings.Join(parts, "  "))
			}
		case "divider":
			line("────────")
		}
		b.WriteString("  │\n")
	}
	return b.String()
}

func textOf(v any) string {
	obj, _ := v.(map[string]any)
	s, _ := obj["text"].(string)
	return s
}
