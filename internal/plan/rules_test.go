package plan

import (
	"fmt"
	"math/rand"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// ruleSim applies rule writes to an in-memory tenant with Auth0's unique
// (stage, order) constraint, failing on a 409.
type ruleSim struct {
	byID map[string]*model.CurrentRule
	next int
}

func newRuleSim(rules []model.CurrentRule) *ruleSim {
	s := &ruleSim{byID: map[string]*model.CurrentRule{}}
	for i := range rules {
		r := rules[i]
		s.byID[r.ID] = &r
	}
	return s
}

// holder is the rule of stage holding order ("" is login_success).
func (s *ruleSim) holder(stage string, order int) *model.CurrentRule {
	for _, r := range s.byID {
		if r.Order == order && ruleStage(r.Stage) == ruleStage(stage) {
			return r
		}
	}
	return nil
}

func ruleStage(s string) string {
	if s == "" {
		return stageLoginSuccess
	}
	return s
}

func (s *ruleSim) apply(w *Write) error {
	switch w.Kind {
	case WriteRuleCreate:
		order := 0
		if w.RuleCreate.Order != nil {
			order = *w.RuleCreate.Order
		} else {
			for _, r := range s.byID {
				if r.Order > order && ruleStage(r.Stage) == stageLoginSuccess {
					order = r.Order
				}
			}
			order++
		}
		if order < 0 || order > MaxRuleOrder {
			return fmt.Errorf("400: create %s at order %d, outside 0..%d", w.RuleName, order, MaxRuleOrder)
		}
		if h := s.holder(stageLoginSuccess, order); h != nil {
			return fmt.Errorf("409: create %s at %d held by %s", w.RuleName, order, h.Name)
		}
		s.next++
		id := fmt.Sprintf("new_%d", s.next)
		s.byID[id] = &model.CurrentRule{ID: id, Name: w.RuleCreate.Name, Order: order, Enabled: w.RuleCreate.Enabled, Script: w.RuleCreate.Script, Stage: "login_success"}
	case WriteRuleUpdate, WriteRuleMove:
		r := s.byID[w.RuleID]
		if r == nil {
			return fmt.Errorf("404 %s", w.RuleID)
		}
		if p := w.RulePatch; p.Order != nil {
			if *p.Order < 0 || *p.Order > MaxRuleOrder {
				return fmt.Errorf("400: move %s to order %d, outside 0..%d", r.Name, *p.Order, MaxRuleOrder)
			}
			if h := s.holder(r.Stage, *p.Order); h != nil && h != r {
				return fmt.Errorf("409: move %s to %d held by %s", r.Name, *p.Order, h.Name)
			}
			r.Order = *p.Order
		}
		if w.RulePatch.Script != nil {
			r.Script = *w.RulePatch.Script
		}
		if w.RulePatch.Enabled != nil {
			r.Enabled = *w.RulePatch.Enabled
		}
	case WriteRuleDelete:
		delete(s.byID, w.RuleID)
	default:
		return fmt.Errorf("unexpected write %s", w.Kind)
	}
	return nil
}

// runInRandomOrder executes writes in a random order that respects After
// and runs Delete writes last, as any schedule of the executor may.
func runInRandomOrder(t *testing.T, rng *rand.Rand, p *Plan, s *ruleSim) {
	t.Helper()
	done := map[int]bool{}
	var pending []*Write
	pending = append(pending, p.Writes...)
	for len(pending) > 0 {
		var ready []int
		nonDeleteLeft := false
		for _, w := range pending {
			if !w.Delete {
				nonDeleteLeft = true
			}
		}
		for i, w := range pending {
			if w.Delete && nonDeleteLeft {
				continue
			}
			ok := true
			for _, a := range w.After {
				if !done[a] {
					ok = false
				}
			}
			if ok {
				ready = append(ready, i)
			}
		}
		require.NotEmpty(t, ready, "deadlock: no write is ready")
		i := ready[rng.Intn(len(ready))]
		w := pending[i]
		require.NoError(t, s.apply(w), "write %d %s", w.ID, w.Desc)
		done[w.ID] = true
		pending = append(pending[:i], pending[i+1:]...)
	}
}

func desiredRules(orders map[string]int) *model.Desired {
	d := &model.Desired{RulesManaged: true}
	var names []string
	for n := range orders {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		o := orders[n]
		d.Rules = append(d.Rules, model.Rule{Name: n, Script: "function(u,c,cb){cb(null,u,c)}", Enabled: true, Order: &o, Stage: "login_success",
			ScriptSource: model.Source{Path: "rules/" + n + ".js"}, MetaSource: model.Source{Path: "rules/" + n + ".json"}})
	}
	return d
}

func currentRules(orders map[string]int) *model.Current {
	c := &model.Current{RulesAvailable: true}
	var names []string
	for n := range orders {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c.Rules = append(c.Rules, model.CurrentRule{ID: "rul_" + n, Name: n, Order: orders[n], Enabled: true, Script: "function(u,c,cb){cb(null,u,c)}", Stage: "login_success"})
	}
	return c
}

// cycles counts the cycles of the permutation from current to desired orders
// among rules that move (a rule wanting a free order ends a chain instead).
func cycles(cur, want map[string]int) int {
	holder := map[int]string{}
	for n, o := range cur {
		holder[o] = n
	}
	seen := map[string]bool{}
	count := 0
	var names []string
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, start := range names {
		if seen[start] || cur[start] == want[start] {
			continue
		}
		path := map[string]bool{}
		n := start
		for n != "" && !seen[n] && cur[n] != want[n] {
			seen[n] = true
			path[n] = true
			n = holder[want[n]]
		}
		if n != "" && path[n] {
			count++
		}
	}
	return count
}

func TestRuleReorderingPropertyNoConflictFewestWrites(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	for trial := 0; trial < 300; trial++ {
		n := 1 + rng.Intn(12)
		cur := map[string]int{}
		want := map[string]int{}
		// current orders: distinct, from a small range so that desired
		// orders often collide with current ones
		curOrders := rng.Perm(n + 3)[:n]
		wantOrders := rng.Perm(n + 3)[:n]
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("r%02d", i)
			cur[name] = curOrders[i] + 1
			want[name] = wantOrders[i] + 1
		}
		p := Build(desiredRules(want), currentRules(cur), Options{AllowDelete: true})
		require.Empty(t, p.Problems)
		changed := 0
		for name := range want {
			if want[name] != cur[name] {
				changed++
			}
		}
		require.Equal(t, changed+cycles(cur, want), len(p.Writes), "trial %d: cur=%v want=%v", trial, cur, want)
		for k := 0; k < 3; k++ {
			s := newRuleSim(currentRules(cur).Rules)
			runInRandomOrder(t, rng, p, s)
			for _, r := range s.byID {
				require.Equal(t, want[r.Name], r.Order, "trial %d rule %s", trial, r.Name)
			}
		}
	}
}

