package plan

import (
	"fmt"
	"sort"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

const stageLoginSuccess = "login_success"

// ruleNode is a rule taking part in the order plan.
type ruleNode struct {
	name     string
	item     *Item
	cur      *model.CurrentRule // nil for a rule being created
	final    *int               // order at the end; nil: deleted, or created without order
	deleting bool
	patch    model.RulePatch // script/enabled changes for the final write
	create   *model.RuleCreate

	// set while scheduling
	temp      *Write // temporary move that frees the current slot
	finalW    *Write // the write that puts the rule at its final order (or applies its patch)
	orderDiff string
}

// rules plans rules: creates, updates, deletes and the order moves that
// let every rule reach its order without two rules ever sharing one (Auth0
// answers 409 rule_conflict), with the fewest writes: one per changed
// rule, plus one temporary move per order cycle and per rule being deleted
// whose order another rule takes.
func (b *builder) rules() {
	d, c := b.d, b.c
	if !d.RulesManaged {
		return
	}
	if !c.RulesAvailable {
		reason := "Rules are not available on this tenant (end of life 2026-11-18); migrate them to Actions"
		if c.RulesScopeMissing {
			reason = "rules not read: " + c.RulesUnavailableReason
		} else if c.RulesUnavailableReason != "" {
			reason += " (" + c.RulesUnavailableReason + ")"
		}
		for _, r := range d.Rules {
			b.item(model.KindRule, r.Name, OpSkip, r.Source(), "%s", reason)
		}
		if len(d.Rules) > 0 {
			b.p.Notes = append(b.p.Notes, reason+": the rules step was skipped")
		}
		return
	}

	curByName := map[string]*model.CurrentRule{}
	// Rules of other stages: a repository rule never becomes one, and
	// their orders are their stage's (Auth0 keeps orders unique per
	// stage), so they take no part in the order plan.
	var others []*model.CurrentRule
	for i := range c.Rules {
		r := &c.Rules[i]
		stage := r.Stage
		if stage == "" {
			stage = stageLoginSuccess
		}
		if stage != stageLoginSuccess {
			others = append(others, r)
			continue
		}
		curByName[r.Name] = r
	}
	desiredNames := map[string]bool{}
	var nodes []*ruleNode
	occupant := map[int]*ruleNode{} // current order → rule holding it (login_success)
	fixed := map[int]fixedRule{}    // orders held by rules this plan may not move (manual, kept)

	for i := range d.Rules {
		r := &d.Rules[i]
		desiredNames[r.Name] = true
		for _, o := range others {
			if o.Name == r.Name {
				b.errorf(ruleMetaOrScript(r), "rule %q exists in stage %s; a rule's stage cannot change: rename the rule to recreate it", r.Name, o.Stage)
			}
		}
		cur := curByName[r.Name]
		manual := b.manualRules[r.Name]
		switch {
		case manual && !r.MetadataOnly:
			b.item(model.KindRule, r.Name, OpSkip, r.Source(), "manual rule (MANUAL_RULES): never created, updated or deleted")
			if cur != nil {
				fixed[cur.Order] = fixedRule{name: r.Name, manual: true}
			}
		case r.MetadataOnly:
			if !manual {
				// The workspace reader refuses this; keep the planner safe on its own.
				b.errorf(r.MetaSource, "rule %q has metadata but no script, and is not a manual rule", r.Name)
				continue
			}
			if cur == nil {
				b.errorf(r.MetaSource, "manual rule %q does not exist in the tenant: its metadata file sets order/enabled of an existing rule only", r.Name)
				continue
			}
			n := &ruleNode{name: r.Name, cur: cur}
			if r.EnabledSet && r.Enabled != cur.Enabled {
				n.patch.Enabled = ptr(r.Enabled)
			}
			n.final = ptr(cur.Order)
			if r.Order != nil {
				n.final = ptr(*r.Order)
			} else if cur.Stage == "" || cur.Stage == "login_success" {
				// Its metadata does not set the order: the order is the
				// manual rule's own, never moved to make way for another.
				fixed[cur.Order] = fixedRule{name: r.Name, manual: true}
			}
			n.item = b.item(model.KindRule, r.Name, OpUnchanged, r.MetaSource, "manual rule: only its metadata (order, enabled) is managed")
			nodes = append(nodes, n)
		case cur == nil:
			n := &ruleNode{name: r.Name, create: &model.RuleCreate{Name: r.Name, Script: r.Script, Enabled: r.Enabled}}
			if r.Order != nil {
				n.final = ptr(*r.Order)
				n.create.Order = ptr(*r.Order)
			}
			reason := "new rule"
			if !r.Enabled {
				reason += ", disabled"
			}
			n.item = b.item(model.KindRule, r.Name, OpCreate, r.Source(), "%s", reason)
			nodes = append(nodes, n)
		default:
			n := &ruleNode{name: r.Name, cur: cur}
			if r.Script != cur.Script {
				n.patch.Script = ptr(r.Script)
			}
			if r.Enabled != cur.Enabled {
				n.patch.Enabled = ptr(r.Enabled)
			}
			n.final = ptr(cur.Order)
			if r.Order != nil {
				n.final = ptr(*r.Order)
			}
			n.item = b.item(model.KindRule, r.Name, OpUnchanged, r.Source(), "")
			nodes = append(nodes, n)
		}
	}

	// Rules in the tenant that the repository does not have.
	var curNames []string
	for name := range curByName {
		curNames = append(curNames, name)
	}
	sort.Strings(curNames)
	for _, name := range curNames {
		if desiredNames[name] {
			continue
		}
		cur := curByName[name]
		switch {
		case b.manualRules[name]:
			b.item(model.KindRule, name, OpSkip, model.Source{}, "manual rule (MANUAL_RULES): never created, updated or deleted")
			fixed[cur.Order] = fixedRule{name: name, manual: true}
		case !b.opts.AllowDelete:
			// Kept, not managed: never written, not even moved.
			b.item(model.KindRule, name, OpSkip, model.Source{}, "not in the repository; kept because ALLOW_DELETE=false")
			fixed[cur.Order] = fixedRule{name: name}
		default:
			n := &ruleNode{name: name, cur: cur, deleting: true}
			n.item = b.item(model.KindRule, name, OpDelete, model.Source{}, "not in the repository (full deployment)")
			nodes = append(nodes, n)
		}
	}
	// Rules of other stages follow the full deployment like the others.
	type otherDelete struct {
		item *Item
		cur  *model.CurrentRule
	}
	var otherDeletes []otherDelete
	for _, o := range others {
		switch {
		case desiredNames[o.Name]:
			// A repository rule of that name is an error (reported above).
		case b.manualRules[o.Name]:
			b.item(model.KindRule, o.Name, OpSkip, model.Source{}, "manual rule (MANUAL_RULES): never created, updated or deleted")
		case !b.opts.AllowDelete:
			b.item(model.KindRule, o.Name, OpSkip, model.Source{}, "stage %s, not in the repository; kept because ALLOW_DELETE=false", o.Stage)
		default:
			it := b.item(model.KindRule, o.Name, OpDelete, model.Source{}, "stage %s, not in the repository (full deployment)", o.Stage)
			otherDeletes = append(otherDeletes, otherDelete{it, o})
		}
	}
	for _, n := range nodes {
		if n.cur != nil {
			occupant[n.cur.Order] = n
		}
	}

	b.resolveOrderClashes(nodes, occupant, fixed, d)
	if b.p.Problems.HasErrors() {
		return
	}
	b.scheduleRules(nodes, occupant)
	for _, o := range otherDeletes {
		b.write(&Write{Kind: WriteRuleDelete, Delete: true, RuleID: o.cur.ID, RuleName: o.cur.Name,
			Desc: fmt.Sprintf("delete rule %s (stage %s)", o.cur.Name, o.cur.Stage)}, o.item)
	}
}

func ruleMetaOrScript(r *model.Rule) model.Source {
	if r.MetaSource.Path != "" {
		return r.MetaSource
	}
	return r.ScriptSource
}

// fixedRule is a rule of the tenant that this plan never writes, so its
// order is not free: a manual rule, or one kept by ALLOW_DELETE=false.
type fixedRule struct {
	name   string
	manual bool
}

// resolveOrderClashes finds managed rules that keep their order (no order
// in the repository) while another rule wants that order, and gives them a
// fresh order above every other; a manual rule or a rule kept by
// ALLOW_DELETE=false in the way is an error, since the pipe never moves it.
func (b *builder) resolveOrderClashes(nodes []*ruleNode, occupant map[int]*ruleNode, fixed map[int]fixedRule, d *model.Desired) {
	explicit := map[int]*ruleNode{} // final orders the repository asks for
	wanted := func(n *ruleNode) bool {
		if n.create != nil {
			return n.final != nil
		}
		return n.final != nil && *n.final != n.cur.Order
	}
	for _, n := range nodes {
		if n.deleting || !wanted(n) {
			continue
		}
		if holder, ok := fixed[*n.final]; ok {
			if holder.manual {
				b.errorf(ruleSource(d, n.name), "order %d is held by manual rule %q, which this pipe never changes: choose another order, or give %q a metadata-only rules/%s.json that moves it", *n.final, holder.name, holder.name, holder.name)
			} else {
				b.errorf(ruleSource(d, n.name), "order %d is held by rule %q, which is not in the repository and is kept because ALLOW_DELETE=false, so this pipe never changes it: choose another order, add rules/%s.js to manage it, or let ALLOW_DELETE=true delete it", *n.final, holder.name, holder.name)
			}
			continue
		}
		if other, ok := explicit[*n.final]; ok {
			b.errorf(ruleSource(d, n.name), "rules %q and %q both want order %d", other.name, n.name, *n.final)
			continue
		}
		explicit[*n.final] = n
	}
	// Every login_success order in use or wanted: an order the plan
	// allocates is none of them.
	b.usedOrders = map[int]bool{}
	for o := range occupant {
		b.usedOrders[o] = true
	}
	for o := range fixed {
		b.usedOrders[o] = true
	}
	for _, n := range nodes {
		if n.final != nil {
			b.usedOrders[*n.final] = true
		}
	}
	b.nextTemp = 0
	for o := range b.usedOrders {
		if o > b.nextTemp {
			b.nextTemp = o
		}
	}
	// A rule that stays where it is but whose order another rule wants.
	sorted := append([]*ruleNode(nil), nodes...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, n := range sorted {
		if n.deleting || n.cur == nil || n.final == nil || *n.final != n.cur.Order {
			continue
		}
		if taker, ok := explicit[n.cur.Order]; ok && taker != n {
			to := b.allocOrder()
			n.final = ptr(to)
			n.orderDiff = fmt.Sprintf("order %d→%d, to make way for rule %q", n.cur.Order, to, taker.name)
		}
	}
}

// MaxRuleOrder is the highest order Auth0 accepts for a rule (a 32-bit
// integer).
const MaxRuleOrder = 2147483647

// allocOrder returns a login_success order for the plan to use (a
// temporary move, a rule making way, a create Auth0 cannot append): above
// every order in use or wanted while that stays within MaxRuleOrder, else
// the lowest order from 1 that no rule holds, wants or was given.
func (b *builder) allocOrder() int {
	var o int
	if b.nextTemp < MaxRuleOrder {
		b.nextTemp++
		o = b.nextTemp
	} else {
		for o = 1; b.usedOrders[o]; o++ {
		}
	}
	b.usedOrders[o] = true
	return o
}

func ruleSource(d *model.Desired, name string) model.Source {
	for _, r := range d.Rules {
		if r.Name == name {
			return ruleMetaOrScript(&r)
		}
	}
	return model.Source{}
}

// scheduleRules turns the nodes into writes with their dependencies.
func (b *builder) scheduleRules(nodes []*ruleNode, occupant map[int]*ruleNode) {
	// next: the rule currently holding the order this rule moves to.
	moving := func(n *ruleNode) bool {
		if n.deleting {
			return false
		}
		if n.create != nil {
			return n.final != nil
		}
		return *n.final != n.cur.Order
	}
	next := func(n *ruleNode) *ruleNode {
		if !moving(n) {
			return nil
		}
		if o := occupant[*n.final]; o != nil && o != n {
			return o
		}
		return nil
	}
	// A rule being deleted whose order another rule takes moves out first.
	wantedBy := map[*ruleNode]*ruleNode{}
	for _, n := range nodes {
		if o := next(n); o != nil {
			wantedBy[o] = n
		}
	}
	sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].name < nodes[j].name })

	// Cycles: follow next() from each moving rule; a walk that comes back
	// to a rule on the current path is a cycle: its first rule by name is
	// moved to a temporary order once.
	state := map[*ruleNode]int{} // 0 new, 1 on path, 2 done
	for _, start := range nodes {
		if state[start] != 0 || !moving(start) {
			continue
		}
		var path []*ruleNode
		n := start
		for n != nil && state[n] == 0 {
			state[n] = 1
			path = append(path, n)
			n = next(n)
		}
		if n != nil && state[n] == 1 {
			// cycle from n to the end of path
			var cycle []*ruleNode
			for i := len(path) - 1; i >= 0; i-- {
				cycle = append(cycle, path[i])
				if path[i] == n {
					break
				}
			}
			breaker := cycle[0]
			for _, c := range cycle {
				if c.name < breaker.name {
					breaker = c
				}
			}
			b.tempMove(breaker, "order cycle")
		}
		for _, p := range path {
			state[p] = 2
		}
	}
	for _, n := range nodes {
		if n.deleting && wantedBy[n] != nil {
			b.tempMove(n, fmt.Sprintf("rule %q takes its order before it is deleted", wantedBy[n].name))
		}
	}

	// vacate: the write after which a rule's current order is free.
	vacate := func(n *ruleNode) *Write {
		if n.temp != nil {
			return n.temp
		}
		return n.finalW
	}
	// Final writes, created in dependency order (occupants first), so that
	// each write lists the write it waits for.
	var visit func(n *ruleNode) *Write
	visiting := map[*ruleNode]bool{}
	visit = func(n *ruleNode) *Write {
		if n.finalW != nil || n.deleting {
			return n.finalW
		}
		if visiting[n] {
			return nil // cycle: broken by the temporary move
		}
		visiting[n] = true
		defer delete(visiting, n)
		var after []int
		if o := next(n); o != nil {
			if o.temp == nil && !o.deleting {
				visit(o)
			}
			if w := vacate(o); w != nil {
				after = append(after, w.ID)
			}
		}
		if n.temp != nil {
			after = append(after, n.temp.ID)
		}
		n.finalW = b.finalRuleWrite(n, after)
		return n.finalW
	}
	var appendCreates []*ruleNode
	for _, n := range nodes {
		if n.create != nil && n.final == nil {
			appendCreates = append(appendCreates, n)
			continue
		}
		visit(n)
	}
	// Creates without an order: Auth0 appends them after the highest
	// order, so they go after every other rule write, one at a time. When
	// appending could pass MaxRuleOrder, the plan gives them orders itself.
	full := b.nextTemp+len(appendCreates) > MaxRuleOrder
	var prev *Write
	for _, n := range appendCreates {
		if full {
			n.create.Order = ptr(b.allocOrder())
			n.item.Reason += fmt.Sprintf(", order %d (Auth0 cannot append after order %d)", *n.create.Order, MaxRuleOrder)
		}
		var after []int
		for _, m := range nodes {
			if m.finalW != nil && !m.finalW.Delete {
				after = append(after, m.finalW.ID)
			}
			if m.temp != nil {
				after = append(after, m.temp.ID)
			}
		}
		if prev != nil {
			after = append(after, prev.ID)
		}
		n.finalW = b.finalRuleWrite(n, dedupeInts(after))
		prev = n.finalW
	}
	for _, n := range nodes {
		if n.deleting {
			var after []int
			if n.temp != nil {
				after = append(after, n.temp.ID)
			}
			b.write(&Write{Kind: WriteRuleDelete, Delete: true, RuleID: n.cur.ID, RuleName: n.name, After: after,
				Desc: fmt.Sprintf("delete rule %s", n.name)}, n.item)
		}
	}
}

