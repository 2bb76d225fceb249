package model

// The payloads of the writes the deploy stage asks the tenant to make. The
// tenant package maps them onto Management API requests.

// ReadRequest says which parts of the tenant to read, so that a run reads
// only what the repository manages.
type ReadRequest struct {
	Rules        bool
	RulesConfigs bool
	Databases    bool
	// DatabaseNames are the connection names the repository uses; a name
	// not found among the database connections is looked up by name so
	// that the error can say what it is.
	DatabaseNames []string
	LoginPage     bool
	TenantPages   bool
	Actions       bool
	// Triggers whose bindings to read, in addition to the triggers of every
	// action the tenant holds (read when Actions is true).
	Triggers []string
}

// RuleCreate is the body of a rule creation.
type RuleCreate struct {
	Name    string
	Script  string
	Order   *int // nil: let Auth0 append
	Enabled bool
}

// RulePatch changes some fields of a rule; nil fields are not sent.
type RulePatch struct {
	Script  *string
	Order   *int
	Enabled *bool
}

// TenantPagesPatch changes some hosted pages in tenant settings; nil fields
// are not sent (tenant settings PATCH merges top-level keys).
type TenantPagesPatch struct {
	ChangePassword  *PageSetting
	GuardianMFAPage *PageSetting
	ErrorPage       *ErrorPageSetting
}

// ActionWrite is the body of an action creation or update.
type ActionWrite struct {
	Name           string
	Code           string
	Trigger        string
	TriggerVersion string
	Runtime        string
	Dependencies   []Dependency
	// Secrets carry values: never log them.
	Secrets []ActionSecret
}

// BindingWrite is one entry of a trigger's new binding list.
type BindingWrite struct {
	ActionID    string
	ActionName  string
	DisplayName string
}
