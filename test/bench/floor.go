package bench

import (
	"fmt"
	"strings"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
)

// Floor is the least a scenario can cost: the physical limit any tool
// meets on this tenant, whatever it does.
//
// Requests:
//   - Reads: the token request plus one GET per listing page the change
//     needs to know the tenant (100 items a page): rules, database
//     connections, the global client (login page), the tenant settings
//     (other pages), actions, and the bindings of each trigger. A listing
//     without totals (actions, bindings) ends on a short page, so n items
//     take floor(n/100)+1 pages.
//   - Writes: one per changed item (rule create/update/delete, connection
//     PATCH, one global-client PATCH for the login page, one tenant-settings
//     PATCH for the other pages together, action create or update, action
//     deploy, one bindings PATCH per changed trigger, action delete), plus
//     one temporary rule move per cycle of order changes (a cycle cannot be
//     resolved without one rule stepping aside: Auth0 refuses two rules on
//     one order with 409).
//   - Polls: two GETs per deployed action, one to see the draft built and
//     one to see the version live. Auth0 builds and deploys asynchronously
//     and refuses to deploy an unbuilt draft (400) or to bind a version that
//     is not live, so a client has to look at least once each. (On the
//     stand-in with instant builds a client that deploys blindly gets away
//     without them; auth0-deploy-cli does.) Counted apart from reads.
//
// Time: the larger of two lower bounds.
//   - Chain: requests that depend on each other's answers run one after
//     another, each taking at least the stand-in's latency: the token, the
//     longest listing, then the longest chain of writes (an action's create,
//     build poll, deploy, deploy poll, then the bindings; a rule cycle's
//     temporary move then its k final writes).
//   - Rate limit: with a token bucket of burst B refilled at r per second,
//     full at the start, N Management API requests (reads, writes and polls;
//     the token endpoint is not limited) cannot end before
//     latency (token) + (N-B)/r + latency (the last request).
//
// Process start, reading files and planning are not in the floor: it is the
// API's limit, not a tool's.
type Floor struct {
	Reads    int `json:"reads"`
	Writes   int `json:"writes"`
	Polls    int `json:"polls"`
	Requests int `json:"requests"`
	// Depth is the number of request rounds that must run one after another.
	Depth int `json:"depth"`
	// ChainMS and RateMS are the two bounds; TimeMS the larger.
	ChainMS float64 `json:"chain_ms"`
	RateMS  float64 `json:"rate_ms"`
	TimeMS  float64 `json:"time_ms"`
	// Detail lists the writes, e.g. "100 rule creates".
	Detail []string `json:"detail"`
}

// Time is the floor's duration.
func (f Floor) Time() time.Duration { return time.Duration(f.TimeMS * float64(time.Millisecond)) }