func TestRuleReorderingWithCreatesDeletesAndUnorderedRules(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for trial := 0; trial < 300; trial++ {
		cur := map[string]int{}
		orders := rng.Perm(14)
		for i := 0; i < 8; i++ {
			cur[fmt.Sprintf("c%02d", i)] = orders[i] + 1
		}
		d := &model.Desired{RulesManaged: true}
		wantOrders := rng.Perm(14)
		wi := 0
		finalWant := map[string]*int{}
		for i := 0; i < 8; i++ {
			name := fmt.Sprintf("c%02d", i)
			switch rng.Intn(4) {
			case 0: // deleted: not in the repository
				continue
			case 1: // kept without an order
				d.Rules = append(d.Rules, model.Rule{Name: name, Script: "function(u,c,cb){cb(null,u,c)}", Enabled: true, Stage: "login_success"})
				finalWant[name] = nil
			default:
				o := wantOrders[wi] + 1
				wi++
				d.Rules = append(d.Rules, model.Rule{Name: name, Script: "function(u,c,cb){cb(null,u,c)}", Enabled: true, Order: &o, Stage: "login_success"})
				finalWant[name] = &o
			}
		}
		for i := 0; i < rng.Intn(4); i++ {
			name := fmt.Sprintf("n%02d", i)
			r := model.Rule{Name: name, Script: "function(u,c,cb){cb(null,u,c)}", Enabled: true, Stage: "login_success"}
			if rng.Intn(2) == 0 {
				o := wantOrders[wi] + 1
				wi++
				r.Order = &o
				finalWant[name] = &o
			} else {
				finalWant[name] = nil
			}
			d.Rules = append(d.Rules, r)
		}
		p := Build(d, currentRules(cur), Options{AllowDelete: true})
		require.Empty(t, p.Problems, "trial %d", trial)
		s := newRuleSim(currentRules(cur).Rules)
		runInRandomOrder(t, rng, p, s)
		require.Len(t, s.byID, len(finalWant), "trial %d", trial)
		seen := map[int]string{}
		for _, r := range s.byID {
			w, ok := finalWant[r.Name]
			require.True(t, ok, "trial %d: unexpected rule %s", trial, r.Name)
			if w != nil {
				require.Equal(t, *w, r.Order, "trial %d rule %s", trial, r.Name)
			}
			require.Empty(t, seen[r.Order], "trial %d: order %d twice", trial, r.Order)
			seen[r.Order] = r.Name
		}
	}
}

