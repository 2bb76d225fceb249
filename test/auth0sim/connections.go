package auth0sim

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

var connectionNamePattern = regexp.MustCompile(`^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$`)

const connectionNameDescription = "The name of the connection. Must start and end with an alphanumeric character and can only contain alphanumeric characters and '-'. Max length 128"

// connectionCreateKeys and connectionUpdateKeys are the properties the real
// API's schemas allow; name and strategy are create-only.
var (
	connectionCreateKeys = []string{"name", "display_name", "strategy", "options", "enabled_clients", "is_domain_connection", "show_as_button", "realms", "metadata", "authentication", "connected_accounts"}
	connectionUpdateKeys = []string{"display_name", "options", "enabled_clients", "is_domain_connection", "show_as_button", "realms", "metadata", "authentication", "connected_accounts"}
)

// connectionAlwaysFields come back whatever fields= asks for, as recorded.
var connectionAlwaysFields = []string{"id", "is_domain_connection", "authentication", "connected_accounts"}

func (s *Sim) connectionsRoutes() {
	s.route("GET /api/v2/connections", "read:connections", s.listConnections)
	s.route("POST /api/v2/connections", "create:connections", s.createConnection)
	s.route("GET /api/v2/connections/{id}", "read:connections", s.readConnection)
	s.route("PATCH /api/v2/connections/{id}", "update:connections", s.updateConnection)
	s.route("DELETE /api/v2/connections/{id}", "delete:connections", s.deleteConnection)
	s.route("GET /api/v2/connections/{id}/clients", "read:connections", s.connectionClients)
	s.route("PATCH /api/v2/connections/{id}/clients", "update:connections", s.updateConnectionClients)
}

// encryptedValue is how a configuration value is shown. Real values are
// base64 blobs (an envelope naming the tenant key, then the sealed value, as
// terraform-provider-auth0's TestAccConnectionConfiguration recorded); this
// one has the same look, a prefix per connection and a digest bound to the
// connection, key and value, so an echoed value can be recognised.
func encryptedValue(connID, key, value string) string {
	prefix := sha256.Sum256([]byte("auth0sim tenant key\x00" + connID))
	sum := sha256.Sum256([]byte(connID + "\x00" + key + "\x00" + value))
	blob := append([]byte{0x0a, 0x42, 0x0a, 0x20}, prefix[:]...)
	blob = append(blob, 0x12, 0x20)
	blob = append(blob, sum[:]...)
	return base64.StdEncoding.EncodeToString(blob)
}

// connectionView is a connection as the API returns it: options.configuration
// values encrypted.
func (s *Sim) connectionView(c Object) Object {
	out := deepCopy(c).(Object)
	if opts, ok := out["options"].(Object); ok {
		if cfg, ok := opts["configuration"].(Object); ok {
			for k, v := range cfg {
				if sv, isStr := v.(string); isStr {
					cfg[k] = encryptedValue(str(c["id"]), k, sv)
				}
			}
		}
	}
	return out
}

func (s *Sim) findConnection(id string) int {
	for i, c := range s.state.Connections {
		if str(c["id"]) == id {
			return i
		}
	}
	return -1
}

func connectionNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "The connection does not exist", "inexistent_connection")
}

// listConnections filters by strategy (repeatable) and exact name, and pages
// by offset or, when take/from is present, by checkpoint.
func (s *Sim) listConnections(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	strategies := map[string]bool{}
	for _, st := range splitList(q["strategy"]) {
		strategies[st] = true
	}
	name, filterName := q.Get("name"), q.Has("name")
	fields := parseFields(r, connectionAlwaysFields...)
	s.mu.Lock()
	items := []Object{}
	for _, c := range s.state.Connections {
		if len(strategies) > 0 && !strategies[str(c["strategy"])] {
			continue
		}
		if filterName && str(c["name"]) != name {
			continue
		}
		items = append(items, fields.apply(s.connectionView(c)))
	}
	s.mu.Unlock()
	if usesCheckpoint(r) {
		writeCheckpointPage(w, r, "connections", items)
		return
	}
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	writeOffsetPage(w, "connections", items, p)
}

