package auth0sim

import (
	"net/http"
	"time"
)

func (s *Sim) clientsRoutes() {
	s.route("GET /api/v2/clients", "read:clients", s.listClients)
	s.route("POST /api/v2/clients", "create:clients", s.createClient)
	s.route("GET /api/v2/clients/{id}", "read:clients", s.readClient)
	s.route("PATCH /api/v2/clients/{id}", "update:clients", s.updateClient)
	s.route("DELETE /api/v2/clients/{id}", "delete:clients", s.deleteClient)
	s.route("GET /api/v2/clients/{id}/connections", "read:connections", s.clientConnections)
}

// clientReadOnly are client properties a caller can never set.
var clientReadOnly = []string{"client_id", "tenant", "global", "signing_keys", "owners", "callback_url_template"}

// newClientObject fills in the properties the real API adds to a new client
// (values from go-auth0's recordings) under the caller's own.
func newClientObject(in Object, id, tenant string, now time.Time) Object {
	c := Object{
		"tenant": tenant, "global": false, "client_id": id, "client_secret": randomString(64),
		"is_first_party": true, "is_token_endpoint_ip_header_trusted": false, "oidc_conformant": false,
		"jwt_configuration": Object{"secret_encoded": false, "lifetime_in_seconds": float64(36000)},
		"signing_keys":      []any{Object{"cert": "-----BEGIN CERTIFICATE-----\nMIIDSIM\n-----END CERTIFICATE-----", "pkcs7": "-----BEGIN PKCS7-----\nMIIDSIM\n-----END PKCS7-----", "subject": "deprecated"}},
		"sso_disabled":      false, "cross_origin_authentication": false, "cross_origin_auth": false,
		"grant_types":          []any{"authorization_code", "implicit", "refresh_token", "client_credentials"},
		"custom_login_page_on": true, "callbacks": []any{}, "allowed_origins": []any{}, "web_origins": []any{},
		"allowed_logout_urls": []any{}, "callback_url_template": false,
		"refresh_token": Object{
			"rotation_type": "non-rotating", "expiration_type": "non-expiring", "leeway": float64(0),
			"token_lifetime": float64(2592000), "infinite_token_lifetime": true,
			"infinite_idle_token_lifetime": true, "idle_token_lifetime": float64(1296000),
		},
	}
	for k, v := range in {
		if k == "jwt_configuration" {
			if jc, ok := v.(Object); ok {
				merged := c["jwt_configuration"].(Object)
				if _, hasAlg := jc["alg"]; hasAlg {
					delete(merged, "lifetime_in_seconds")
				}
				for jk, jv := range jc {
					merged[jk] = deepCopy(jv)
				}
				continue
			}
		}
		c[k] = deepCopy(v)
	}
	assignCredentialIDs(c, now)
	return c
}

// assignCredentialIDs gives every credential of client_authentication_methods
// an id, key id and timestamps, and drops the PEM (never returned).
func assignCredentialIDs(c Object, now time.Time) {
	methods, ok := c["client_authentication_methods"].(Object)
	if !ok {
		return
	}
	for _, m := range methods {
		mo, ok := m.(Object)
		if !ok {
			continue
		}
		creds, ok := mo["credentials"].([]any)
		if !ok {
			continue
		}
		for _, cr := range creds {
			co, ok := cr.(Object)
			if !ok || str(co["id"]) != "" {
				continue
			}
			co["id"] = newCredentialID()
			co["kid"] = randomString(43)
			if str(co["alg"]) == "" {
				co["alg"] = "RS256"
			}
			ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
			co["created_at"], co["updated_at"] = ts, ts
			delete(co, "pem")
		}
	}
}

// clientView is a client as GET returns it: credentials reduced to their ids.
func clientView(c Object) Object {
	out := deepCopy(c).(Object)
	if methods, ok := out["client_authentication_methods"].(Object); ok {
		for _, m := range methods {
			mo, ok := m.(Object)
			if !ok {
				continue
			}
			if creds, ok := mo["credentials"].([]any); ok {
				for i, cr := range creds {
					if co, ok := cr.(Object); ok {
						creds[i] = Object{"id": co["id"]}
					}
				}
			}
		}
	}
	return out
}

func (s *Sim) findClient(id string) int {
	for i, c := range s.state.Clients {
		if str(c["client_id"]) == id {
			return i
		}
	}
	return -1
}

func clientNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "The client does not exist", "inexistent_client")
}

// tenantName is the "tenant" property of clients: the domain's first label.
func (s *Sim) tenantName() string {
	d := s.state.Domain
	for i := range d {
		if d[i] == '.' {
			return d[:i]
		}
	}
	return d
}

