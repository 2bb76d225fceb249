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

// updateTenantSettings merges: keys not sent stay, null removes a key, an
// object sent for an object-valued key is merged into it key by key (the real
// API keeps change_password.html when a PATCH sends only
// {"change_password":{"enabled":false}}: terraform-provider-auth0's
// TestAccPages recording), anything else replaces the stored value.
func (s *Sim) updateTenantSettings(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeObject(w, r, false)
	if !ok {
		return
	}
	if msg := checkKeys(body, tenantSettingsKeys...); msg != "" {
		payloadError(w, msg)
		return
	}
	delete(body, "sandbox_versions_available") // read-only; go-auth0 echoes it back
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
		if hours, ok := minutesKeys[k]; ok {
			delete(body, k)
			if n, isNum := v.(float64); isNum {
				body[hours] = n / 60
			}
		}
	}
	for k, v := range body {
		if v == nil {
			delete(s.state.TenantSettings, k)
			continue
		}
		sent, isObj := v.(Object)
		stored, hadObj := s.state.TenantSettings[k].(Object)
		if isObj && hadObj {
			for sk, sv := range sent {
				stored[sk] = deepCopy(sv)
			}
			continue
		}
		s.state.TenantSettings[k] = deepCopy(v)
	}
	writeJSON(w, http.StatusOK, s.tenantPatchReply())
}

// tenantSettingsKeys are the properties a settings PATCH may carry: those of
// go-auth0 v1.49.0's Tenant (which follows the API's schema), its
// *_in_minutes forms included. Anything else is refused, as the real API
// refuses additional properties.
var tenantSettingsKeys = []string{
	"change_password", "guardian_mfa_page", "default_audience", "default_directory", "error_page",
	"device_flow", "flags", "friendly_name", "picture_url", "support_email", "support_url",
	"universal_login", "allowed_logout_urls", "session_lifetime", "idle_session_lifetime",
	"ephemeral_session_lifetime", "idle_ephemeral_session_lifetime", "sandbox_version",
	"sandbox_versions_available", "default_redirection_uri", "enabled_locales", "session_cookie",
	"sessions", "oidc_logout", "allow_organization_name_in_authentication_api",
	"customize_mfa_in_postlogin_action", "acr_values_supported", "mtls",
	"pushed_authorization_requests_supported", "default_token_quota",
	"skip_non_verifiable_callback_uri_confirmation_prompt", "phone_consolidated_experience",
	"client_id_metadata_document_supported", "resource_parameter_profile",
	"dynamic_client_registration_security_mode", "country_codes",
	"session_lifetime_in_minutes", "idle_session_lifetime_in_minutes",
	"ephemeral_session_lifetime_in_minutes", "idle_ephemeral_session_lifetime_in_minutes",
}

// minutesKeys: the *_in_minutes lifetimes a PATCH may send are stored (and
// read back) in hours under the plain name.
var minutesKeys = map[string]string{
	"session_lifetime_in_minutes":                "session_lifetime",
	"idle_session_lifetime_in_minutes":           "idle_session_lifetime",
	"ephemeral_session_lifetime_in_minutes":      "ephemeral_session_lifetime",
	"idle_ephemeral_session_lifetime_in_minutes": "idle_ephemeral_session_lifetime",
}

// tenantPatchReply is the settings object a PATCH answers with. As recorded
// from the real API, it is not the GET view: it also carries internal flags
// and Universal Login properties that GET hides, and lacks
// sandbox_versions_available.
func (s *Sim) tenantPatchReply() Object {
	out := deepCopy(s.state.TenantSettings).(Object)
	delete(out, "sandbox_versions_available")
	flags, ok := out["flags"].(Object)
	if !ok {
		flags = Object{}
		out["flags"] = flags
	}
	fillDefaults(flags, Object{
		"cannot_change_enforce_client_authentication_on_passwordless_start": true,
		"enforce_client_authentication_on_passwordless_start":               true,
	})
	ul, ok := out["universal_login"].(Object)
	if !ok {
		ul = Object{}
		out["universal_login"] = ul
	}
	fillDefaults(ul, Object{
		"is_custom_theme_set": false, "is_custom_template_set": s.state.UniversalLoginTemplate != nil,
		"identifier_first": false, "webauthn_platform_first_factor": false,
	})
	return out
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
