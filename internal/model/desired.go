package model

// Desired is what the repository says the tenant should hold. Each kind has a
// Managed flag: false when its folder does not exist, which means "leave that
// kind alone" (nothing is created, changed or deleted). An existing but empty
// folder is managed and empty.
type Desired struct {
	// Layout is "extension" or "a0deploy": the layout the repository was read in.
	Layout string `json:"layout"`

	RulesManaged bool   `json:"rules_managed"`
	Rules        []Rule `json:"rules,omitempty"`

	RulesConfigsManaged bool         `json:"rules_configs_managed"`
	RulesConfigs        []RuleConfig `json:"rules_configs,omitempty"`

	DatabasesManaged bool       `json:"databases_managed"`
	Databases        []Database `json:"databases,omitempty"`

	// Pages holds only the pages that have files; a page without files is not managed.
	Pages []Page `json:"pages,omitempty"`

	ActionsManaged bool     `json:"actions_managed"`
	Actions        []Action `json:"actions,omitempty"`

	// Bindings, when not nil, gives the wanted binding order per trigger
	// explicitly (auth0-deploy-cli's triggers/*.json). When nil, bindings are
	// derived from each managed action's Trigger, Order and Enabled.
	Bindings map[string][]BindingRef `json:"bindings,omitempty"`
	// BindingsSource locates the explicit bindings file per trigger.
	BindingsSource map[string]Source `json:"-"`
}

// Rule is a rule as the repository describes it.
type Rule struct {
	Name string `json:"name"`
	// Script is the rule's code after keyword replacement; empty when MetadataOnly.
	Script string `json:"-"`
	// Enabled defaults to true when the metadata does not say.
	Enabled bool `json:"enabled"`
	// Order is nil when the metadata gives none: Auth0 appends the rule on
	// create and its order is left alone on update.
	Order *int `json:"order,omitempty"`
	// Stage is always "login_success" (the only stage the pipe manages).
	Stage string `json:"stage"`
	// MetadataOnly is true for a `.json` without a `.js`: allowed only for a
	// manual rule, whose order/enabled it sets while its script is left alone.
	MetadataOnly bool `json:"metadata_only,omitempty"`
	// EnabledSet is true when the metadata file sets `enabled` explicitly.
	EnabledSet bool `json:"-"`

	ScriptSource Source `json:"script_source"`
	MetaSource   Source `json:"meta_source"`
}

// Source returns the file that best represents the rule.
func (r Rule) Source() Source {
	if r.ScriptSource.Path != "" {
		return r.ScriptSource
	}
	return r.MetaSource
}

// RuleConfig is one rules-configs key. Value is a secret: never log or report it.
type RuleConfig struct {
	Key    string `json:"key"`
	Value  string `json:"-"`
	Source Source `json:"source"`
}

// Database is a custom database connection's scripts.
type Database struct {
	// Name is the connection's exact name (the folder name).
	Name string `json:"name"`
	// Scripts maps a script name (login, get_user, ...) to its code.
	Scripts map[string]Script `json:"scripts"`
	// Options, when not nil, are extra connection options to merge
	// (auth0-deploy-cli's database.json); nil in the extension layout.
	Options map[string]any `json:"-"`
	Source  Source         `json:"source"`
}

// Script is one database action script.
type Script struct {
	Code   string `json:"-"`
	Source Source `json:"source"`
}

// Page names as used in the repository.
const (
	PageLogin               = "login"
	PagePasswordReset       = "password_reset"
	PageGuardianMultifactor = "guardian_multifactor"
	PageErrorPage           = "error_page"
)

// PageNames lists the supported pages in report order.
var PageNames = []string{PageLogin, PagePasswordReset, PageGuardianMultifactor, PageErrorPage}

// Page is one hosted page.
type Page struct {
	Name    string `json:"name"`
	HTML    string `json:"-"`
	Enabled bool   `json:"enabled"`
	// URL is used by error_page when disabled (redirect to this URL instead).
	URL string `json:"url,omitempty"`
	// ShowLogLink is error_page's show_log_link; nil leaves it as it is.
	ShowLogLink *bool `json:"show_log_link,omitempty"`

	HTMLSource Source `json:"html_source"`
	MetaSource Source `json:"meta_source"`
}

// Source returns the file that best represents the page.
func (p Page) Source() Source {
	if p.HTMLSource.Path != "" {
		return p.HTMLSource
	}
	return p.MetaSource
}

// Action is an Auth0 Action as the repository describes it.
type Action struct {
	Name           string       `json:"name"`
	Code           string       `json:"-"`
	Trigger        string       `json:"trigger"`
	TriggerVersion string       `json:"trigger_version"`
	Runtime        string       `json:"runtime"`
	Dependencies   []Dependency `json:"dependencies,omitempty"`
	// Secrets are sorted by name. Values come from the keyword mappings or
	// the environment and are secrets: never log or report them.
	Secrets []ActionSecret `json:"secrets,omitempty"`
	// Order positions the action among the managed bindings of its trigger;
	// nil sorts after every action with an order, by name.
	Order *int `json:"order,omitempty"`
	// Enabled: bound to its trigger when true, deployed but unbound when false.
	Enabled bool `json:"enabled"`
	// Deploy is false only when auth0-deploy-cli's `deployed: false` says so.
	Deploy bool `json:"deploy"`

	CodeSource Source `json:"code_source"`
	MetaSource Source `json:"meta_source"`
}

// Source returns the file that best represents the action.
func (a Action) Source() Source {
	if a.CodeSource.Path != "" {
		return a.CodeSource
	}
	return a.MetaSource
}

// Dependency is an npm package an action needs.
type Dependency struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// ActionSecret is a secret an action reads from event.secrets.
type ActionSecret struct {
	Name  string `json:"name"`
	Value string `json:"-"`
}

// BindingRef names an action bound to a trigger, by action name.
type BindingRef struct {
	ActionName  string `json:"action_name"`
	DisplayName string `json:"display_name,omitempty"`
}