func TestSwapNeedsOneTemporaryMove(t *testing.T) {
	p := Build(desiredRules(map[string]int{"a": 2, "b": 1}), currentRules(map[string]int{"a": 1, "b": 2}), Options{AllowDelete: true})
	require.Len(t, p.Writes, 3)
	require.Equal(t, WriteRuleMove, p.Writes[0].Kind)
}

func TestManualRuleHoldingWantedOrderIsAnError(t *testing.T) {
	c := currentRules(map[string]int{"a": 1, "auth0-authorization-extension": 2})
	p := Build(desiredRules(map[string]int{"a": 2}), c, Options{AllowDelete: true, ManualRules: []string{"auth0-authorization-extension"}})
	require.Len(t, p.Problems, 1)
	require.Equal(t, `rules/a.json: error: order 2 is held by manual rule "auth0-authorization-extension", which this pipe never changes: choose another order, or give "auth0-authorization-extension" a metadata-only rules/auth0-authorization-extension.json that moves it`, p.Problems[0].String())
}

// A rule kept because ALLOW_DELETE=false is not managed: it is never
// written, not even moved out of the way, so a repository rule that wants
// its order is an error, as with a manual rule.
func TestKeptRuleHoldingWantedOrderIsAnError(t *testing.T) {
	c := currentRules(map[string]int{"mine": 1, "handmade": 99})
	p := Build(desiredRules(map[string]int{"mine": 99}), c, Options{AllowDelete: false})
	require.Len(t, p.Problems, 1)
	require.Equal(t, `rules/mine.json: error: order 99 is held by rule "handmade", which is not in the repository and is kept because ALLOW_DELETE=false, so this pipe never changes it: choose another order, add rules/handmade.js to manage it, or let ALLOW_DELETE=true delete it`, p.Problems[0].String())
	require.Empty(t, p.Writes)

	// Another order: the kept rule stays where it is, unwritten.
	p = Build(desiredRules(map[string]int{"mine": 98}), c, Options{AllowDelete: false})
	require.Empty(t, p.Problems)
	for _, w := range p.Writes {
		require.NotEqual(t, "handmade", w.RuleName, w.Desc)
	}
	// Its order still bounds the temporary orders of a swap.
	p = Build(desiredRules(map[string]int{"a": 2, "b": 1}), currentRules(map[string]int{"a": 1, "b": 2, "handmade": 3}), Options{AllowDelete: false})
	require.Empty(t, p.Problems)
	require.Equal(t, WriteRuleMove, p.Writes[0].Kind)
	require.Equal(t, 4, *p.Writes[0].RulePatch.Order, "the temporary order is above the kept rule's")
}

