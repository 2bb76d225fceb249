package model

// Current is what the tenant holds, read completely (every page of every
// listing) before planning. The tenant package fills it from the Management
// API; the planner compares it with Desired.
type Current struct {
	// RulesAvailable is false when the tenant answered 403/404 on /rules
	// (Rules reached end of life); RulesUnavailableReason says what it answered.
	// RulesScopeMissing is true when the 403 was the application's missing
	// read:rules scope rather than the tenant having no Rules.
	RulesAvailable         bool          `json:"rules_available"`
	RulesUnavailableReason string        `json:"rules_unavailable_reason,omitempty"`
	RulesScopeMissing      bool          `json:"rules_scope_missing,omitempty"`
	Rules                  []CurrentRule `json:"rules"`

	// RuleConfigKeys lists the rules-configs keys (values cannot be read back).
	RuleConfigKeys []string `json:"rule_config_keys"`

	// Connections holds every database connection (strategy auth0) and, for
	// the names the repository uses, any other connection of that name too,
	// so that a folder naming a social connection gets a precise error.
	Connections []Connection `json:"connections"`

	// GlobalClient is nil when the tenant has no global client (never in practice).
	GlobalClient *GlobalClient `json:"global_client,omitempty"`

	TenantPages TenantPages `json:"tenant_pages"`

	Actions []CurrentAction `json:"actions"`
	// Bindings maps a trigger id to its bindings in execution order, for
	// every trigger that the desired state or a current action touches.
	Bindings map[string][]CurrentBinding `json:"bindings"`
	// Triggers lists the trigger ids the tenant supports, with their
	// versions and runtimes, when they were read; nil when not read.
	Triggers []Trigger `json:"triggers,omitempty"`
}

// CurrentRule is a rule as the tenant holds it.
type CurrentRule struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Script  string `json:"script"`
	Order   int    `json:"order"`
	Enabled bool   `json:"enabled"`
	Stage   string `json:"stage"`
}

// Connection is a connection as the tenant holds it. Options is the raw
// options object exactly as read (encrypted configuration values included),
// so that a PATCH can send it all back with only the managed keys changed.
type Connection struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Strategy string         `json:"strategy"`
	Options  map[string]any `json:"options"`
}

// CustomScripts returns options.customScripts as a string map.
func (c Connection) CustomScripts() map[string]string {
	out := map[string]string{}
	if m, ok := c.Options["customScripts"].(map[string]any); ok {
		for k, v := range m {
			if s, ok := v.(string); ok {
				out[k] = s
			}
		}
	}
	return out
}

// ImportMode reports options.import_mode.
func (c Connection) ImportMode() bool {
	b, _ := c.Options["import_mode"].(bool)
	return b
}

// DatabaseCustomization reports options.enabledDatabaseCustomization.
func (c Connection) DatabaseCustomization() bool {
	b, _ := c.Options["enabledDatabaseCustomization"].(bool)
	return b
}

// GlobalClient is the tenant's "All Applications" client, which holds the
// classic login page.
type GlobalClient struct {
	ClientID          string `json:"client_id"`
	CustomLoginPage   string `json:"custom_login_page"`
	CustomLoginPageOn bool   `json:"custom_login_page_on"`
}

// TenantPages are the hosted pages held in tenant settings.
type TenantPages struct {
	ChangePassword  PageSetting      `json:"change_password"`
	GuardianMFAPage PageSetting      `json:"guardian_mfa_page"`
	ErrorPage       ErrorPageSetting `json:"error_page"`
}

// PageSetting is {enabled, html} as tenant settings hold it.
type PageSetting struct {
	Enabled bool   `json:"enabled"`
	HTML    string `json:"html"`
}

// ErrorPageSetting is tenant settings' error_page (it has no enabled field).
type ErrorPageSetting struct {
	HTML        string `json:"html"`
	URL         string `json:"url"`
	ShowLogLink bool   `json:"show_log_link"`
}

// CurrentAction is an action as the tenant holds it: its current draft
// and, in DeployedVersion, the version that runs.
type CurrentAction struct {
	ID             string       `json:"id"`
	Name           string       `json:"name"`
	Code           string       `json:"code"`
	Runtime        string       `json:"runtime"`
	Trigger        string       `json:"trigger"`
	TriggerVersion string       `json:"trigger_version"`
	Dependencies   []Dependency `json:"dependencies,omitempty"`
	// SecretNames are sorted; values cannot be read back.
	SecretNames []string `json:"secret_names,omitempty"`
	// Status of the draft: pending, building, built, failed.
	Status string `json:"status"`
	// AllChangesDeployed is true when the draft equals the deployed version.
	AllChangesDeployed bool `json:"all_changes_deployed"`
	// Deployed is true when some version of the action is deployed.
	Deployed bool `json:"deployed"`
	// Integration is true for a marketplace (integration) action.
	Integration bool `json:"integration,omitempty"`
	// DeployedVersion is the version that runs, which differs from the
	// draft above when a change was never deployed; nil when the answer
	// carries none (the action was never deployed).
	DeployedVersion *ActionVersion `json:"deployed_version,omitempty"`
}

// ActionVersion is a deployed version of an action, as the Management API
// returns it in an action's deployed_version.
type ActionVersion struct {
	ID             string       `json:"id"`
	Number         int          `json:"number,omitempty"`
	Code           string       `json:"code"`
	Runtime        string       `json:"runtime"`
	Trigger        string       `json:"trigger"`
	TriggerVersion string       `json:"trigger_version"`
	Dependencies   []Dependency `json:"dependencies,omitempty"`
	// SecretNames are sorted; values cannot be read back.
	SecretNames []string `json:"secret_names,omitempty"`
}

// CurrentBinding is one binding of a trigger, in execution order.
type CurrentBinding struct {
	ID          string `json:"id"`
	ActionID    string `json:"action_id"`
	ActionName  string `json:"action_name"`
	DisplayName string `json:"display_name"`
}

// Trigger is a trigger the tenant supports.
type Trigger struct {
	ID             string   `json:"id"`
	Version        string   `json:"version"`
	Status         string   `json:"status"`
	Runtimes       []string `json:"runtimes,omitempty"`
	DefaultRuntime string   `json:"default_runtime,omitempty"`
	BindingPolicy  string   `json:"binding_policy,omitempty"`
}