func (s *Sim) readConnection(w http.ResponseWriter, r *http.Request) {
	fields := parseFields(r, connectionAlwaysFields...)
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findConnection(r.PathValue("id"))
	if i < 0 {
		connectionNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, fields.apply(s.connectionView(s.state.Connections[i])))
}

func (s *Sim) createConnection(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeObject(w, r, false)
	if !ok {
		return
	}
	if msg := checkKeys(body, connectionCreateKeys...); msg != "" {
		payloadError(w, msg)
		return
	}
	name, _ := body["name"].(string)
	strategy, _ := body["strategy"].(string)
	switch {
	case name == "":
		payloadError(w, "Missing required property: name")
		return
	case len(name) > 128 || !connectionNamePattern.MatchString(name):
		payloadError(w, fmt.Sprintf("'String does not match pattern %s: %s' on property name (%s).", connectionNamePattern, name, connectionNameDescription))
		return
	case strategy == "":
		payloadError(w, "Missing required property: strategy")
		return
	}
	opts := Object{}
	if v, present := body["options"]; present && v != nil {
		o, isObj := v.(Object)
		if !isObj {
			payloadError(w, fmt.Sprintf("'Expected type object but found type %s' on property options.", jsonType(v)))
			return
		}
		opts = deepCopy(o).(Object)
	}
	if strategy == "auth0" {
		if msg := validateDatabaseOptions(opts); msg != "" {
			writeError(w, http.StatusBadRequest, msg, "invalid_body")
			return
		}
		opts = databaseOptionsOnCreate(opts)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.state.Connections {
		if strings.EqualFold(str(c["name"]), name) {
			writeError(w, http.StatusConflict, "A connection with the same name already exists", "connection_conflict")
			return
		}
	}
	enabled := []any{}
	if v, present := body["enabled_clients"]; present {
		for _, id := range anyStrings(v) {
			if s.findClient(id) < 0 {
				writeError(w, http.StatusBadRequest, "Client not found: "+id, "invalid_body")
				return
			}
		}
		enabled = toAnyList(anyStrings(v))
	}
	c := Object{
		"id": newConnectionID(), "name": name, "strategy": strategy, "options": opts,
		"is_domain_connection": false, "enabled_clients": enabled, "realms": []any{name},
		"authentication": Object{"active": true}, "connected_accounts": Object{"active": false},
	}
	for k, v := range body {
		if k != "options" && k != "enabled_clients" {
			c[k] = deepCopy(v)
		}
	}
	s.state.Connections = append(s.state.Connections, c)
	writeJSON(w, http.StatusCreated, s.connectionView(c))
}

// updateConnection replaces options wholesale (keys not sent are gone, only
// the server-side defaults come back), keeps configuration values that are
// echoed back in their encrypted form, and rejects name and strategy.
func (s *Sim) updateConnection(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeObject(w, r, true)
	if !ok {
		return
	}
	if msg := checkKeys(body, connectionUpdateKeys...); msg != "" {
		payloadError(w, msg)
		return
	}
	var newOpts Object
	if v, present := body["options"]; present && v != nil {
		o, isObj := v.(Object)
		if !isObj {
			payloadError(w, fmt.Sprintf("'Expected type object but found type %s' on property options.", jsonType(v)))
			return
		}
		newOpts = deepCopy(o).(Object)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findConnection(r.PathValue("id"))
	if i < 0 {
		connectionNotFound(w)
		return
	}
	c := s.state.Connections[i]
	if newOpts != nil {
		if msg := validateCustomScripts(newOpts); msg != "" {
			payloadError(w, msg)
			return
		}
		if str(c["strategy"]) == "auth0" {
			if msg := validateDatabaseOptions(newOpts); msg != "" {
				writeError(w, http.StatusBadRequest, msg, "invalid_body")
				return
			}
		}
		old, _ := c["options"].(Object)
		restoreConfiguration(str(c["id"]), old, newOpts)
		if str(c["strategy"]) == "auth0" {
			newOpts = databaseOptionsOnUpdate(newOpts)
		}
		c["options"] = newOpts
	}
	if v, present := body["enabled_clients"]; present {
		for _, id := range anyStrings(v) {
			if s.findClient(id) < 0 {
				writeError(w, http.StatusBadRequest, "Client not found: "+id, "invalid_body")
				return
			}
		}
		c["enabled_clients"] = toAnyList(anyStrings(v))
	}
	for k, v := range body {
		if k == "options" || k == "enabled_clients" {
			continue
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = deepCopy(v)
		}
	}
	writeJSON(w, http.StatusOK, s.connectionView(c))
}

// restoreConfiguration keeps the stored clear value of every configuration
// entry the caller echoed back in encrypted form; other values are new.
func restoreConfiguration(connID string, old, updated Object) {
	cfg, ok := updated["configuration"].(Object)
	if !ok {
		return
	}
	var oldCfg Object
	if old != nil {
		oldCfg, _ = old["configuration"].(Object)
	}
	for k, v := range cfg {
		sv, isStr := v.(string)
		if !isStr || oldCfg == nil {
			continue
		}
		if prev, isStr := oldCfg[k].(string); isStr && sv == encryptedValue(connID, k, prev) {
			cfg[k] = prev
		}
	}
}

// customScriptNames are the keys options.customScripts may hold.
var customScriptNames = map[string]bool{
	"login": true, "get_user": true, "create": true, "verify": true, "change_password": true,
	"delete": true, "change_email": true, "change_username": true, "change_phone_number": true,
}

func validateCustomScripts(opts Object) string {
	v, present := opts["customScripts"]
	if !present || v == nil {
		return ""
	}
	scripts, ok := v.(Object)
	if !ok {
		return fmt.Sprintf("'Expected type object but found type %s' on property options.customScripts.", jsonType(v))
	}
	var extra []string
	for k, script := range scripts {
		if !customScriptNames[k] {
			extra = append(extra, k)
			continue
		}
		sv, isStr := script.(string)
		if !isStr {
			return fmt.Sprintf("'Expected type string but found type %s' on property options.customScripts.%s.", jsonType(script), k)
		}
		if sv == "" {
			return fmt.Sprintf("'String is too short (0 chars), minimum 1' on property options.customScripts.%s.", k)
		}
	}
	if len(extra) > 0 {
		sortStrings(extra)
		return fmt.Sprintf("'Additional properties not allowed: %s' on property options.customScripts.", joinComma(extra))
	}
	return ""
}

// validateDatabaseOptions reproduces the database-connection checks seen in
// go-auth0's recordings (the messages are the real ones).
func validateDatabaseOptions(opts Object) string {
	if msg := validateCustomScripts(opts); msg != "" {
		return "Payload validation error: " + msg
	}
	attrs, hasAttrs := opts["attributes"].(Object)
	if !hasAttrs {
		return ""
	}
	if _, ok := opts["validation"]; ok {
		return "Cannot set both options.attributes and options.validation"
	}
	if _, ok := opts["requires_username"]; ok {
		return "Cannot set both options.attributes and options.requires_username"
	}
	active := false
	for _, name := range []string{"email", "phone_number", "username"} {
		a, ok := attrs[name].(Object)
		if !ok {
			continue
		}
		if id, ok := a["identifier"].(Object); ok && id["active"] == true {
			active = true
		}
		signup, _ := a["signup"].(Object)
		if a["profile_required"] == true && signup != nil && str(signup["status"]) == "inactive" {
			return fmt.Sprintf("attribute %s must also be required on signup", name)
		}
	}
	if !active {
		return "attributes must contain one active identifier"
	}
	return ""
}

// databaseAlwaysOptions are the options the server puts back on every
// database connection, even after a PATCH that leaves them out; the parts of
// them a caller leaves out are filled in too.
func databaseAlwaysOptions() Object {
	return Object{
		"strategy_version":       float64(2),
		"brute_force_protection": true,
		"authentication_methods": Object{
			"password": Object{"enabled": true, "api_behavior": "required", "signup_behavior": "allow"},
			"passkey":  Object{"enabled": false}, "email_otp": Object{"enabled": false}, "phone_otp": Object{"enabled": false},
		},
		"passkey_options": Object{"challenge_ui": "both", "progressive_enrollment_enabled": true, "local_enrollment_enabled": true},
	}
}

func databaseOptionsOnCreate(opts Object) Object {
	if _, ok := opts["mfa"]; !ok {
		opts["mfa"] = Object{"active": true, "return_enroll_settings": true}
	}
	if _, ok := opts["passwordPolicy"]; !ok {
		if _, hasPO := opts["password_options"]; !hasPO {
			opts["passwordPolicy"] = "good"
		}
	}
	return databaseOptionsOnUpdate(opts)
}

func databaseOptionsOnUpdate(opts Object) Object {
	fillDefaults(opts, databaseAlwaysOptions())
	if po, ok := opts["password_options"].(Object); ok {
		fillDefaults(po, Object{
			"complexity":   Object{"character_type_rule": "all", "identical_characters": "allow", "sequential_characters": "allow", "max_length_exceeded": "error", "min_length": float64(15), "character_types": []any{}},
			"profile_data": Object{"active": false, "blocked_fields": []any{"name", "username", "nickname", "email", "phone_number", "user_metadata.name", "user_metadata.first", "user_metadata.last"}},
			"history":      Object{"active": false, "size": float64(3)},
			"dictionary":   Object{"active": false, "custom": []any{}, "default": "en_100k"},
		})
	}
	if attrs, ok := opts["attributes"].(Object); ok {
		if email, ok := attrs["email"].(Object); ok {
			fillDefaults(email, Object{"verification_method": "link", "unique": true})
		}
	}
	return opts
}

// fillDefaults adds the keys of defaults missing from o, recursing into
// objects present in both.
func fillDefaults(o, defaults Object) {
	for k, dv := range defaults {
		cur, ok := o[k]
		if !ok {
			o[k] = deepCopy(dv)
			continue
		}
		co, isObj := cur.(Object)
		do, defObj := dv.(Object)
		if isObj && defObj {
			fillDefaults(co, do)
		}
	}
}

// deleteConnection answers 202 {"deleted_at"}; 204 when it is already gone.
func (s *Sim) deleteConnection(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findConnection(r.PathValue("id"))
	if i < 0 {
		writeNoContent(w, http.StatusNoContent)
		return
	}
	s.state.Connections = append(s.state.Connections[:i], s.state.Connections[i+1:]...)
	writeJSON(w, http.StatusAccepted, Object{"deleted_at": s.clock.Now().UTC().Format("2006-01-02T15:04:05.000Z")})
}

// connectionClients lists the clients enabled for a connection, checkpoint
// paged: {"clients":[{"client_id"}], "next"?}.
func (s *Sim) connectionClients(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := s.findConnection(r.PathValue("id"))
	if i < 0 {
		s.mu.Unlock()
		connectionNotFound(w)
		return
	}
	items := []Object{}
	for _, id := range anyStrings(s.state.Connections[i]["enabled_clients"]) {
		items = append(items, Object{"client_id": id})
	}
	s.mu.Unlock()
	writeCheckpointPage(w, r, "clients", items)
}

// updateConnectionClients applies [{"client_id","status"}] (status true
// enables, false disables) and answers 204.
func (s *Sim) updateConnectionClients(w http.ResponseWriter, r *http.Request) {
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	var changes []struct {
		ClientID *string `json:"client_id"`
		Status   *bool   `json:"status"`
	}
	if err := jsonStrict(data, &changes); err != nil {
		payloadError(w, "'Expected type array' on the request body: "+err.Error())
		return
	}
	if len(changes) == 0 || len(changes) > 50 {
		payloadError(w, fmt.Sprintf("'Array has %d items; expected between 1 and 50'.", len(changes)))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findConnection(r.PathValue("id"))
	if i < 0 {
		connectionNotFound(w)
		return
	}
	for _, ch := range changes {
		if ch.ClientID == nil || ch.Status == nil {
			payloadError(w, "Missing required property: client_id, status")
			return
		}
		if s.findClient(*ch.ClientID) < 0 {
			clientNotFound(w)
			return
		}
	}
	c := s.state.Connections[i]
	for _, ch := range changes {
		list := anyStrings(c["enabled_clients"])
		out := removeString(list, *ch.ClientID)
		if *ch.Status {
			out = append(out, *ch.ClientID)
		}
		c["enabled_clients"] = out
	}
	writeNoContent(w, http.StatusNoContent)
}