func (b *builder) tempMove(n *ruleNode, why string) {
	to := b.allocOrder()
	n.temp = b.write(&Write{Kind: WriteRuleMove, RuleID: n.cur.ID, RuleName: n.name, RulePatch: &model.RulePatch{Order: ptr(to)},
		Desc: fmt.Sprintf("move rule %s to temporary order %d (%s)", n.name, to, why)}, n.item)
}

// finalRuleWrite makes the write that leaves the rule as the repository
// wants it, and fills in its item's decision; nil when nothing changes.
func (b *builder) finalRuleWrite(n *ruleNode, after []int) *Write {
	if n.create != nil {
		desc := "create rule " + n.name
		if n.create.Order != nil {
			desc += fmt.Sprintf(" (order %d)", *n.create.Order)
		}
		return b.write(&Write{Kind: WriteRuleCreate, RuleName: n.name, RuleCreate: n.create, After: dedupeInts(after), Desc: desc}, n.item)
	}
	patch := n.patch
	var changes []string
	if patch.Script != nil {
		changes = append(changes, "script changed")
	}
	if patch.Enabled != nil {
		if *patch.Enabled {
			changes = append(changes, "enabled")
		} else {
			changes = append(changes, "disabled")
		}
	}
	if *n.final != n.cur.Order {
		patch.Order = ptr(*n.final)
		if n.orderDiff != "" {
			changes = append(changes, n.orderDiff)
		} else {
			changes = append(changes, fmt.Sprintf("order %d→%d", n.cur.Order, *n.final))
		}
	} else if n.temp != nil {
		// back from a temporary order to where it was
		patch.Order = ptr(*n.final)
	}
	if patch.Script == nil && patch.Enabled == nil && patch.Order == nil {
		return nil
	}
	if n.item.Op == OpUnchanged || n.item.Op == OpSkip {
		n.item.Op = OpUpdate
	}
	prefix := ""
	if n.item.Reason != "" && n.item.Op == OpUpdate && strings.HasPrefix(n.item.Reason, "manual rule") {
		prefix = "manual rule metadata: "
	}
	n.item.Reason = prefix + joinChanges(changes)
	return b.write(&Write{Kind: WriteRuleUpdate, RuleID: n.cur.ID, RuleName: n.name, RulePatch: &patch, After: dedupeInts(after),
		Desc: fmt.Sprintf("update rule %s (%s)", n.name, joinChanges(changes))}, n.item)
}

func dedupeInts(in []int) []int {
	if len(in) == 0 {
		return nil
	}
	seen := map[int]bool{}
	var out []int
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Ints(out)
	return out
}
