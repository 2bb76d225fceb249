// Package bbsim is a stand-in for Bitbucket Cloud's Code Insights API
// (reports and annotations), strict enough to catch what the real service
// refuses: Bitbucket's enums, at most 10 data fields, at most 100 annotations
// per request and 1000 per report, 450-character summaries, required fields,
// unknown fields. It authenticates like Bitbucket does for the pipe: a Bearer
// access token, Basic e-mail + API token, or the Pipelines auth proxy form
// (an absolute-URI request for http://api.bitbucket.org carrying no
// credentials). Errors use Bitbucket's envelope
// {"type":"error","error":{"message":...}}.
//
// Use it in-process (New(...) is an http.Handler; serve it with httptest) or
// through test/cmd/bbsim.
package bbsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// ProxyHost is the host the Pipelines auth proxy forwards to.
const ProxyHost = "api.bitbucket.org"

// Limits Bitbucket enforces.
const (
	MaxData              = 10
	MaxAnnotationsPerReq = 100
	MaxAnnotations       = 1000
	MaxSummary           = 450
	MaxDetails           = 2000
)

// Options configure a Server.
type Options struct {
	// Token is the access token accepted as "Authorization: Bearer <Token>".
	Token string
	// User and Password are the Basic credentials accepted.
	User, Password string
	// DisableProxy refuses proxy-form requests (as direct Bitbucket would).
	DisableProxy bool
	// Repositories, when set, are the only workspace/repo that exist.
	Repositories []string
	// Log, when set, receives a readable account of every request.
	Log io.Writer
	// OutDir, when set, receives every stored report with its annotations
	// as <workspace>_<repo>_<commit>_<id>.json, updated on every change.
	OutDir string
	// Now stamps created_on/updated_on; default time.Now.
	Now func() time.Time
}

// Fault makes the server answer requests with an error status instead.
type Fault struct {
	Status int    // 401, 403, 404, 429, 500, ...
	Method string // only requests with this method; "" = any
	// Times is how many requests get the fault; 0 = until ClearFault.
	Times int
	// RetryAfter is sent with a 429 (seconds).
	RetryAfter string
}

// Request is one request as the server saw it.
type Request struct {
	Method string
	Path   string // path below the API root, e.g. /2.0/repositories/...
	Auth   string // proxy, bearer, basic or none
	Status int
	// Error is the message of an error answer.
	Error string
	// Annotations is the size of a POST annotations body.
	Annotations int
}

// Report is a report body as Bitbucket accepts it.
type Report struct {
	UUID              string `json:"uuid,omitempty"`
	ExternalID        string `json:"external_id,omitempty"`
	Title             string `json:"title"`
	Details           string `json:"details,omitempty"`
	Reporter          string `json:"reporter,omitempty"`
	Link              string `json:"link,omitempty"`
	LogoURL           string `json:"logo_url,omitempty"`
	RemoteLinkEnabled *bool  `json:"remote_link_enabled,omitempty"`
	ReportType        string `json:"report_type"`
	Result            string `json:"result,omitempty"`
	Data              []Data `json:"data,omitempty"`
	CreatedOn         string `json:"created_on,omitempty"`
	UpdatedOn         string `json:"updated_on,omitempty"`
}

// Data is one report data field.
type Data struct {
	Title string          `json:"title"`
	Type  string          `json:"type,omitempty"`
	Value json.RawMessage `json:"value"`
}

// Annotation is an annotation body as Bitbucket accepts it.
type Annotation struct {
	ExternalID     string `json:"external_id"`
	UUID           string `json:"uuid,omitempty"`
	AnnotationType string `json:"annotation_type"`
	Path           string `json:"path,omitempty"`
	Line           *int   `json:"line,omitempty"`
	Summary        string `json:"summary"`
	Details        string `json:"details,omitempty"`
	Result         string `json:"result,omitempty"`
	Severity       string `json:"severity,omitempty"`
	Link           string `json:"link,omitempty"`
}

