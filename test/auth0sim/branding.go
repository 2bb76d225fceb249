package auth0sim

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"
)

// Universal Login template requirements (auth0 docs, customize-templates).
const (
	templateMaxLen = 102400
	templateHead   = "{%- auth0:head -%}"
	templateWidget = "{%- auth0:widget -%}"
)

func (s *Sim) brandingRoutes() {
	s.route("GET /api/v2/branding", "read:branding", s.readBranding)
	s.route("PATCH /api/v2/branding", "update:branding", s.updateBranding)
	s.route("GET /api/v2/branding/templates/universal-login", "read:branding", s.readTemplate)
	s.route("PUT /api/v2/branding/templates/universal-login", "update:branding", s.putTemplate)
	s.route("DELETE /api/v2/branding/templates/universal-login", "delete:branding", s.deleteTemplate)
	s.route("GET /api/v2/custom-domains", "read:custom_domains", s.listCustomDomains)
	s.route("POST /api/v2/custom-domains", "create:custom_domains", s.createCustomDomain)
	s.route("GET /api/v2/custom-domains/{id}", "read:custom_domains", s.readCustomDomain)
	s.route("DELETE /api/v2/custom-domains/{id}", "delete:custom_domains", s.deleteCustomDomain)
}

func (s *Sim) readBranding(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := deepCopy(s.state.Branding)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) updateBranding(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeObject(w, r, false)
	if !ok {
		return
	}
	if msg := checkKeys(body, "colors", "favicon_url", "logo_url", "font"); msg != "" {
		payloadError(w, msg)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range body {
		if v == nil {
			delete(s.state.Branding, k)
		} else {
			s.state.Branding[k] = deepCopy(v)
		}
	}
	writeJSON(w, http.StatusOK, deepCopy(s.state.Branding))
}

func (s *Sim) readTemplate(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	tpl := s.state.UniversalLoginTemplate
	s.mu.Unlock()
	if tpl == nil {
		writeError(w, http.StatusNotFound, "Template does not exist.", "inexistent_templates_universal_login")
		return
	}
	writeJSON(w, http.StatusOK, Object{"body": *tpl})
}

// putTemplate accepts the template as a bare JSON string (what go-auth0
// sends), as {"template": "..."} or as raw text/html, and answers 201 {}.
// The tenant needs a custom domain, as the real one does.
func (s *Sim) putTemplate(w http.ResponseWriter, r *http.Request) {
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	var tpl string
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "text/html" {
		tpl = string(data)
	} else {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			writeError(w, http.StatusBadRequest, "Invalid request payload JSON format", "invalid_body")
			return
		}
		switch x := v.(type) {
		case string:
			tpl = x
		case Object:
			if msg := checkKeys(x, "template"); msg != "" {
				payloadError(w, msg)
				return
			}
			t, isStr := x["template"].(string)
			if !isStr {
				payloadError(w, "Missing required property: template")
				return
			}
			tpl = t
		default:
			payloadError(w, "'Expected type string or object but found type "+jsonType(v)+"'.")
			return
		}
	}
	switch {
	case len(tpl) > templateMaxLen:
		payloadError(w, "'String is too long' on property template (The custom page template for the New Universal Login Experience).")
		return
	case !strings.Contains(tpl, templateHead) || !strings.Contains(tpl, templateWidget):
		payloadError(w, "The template must contain "+templateHead+" and "+templateWidget+" tags.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.state.CustomDomains) == 0 {
		writeError(w, http.StatusForbidden, "The tenant must have a custom domain to customize the Universal Login page template.", "")
		return
	}
	s.state.UniversalLoginTemplate = &tpl
	writeJSON(w, http.StatusCreated, Object{})
}

func (s *Sim) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.state.UniversalLoginTemplate = nil
	s.mu.Unlock()
	writeNoContent(w, http.StatusNoContent)
}

func (s *Sim) listCustomDomains(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := deepCopy(toAnyObjects(s.state.CustomDomains))
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) findDomain(id string) int {
	for i, d := range s.state.CustomDomains {
		if str(d["custom_domain_id"]) == id {
			return i
		}
	}
	return -1
}

func (s *Sim) readCustomDomain(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findDomain(r.PathValue("id"))
	if i < 0 {
		writeError(w, http.StatusNotFound, "The custom domain does not exist", "inexistent_custom_domain")
		return
	}
	writeJSON(w, http.StatusOK, deepCopy(s.state.CustomDomains[i]))
}

func (s *Sim) createCustomDomain(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeObject(w, r, false)
	if !ok {
		return
	}
	if msg := checkKeys(body, "domain", "type", "verification_method", "tls_policy", "custom_client_ip_header", "domain_metadata"); msg != "" {
		payloadError(w, msg)
		return
	}
	domain, _ := body["domain"].(string)
	typ, _ := body["type"].(string)
	if domain == "" || (typ != "auth0_managed_certs" && typ != "self_managed_certs") {
		payloadError(w, "Missing required property: domain, type")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := newDomainID()
	d := Object{
		"custom_domain_id": id, "domain": domain, "primary": len(s.state.CustomDomains) == 0,
		"status": "pending_verification", "type": typ,
		"verification": Object{"methods": []any{Object{"name": "CNAME", "record": s.tenantName() + "-" + strings.ToLower(id) + ".edge.tenants.auth0.com", "domain": domain}}},
		"tls_policy":   "recommended",
	}
	if tp, ok := body["tls_policy"]; ok {
		d["tls_policy"] = tp
	}
	s.state.CustomDomains = append(s.state.CustomDomains, d)
	writeJSON(w, http.StatusCreated, deepCopy(d))
}

func (s *Sim) deleteCustomDomain(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if i := s.findDomain(r.PathValue("id")); i >= 0 {
		s.state.CustomDomains = append(s.state.CustomDomains[:i], s.state.CustomDomains[i+1:]...)
	}
	s.mu.Unlock()
	writeNoContent(w, http.StatusNoContent)
}

func toAnyObjects(list []Object) []any {
	out := make([]any, len(list))
	for i, o := range list {
		out[i] = o
	}
	return out
}
