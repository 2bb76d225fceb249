package auth0sim

import (
	"fmt"
	"net/http"
)

func (s *Sim) tenantRoutes() {
	s.route("GET /api/v2/tenants/settings", "read:tenant_settings", s.readTenantSettings)
	s.route("PATCH /api/v2/tenants/settings", "update:tenant_settings", s.updateTenantSettings)
}

func (s *Sim) readTenantSettings(w http.ResponseWriter, r *http.Request) {
	fields := parseFields(r)
	s.mu.Lock()
	out := fields.apply(deepCopy(s.state.TenantSettings).(Object))
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// pageSchemas are the hosted-page objects of tenant settings: allowed keys
// and their JSON types. error_page has no "enabled".
var pageSchemas = map[string]map[string]string{
	"change_password":   {"enabled": "boolean", "html": "string"},
	"guardian_mfa_page": {"enabled": "boolean", "html": "string"},
	"error_page":        {"html": "string", "show_log_link": "boolean", "url": "string"},
}

var pageDescriptions = map[string]string{
	"change_password":   "Change Password page customization.",
	"guardian_mfa_page": "Guardian page customization.",
	"error_page":        "Tenant error page customization.",
}

// validatePage checks one hosted-page object of a settings PATCH.
func validatePage(key string, v any) string {
	if v == nil {
		return ""
	}
	obj, ok := v.(Object)
	if !ok {
		return fmt.Sprintf("'Expected type object but found type %s' on property %s (%s).", jsonType(v), key, pageDescriptions[key])
	}
	schema := pageSchemas[key]
	var extra []string
	for k, val := range obj {
		want, known := schema[k]
		if !known {
			extra = append(extra, k)
			continue
		}
		if got := jsonType(val); got != want {
			return fmt.Sprintf("'Expected type %s but found type %s' on property %s.%s.", want, got, key, k)
		}
	}
	if len(extra) > 0 {
		sortStrings(extra)
		return fmt.Sprintf("'Additional properties not allowed: %s' on property %s (%s).", joinComma(extra), key, pageDescriptions[key])
	}
	return ""
}

// updateTenantSettings merges top-level keys: each key sent replaces the
// stored one wholesale, null removes it, keys not sent stay.
func (s *Sim) updateTenantSettings(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeObject(w, r, false)
	if !ok {
		return
	}
	for key := range pageSchemas {
		if v, present := body[key]; present {
			if msg := validatePage(key, v); msg != "" {
				payloadError(w, msg)
				return
			}
		}
	}
	if v, present := body["flags"]; present && v != nil {
		if _, isObj := v.(Object); !isObj {
			payloadError(w, fmt.Sprintf("'Expected type object but found type %s' on property flags (Flags used to change the behavior of this tenant.).", jsonType(v)))
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range body {
		if v == nil {
			delete(s.state.TenantSettings, k)
			continue
		}
		s.state.TenantSettings[k] = deepCopy(v)
	}
	writeJSON(w, http.StatusOK, deepCopy(s.state.TenantSettings))
}

// deepCopy copies a decoded JSON value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case Object:
		out := make(Object, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	default:
		return v
	}
}

func joinComma(v []string) string {
	out := ""
	for i, s := range v {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}
