package workspace

import (
	"net/url"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

func (r *reader) readPages(d *model.Desired) {
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
			r.warnf(e.rel, 0, 0, "not a supported page; supported: %s (each as <page>.html and an optional <page>.json)%s",
				strings.Join(model.PageNames, ", "), caseHint(name, model.PageNames))
		}
	}
	for _, name := range model.PageNames {
		if p := files[name]; p != nil {
			d.Pages = append(d.Pages, r.readPage(name, p))
		}
	}
}

func (r *reader) readPage(name string, p *pair) model.Page {
	page := model.Page{Name: name, Enabled: true}
	if p.meta != nil {
		page.MetaSource = r.source(p.meta.rel)
		keys := []string{"enabled"}
		if name == model.PageErrorPage {
			keys = append(keys, "url", "show_log_link")
		}
		if m, _ := r.loadMeta(*p.meta, keys...); m != nil {
			if enabled, set, _ := m.boolean("enabled"); set {
				page.Enabled = enabled
			}
			if name == model.PageErrorPage {
				if u, v, ok := m.str("url"); ok && v != nil {
					if pu, err := url.Parse(u); u != "" && (err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "") {
						m.errAt(v, "\"url\" must be an absolute http(s) URL or empty")
					} else if u != "" && page.Enabled {
						// An enabled error page shows its HTML: Auth0 takes
						// the url only instead of it, so it is sent empty.
						m.warnAt(v, "\"url\" is not used while the page is enabled (the HTML is shown instead)")
					}
					page.URL = u
				}
				if show, set, _ := m.boolean("show_log_link"); set {
					page.ShowLogLink = &show
				}
			}
		}
		if p.code == nil && !p.meta.bad {
			r.errorf(p.meta.rel, 0, 0, "no %s.html next to it: a page needs its HTML file", name)
		}
	}
	if p.code != nil {
		page.HTMLSource = r.source(p.code.rel)
		if f, ok := r.load(*p.code); ok {
			page.HTML = f.text()
			if strings.TrimSpace(page.HTML) == "" {
				r.emptyPage(p.code.rel, page)
			}
		}
	}
	return page
}

// emptyPage reports a page whose HTML is empty or white space only: an
// error when the page is enabled (the tenant would show a blank page), a
// warning when it is disabled (the HTML is not shown). An error page that
// redirects to its "url" says nothing: its HTML is cleared anyway, and
// auth0-deploy-cli exports it as an empty file.
func (r *reader) emptyPage(rel string, page model.Page) {
	switch {
	case page.Enabled:
		r.errorf(rel, 0, 0, "page is empty: deploying it would show a blank %s page (add its HTML, or set \"enabled\": false in %s/%s.json)", page.Name, dirPages, page.Name)
	case page.Name == model.PageErrorPage && page.URL != "":
	default:
		r.warnf(rel, 0, 0, "page is empty (it is disabled, so nothing is shown)")
	}
}