// listClients supports offset paging, fields, and the is_global,
// is_first_party and app_type filters. "tenant" is always returned, as the
// real API does even when fields leaves it out.
func (s *Sim) listClients(w http.ResponseWriter, r *http.Request) {
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	fields := parseFields(r, "tenant")
	q := r.URL.Query()
	global, filterGlobal := boolParam(r, "is_global")
	firstParty, filterFirstParty := boolParam(r, "is_first_party")
	appTypes := map[string]bool{}
	for _, t := range splitList(q["app_type"]) {
		appTypes[t] = true
	}
	s.mu.Lock()
	items := []Object{}
	for _, c := range s.state.Clients {
		if filterGlobal && (c["global"] == true) != global {
			continue
		}
		if filterFirstParty && (c["is_first_party"] == true) != firstParty {
			continue
		}
		if len(appTypes) > 0 && !appTypes[str(c["app_type"])] {
			continue
		}
		items = append(items, fields.apply(clientView(c)))
	}
	s.mu.Unlock()
	if usesCheckpoint(r) {
		writeCheckpointPage(w, r, "clients", items)
		return
	}
	writeOffsetPage(w, "clients", items, p)
}

func (s *Sim) readClient(w http.ResponseWriter, r *http.Request) {
	fields := parseFields(r, "tenant")
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findClient(r.PathValue("id"))
	if i < 0 {
		clientNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, fields.apply(clientView(s.state.Clients[i])))
}

func (s *Sim) createClient(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeObject(w, r, false)
	if !ok {
		return
	}
	for _, k := range clientReadOnly {
		if _, present := body[k]; present {
			payloadError(w, "'Additional properties not allowed: "+k+"'.")
			return
		}
	}
	name, isStr := body["name"].(string)
	if !isStr || name == "" {
		payloadError(w, "Missing required property: name")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := newClientObject(body, newClientID(), s.tenantName(), s.clock.Now())
	s.state.Clients = append(s.state.Clients, c)
	writeJSON(w, http.StatusCreated, deepCopy(c))
}

// updateClient merges top-level properties (custom_login_page,
// custom_login_page_on and the rest): each sent key replaces the stored one.
func (s *Sim) updateClient(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeObject(w, r, true)
	if !ok {
		return
	}
	for _, k := range clientReadOnly {
		if _, present := body[k]; present {
			payloadError(w, "'Additional properties not allowed: "+k+"'.")
			return
		}
	}
	for _, k := range []string{"custom_login_page", "custom_login_page_preview", "name", "description"} {
		if v, present := body[k]; present {
			if _, isStr := v.(string); !isStr {
				payloadError(w, "'Expected type string but found type "+jsonType(v)+"' on property "+k+".")
				return
			}
		}
	}
	if v, present := body["custom_login_page_on"]; present {
		if _, isBool := v.(bool); !isBool {
			payloadError(w, "'Expected type boolean but found type "+jsonType(v)+"' on property custom_login_page_on (true if the custom login page is to be used, false otherwise. Defaults to true).")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findClient(r.PathValue("id"))
	if i < 0 {
		clientNotFound(w)
		return
	}
	c := s.state.Clients[i]
	for k, v := range body {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = deepCopy(v)
	}
	if jc, ok := c["jwt_configuration"].(Object); ok {
		fillDefaults(jc, Object{"secret_encoded": false})
	}
	assignCredentialIDs(c, s.clock.Now())
	writeJSON(w, http.StatusOK, deepCopy(c))
}

// deleteClient answers 204, also for a client that does not exist; the
// global client cannot be deleted.
func (s *Sim) deleteClient(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findClient(id)
	if i >= 0 && s.state.Clients[i]["global"] == true {
		writeError(w, http.StatusBadRequest, "The global client cannot be deleted", "operation_not_supported")
		return
	}
	if i >= 0 {
		s.state.Clients = append(s.state.Clients[:i], s.state.Clients[i+1:]...)
		for _, c := range s.state.Connections {
			c["enabled_clients"] = removeString(anyStrings(c["enabled_clients"]), id)
		}
	}
	writeNoContent(w, http.StatusNoContent)
}

// clientConnections lists the connections enabled for a client (checkpoint
// paging, as the real endpoint).
func (s *Sim) clientConnections(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	if s.findClient(id) < 0 {
		s.mu.Unlock()
		clientNotFound(w)
		return
	}
	items := []Object{}
	for _, c := range s.state.Connections {
		for _, cid := range anyStrings(c["enabled_clients"]) {
			if cid == id {
				items = append(items, s.connectionView(c))
				break
			}
		}
	}
	s.mu.Unlock()
	writeCheckpointPage(w, r, "connections", items)
}

// anyStrings reads a decoded JSON array of strings.
func anyStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func toAnyList(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

func removeString(list []string, s string) []any {
	out := []any{}
	for _, e := range list {
		if e != s {
			out = append(out, e)
		}
	}
	return out
}

// splitList flattens repeated and comma-separated query values.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		start := 0
		for i := 0; i <= len(v); i++ {
			if i == len(v) || v[i] == ',' {
				if part := v[start:i]; part != "" {
					out = append(out, part)
				}
				start = i + 1
			}
		}
	}
	return out
}