// StoredReport is a report on a commit with its annotations in upload order.
type StoredReport struct {
	Repository  string       `json:"repository"`
	Commit      string       `json:"commit"`
	ID          string       `json:"id"`
	Report      Report       `json:"report"`
	Annotations []Annotation `json:"annotations"`
}

// Server is the stand-in. It is safe for concurrent use.
type Server struct {
	opts  Options
	logMu sync.Mutex // keeps each readable log entry in one piece

	mu       sync.Mutex
	fault    *Fault
	requests []Request
	reports  map[string]*StoredReport // key: repo \x00 commit \x00 id
	seq      int
}

// New returns a Server; it is an http.Handler.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{opts: opts, reports: map[string]*StoredReport{}}
}

// SetFault makes the next matching requests fail with f.Status.
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

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Reports returns the stored reports, ordered by repository, commit and id.
func (s *Server) Reports() []StoredReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StoredReport, 0, len(s.reports))
	for _, r := range s.reports {
		out = append(out, r.clone())
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Repository+"\x00"+a.Commit+"\x00"+a.ID < b.Repository+"\x00"+b.Commit+"\x00"+b.ID
	})
	return out
}

// Report returns one stored report.
func (s *Server) Report(repo, commit, id string) (StoredReport, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reports[key(repo, commit, id)]
	if !ok {
		return StoredReport{}, false
	}
	return r.clone(), true
}

func (r *StoredReport) clone() StoredReport {
	c := *r
	c.Annotations = append([]Annotation(nil), r.Annotations...)
	return c
}

func key(repo, commit, id string) string { return repo + "\x00" + commit + "\x00" + id }

var routePattern = regexp.MustCompile(`^/2\.0/repositories/([^/]+)/([^/]+)/commit/([^/]+)/reports/([^/]+)(/annotations)?$`)

// apiError is an error answer in Bitbucket's envelope.
type apiError struct {
	status     int
	message    string
	detail     any
	flat       bool // {"code":..,"message":..}, as the bulk-annotation limit answers
	retryAfter string
}

func (e *apiError) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	if e.retryAfter != "" {
		w.Header().Set("Retry-After", e.retryAfter)
	}
	w.WriteHeader(e.status)
	var body any
	if e.flat {
		body = map[string]any{"code": e.status, "message": e.message}
	} else {
		inner := map[string]any{"message": e.message}
		if e.detail != nil {
			inner["detail"] = e.detail
		}
		body = map[string]any{"type": "error", "error": inner}
	}
	_ = json.NewEncoder(w).Encode(body)
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, message: fmt.Sprintf(format, args...)}
}

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{Method: r.Method, Path: r.URL.Path}
	status, body, aerr := s.serve(r, &rec)
	if aerr != nil {
		rec.Status, rec.Error = aerr.status, aerr.message
		aerr.write(w)
		if r.Method == http.MethodDelete && aerr.status == http.StatusNotFound && aerr.message == "Report not found" {
			s.logf("DELETE %s → 404: no previous report to replace\n", rec.Path)
		} else {
			s.logf("%s %s → %d %s\n", r.Method, rec.Path, aerr.status, aerr.message)
		}
	} else {
		rec.Status = status
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if body != nil {
			_ = json.NewEncoder(w).Encode(body)
		}
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()
}

