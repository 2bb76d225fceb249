package tenant

import (
	"encoding/json"
	"sort"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// Wire shapes of the Management API, and pure mappers to and from the model.
// Only the fields the pipe uses are declared, except connection options,
// which are kept whole.

type wireRule struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Script  string `json:"script"`
	Order   int    `json:"order"`
	Enabled bool   `json:"enabled"`
	Stage   string `json:"stage"`
}

func (r wireRule) model() model.CurrentRule {
	stage := r.Stage
	if stage == "" {
		stage = "login_success"
	}
	return model.CurrentRule{ID: r.ID, Name: r.Name, Script: r.Script, Order: r.Order, Enabled: r.Enabled, Stage: stage}
}

type wireRuleCreate struct {
	Name    string `json:"name"`
	Script  string `json:"script"`
	Order   *int   `json:"order,omitempty"`
	Enabled bool   `json:"enabled"`
}

type wireRulePatch struct {
	Script  *string `json:"script,omitempty"`
	Order   *int    `json:"order,omitempty"`
	Enabled *bool   `json:"enabled,omitempty"`
}

type wireRuleConfig struct {
	Key string `json:"key"`
}

type wireConnection struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Strategy string         `json:"strategy"`
	Options  map[string]any `json:"options"`
}

func (c wireConnection) model() model.Connection {
	return model.Connection{ID: c.ID, Name: c.Name, Strategy: c.Strategy, Options: c.Options}
}

type wireGlobalClient struct {
	ClientID          string `json:"client_id"`
	Global            *bool  `json:"global"`
	CustomLoginPage   string `json:"custom_login_page"`
	CustomLoginPageOn bool   `json:"custom_login_page_on"`
}

type wirePageSetting struct {
	Enabled bool   `json:"enabled"`
	HTML    string `json:"html"`
}

type wireErrorPage struct {
	HTML        string `json:"html"`
	URL         string `json:"url"`
	ShowLogLink bool   `json:"show_log_link"`
}

type wireTenantSettings struct {
	ChangePassword  *wirePageSetting `json:"change_password"`
	GuardianMFAPage *wirePageSetting `json:"guardian_mfa_page"`
	ErrorPage       *wireErrorPage   `json:"error_page"`
}

func (s wireTenantSettings) model() model.TenantPages {
	var p model.TenantPages
	if s.ChangePassword != nil {
		p.ChangePassword = model.PageSetting(*s.ChangePassword)
	}
	if s.GuardianMFAPage != nil {
		p.GuardianMFAPage = model.PageSetting(*s.GuardianMFAPage)
	}
	if s.ErrorPage != nil {
		p.ErrorPage = model.ErrorPageSetting(*s.ErrorPage)
	}
	return p
}

// wireTenantPagesPatch has only the keys being changed; error_page has no
// "enabled" key (the API rejects it).
type wireTenantPagesPatch struct {
	ChangePassword  *wirePageSetting `json:"change_password,omitempty"`
	GuardianMFAPage *wirePageSetting `json:"guardian_mfa_page,omitempty"`
	ErrorPage       *wireErrorPage   `json:"error_page,omitempty"`
}

func tenantPagesPatch(p model.TenantPagesPatch) wireTenantPagesPatch {
	var w wireTenantPagesPatch
	if p.ChangePassword != nil {
		s := wirePageSetting(*p.ChangePassword)
		w.ChangePassword = &s
	}
	if p.GuardianMFAPage != nil {
		s := wirePageSetting(*p.GuardianMFAPage)
		w.GuardianMFAPage = &s
	}
	if p.ErrorPage != nil {
		s := wireErrorPage(*p.ErrorPage)
		w.ErrorPage = &s
	}
	return w
}

type wireTrigger struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

type wireDependency struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type wireSecret struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
}

type wireVersionError struct {
	ID  string `json:"id"`
	Msg string `json:"msg"`
	URL string `json:"url"`
}

type wireActionVersion struct {
	ID                string             `json:"id"`
	Number            int                `json:"number"`
	Deployed          bool               `json:"deployed"`
	Status            string             `json:"status"`
	Errors            []wireVersionError `json:"errors"`
	Code              string             `json:"code"`
	Runtime           string             `json:"runtime"`
	Dependencies      []wireDependency   `json:"dependencies"`
	Secrets           []wireSecret       `json:"secrets"`
	SupportedTriggers []wireTrigger      `json:"supported_triggers"`
}

// model is the version's content; the trigger is its first supported one.
func (v wireActionVersion) model() *model.ActionVersion {
	out := &model.ActionVersion{ID: v.ID, Number: v.Number, Code: v.Code, Runtime: v.Runtime,
		Dependencies: dependencies(v.Dependencies), SecretNames: secretNames(v.Secrets)}
	if len(v.SupportedTriggers) > 0 {
		out.Trigger = v.SupportedTriggers[0].ID
		out.TriggerVersion = v.SupportedTriggers[0].Version
	}
	return out
}

// dependencies maps dependencies sorted by name, then version.
func dependencies(in []wireDependency) []model.Dependency {
	var out []model.Dependency
	for _, d := range in {
		out = append(out, model.Dependency{Name: d.Name, Version: d.Version})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Version < out[j].Version
	})
	return out
}

