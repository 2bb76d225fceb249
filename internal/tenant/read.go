package tenant

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// perPage is the page size of every listing (the API's maximum).
const perPage = 100

// maxPages bounds a listing (100,000 items) so that a misbehaving server
// cannot keep a run paging forever.
const maxPages = 1000

// family is a pagination family of the Management API.
type family int

const (
	// offsetFamily: page, per_page, include_totals=true; the answer carries
	// the total (rules, connections, clients).
	offsetFamily family = iota
	// actionsFamily: page, per_page; zero values (page 0, total on an empty
	// page) are omitted, so the end is a page shorter than per_page.
	actionsFamily
)

// listing describes one paged listing.
type listing struct {
	op     string // "read rules"
	what   string // "rules", for messages
	path   []string
	query  url.Values
	key    string // the items' key in the envelope
	family family
}

// envelope is the paging metadata of one page.
type envelope struct {
	total   *int
	perPage int
	items   json.RawMessage
}

// listAll reads every page of l and checks that the pages add up: a page
// that comes back short before the total is reached, a duplicate id or a
// count that disagrees with the total is an error, never "the rest is gone".
func listAll[T any](ctx context.Context, c *Client, l listing, id func(T) string) ([]T, error) {
	var out []T
	seen := map[string]bool{}
	total := -1
	for page := 0; ; page++ {
		if page >= maxPages {
			return nil, c.incomplete(l, fmt.Sprintf("incomplete listing of %s: more than %d pages", l.what, maxPages))
		}
		q := url.Values{}
		for k, v := range l.query {
			q[k] = append([]string(nil), v...)
		}
		q.Set("page", strconv.Itoa(page))
		q.Set("per_page", strconv.Itoa(perPage))
		if l.family == offsetFamily {
			q.Set("include_totals", "true")
		}
		var raw json.RawMessage
		if err := c.do(ctx, request{op: l.op, method: http.MethodGet, path: l.path, query: q, out: &raw}); err != nil {
			return nil, err
		}
		env, err := parseEnvelope(raw, l.key)
		if err != nil {
			return nil, c.errorf(&Error{Op: l.op, Kind: KindDecode, Message: err.Error()})
		}
		var items []T
		if len(env.items) > 0 {
			dec := json.NewDecoder(bytes.NewReader(env.items))
			dec.UseNumber()
			if err := dec.Decode(&items); err != nil {
				return nil, c.errorf(&Error{Op: l.op, Kind: KindDecode, Message: fmt.Sprintf("could not decode the %s: %s", l.what, decodeErrorText(err))})
			}
		}
		for _, it := range items {
			k := id(it)
			if k == "" {
				continue
			}
			if seen[k] {
				return nil, c.incomplete(l, fmt.Sprintf("inconsistent listing of %s: %q appears twice (the listing changed while it was read)", l.what, k))
			}
			seen[k] = true
		}
		out = append(out, items...)

		if env.total != nil {
			if total >= 0 && *env.total != total {
				return nil, c.incomplete(l, fmt.Sprintf("inconsistent listing of %s: the total changed from %d to %d while it was read", l.what, total, *env.total))
			}
			total = *env.total
		}
		size := perPage
		if env.perPage > 0 {
			size = env.perPage
		}
		switch {
		case total >= 0 && len(out) > total:
			return nil, c.incomplete(l, fmt.Sprintf("inconsistent listing of %s: got %d but the total is %d", l.what, len(out), total))
		case total >= 0 && len(out) == total:
			return out, nil
		case len(items) < size:
			if total >= 0 {
				return nil, c.incomplete(l, fmt.Sprintf("incomplete listing of %s: got %d of %d", l.what, len(out), total))
			}
			// No total (actions family, or a bare array): a short page ends it.
			return out, nil
		}
	}
}

func (c *Client) incomplete(l listing, msg string) error {
	return c.errorf(&Error{Op: l.op, Kind: KindIncomplete, Message: msg})
}

func isArray(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == '['
}