func (s *Server) serve(r *http.Request, rec *Request) (int, any, *apiError) {
	if r.Method == http.MethodConnect {
		return 0, nil, &apiError{status: http.StatusMethodNotAllowed, message: "the Pipelines proxy forwards plain-HTTP requests for http://api.bitbucket.org only"}
	}
	auth, aerr := s.authenticate(r)
	rec.Auth = auth
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.takeFault(r.Method); aerr != nil {
		return 0, nil, aerr
	}
	m := routePattern.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return 0, nil, &apiError{status: http.StatusNotFound, message: "Resource not found"}
	}
	repo, commit, id, annotations := m[1]+"/"+m[2], m[3], m[4], m[5] != ""
	if len(s.opts.Repositories) > 0 && !contains(s.opts.Repositories, repo) {
		return 0, nil, &apiError{status: http.StatusNotFound, message: "Repository " + repo + " not found"}
	}
	switch {
	case annotations && r.Method == http.MethodPost:
		return s.postAnnotations(r, rec, repo, commit, id)
	case annotations && r.Method == http.MethodGet:
		return s.getAnnotations(repo, commit, id)
	case !annotations && r.Method == http.MethodPut:
		return s.putReport(r, repo, commit, id, auth)
	case !annotations && r.Method == http.MethodGet:
		return s.getReport(repo, commit, id)
	case !annotations && r.Method == http.MethodDelete:
		return s.deleteReport(repo, commit, id)
	}
	return 0, nil, &apiError{status: http.StatusMethodNotAllowed, message: "Method " + r.Method + " not allowed"}
}

// authenticate accepts the proxy form (absolute URI for
// http://api.bitbucket.org, no credentials) or a direct request with the
// configured Bearer token or Basic credentials.
func (s *Server) authenticate(r *http.Request) (string, *apiError) {
	if r.URL.IsAbs() {
		switch {
		case s.opts.DisableProxy:
			return "proxy", &apiError{status: http.StatusBadRequest, message: "proxy requests are disabled"}
		case r.URL.Scheme != "http" || r.URL.Host != ProxyHost:
			return "proxy", &apiError{status: http.StatusBadGateway, message: "the Pipelines proxy forwards http://" + ProxyHost + " only, not " + r.URL.Scheme + "://" + r.URL.Host}
		case r.Header.Get("Authorization") != "":
			return "proxy", &apiError{status: http.StatusBadRequest, message: "a request through the Pipelines auth proxy must not carry credentials"}
		}
		return "proxy", nil
	}
	h := r.Header.Get("Authorization")
	unauthorized := &apiError{status: http.StatusUnauthorized, message: "Token is invalid, expired, or not supported for this endpoint."}
	switch {
	case strings.HasPrefix(h, "Bearer "):
		if s.opts.Token == "" || strings.TrimPrefix(h, "Bearer ") != s.opts.Token {
			return "bearer", unauthorized
		}
		return "bearer", nil
	case strings.HasPrefix(h, "Basic "):
		u, p, ok := r.BasicAuth()
		if !ok || s.opts.User == "" || u != s.opts.User || p != s.opts.Password {
			return "basic", unauthorized
		}
		return "basic", nil
	}
	return "none", unauthorized
}

func (s *Server) takeFault(method string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fault
	if f == nil || (f.Method != "" && f.Method != method) {
		return nil
	}
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			s.fault = nil
		}
	}
	e := &apiError{status: f.Status, message: http.StatusText(f.Status)}
	switch f.Status {
	case http.StatusUnauthorized:
		e.message = "Token is invalid, expired, or not supported for this endpoint."
	case http.StatusForbidden:
		e.message = "Your credentials lack one or more required privilege scopes."
		e.detail = map[string]any{"granted": []string{"repository"}, "required": []string{"repository:write"}}
	case http.StatusNotFound:
		e.message = "Commit not found"
	case http.StatusTooManyRequests:
		e.message = "Rate limit for this resource has been exceeded"
		e.retryAfter = f.RetryAfter
	case http.StatusInternalServerError:
		e.message = "Something went wrong"
	}
	return e
}

// decodeStrict decodes a JSON body, refusing unknown fields as a strict
// API would (it catches misspelt field names).
func decodeStrict(r *http.Request, v any) *apiError {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return &apiError{status: http.StatusUnsupportedMediaType, message: "Unsupported Media Type: " + ct}
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 4<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("invalid JSON body: %v", err)
	}
	return nil
}