// ComputeFloor is the floor of deploying want onto a tenant in state cur,
// under limit (nil: none) with latency per request. allowDelete says whether
// items the content lacks are deleted (as the pipe's default does).
func ComputeFloor(cur auth0sim.State, want Content, limit *auth0sim.RateLimit, latency time.Duration, allowDelete bool) Floor {
	var f Floor
	add := func(n int, what string) {
		if n > 0 {
			f.Writes += n
			f.Detail = append(f.Detail, fmt.Sprintf("%d %s", n, what))
		}
	}
	readDepth, writeDepth := 0, 0
	pages := func(n int, totals bool) int {
		if totals {
			return max(1, (n+perPage-1)/perPage)
		}
		return n/perPage + 1
	}
	listing := func(n int, totals bool) {
		p := pages(n, totals)
		f.Reads += p
		readDepth = max(readDepth, p)
	}
	f.Reads = 1 // token

	// Rules.
	if want.Rules != nil {
		var rules []auth0sim.Rule
		for _, r := range cur.Rules {
			if r.Stage == "" || r.Stage == "login_success" {
				rules = append(rules, r)
			}
		}
		listing(len(cur.Rules), true)
		creates, updates, deletes, temps, depth := ruleWrites(rules, want.Rules, allowDelete)
		add(creates, "rule creates")
		add(updates, "rule updates")
		add(temps, "temporary rule moves (one per order cycle)")
		add(deletes, "rule deletes")
		if creates+updates+deletes > 0 {
			writeDepth = max(writeDepth, depth)
		}
	}

	// Database connections.
	if len(want.Databases) > 0 {
		n := 0
		byName := map[string]auth0sim.Object{}
		for _, c := range cur.Connections {
			if c["strategy"] == "auth0" {
				n++
				byName[fmt.Sprint(c["name"])] = c
			}
		}
		listing(n, true)
		changed := 0
		for _, db := range want.Databases {
			if !scriptsMatch(byName[db.Name], db.Scripts) {
				changed++
			}
		}
		add(changed, "database connection PATCHes")
		if changed > 0 {
			writeDepth = max(writeDepth, 1)
		}
	}

	// Pages.
	var login *Page
	var others []Page
	for i, p := range want.Pages {
		if p.Name == "login" {
			login = &want.Pages[i]
		} else {
			others = append(others, p)
		}
	}
	if login != nil {
		listing(1, true)
		if !loginMatches(cur, *login) {
			add(1, "login page PATCH (global client)")
			writeDepth = max(writeDepth, 1)
		}
	}
	if len(others) > 0 {
		listing(1, true)
		if !tenantPagesMatch(cur.TenantSettings, others) {
			add(1, "tenant settings PATCH (other pages)")
			writeDepth = max(writeDepth, 1)
		}
	}

	// Actions and bindings.
	if want.Actions != nil {
		listing(len(cur.Actions), false)
		listing(len(cur.Bindings[Trigger]), false)
		byName := map[string]auth0sim.Action{}
		for _, a := range cur.Actions {
			byName[a.Name] = a
		}
		applied := 0
		for _, a := range want.Actions {
			if !actionMatches(byName[a.Name], a) {
				applied++
			}
		}
		add(applied, "action creates/updates")
		add(applied, "action deploys")
		f.Polls = 2 * applied
		wanted := map[string]bool{}
		for _, a := range want.Actions {
			wanted[a.Name] = true
		}
		deletes := 0
		if allowDelete {
			for _, a := range cur.Actions {
				if !wanted[a.Name] {
					deletes++
				}
			}
		}
		add(deletes, "action deletes")
		bindChanged := !bindingsMatch(cur, want.Actions)
		if bindChanged {
			add(1, "bindings PATCH")
		}
		switch {
		case applied > 0:
			writeDepth = max(writeDepth, 5) // create, poll, deploy, poll, bindings
		case bindChanged || deletes > 0:
			writeDepth = max(writeDepth, 1)
		}
	}

	f.Requests = f.Reads + f.Writes + f.Polls
	f.Depth = 1 + readDepth + writeDepth
	l := float64(latency) / float64(time.Millisecond)
	f.ChainMS = float64(f.Depth) * l
	if limit != nil {
		api := f.Requests - 1
		if over := api - limit.Limit; over > 0 {
			f.RateMS = 2*l + float64(over)/limit.PerSecond*1000
		}
	}
	f.TimeMS = max(f.ChainMS, f.RateMS)
	return f
}

// perPage is the page size of the Management API's listings.
const perPage = 100