// parseEnvelope accepts {"total":N,"per_page"|"limit":P,"<key>":[...]} and a
// bare array (an API that ignored include_totals).
func parseEnvelope(raw json.RawMessage, key string) (envelope, error) {
	if isArray(raw) {
		return envelope{items: raw}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return envelope{}, fmt.Errorf("could not decode the answer: %s", decodeErrorText(err))
	}
	var env envelope
	if t, ok := m["total"]; ok && string(t) != "null" {
		var n int
		if err := json.Unmarshal(t, &n); err != nil {
			return envelope{}, fmt.Errorf("the answer's total is not a number")
		}
		env.total = &n
	}
	for _, k := range []string{"per_page", "limit"} {
		if v, ok := m[k]; ok {
			var n int
			if json.Unmarshal(v, &n) == nil && n > 0 {
				env.perPage = n
				break
			}
		}
	}
	items, ok := m[key]
	if !ok {
		if env.total != nil && *env.total > 0 {
			return envelope{}, fmt.Errorf("the answer has no %q list", key)
		}
		return env, nil
	}
	env.items = items
	if string(bytes.TrimSpace(items)) == "null" {
		env.items = nil
	}
	return env, nil
}

// Read reads the parts of the tenant that req asks for, every page of every
// listing, running independent reads in parallel.
func (c *Client) Read(ctx context.Context, req model.ReadRequest) (*model.Current, error) {
	cur := &model.Current{RulesAvailable: true, Bindings: map[string][]model.CurrentBinding{}}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)

	if req.Rules {
		g.Go(func() error {
			rules, err := c.readRules(gctx)
			if reason, gone := rulesUnavailable(err, true); gone {
				mu.Lock()
				cur.RulesAvailable, cur.RulesUnavailableReason = false, reason
				cur.RulesScopeMissing = strings.HasPrefix(reason, lacksReadRules)
				mu.Unlock()
				return nil
			} else if err != nil {
				return err
			}
			out := make([]model.CurrentRule, 0, len(rules))
			for _, r := range rules {
				out = append(out, r.model())
			}
			sort.SliceStable(out, func(i, j int) bool {
				if out[i].Order != out[j].Order {
					return out[i].Order < out[j].Order
				}
				return out[i].Name < out[j].Name
			})
			mu.Lock()
			cur.Rules = out
			mu.Unlock()
			return nil
		})
	}
	if req.RulesConfigs {
		g.Go(func() error {
			keys, err := c.readRulesConfigKeys(gctx)
			if reason, gone := rulesUnavailable(err, false); gone {
				mu.Lock()
				if cur.RulesAvailable {
					cur.RulesAvailable, cur.RulesUnavailableReason = false, reason
				}
				mu.Unlock()
				return nil
			} else if err != nil {
				return err
			}
			mu.Lock()
			cur.RuleConfigKeys = keys
			mu.Unlock()
			return nil
		})
	}
	if req.Databases {
		g.Go(func() error {
			conns, err := c.readDatabaseConnections(gctx, req.DatabaseNames)
			if err != nil {
				return err
			}
			mu.Lock()
			cur.Connections = conns
			mu.Unlock()
			return nil
		})
	}
	if req.LoginPage {
		g.Go(func() error {
			gc, err := c.readGlobalClient(gctx)
			if err != nil {
				return err
			}
			mu.Lock()
			cur.GlobalClient = gc
			mu.Unlock()
			return nil
		})
	}
	if req.TenantPages {
		g.Go(func() error {
			pages, err := c.readTenantPages(gctx)
			if err != nil {
				return err
			}
			mu.Lock()
			cur.TenantPages = pages
			mu.Unlock()
			return nil
		})
	}

	// Bindings: the requested triggers now, the triggers of current
	// actions once the actions are read.
	requested := map[string]bool{}
	var bindingsMu sync.Mutex
	started := map[string]bool{}
	readBindings := func(trigger string, mustExist bool) {
		bindingsMu.Lock()
		if started[trigger] {
			bindingsMu.Unlock()
			return
		}
		started[trigger] = true
		bindingsMu.Unlock()
		g.Go(func() error {
			bs, err := c.readBindings(gctx, trigger)
			if err != nil {
				if !mustExist && Status(err) == http.StatusBadRequest {
					// e.g. an entity-bound trigger: its bindings cannot be
					// listed, and no requested binding depends on it.
					c.log.Debug().Str("trigger", trigger).Str("error", err.Error()).Msg("auth0 bindings not readable; skipped")
					return nil
				}
				return err
			}
			mu.Lock()
			cur.Bindings[trigger] = bs
			mu.Unlock()
			return nil
		})
	}
	for _, t := range req.Triggers {
		if t != "" && !requested[t] {
			requested[t] = true
			readBindings(t, true)
		}
	}
	if req.Actions {
		g.Go(func() error {
			actions, err := c.readActions(gctx)
			if err != nil {
				return err
			}
			out := make([]model.CurrentAction, 0, len(actions))
			var triggers []string
			for _, a := range actions {
				out = append(out, a.model())
				triggers = append(triggers, a.triggers()...)
			}
			sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
			mu.Lock()
			cur.Actions = out
			mu.Unlock()
			sort.Strings(triggers)
			for _, t := range triggers {
				readBindings(t, requested[t])
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return cur, nil
}

// rulesUnavailable reports whether err means that the rules step is to be
// skipped, and why. On GET /rules (rules true) that is any 403 or 404
// (SPEC: a 403/404 on /rules skips the rules step, it never fails the
// deployment): the tenant has no Rules (end of life, or never enabled), or
// the application lacks read:rules, which the reason then says (see
// MissingReadRulesScope). On GET /rules-configs it is a 404, or a 403 that
// is not a missing scope: a missing read:rules_configs is a configuration
// error like any other missing read scope.
func rulesUnavailable(err error, rules bool) (string, bool) {
	e, ok := AsError(err)
	if !ok || e.Kind != KindAPI {
		return "", false
	}
	scope := e.Status == http.StatusForbidden && (e.Code == "insufficient_scope" || len(e.Scopes()) > 0)
	switch {
	case e.Status == http.StatusNotFound:
	case e.Status == http.StatusForbidden && (rules || !scope):
	default:
		return "", false
	}
	answer := statusLine(e.Status)
	if e.Message != "" {
		answer += ": " + e.Message
	}
	if scope {
		return fmt.Sprintf("%s (the tenant answered %s)", lacksReadRules, answer), true
	}
	return "the tenant answered " + answer, true
}

// lacksReadRules starts Current.RulesUnavailableReason when GET /rules was
// refused for a missing scope.
const lacksReadRules = "the application lacks the scope read:rules"

// MissingReadRulesScope reports whether cur's rules were skipped because
// the application lacks the read:rules scope, rather than because the
// tenant has no Rules.
func MissingReadRulesScope(cur *model.Current) bool {
	return cur != nil && !cur.RulesAvailable && cur.RulesScopeMissing
}

func (c *Client) readRules(ctx context.Context) ([]wireRule, error) {
	return listAll(ctx, c, listing{op: "read rules", what: "rules", path: []string{"rules"}, key: "rules", family: offsetFamily},
		func(r wireRule) string { return r.ID })
}

func (c *Client) readRulesConfigKeys(ctx context.Context) ([]string, error) {
	// The API answers a bare array of {"key"} (values are never returned)
	// and does not page it.
	var raw json.RawMessage
	if err := c.do(ctx, request{op: "read rules configs", method: http.MethodGet, path: []string{"rules-configs"}, out: &raw}); err != nil {
		return nil, err
	}
	env, err := parseEnvelope(raw, "rules_configs")
	if err != nil {
		return nil, c.errorf(&Error{Op: "read rules configs", Kind: KindDecode, Message: err.Error()})
	}
	var items []wireRuleConfig
	if len(env.items) > 0 {
		if err := json.Unmarshal(env.items, &items); err != nil {
			return nil, c.errorf(&Error{Op: "read rules configs", Kind: KindDecode, Message: "could not decode the rules configs: " + decodeErrorText(err)})
		}
	}
	keys := make([]string, 0, len(items))
	seen := map[string]bool{}
	for _, it := range items {
		if !seen[it.Key] {
			seen[it.Key] = true
			keys = append(keys, it.Key)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

// readDatabaseConnections reads every strategy=auth0 connection, then looks
// up by name each wanted name that is not among them, so that the caller
// can say what such a connection is.
func (c *Client) readDatabaseConnections(ctx context.Context, names []string) ([]model.Connection, error) {
	conns, err := listAll(ctx, c, listing{
		op: "read database connections", what: "database connections", path: []string{"connections"},
		query: url.Values{"strategy": {"auth0"}}, key: "connections", family: offsetFamily,
	}, func(c wireConnection) string { return c.ID })
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, cn := range conns {
		have[cn.Name] = true
	}
	var missing []string
	for _, n := range names {
		if n != "" && !have[n] {
			have[n] = true
			missing = append(missing, n)
		}
	}
	found := make([][]wireConnection, len(missing))
	g, gctx := errgroup.WithContext(ctx)
	for i, name := range missing {
		g.Go(func() error {
			byName, err := listAll(gctx, c, listing{
				op: fmt.Sprintf("look up connection %q", name), what: "connections named " + strconv.Quote(name), path: []string{"connections"},
				query: url.Values{"name": {name}}, key: "connections", family: offsetFamily,
			}, func(c wireConnection) string { return c.ID })
			if err != nil {
				return err
			}
			for _, cn := range byName {
				if cn.Name == name { // the filter is exact; be sure
					found[i] = append(found[i], cn)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := make([]model.Connection, 0, len(conns))
	for _, cn := range conns {
		seen[cn.ID] = true
		out = append(out, cn.model())
	}
	for _, list := range found {
		for _, cn := range list {
			if !seen[cn.ID] {
				seen[cn.ID] = true
				out = append(out, cn.model())
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// readGlobalClient finds the "All Applications" client, filtering server
// side (go-auth0's Client has no "global" field) and asking only for the
// fields the pipe needs: never the client's secret.
func (c *Client) readGlobalClient(ctx context.Context) (*model.GlobalClient, error) {
	const op = "read the global client"
	q := url.Values{
		"is_global":      {"true"},
		"fields":         {"client_id,global,custom_login_page,custom_login_page_on"},
		"include_fields": {"true"},
	}
	var raw json.RawMessage
	if err := c.do(ctx, request{op: op, method: http.MethodGet, path: []string{"clients"}, query: q, out: &raw}); err != nil {
		return nil, err
	}
	env, err := parseEnvelope(raw, "clients")
	if err != nil {
		return nil, c.errorf(&Error{Op: op, Kind: KindDecode, Message: err.Error()})
	}
	var clients []wireGlobalClient
	if len(env.items) > 0 {
		if err := json.Unmarshal(env.items, &clients); err != nil {
			return nil, c.errorf(&Error{Op: op, Kind: KindDecode, Message: "could not decode the clients: " + decodeErrorText(err)})
		}
	}
	var global []wireGlobalClient
	for _, cl := range clients {
		if cl.Global == nil || *cl.Global {
			global = append(global, cl)
		}
	}
	switch len(global) {
	case 0:
		return nil, nil
	case 1:
		g := global[0]
		return &model.GlobalClient{ClientID: g.ClientID, CustomLoginPage: g.CustomLoginPage, CustomLoginPageOn: g.CustomLoginPageOn}, nil
	}
	ids := make([]string, 0, len(global))
	for _, g := range global {
		ids = append(ids, g.ClientID)
	}
	return nil, c.errorf(&Error{Op: op, Kind: KindIncomplete, Message: fmt.Sprintf("expected one global client, got %d (%s)", len(global), strings.Join(ids, ", "))})
}

func (c *Client) readTenantPages(ctx context.Context) (model.TenantPages, error) {
	q := url.Values{"fields": {"change_password,guardian_mfa_page,error_page"}, "include_fields": {"true"}}
	var s wireTenantSettings
	if err := c.do(ctx, request{op: "read tenant settings", method: http.MethodGet, path: []string{"tenants", "settings"}, query: q, out: &s}); err != nil {
		return model.TenantPages{}, err
	}
	return s.model(), nil
}

func (c *Client) readActions(ctx context.Context) ([]wireAction, error) {
	return listAll(ctx, c, listing{op: "read actions", what: "actions", path: []string{"actions", "actions"}, key: "actions", family: actionsFamily},
		func(a wireAction) string { return a.ID })
}

func (c *Client) readBindings(ctx context.Context, trigger string) ([]model.CurrentBinding, error) {
	bs, err := listAll(ctx, c, listing{
		op: fmt.Sprintf("read %s bindings", trigger), what: trigger + " bindings", path: []string{"actions", "triggers", trigger, "bindings"},
		key: "bindings", family: actionsFamily,
	}, func(b wireBinding) string { return b.ID })
	if err != nil {
		return nil, err
	}
	out := make([]model.CurrentBinding, 0, len(bs))
	for _, b := range bs {
		out = append(out, b.model())
	}
	return out, nil
}