func (s *Server) putReport(r *http.Request, repo, commit, id, auth string) (int, any, *apiError) {
	var rep Report
	if aerr := decodeStrict(r, &rep); aerr != nil {
		return 0, nil, aerr
	}
	if aerr := validateReport(&rep, id); aerr != nil {
		return 0, nil, aerr
	}
	now := s.opts.Now().UTC().Format(time.RFC3339)
	s.mu.Lock()
	k := key(repo, commit, id)
	stored, exists := s.reports[k]
	if !exists {
		s.seq++
		stored = &StoredReport{Repository: repo, Commit: commit, ID: id}
		rep.UUID = fmt.Sprintf("{00000000-0000-4000-8000-%012d}", s.seq)
		rep.CreatedOn = now
		s.reports[k] = stored
	} else {
		rep.UUID, rep.CreatedOn = stored.Report.UUID, stored.Report.CreatedOn
	}
	rep.ExternalID = id
	rep.UpdatedOn = now
	stored.Report = rep // PUT replaces the report but, as on Bitbucket, keeps its annotations
	snapshot := stored.clone()
	s.mu.Unlock()

	s.logReport(snapshot, auth)
	s.save(snapshot)
	return http.StatusOK, rep, nil
}

func (s *Server) getReport(repo, commit, id string) (int, any, *apiError) {
	r, ok := s.Report(repo, commit, id)
	if !ok {
		return 0, nil, &apiError{status: http.StatusNotFound, message: "Report not found"}
	}
	return http.StatusOK, r.Report, nil
}

func (s *Server) deleteReport(repo, commit, id string) (int, any, *apiError) {
	s.mu.Lock()
	k := key(repo, commit, id)
	r, ok := s.reports[k]
	delete(s.reports, k)
	s.mu.Unlock()
	if !ok {
		return 0, nil, &apiError{status: http.StatusNotFound, message: "Report not found"}
	}
	s.logf("DELETE report %s on %s@%s (and its %d annotations)\n", id, repo, short(commit), len(r.Annotations))
	s.remove(*r)
	return http.StatusNoContent, nil, nil
}

func (s *Server) getAnnotations(repo, commit, id string) (int, any, *apiError) {
	r, ok := s.Report(repo, commit, id)
	if !ok {
		return 0, nil, &apiError{status: http.StatusNotFound, message: "Report not found"}
	}
	return http.StatusOK, map[string]any{"values": r.Annotations, "size": len(r.Annotations)}, nil
}

func (s *Server) postAnnotations(r *http.Request, rec *Request, repo, commit, id string) (int, any, *apiError) {
	var batch []Annotation
	if aerr := decodeStrict(r, &batch); aerr != nil {
		return 0, nil, aerr
	}
	rec.Annotations = len(batch)
	if len(batch) == 0 {
		return 0, nil, badRequest("no annotations in the request")
	}
	if len(batch) > MaxAnnotationsPerReq {
		return 0, nil, &apiError{status: http.StatusBadRequest, flat: true, message: fmt.Sprintf("Bulk upload supports a maximum of /%d annotations.", MaxAnnotationsPerReq)}
	}
	inBatch := map[string]bool{}
	for i := range batch {
		if aerr := validateAnnotation(&batch[i], i); aerr != nil {
			return 0, nil, aerr
		}
		if inBatch[batch[i].ExternalID] {
			return 0, nil, badRequest("annotation %d: external_id %q appears twice in the request", i, batch[i].ExternalID)
		}
		inBatch[batch[i].ExternalID] = true
	}

	s.mu.Lock()
	stored, ok := s.reports[key(repo, commit, id)]
	if !ok {
		s.mu.Unlock()
		return 0, nil, &apiError{status: http.StatusNotFound, message: "Report not found"}
	}
	// An existing external_id is replaced; new ones are appended.
	merged := append([]Annotation(nil), stored.Annotations...)
	index := map[string]int{}
	for i, a := range merged {
		index[a.ExternalID] = i
	}
	for _, a := range batch {
		s.seq++
		a.UUID = fmt.Sprintf("{00000000-0000-4000-9000-%012d}", s.seq)
		if i, ok := index[a.ExternalID]; ok {
			merged[i] = a
		} else {
			index[a.ExternalID] = len(merged)
			merged = append(merged, a)
		}
	}
	if len(merged) > MaxAnnotations {
		s.mu.Unlock()
		return 0, nil, badRequest("A report can have at most %d annotations (it has %d, this request adds %d).", MaxAnnotations, len(stored.Annotations), len(merged)-len(stored.Annotations))
	}
	stored.Annotations = merged
	snapshot := stored.clone()
	s.mu.Unlock()

	s.logAnnotations(snapshot, batch)
	s.save(snapshot)
	return http.StatusOK, batch, nil
}