// ruleWrites counts the writes rules need, including one temporary move per
// cycle of order changes, and the longest chain of dependent writes.
func ruleWrites(cur []auth0sim.Rule, want []Rule, allowDelete bool) (creates, updates, deletes, temps, depth int) {
	curByName := map[string]auth0sim.Rule{}
	occupant := map[int]string{}
	for _, r := range cur {
		curByName[r.Name] = r
		occupant[r.Order] = r.Name
	}
	wanted := map[string]bool{}
	// next: rule name → the name of the existing rule holding the order it
	// moves to (an edge of the "waits for" graph).
	next := map[string]string{}
	for _, w := range want {
		wanted[w.Name] = true
		c, ok := curByName[w.Name]
		if !ok {
			creates++
		} else if c.Script != w.Script || c.Enabled != w.Enabled || c.Order != w.Order {
			updates++
		}
		if ok && c.Order == w.Order {
			continue
		}
		if holder, taken := occupant[w.Order]; taken && holder != w.Name {
			next[w.Name] = holder
		}
	}
	for _, r := range cur {
		if !wanted[r.Name] && allowDelete {
			deletes++
		}
	}
	depth = 1
	if creates+updates+deletes == 0 {
		return creates, updates, deletes, 0, 0
	}
	// Every rule has at most one successor and one predecessor: the graph is
	// paths and cycles. A cycle of k rules costs one temporary move and k
	// writes in a row after it; a path of k rules, k writes in a row
	// (deletions run first and free their orders).
	seen := map[string]bool{}
	for start := range next {
		if seen[start] {
			continue
		}
		// Walk back to the head of a path, or around a cycle.
		head := start
		for {
			prev, ok := predecessor(next, head)
			if !ok || prev == start {
				break
			}
			head = prev
		}
		n := 0
		cycle := false
		for x := head; ; {
			if seen[x] {
				cycle = x == head
				break
			}
			seen[x] = true
			n++
			y, ok := next[x]
			if !ok {
				break
			}
			if !wanted[y] {
				// Deleted before the moves: the chain ends here.
				break
			}
			x = y
		}
		if cycle {
			temps++
			depth = max(depth, n+1)
		} else {
			depth = max(depth, n)
		}
	}
	return creates, updates, deletes, temps, depth
}

func predecessor(next map[string]string, name string) (string, bool) {
	for k, v := range next {
		if v == name {
			return k, true
		}
	}
	return "", false
}

func scriptsMatch(c auth0sim.Object, want map[string]string) bool {
	if c == nil {
		return false
	}
	opts, _ := c["options"].(map[string]any)
	if opts == nil || opts["enabledDatabaseCustomization"] != true {
		return false
	}
	got, _ := opts["customScripts"].(map[string]any)
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func globalClient(st auth0sim.State) auth0sim.Object {
	for _, c := range st.Clients {
		if c["global"] == true {
			return c
		}
	}
	return nil
}

func loginMatches(st auth0sim.State, p Page) bool {
	c := globalClient(st)
	return c != nil && c["custom_login_page"] == p.HTML && c["custom_login_page_on"] == p.Enabled
}

// tenantSettingsKey maps a page to its tenant settings property.
var tenantSettingsKey = map[string]string{
	"password_reset":       "change_password",
	"guardian_multifactor": "guardian_mfa_page",
	"error_page":           "error_page",
}

func tenantPagesMatch(settings auth0sim.Object, pages []Page) bool {
	for _, p := range pages {
		v, _ := settings[tenantSettingsKey[p.Name]].(map[string]any)
		if v == nil || v["html"] != p.HTML {
			return false
		}
		if p.Name != "error_page" && v["enabled"] != p.Enabled {
			return false
		}
	}
	return true
}

func actionMatches(a auth0sim.Action, want Action) bool {
	if a.ID == "" || a.Code != want.Code || a.Runtime != Runtime || !a.AllChangesDeployed || a.DeployedVersionID == "" {
		return false
	}
	return len(a.SupportedTriggers) == 1 && a.SupportedTriggers[0].ID == Trigger
}

func bindingsMatch(st auth0sim.State, want []Action) bool {
	names := map[string]string{}
	for _, a := range st.Actions {
		names[a.ID] = a.Name
	}
	var got []string
	for _, b := range st.Bindings[Trigger] {
		got = append(got, names[b.ActionID])
	}
	var exp []string
	for _, a := range sortedActions(want) {
		exp = append(exp, a.Name)
	}
	return strings.Join(got, "\n") == strings.Join(exp, "\n")
}
