package auth0sim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The Management API pages in three ways (see docs/auth0sim.md):
//
//  1. offset: page, per_page (≤100), include_totals → a bare array, or
//     {"total","start","limit","<items>"} with include_totals=true;
//  2. the actions family: page, per_page → {"<items>","total","page","per_page"}
//     with zero values left out (page 0 has no "page"; an empty page has no
//     "total"), which is what ends go-auth0's HasNext loops;
//  3. checkpoint: from, take → {"<items>","next"}, "next" only while more remain.

const (
	defaultPerPage = 50
	maxPerPage     = 100
)

type pageParams struct {
	page, perPage int
	totals        bool
}

func queryError(w http.ResponseWriter, message string) {
	writeError(w, http.StatusBadRequest, "Query validation error: "+message, "invalid_query_string")
}

// intParam reads a non-negative integer query parameter.
func intParam(w http.ResponseWriter, r *http.Request, name string, def, max int) (int, bool) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		queryError(w, fmt.Sprintf("'Expected type integer but found type string' on property %s.", name))
		return 0, false
	}
	if n < 0 {
		queryError(w, fmt.Sprintf("'Number is less than minimum value of 0' on property %s.", name))
		return 0, false
	}
	if max > 0 && n > max {
		queryError(w, fmt.Sprintf("'Number is greater than maximum value of %d' on property %s.", max, name))
		return 0, false
	}
	return n, true
}

func boolParam(r *http.Request, name string) (value, set bool) {
	raw := r.URL.Query().Get(name)
	return raw == "true", raw != ""
}

func parsePage(w http.ResponseWriter, r *http.Request) (pageParams, bool) {
	page, ok := intParam(w, r, "page", 0, 0)
	if !ok {
		return pageParams{}, false
	}
	perPage, ok := intParam(w, r, "per_page", defaultPerPage, maxPerPage)
	if !ok {
		return pageParams{}, false
	}
	totals, _ := boolParam(r, "include_totals")
	return pageParams{page: page, perPage: perPage, totals: totals}, true
}

func slicePage[T any](items []T, page, perPage int) []T {
	start := page * perPage
	if start >= len(items) {
		return []T{}
	}
	end := min(start+perPage, len(items))
	return items[start:end]
}

// writeOffsetPage answers a family-1 listing.
func writeOffsetPage[T any](w http.ResponseWriter, key string, items []T, p pageParams) {
	pageItems := slicePage(items, p.page, p.perPage)
	if !p.totals {
		writeJSON(w, http.StatusOK, pageItems)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"total": len(items), "start": p.page * p.perPage, "limit": p.perPage, key: pageItems,
	})
}

// writeActionsPage answers a family-2 listing (actions, versions, bindings,
// modules), leaving out zero values as the real API does.
func writeActionsPage[T any](w http.ResponseWriter, key string, items []T, p pageParams) {
	pageItems := slicePage(items, p.page, p.perPage)
	out := map[string]any{key: pageItems, "per_page": p.perPage}
	if p.page != 0 {
		out["page"] = p.page
	}
	if len(pageItems) > 0 {
		out["total"] = len(items)
	}
	writeJSON(w, http.StatusOK, out)
}

// usesCheckpoint reports whether a listing asked for checkpoint paging.
func usesCheckpoint(r *http.Request) bool {
	q := r.URL.Query()
	return q.Has("take") || q.Has("from")
}

// writeCheckpointPage answers a family-3 listing. The cursor is opaque to
// callers (it encodes an offset).
func writeCheckpointPage[T any](w http.ResponseWriter, r *http.Request, key string, items []T) {
	take, ok := intParam(w, r, "take", defaultPerPage, maxPerPage)
	if !ok {
		return
	}
	if take == 0 {
		take = defaultPerPage
	}
	start := 0
	if from := r.URL.Query().Get("from"); from != "" {
		n, err := decodeCursor(from)
		if err != nil {
			queryError(w, "'from' is not a valid checkpoint.")
			return
		}
		start = n
	}
	if start > len(items) {
		start = len(items)
	}
	end := min(start+take, len(items))
	out := map[string]any{key: items[start:end]}
	if end < len(items) {
		out["next"] = encodeCursor(end)
	}
	writeJSON(w, http.StatusOK, out)
}

func encodeCursor(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("sim:" + strconv.Itoa(n)))
}

func decodeCursor(s string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "sim:") {
		return 0, fmt.Errorf("bad cursor")
	}
	return strconv.Atoi(strings.TrimPrefix(string(b), "sim:"))
}

// fieldFilter applies fields= and include_fields= to objects. always lists
// keys the real endpoint returns whatever fields asks for.
type fieldFilter struct {
	fields  map[string]bool
	include bool
	always  []string
}

func parseFields(r *http.Request, always ...string) fieldFilter {
	raw := r.URL.Query().Get("fields")
	if raw == "" {
		return fieldFilter{}
	}
	f := fieldFilter{fields: map[string]bool{}, include: r.URL.Query().Get("include_fields") != "false", always: always}
	for _, name := range strings.Split(raw, ",") {
		if name = strings.TrimSpace(name); name != "" {
			f.fields[name] = true
		}
	}
	return f
}

func (f fieldFilter) apply(o Object) Object {
	if f.fields == nil {
		return o
	}
	out := Object{}
	for k, v := range o {
		if f.fields[k] == f.include {
			out[k] = v
		}
	}
	for _, k := range f.always {
		if v, ok := o[k]; ok {
			out[k] = v
		}
	}
	return out
}