var (
	reportTypes     = []string{"SECURITY", "COVERAGE", "TEST", "BUG"}
	reportResults   = []string{"PASSED", "FAILED", "PENDING"}
	dataTypes       = []string{"BOOLEAN", "DATE", "DURATION", "LINK", "NUMBER", "PERCENTAGE", "TEXT"}
	annotationTypes = []string{"VULNERABILITY", "CODE_SMELL", "BUG"}
	annResults      = []string{"PASSED", "FAILED", "SKIPPED", "IGNORED"}
	severities      = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW"}
)

func validateReport(r *Report, id string) *apiError {
	switch {
	case strings.TrimSpace(r.Title) == "":
		return badRequest("title: this field is required")
	case r.ReportType == "":
		return badRequest("report_type: this field is required")
	case !contains(reportTypes, r.ReportType):
		return badRequest("report_type: %q is not one of %s", r.ReportType, strings.Join(reportTypes, ", "))
	case r.Result != "" && !contains(reportResults, r.Result):
		return badRequest("result: %q is not one of %s", r.Result, strings.Join(reportResults, ", "))
	case r.ExternalID != "" && r.ExternalID != id:
		return badRequest("external_id %q differs from the report id %q in the path", r.ExternalID, id)
	case utf16Len(r.Title) > 450:
		return badRequest("title: at most 450 characters")
	case utf16Len(r.Details) > MaxDetails:
		return badRequest("details: at most %d characters", MaxDetails)
	case r.UUID != "" || r.CreatedOn != "" || r.UpdatedOn != "":
		return badRequest("uuid, created_on and updated_on are read-only")
	case len(r.Data) > MaxData:
		return badRequest("data: at most %d elements (got %d)", MaxData, len(r.Data))
	}
	if aerr := checkURL("link", r.Link); aerr != nil {
		return aerr
	}
	if aerr := checkURL("logo_url", r.LogoURL); aerr != nil {
		return aerr
	}
	for i, d := range r.Data {
		if aerr := validateData(d, i); aerr != nil {
			return aerr
		}
	}
	return nil
}

func validateData(d Data, i int) *apiError {
	if strings.TrimSpace(d.Title) == "" {
		return badRequest("data[%d].title: this field is required", i)
	}
	if len(d.Value) == 0 || string(d.Value) == "null" {
		return badRequest("data[%d].value: this field is required", i)
	}
	var (
		num  float64
		str  string
		b    bool
		link struct {
			Text string `json:"text"`
			Href string `json:"href"`
		}
	)
	isNum := json.Unmarshal(d.Value, &num) == nil
	isStr := json.Unmarshal(d.Value, &str) == nil
	isBool := json.Unmarshal(d.Value, &b) == nil
	bad := func(want string) *apiError {
		return badRequest("data[%d] %q: type %s needs %s, got %s", i, d.Title, d.Type, want, string(d.Value))
	}
	switch d.Type {
	case "":
		if !isNum && !isStr && !isBool {
			return badRequest("data[%d] %q: an untyped value must be a boolean, number or string", i, d.Title)
		}
	case "BOOLEAN":
		if !isBool {
			return bad("a boolean")
		}
	case "DATE", "DURATION", "NUMBER":
		if !isNum || num < 0 && d.Type != "NUMBER" {
			return bad("a non-negative number")
		}
	case "PERCENTAGE":
		if !isNum || num < 0 || num > 100 {
			return bad("a number from 0 to 100")
		}
	case "TEXT":
		if !isStr {
			return bad("a string")
		}
	case "LINK":
		dec := json.NewDecoder(strings.NewReader(string(d.Value)))
		dec.DisallowUnknownFields()
		if dec.Decode(&link) != nil || link.Text == "" {
			return bad(`{"text": ..., "href": ...}`)
		}
		if aerr := checkURL(fmt.Sprintf("data[%d].value.href", i), link.Href); aerr != nil || link.Href == "" {
			return bad("an absolute href")
		}
	default:
		return badRequest("data[%d].type: %q is not one of %s", i, d.Type, strings.Join(dataTypes, ", "))
	}
	return nil
}

