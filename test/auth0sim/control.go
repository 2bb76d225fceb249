package auth0sim

import (
	"encoding/json"
	"net/http"
)

// controlRoutes is the /_sim/ control API. It needs no token, is never rate
// limited, never logged and never hit by faults.
//
//	GET    /_sim/state     the whole tenant state (State JSON)
//	PUT    /_sim/state     replace it (sections left out come from the default seed)
//	POST   /_sim/reset     back to the initial state; clears log and faults
//	GET    /_sim/requests  the request log
//	DELETE /_sim/requests  empty it
//	GET    /_sim/faults    armed faults
//	POST   /_sim/faults    arm one (Fault JSON) → 201 with its id
//	DELETE /_sim/faults    disarm all
func (s *Sim) controlRoutes() *http.ServeMux {
	initial := s.state.clone()
	m := http.NewServeMux()
	m.HandleFunc("GET /_sim/state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Snapshot())
	})
	m.HandleFunc("PUT /_sim/state", func(w http.ResponseWriter, r *http.Request) {
		data, ok := readBody(w, r)
		if !ok {
			return
		}
		st, err := ParseState(data)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error(), "invalid_body")
			return
		}
		s.SetState(st)
		writeJSON(w, http.StatusOK, s.Snapshot())
	})
	m.HandleFunc("POST /_sim/reset", func(w http.ResponseWriter, r *http.Request) {
		s.SetState(initial)
		s.ResetRequests()
		s.ClearFaults()
		writeNoContent(w, http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/requests", func(w http.ResponseWriter, r *http.Request) {
		reqs := s.Requests()
		if reqs == nil {
			reqs = []Request{}
		}
		writeJSON(w, http.StatusOK, reqs)
	})
	m.HandleFunc("DELETE /_sim/requests", func(w http.ResponseWriter, r *http.Request) {
		s.ResetRequests()
		writeNoContent(w, http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Faults())
	})
	m.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		data, ok := readBody(w, r)
		if !ok {
			return
		}
		var f Fault
		if err := json.Unmarshal(data, &f); err != nil {
			writeError(w, http.StatusBadRequest, "fault: "+err.Error(), "invalid_body")
			return
		}
		if err := f.validate(); err != nil {
			writeError(w, http.StatusBadRequest, err.Error(), "invalid_body")
			return
		}
		writeJSON(w, http.StatusCreated, s.faults.add(f))
	})
	m.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		writeNoContent(w, http.StatusNoContent)
	})
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Unknown control endpoint; see docs/auth0sim.md", "")
	})
	return m
}
