package workspace

import (
	"net/url"
	"path"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/jsonmeta"
)

// readPagesA0 reads pages/<page>.json ({"name", "enabled", ...}) with the
// pages/<page>.html beside it, as auth0-deploy-cli does.
func (r *reader) readPagesA0(d *model.Desired) {
	files := map[string]*pair{}
	for _, e := range r.children(dirPages) {
		if e.kind == kindDir {
			if !e.bad {
				r.warnf(e.rel, 0, 0, "folder not expected in %s/: not read", dirPages)
			}
			continue
		}
		name, ext := splitExt(e.name)
		known := contains(model.PageNames, name)
		switch {
		case known && (ext == ".html" || ext == ".json"):
			p := files[name]
			if p == nil {
				p = &pair{}
				files[name] = p
			}
			if ext == ".html" {
				p.code = &e
			} else {
				p.meta = &e
			}
		case known && r.badExtCase(e, ext, ".html", ".json"):
		case e.bad:
		default:
			r.warnf(e.rel, 0, 0, "not a supported page; supported: %s (each as <page>.json and <page>.html)%s",
				strings.Join(model.PageNames, ", "), caseHint(name, model.PageNames))
		}
	}
	for _, name := range model.PageNames {
		p := files[name]
		switch {
		case p == nil:
		case p.meta == nil:
			if !p.code.bad {
				r.warnf(p.code.rel, 0, 0, "no %s.json next to it: auth0-deploy-cli's layout describes a page in pages/<page>.json: not deployed", name)
			}
		default:
			if page, ok := r.readPageA0(name, p); ok {
				d.Pages = append(d.Pages, page)
			}
		}
	}
}

func (r *reader) readPageA0(name string, p *pair) (model.Page, bool) {
	page := model.Page{Name: name, Enabled: true, MetaSource: r.source(p.meta.rel)}
	keys := []string{"name", "html", "enabled"}
	if name == model.PageErrorPage {
		keys = append(keys, "url", "show_log_link")
	}
	m, _ := r.loadMeta(*p.meta, keys...)
	if m == nil {
		return page, false
	}
	m.nameMatches("name", name, "a page is named by its file, pages/<page>.json")
	if v := m.value("html"); v != nil {
		// auth0-deploy-cli reads pages/<page>.html whatever "html" says:
		// say so rather than deploy another file than it would.
		if v.Kind != jsonmeta.String || path.Join(dirPages, strings.ReplaceAll(v.Str, `\`, "/")) != dirPages+"/"+name+".html" {
			m.errAt(v, "\"html\" must be \"./%s.html\": a page's HTML is the file beside its JSON", name)
		}
	}
	enabled, enabledSet, _ := m.boolean("enabled")
	if name == model.PageErrorPage {
		if u, v, ok := m.str("url"); ok && v != nil {
			if pu, err := url.Parse(u); u != "" && (err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "") {
				m.errAt(v, "\"url\" must be an absolute http(s) URL or empty")
			}
			page.URL = u
		}
		if show, set, _ := m.boolean("show_log_link"); set {
			page.ShowLogLink = &show
		}
		// The error page has no "enabled" in the API: a redirect URL
		// replaces the HTML.
		page.Enabled = page.URL == ""
		if enabledSet {
			page.Enabled = enabled
			if enabled && page.URL != "" {
				m.warnAt(m.value("url"), "\"url\" is not used while the page is enabled (the HTML is shown instead)")
			}
		}
	} else if enabledSet {
		page.Enabled = enabled
	}
	if p.code == nil {
		// Like auth0-deploy-cli, a login or error page may have no HTML:
		// it is then sent empty, which only makes sense when not shown.
		switch {
		case name == model.PageErrorPage && !page.Enabled:
		case name == model.PageLogin && !page.Enabled:
		default:
			r.errorf(p.meta.rel, 0, 0, "no %s.html next to it: an enabled page needs its HTML file", name)
			return page, false
		}
		return page, true
	}
	page.HTMLSource = r.source(p.code.rel)
	r.refs[p.code.rel] = true
	if f, ok := r.load(*p.code); ok {
		page.HTML = f.text()
		switch {
		case strings.TrimSpace(page.HTML) == "":
			r.emptyPage(p.code.rel, page)
		case name == model.PageErrorPage && !page.Enabled && strings.TrimSpace(page.HTML) != "":
			r.warnf(p.code.rel, 0, 0, "not deployed while \"url\" redirects the error page (the tenant's error page HTML is cleared); set \"url\": \"\" to show this HTML")
		}
	}
	return page, true
}