func validateAnnotation(a *Annotation, i int) *apiError {
	switch {
	case a.ExternalID == "":
		return badRequest("annotation %d: external_id is required", i)
	case a.UUID != "":
		return badRequest("annotation %d: uuid is read-only", i)
	case a.AnnotationType == "":
		return badRequest("annotation %d: annotation_type is required", i)
	case !contains(annotationTypes, a.AnnotationType):
		return badRequest("annotation %d: annotation_type %q is not one of %s", i, a.AnnotationType, strings.Join(annotationTypes, ", "))
	case strings.TrimSpace(a.Summary) == "":
		return badRequest("annotation %d: summary is required", i)
	case utf16Len(a.Summary) > MaxSummary:
		return badRequest("annotation %d: summary is %d characters long, at most %d are allowed", i, utf16Len(a.Summary), MaxSummary)
	case utf16Len(a.Details) > MaxDetails:
		return badRequest("annotation %d: details at most %d characters", i, MaxDetails)
	case a.Result != "" && !contains(annResults, a.Result):
		return badRequest("annotation %d: result %q is not one of %s", i, a.Result, strings.Join(annResults, ", "))
	case a.Severity != "" && !contains(severities, a.Severity):
		return badRequest("annotation %d: severity %q is not one of %s", i, a.Severity, strings.Join(severities, ", "))
	case a.Line != nil && *a.Line < 1:
		return badRequest("annotation %d: line must be at least 1", i)
	case strings.HasPrefix(a.Path, "/") || strings.Contains(a.Path, `\`) || a.Path == ".." || strings.HasPrefix(a.Path, "../"):
		return badRequest("annotation %d: path %q is not relative to the repository root", i, a.Path)
	}
	return checkURL(fmt.Sprintf("annotation %d: link", i), a.Link)
}

func checkURL(field, s string) *apiError {
	if s == "" {
		return nil
	}
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return badRequest("%s: %q is not an absolute http(s) URL", field, s)
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// utf16Len counts characters as Bitbucket (Java) does.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if w := utf16.RuneLen(r); w > 0 {
			n += w
		} else {
			n++
		}
	}
	return n
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// fileName is where OutDir keeps a report.
func fileName(r StoredReport) string {
	clean := strings.NewReplacer("/", "_", "{", "", "}", "", "\\", "_", "..", "_").Replace
	return clean(r.Repository) + "_" + clean(short(r.Commit)) + "_" + clean(r.ID) + ".json"
}

func (s *Server) save(r StoredReport) {
	if s.opts.OutDir == "" {
		return
	}
	raw, err := json.MarshalIndent(r, "", "  ")
	if err == nil {
		err = os.MkdirAll(s.opts.OutDir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(s.opts.OutDir, fileName(r)), append(raw, '\n'), 0o644)
	}
	if err != nil {
		s.logf("bbsim: save report: %v\n", err)
	}
}

func (s *Server) remove(r StoredReport) {
	if s.opts.OutDir != "" {
		_ = os.Remove(filepath.Join(s.opts.OutDir, fileName(r)))
	}
}
