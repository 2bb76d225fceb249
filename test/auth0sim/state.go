package auth0sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Object is a free-form JSON object. Clients, connections, tenant settings and
// branding are kept in this form so that every property a caller sends comes
// back exactly as the real API echoes it.
type Object = map[string]any

// State is the whole simulated tenant. It is plain JSON: GET/PUT /_sim/state
// and the command's -state file use this shape. Secrets are stored in clear
// here (rules-config values, action secret values, connection
// options.configuration) because the simulator has to compare against them;
// the API never returns them.
type State struct {
	// Domain is the tenant's canonical domain, shown as "tenant" on clients.
	Domain string `json:"domain"`
	// TenantSettings is what GET /api/v2/tenants/settings returns.
	TenantSettings Object `json:"tenant_settings"`
	// Clients are applications; exactly one should carry "global": true.
	Clients []Object `json:"clients"`
	// Connections keep options.configuration values in clear.
	Connections  []Object      `json:"connections"`
	Rules        []Rule        `json:"rules"`
	RulesConfigs []RulesConfig `json:"rules_configs"`
	Actions      []Action      `json:"actions"`
	// Triggers is the catalogue GET /api/v2/actions/triggers lists.
	Triggers []Trigger `json:"triggers"`
	// Bindings maps a trigger id to its bound actions, in execution order.
	Bindings map[string][]Binding `json:"bindings"`
	Branding Object               `json:"branding"`
	// UniversalLoginTemplate is the New Universal Login page template, nil
	// when none is set.
	UniversalLoginTemplate *string  `json:"universal_login_template"`
	CustomDomains          []Object `json:"custom_domains"`
}

// Rule is a (legacy) rule.
type Rule struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Script  string `json:"script"`
	Order   int    `json:"order"`
	Enabled bool   `json:"enabled"`
	Stage   string `json:"stage"`
}

// RulesConfig is one rules configuration variable. Value is never returned by
// the API.
type RulesConfig struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// TriggerRef names a trigger and its version, as in an action's
// supported_triggers.
type TriggerRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

// Dependency is an npm dependency of an action.
type Dependency struct {
	Name        string `json:"name"`
	Version     string `json:"version,omitempty"`
	RegistryURL string `json:"registry_url,omitempty"`
}

