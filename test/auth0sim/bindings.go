package auth0sim

import (
	"fmt"
	"net/http"
)

func (s *Sim) bindingsRoutes() {
	s.route("GET /api/v2/actions/triggers/{trigger}/bindings", "read:actions", s.listBindings)
	s.route("PATCH /api/v2/actions/triggers/{trigger}/bindings", "update:actions", s.updateBindings)
}

func (s *Sim) triggerExists(w http.ResponseWriter, id string) bool {
	for _, t := range s.state.Triggers {
		if t.ID == id {
			if t.BindingPolicy == "entity-bound" {
				writeError(w, http.StatusBadRequest, "cannot list action bindings for an entity-bound trigger", "")
				return false
			}
			return true
		}
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("Trigger %q does not exist.", id), "")
	return false
}

// bindingView renders a binding with its action (short form plus versions).
func (s *Sim) bindingView(trigger string, b Binding) Object {
	now := s.clock.Now()
	out := Object{
		"id": b.ID, "trigger_id": trigger, "display_name": b.DisplayName,
		"created_at": ts(b.CreatedAt), "updated_at": ts(b.UpdatedAt),
	}
	if i := s.findAction(b.ActionID); i >= 0 {
		a := &s.state.Actions[i]
		action := a.summary()
		s.actionRefs(action, a, now)
		out["action"] = action
	}
	return out
}

// listBindings pages a trigger's bindings in execution order (actions family).
func (s *Sim) listBindings(w http.ResponseWriter, r *http.Request) {
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	trigger := r.PathValue("trigger")
	s.mu.Lock()
	if !s.triggerExists(w, trigger) {
		s.mu.Unlock()
		return
	}
	items := []Object{}
	for _, b := range s.state.Bindings[trigger] {
		items = append(items, s.bindingView(trigger, b))
	}
	s.mu.Unlock()
	writeActionsPage(w, "bindings", items, p)
}

type bindingRef struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type bindingInput struct {
	Ref         *bindingRef `json:"ref"`
	DisplayName string      `json:"display_name"`
	Secrets     []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"secrets"`
}

// updateBindings replaces the trigger's whole flow with the list sent, in
// order, with new binding ids. Every referenced action must exist, support
// the trigger and have been deployed.
func (s *Sim) updateBindings(w http.ResponseWriter, r *http.Request) {
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	var body struct {
		Bindings *[]bindingInput `json:"bindings"`
	}
	if err := jsonStrict(data, &body); err != nil {
		payloadError(w, err.Error())
		return
	}
	if body.Bindings == nil {
		payloadError(w, "Missing required property: bindings")
		return
	}
	trigger := r.PathValue("trigger")
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.triggerExists(w, trigger) {
		return
	}
	old := s.state.Bindings[trigger]
	next := make([]Binding, 0, len(*body.Bindings))
	for _, in := range *body.Bindings {
		if in.Ref == nil || in.Ref.Value == "" {
			payloadError(w, "Missing required property: bindings[].ref")
			return
		}
		var a *Action
		switch in.Ref.Type {
		case "action_id":
			if i := s.findAction(in.Ref.Value); i >= 0 {
				a = &s.state.Actions[i]
			}
		case "action_name":
			for i := range s.state.Actions {
				if s.state.Actions[i].Name == in.Ref.Value {
					a = &s.state.Actions[i]
				}
			}
		case "binding_id":
			for _, b := range old {
				if b.ID == in.Ref.Value {
					if i := s.findAction(b.ActionID); i >= 0 {
						a = &s.state.Actions[i]
					}
				}
			}
		default:
			payloadError(w, fmt.Sprintf("'No enum match for: %s' on property bindings[].ref.type.", mustJSON(in.Ref.Type)))
			return
		}
		if a == nil {
			writeError(w, http.StatusNotFound, "That action does not exist.", "")
			return
		}
		if !supports(a, trigger) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("The action %q does not support the trigger %q.", a.Name, trigger), "")
			return
		}
		if a.DeployedVersionID == "" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Trying to create a binding for an action that has not been deployed: %s. Deploy the action first.", a.Name), "")
			return
		}
		name := in.DisplayName
		if name == "" {
			name = a.Name
		}
		b := Binding{ID: newUUID(), ActionID: a.ID, DisplayName: name, CreatedAt: now, UpdatedAt: now}
		for _, sc := range in.Secrets {
			b.Secrets = append(b.Secrets, Secret{Name: sc.Name, Value: sc.Value, UpdatedAt: now})
		}
		next = append(next, b)
	}
	s.state.Bindings[trigger] = next
	items := []Object{}
	for _, b := range next {
		items = append(items, s.bindingView(trigger, b))
	}
	writeJSON(w, http.StatusOK, Object{"bindings": items})
}