// secretNames returns the secrets' names, sorted.
func secretNames(in []wireSecret) []string {
	var out []string
	for _, s := range in {
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out
}

type wireAction struct {
	ID                     string             `json:"id"`
	Name                   string             `json:"name"`
	SupportedTriggers      []wireTrigger      `json:"supported_triggers"`
	Code                   string             `json:"code"`
	Runtime                string             `json:"runtime"`
	Dependencies           []wireDependency   `json:"dependencies"`
	Secrets                []wireSecret       `json:"secrets"`
	Status                 string             `json:"status"`
	AllChangesDeployed     bool               `json:"all_changes_deployed"`
	DeployedVersion        *wireActionVersion `json:"deployed_version"`
	CurrentVersion         *wireActionVersion `json:"current_version"`
	Integration            *json.RawMessage   `json:"integration"`
	InstalledIntegrationID string             `json:"installed_integration_id"`
	// Errors is where a failed build explains itself, when the API says.
	Errors []wireVersionError `json:"errors"`
}

func (a wireAction) model() model.CurrentAction {
	out := model.CurrentAction{
		ID:                 a.ID,
		Name:               a.Name,
		Code:               a.Code,
		Runtime:            a.Runtime,
		Status:             a.Status,
		AllChangesDeployed: a.AllChangesDeployed,
		Deployed:           a.DeployedVersion != nil,
		Integration:        a.Integration != nil || a.InstalledIntegrationID != "",
	}
	if len(a.SupportedTriggers) > 0 {
		out.Trigger = a.SupportedTriggers[0].ID
		out.TriggerVersion = a.SupportedTriggers[0].Version
	}
	out.Dependencies = dependencies(a.Dependencies)
	out.SecretNames = secretNames(a.Secrets)
	if a.DeployedVersion != nil {
		out.DeployedVersion = a.DeployedVersion.model()
	}
	return out
}

// live says whether the action has a deployed version: one that keeps
// running while a new draft fails to build.
func (a wireAction) live() liveState {
	if a.DeployedVersion != nil && a.DeployedVersion.ID != "" {
		return liveYes
	}
	return liveNo
}

// triggers returns the ids of every trigger the action supports.
func (a wireAction) triggers() []string {
	var ids []string
	for _, t := range a.SupportedTriggers {
		if t.ID != "" {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

// buildError returns the first build error message the answer carries.
func (a wireAction) buildError() string {
	lists := [][]wireVersionError{a.Errors}
	if a.CurrentVersion != nil {
		lists = append(lists, a.CurrentVersion.Errors)
	}
	for _, l := range lists {
		for _, e := range l {
			if e.Msg != "" {
				return e.Msg
			}
		}
	}
	return ""
}

// wireActionWrite is the body of an action create or update. Dependencies
// and secrets are always sent (as [] when empty) so that an update clears
// removed ones.
type wireActionWrite struct {
	Name              string           `json:"name"`
	SupportedTriggers []wireTrigger    `json:"supported_triggers"`
	Code              string           `json:"code"`
	Runtime           string           `json:"runtime,omitempty"`
	Dependencies      []wireDependency `json:"dependencies"`
	Secrets           []wireSecret     `json:"secrets"`
}

func actionWrite(a model.ActionWrite) wireActionWrite {
	w := wireActionWrite{
		Name:              a.Name,
		SupportedTriggers: []wireTrigger{{ID: a.Trigger, Version: a.TriggerVersion}},
		Code:              a.Code,
		Runtime:           a.Runtime,
		Dependencies:      []wireDependency{},
		Secrets:           []wireSecret{},
	}
	for _, d := range a.Dependencies {
		w.Dependencies = append(w.Dependencies, wireDependency(d))
	}
	for _, s := range a.Secrets {
		w.Secrets = append(w.Secrets, wireSecret{Name: s.Name, Value: s.Value})
	}
	return w
}

type wireBindingAction struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type wireBinding struct {
	ID          string            `json:"id"`
	TriggerID   string            `json:"trigger_id"`
	DisplayName string            `json:"display_name"`
	Action      wireBindingAction `json:"action"`
}

func (b wireBinding) model() model.CurrentBinding {
	return model.CurrentBinding{ID: b.ID, ActionID: b.Action.ID, ActionName: b.Action.Name, DisplayName: b.DisplayName}
}

type wireBindingRef struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type wireBindingWrite struct {
	Ref         wireBindingRef `json:"ref"`
	DisplayName string         `json:"display_name,omitempty"`
}

type wireBindingsPatch struct {
	Bindings []wireBindingWrite `json:"bindings"`
}

func bindingsPatch(bs []model.BindingWrite) wireBindingsPatch {
	p := wireBindingsPatch{Bindings: []wireBindingWrite{}}
	for _, b := range bs {
		name := b.DisplayName
		if name == "" {
			name = b.ActionName
		}
		p.Bindings = append(p.Bindings, wireBindingWrite{Ref: wireBindingRef{Type: "action_id", Value: b.ActionID}, DisplayName: name})
	}
	return p
}