// Secret is an action secret. Value is kept in the state only.
type Secret struct {
	Name      string    `json:"name"`
	Value     string    `json:"value"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Action is an action's draft plus its deployed versions.
type Action struct {
	ID                string       `json:"id"`
	Name              string       `json:"name"`
	SupportedTriggers []TriggerRef `json:"supported_triggers"`
	Code              string       `json:"code"`
	Dependencies      []Dependency `json:"dependencies"`
	Runtime           string       `json:"runtime"`
	Secrets           []Secret     `json:"secrets"`
	CreatedAt         time.Time    `json:"created_at"`
	UpdatedAt         time.Time    `json:"updated_at"`
	// BuildStartedAt is when the current draft was last created or changed;
	// the draft is "built" BuildDelay after it.
	BuildStartedAt time.Time `json:"build_started_at"`
	// BuildError, when set, makes the draft's build end in status "failed".
	BuildError string `json:"build_error,omitempty"`
	// AllChangesDeployed is true when the draft equals the deployed version.
	AllChangesDeployed bool `json:"all_changes_deployed"`
	// DeployedVersionID names the live version ("" = never deployed).
	DeployedVersionID string `json:"deployed_version_id,omitempty"`
	// DeployedAt is when the deployed version went (or goes) live.
	DeployedAt time.Time `json:"deployed_at,omitzero"`
	// Versions in creation order; Number counts from 1.
	Versions []ActionVersion `json:"versions"`
}

// ActionVersion is an immutable snapshot of an action made by a deploy.
type ActionVersion struct {
	ID                string       `json:"id"`
	Number            int          `json:"number"`
	Code              string       `json:"code"`
	Dependencies      []Dependency `json:"dependencies"`
	Runtime           string       `json:"runtime"`
	Secrets           []Secret     `json:"secrets"`
	SupportedTriggers []TriggerRef `json:"supported_triggers"`
	CreatedAt         time.Time    `json:"created_at"`
	// BuiltAt is when the version's build finishes.
	BuiltAt time.Time `json:"built_at"`
	// BuildError, when set, makes the version's status "failed".
	BuildError string `json:"build_error,omitempty"`
}

// Trigger is one entry of the triggers catalogue.
type Trigger struct {
	ID                 string       `json:"id"`
	Version            string       `json:"version"`
	Status             string       `json:"status"`
	Runtimes           []string     `json:"runtimes"`
	DefaultRuntime     string       `json:"default_runtime"`
	CompatibleTriggers []TriggerRef `json:"compatible_triggers"`
	BindingPolicy      string       `json:"binding_policy,omitempty"`
}

// Binding attaches an action to a trigger.
type Binding struct {
	ID          string    `json:"id"`
	ActionID    string    `json:"action_id"`
	DisplayName string    `json:"display_name"`
	Secrets     []Secret  `json:"secrets,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Well-known identifiers of the default seed.
const (
	DefaultDomain             = "sim-tenant.eu.auth0.com"
	DefaultGlobalClientID     = "GLOBALCLIENTsimAAAAAAAAAAAAAAAAA"
	DefaultAppClientID        = "APPCLIENTsimBBBBBBBBBBBBBBBBBBBB"
	DefaultDatabaseName       = "Username-Password-Authentication"
	DefaultDatabaseID         = "con_SimDefaultDB000"
	DefaultCustomDomainID     = "cd_SimDefaultDomain0"
	DefaultCustomDomainDomain = "login.sim-tenant.example.com"
)

// DefaultState returns the seed tenant: the global client "All Applications",
// one regular application, the Username-Password-Authentication database,
// realistic tenant settings (hosted pages included), the triggers catalogue,
// one verified custom domain and nothing else (no rules, no actions).
func DefaultState() State {
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return State{
		Domain:         DefaultDomain,
		TenantSettings: defaultTenantSettings(),
		Clients: []Object{
			{
				"tenant": "sim-tenant", "global": true, "name": "All Applications",
				"client_id": DefaultGlobalClientID, "client_secret": randomString(64),
				"callbacks": []any{}, "is_first_party": true, "is_token_endpoint_ip_header_trusted": false,
				"oidc_conformant": true, "sso": false, "sso_disabled": false, "cross_origin_auth": false,
				"cross_origin_authentication": false, "jwt_configuration": Object{"alg": "RS256"},
				"refresh_token": Object{
					"rotation_type": "non-rotating", "expiration_type": "non-expiring", "leeway": float64(0),
					"token_lifetime": float64(2592000), "infinite_token_lifetime": true,
					"infinite_idle_token_lifetime": true, "idle_token_lifetime": float64(1296000),
				},
				"custom_login_page_on": false, "custom_login_page": defaultLoginPage,
				"custom_login_page_preview": defaultLoginPage,
				"signing_keys":              []any{Object{"cert": "-----BEGIN CERTIFICATE-----\nMIIDSIM\n-----END CERTIFICATE-----", "pkcs7": "-----BEGIN PKCS7-----\nMIIDSIM\n-----END PKCS7-----", "subject": "deprecated"}},
				"callback_url_template":     false, "owners": []any{"mr|samlp|sim"},
			},
			newClientObject(Object{"name": "Default App", "app_type": "regular_web", "callbacks": []any{"https://app.example.com/callback"}}, DefaultAppClientID, "sim-tenant", epoch),
		},
		Connections: []Object{
			{
				"id": DefaultDatabaseID, "name": DefaultDatabaseName, "strategy": "auth0",
				"display_name": DefaultDatabaseName, "is_domain_connection": false,
				"authentication": Object{"active": true}, "connected_accounts": Object{"active": false},
				"enabled_clients": []any{DefaultAppClientID}, "realms": []any{DefaultDatabaseName},
				"options": Object{
					"mfa":                          Object{"active": true, "return_enroll_settings": true},
					"passwordPolicy":               "good",
					"strategy_version":             float64(2),
					"brute_force_protection":       true,
					"authentication_methods":       Object{"password": Object{"enabled": true, "api_behavior": "required", "signup_behavior": "allow"}, "passkey": Object{"enabled": false}, "email_otp": Object{"enabled": false}, "phone_otp": Object{"enabled": false}},
					"passkey_options":              Object{"challenge_ui": "both", "progressive_enrollment_enabled": true, "local_enrollment_enabled": true},
					"import_mode":                  false,
					"disable_signup":               false,
					"requires_username":            false,
					"enabledDatabaseCustomization": false,
					"customScripts":                Object{},
					"configuration":                Object{},
				},
			},
		},
		Rules:        []Rule{},
		RulesConfigs: []RulesConfig{},
		Actions:      []Action{},
		Triggers:     defaultTriggers(),
		Bindings:     map[string][]Binding{},
		Branding:     Object{"colors": Object{"primary": "#0059d6", "page_background": "#000000"}},
		CustomDomains: []Object{{
			"custom_domain_id": DefaultCustomDomainID, "domain": DefaultCustomDomainDomain, "primary": true,
			"status": "ready", "type": "auth0_managed_certs", "tls_policy": "recommended",
			"verification": Object{"methods": []any{Object{"name": "CNAME", "record": "sim-tenant-cd-simdefaultdomain0.edge.tenants.auth0.com", "domain": DefaultCustomDomainDomain}}},
		}},
	}
}

const defaultLoginPage = "<!DOCTYPE html>\n<html>\n<head>\n  <title>Sign In</title>\n</head>\n<body>\n  <script src=\"https://cdn.auth0.com/js/lock/12.0/lock.min.js\"></script>\n  <script>\n    var config = JSON.parse(decodeURIComponent(escape(window.atob('@@config@@'))));\n    var lock = new Auth0Lock(config.clientID, config.auth0Domain, {});\n    lock.show();\n  </script>\n</body>\n</html>\n"

const defaultPasswordResetPage = "<!DOCTYPE html>\n<html>\n<head>\n  <title>Change your password</title>\n</head>\n<body>\n  <script src=\"https://cdn.auth0.com/js/change-password-1.5.min.js\"></script>\n  <div id=\"change-password-widget-container\"></div>\n</body>\n</html>\n"

const defaultGuardianPage = "<!DOCTYPE html>\n<html>\n<head>\n  <title>2nd Factor Authentication</title>\n</head>\n<body>\n  <div class=\"js-mfa-container mfa-container\" id=\"container\"></div>\n  <script src=\"//cdn.auth0.com/js/mfa-widget/mfa-widget-1.8.min.js\"></script>\n</body>\n</html>\n"

func defaultTenantSettings() Object {
	return Object{
		"friendly_name":                   "Sim Tenant",
		"picture_url":                     "https://example.com/logo.png",
		"support_email":                   "support@example.com",
		"support_url":                     "https://support.example.com",
		"allowed_logout_urls":             []any{},
		"acr_values_supported":            []any{},
		"default_redirection_uri":         "https://example.com/login",
		"enabled_locales":                 []any{"en"},
		"session_lifetime":                float64(168),
		"idle_session_lifetime":           float64(72),
		"ephemeral_session_lifetime":      float64(1),
		"idle_ephemeral_session_lifetime": float64(1),
		"sandbox_version":                 "22",
		"sandbox_versions_available":      []any{"22", "18"},
		"default_audience":                "",
		"default_directory":               "",
		"flags": Object{
			"allow_changing_enable_sso":                                         false,
			"allow_legacy_delegation_grant_types":                               true,
			"allow_legacy_ro_grant_types":                                       true,
			"allow_other_legacy_grant_types":                                    true,
			"disable_impersonation":                                             true,
			"enable_sso":                                                        true,
			"new_universal_login_experience_enabled":                            true,
			"universal_login":                                                   true,
			"revoke_refresh_token_grant":                                        false,
			"mfa_show_factor_list_on_enrollment":                                false,
			"remove_alg_from_jwks":                                              true,
			"disable_clickjack_protection_headers":                              false,
			"dashboard_new_onboarding":                                          false,
			"disable_fields_map_fix":                                            false,
			"disable_management_api_sms_obfuscation":                            false,
			"enable_public_signup_user_exists_error":                            false,
			"no_disclose_enterprise_connections":                                false,
			"require_signed_request_object":                                     false,
			"use_scope_descriptions_for_consent":                                false,
			"cannot_change_enforce_client_authentication_on_passwordless_start": true,
			"enforce_client_authentication_on_passwordless_start":               true,
		},
		"change_password":                       Object{"enabled": false, "html": defaultPasswordResetPage},
		"guardian_mfa_page":                     Object{"enabled": false, "html": defaultGuardianPage},
		"error_page":                            Object{"html": "", "show_log_link": false, "url": ""},
		"oidc_logout":                           Object{"rp_logout_end_session_endpoint_discovery": true},
		"session_cookie":                        Object{"mode": "persistent"},
		"universal_login":                       Object{"colors": Object{"primary": "#0059d6", "page_background": "#000000"}},
		"resource_parameter_profile":            "audience",
		"phone_consolidated_experience":         false,
		"client_id_metadata_document_supported": false,
	}
}

func defaultTriggers() []Trigger {
	rt := []string{"node18", "node22"}
	cur := func(id, version string) Trigger {
		return Trigger{ID: id, Version: version, Status: "CURRENT", Runtimes: rt, DefaultRuntime: "node22", CompatibleTriggers: []TriggerRef{}, BindingPolicy: "trigger-bound"}
	}
	dep := func(id, version string) Trigger {
		return Trigger{ID: id, Version: version, Status: "DEPRECATED", Runtimes: []string{"node12"}, DefaultRuntime: "node12", CompatibleTriggers: []TriggerRef{}, BindingPolicy: "trigger-bound"}
	}
	postLogin := cur("post-login", "v3")
	postLogin.CompatibleTriggers = []TriggerRef{{ID: "post-login", Version: "v2"}}
	postLogin2 := cur("post-login", "v2")
	postLogin2.Status = "DEPRECATED"
	return []Trigger{
		dep("post-login", "v1"), postLogin2, postLogin,
		cur("credentials-exchange", "v2"), dep("credentials-exchange", "v1"),
		cur("pre-user-registration", "v2"), dep("pre-user-registration", "v1"),
		cur("post-user-registration", "v2"), dep("post-user-registration", "v1"),
		cur("post-change-password", "v2"),
		cur("send-phone-message", "v2"),
		cur("password-reset-post-challenge", "v1"),
		cur("custom-token-exchange", "v1"),
		cur("login-post-identifier", "v1"),
		cur("signup-post-identifier", "v1"),
	}
}

// clone returns a deep copy of s (through JSON, so it is also a check that
// the state stays serialisable).
func (s State) clone() State {
	data, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("auth0sim: state is not serialisable: %v", err))
	}
	var out State
	if err := json.Unmarshal(data, &out); err != nil {
		panic(fmt.Sprintf("auth0sim: state does not round-trip: %v", err))
	}
	out.normalise()
	return out
}