// A rule at the highest order Auth0 accepts: every order the plan
// allocates (temporary moves, a rule making way, creates Auth0 could not
// append) stays within 1..MaxRuleOrder, taking the lowest free ones, and
// the plan keeps its fewest writes.
func TestRuleOrdersStayWithinTheCap(t *testing.T) {
	top := func(d *model.Desired, c *model.Current) {
		o := MaxRuleOrder
		d.Rules = append(d.Rules, model.Rule{Name: "top", Script: "function(u,c,cb){cb(null,u,c)}", Enabled: true, Order: &o, Stage: "login_success"})
		c.Rules = append(c.Rules, model.CurrentRule{ID: "rul_top", Name: "top", Order: o, Enabled: true, Script: "function(u,c,cb){cb(null,u,c)}", Stage: "login_success"})
	}
	// A swap: one temporary move, at the lowest free order.
	d, c := desiredRules(map[string]int{"a": 2, "b": 1}), currentRules(map[string]int{"a": 1, "b": 2})
	top(d, c)
	p := Build(d, c, Options{AllowDelete: true})
	require.Empty(t, p.Problems)
	require.Len(t, p.Writes, 3)
	require.Equal(t, WriteRuleMove, p.Writes[0].Kind)
	require.Equal(t, 3, *p.Writes[0].RulePatch.Order, "1 and 2 are held; 2147483648 is beyond the cap")
	s := newRuleSim(c.Rules)
	runInRandomOrder(t, rand.New(rand.NewSource(1)), p, s)

	// The property tests' cases, with a rule at the cap: no write fails.
	rng := rand.New(rand.NewSource(11))
	for trial := 0; trial < 300; trial++ {
		n := 1 + rng.Intn(10)
		cur, want := map[string]int{}, map[string]int{}
		curOrders, wantOrders := rng.Perm(n + 3)[:n], rng.Perm(n + 3)[:n]
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("r%02d", i)
			cur[name], want[name] = curOrders[i]+1, wantOrders[i]+1
		}
		d, c := desiredRules(want), currentRules(cur)
		// Half the time, a rule without an order that another rule's
		// order displaces, and a create without an order.
		if rng.Intn(2) == 0 {
			held := map[int]bool{}
			for _, o := range cur {
				held[o] = true
			}
			loose := n + 10 // a free order no rule wants, unless one is wanted
			for _, o := range wantOrders {
				if !held[o+1] {
					loose = o + 1
					break
				}
			}
			c.Rules = append(c.Rules, model.CurrentRule{ID: "rul_loose", Name: "loose", Order: loose, Enabled: true, Script: "x", Stage: "login_success"})
			d.Rules = append(d.Rules, model.Rule{Name: "loose", Script: "x", Enabled: true, Stage: "login_success"},
				model.Rule{Name: "new", Script: "y", Enabled: true, Stage: "login_success"})
		}
		top(d, c)
		p := Build(d, c, Options{AllowDelete: true})
		require.Empty(t, p.Problems, "trial %d", trial)
		changed := 0
		for name := range want {
			if want[name] != cur[name] {
				changed++
			}
		}
		if len(d.Rules) == n+1 {
			require.Equal(t, changed+cycles(cur, want), len(p.Writes), "trial %d: cur=%v want=%v", trial, cur, want)
		}
		for _, w := range p.Writes {
			if w.RulePatch != nil && w.RulePatch.Order != nil {
				require.LessOrEqual(t, *w.RulePatch.Order, n+13, "trial %d: %s", trial, w.Desc)
			}
		}
		s := newRuleSim(c.Rules)
		runInRandomOrder(t, rng, p, s)
		seen := map[int]string{}
		for _, r := range s.byID {
			if o, ok := want[r.Name]; ok {
				require.Equal(t, o, r.Order, "trial %d rule %s", trial, r.Name)
			}
			require.Empty(t, seen[r.Order], "trial %d: order %d twice", trial, r.Order)
			seen[r.Order] = r.Name
		}
	}
}