// normalise replaces nil collections with empty ones and fills in identifiers
// a hand-written state file may leave out.
func (s *State) normalise() {
	if s.Domain == "" {
		s.Domain = DefaultDomain
	}
	if s.TenantSettings == nil {
		s.TenantSettings = Object{}
	}
	if s.Clients == nil {
		s.Clients = []Object{}
	}
	for _, c := range s.Clients {
		if str(c["client_id"]) == "" {
			c["client_id"] = newClientID()
		}
	}
	if s.Connections == nil {
		s.Connections = []Object{}
	}
	for _, c := range s.Connections {
		if str(c["id"]) == "" {
			c["id"] = newConnectionID()
		}
		if _, ok := c["options"].(Object); !ok {
			c["options"] = Object{}
		}
	}
	if s.Rules == nil {
		s.Rules = []Rule{}
	}
	for i := range s.Rules {
		if s.Rules[i].ID == "" {
			s.Rules[i].ID = newRuleID()
		}
		if s.Rules[i].Stage == "" {
			s.Rules[i].Stage = "login_success"
		}
	}
	if s.RulesConfigs == nil {
		s.RulesConfigs = []RulesConfig{}
	}
	if s.Actions == nil {
		s.Actions = []Action{}
	}
	for i := range s.Actions {
		a := &s.Actions[i]
		if a.ID == "" {
			a.ID = newUUID()
		}
		if a.SupportedTriggers == nil {
			a.SupportedTriggers = []TriggerRef{}
		}
		if a.Dependencies == nil {
			a.Dependencies = []Dependency{}
		}
		if a.Secrets == nil {
			a.Secrets = []Secret{}
		}
		if a.Versions == nil {
			a.Versions = []ActionVersion{}
		}
	}
	if s.Triggers == nil {
		s.Triggers = []Trigger{}
	}
	if s.Bindings == nil {
		s.Bindings = map[string][]Binding{}
	}
	if s.Branding == nil {
		s.Branding = Object{}
	}
	if s.CustomDomains == nil {
		s.CustomDomains = []Object{}
	}
}

// ParseState reads a state document. Top-level sections absent from data are
// taken from the default seed, so a file can hold just {"rules": [...]}.
// Unknown top-level keys are an error (a typo would otherwise be ignored).
func ParseState(data []byte) (State, error) {
	var sections map[string]json.RawMessage
	if err := json.Unmarshal(data, &sections); err != nil {
		return State{}, fmt.Errorf("parse state: %w", err)
	}
	merged := map[string]json.RawMessage{}
	base, err := json.Marshal(DefaultState())
	if err != nil {
		return State{}, fmt.Errorf("encode default state: %w", err)
	}
	if err := json.Unmarshal(base, &merged); err != nil {
		return State{}, fmt.Errorf("decode default state: %w", err)
	}
	for k, v := range sections {
		if _, ok := merged[k]; !ok {
			return State{}, fmt.Errorf("parse state: unknown section %q", k)
		}
		merged[k] = v
	}
	all, err := json.Marshal(merged)
	if err != nil {
		return State{}, fmt.Errorf("encode state: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(all))
	dec.DisallowUnknownFields()
	var s State
	if err := dec.Decode(&s); err != nil {
		return State{}, fmt.Errorf("parse state: %w", err)
	}
	s.normalise()
	return s, nil
}
