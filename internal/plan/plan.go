// Package plan compares the desired state (the repository) with the current
// state (the tenant) and decides, for every item, whether to create, update,
// delete, leave unchanged or skip it, and which writes carry each decision in
// which order. It is pure: no I/O, deterministic output, golden-file tested.
package plan

import (
	"fmt"
	"sort"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// Op is the decision for one item.
type Op string

const (
	OpCreate    Op = "create"
	OpUpdate    Op = "update"
	OpDelete    Op = "delete"
	OpUnchanged Op = "unchanged"
	OpSkip      Op = "skip"
)

// Options are the settings that shape a plan.
type Options struct {
	ManualRules   []string
	ManualActions []string
	AllowDelete   bool
	// RedeployActions (REDEPLOY_ACTIONS) names actions to update, with
	// their secret values, and deploy even when nothing comparable changed;
	// "*" means every managed action.
	RedeployActions []string
}

// Item is one managed item and the decision about it.
type Item struct {
	Kind   model.Kind
	Name   string
	Op     Op
	Reason string
	Source model.Source
	// Blind marks a write made because the value cannot be compared
	// (rules configs): it is applied but is not a pending change.
	Blind bool
	// Writes carry the decision, in execution order.
	Writes []*Write
}

// Changes reports whether the item is a pending change.
func (it *Item) Changes() bool {
	return !it.Blind && (it.Op == OpCreate || it.Op == OpUpdate || it.Op == OpDelete)
}

// WriteKind names a Management API write.
type WriteKind string

const (
	WriteRuleCreate        WriteKind = "rule-create"
	WriteRuleUpdate        WriteKind = "rule-update"
	WriteRuleMove          WriteKind = "rule-move" // temporary order, to free a slot
	WriteRuleDelete        WriteKind = "rule-delete"
	WriteRulesConfigSet    WriteKind = "rules-config-set"
	WriteRulesConfigDelete WriteKind = "rules-config-delete"
	WriteConnection        WriteKind = "connection-update"
	WriteLoginPage         WriteKind = "login-page"
	WriteTenantPages       WriteKind = "tenant-pages"
	WriteActionApply       WriteKind = "action-apply" // create/update, wait built, deploy, wait live
	WriteBindings          WriteKind = "bindings"
	WriteActionDelete      WriteKind = "action-delete"
)

// Write is one write (or, for actions, one create/update-build-deploy
// sequence) with the writes it must follow.
type Write struct {
	ID    int
	Kind  WriteKind
	Items []*Item
	// Desc says what the write does, for logs: "update rule set-country (order 3→4)".
	Desc string
	// After lists the IDs of writes that must succeed first.
	After []int
	// Delete writes run last, and only when every other write succeeded.
	Delete bool

	RuleID     string
	RuleName   string
	RuleCreate *model.RuleCreate
	RulePatch  *model.RulePatch

	ConfigKey   string
	ConfigValue string

	ConnectionID string
	Options      map[string]any

	ClientID  string
	LoginHTML string
	LoginOn   bool

	TenantPages *model.TenantPagesPatch

	// ActionName names the action; ActionID is empty for an action this
	// plan creates (the executor learns it from the create).
	ActionName string
	ActionID   string
	Action     *model.ActionWrite // nil: deploy only (the draft is already right)
	Deploy     bool

	Trigger  string
	Bindings []model.BindingWrite // ActionID empty for created actions
}

// Plan is the outcome of comparing desired and current state.
type Plan struct {
	Items  []*Item
	Writes []*Write
	// Problems are found against the tenant (a database folder naming no
	// database connection, a changed stage, ...). Any error means nothing
	// may be written; warnings (a MANUAL_RULES name that matches nothing)
	// never stop anything.
	Problems model.Problems
	// Notes explain decisions a reader needs (rules not managed, Rules end of life).
	Notes []string
}

// Pending counts the items that would change the tenant.
func (p *Plan) Pending() int {
	n := 0
	for _, it := range p.Items {
		if it.Changes() {
			n++
		}
	}
	return n
}

// builder accumulates a plan.
type builder struct {
	d    *model.Desired
	c    *model.Current
	opts Options
	p    *Plan

	manualRules   map[string]bool
	manualActions map[string]bool
	// nextTemp is the highest login_success order in use, wanted or
	// allocated; allocated orders go above it while there is room (see
	// allocOrder). usedOrders holds them all.
	nextTemp   int
	usedOrders map[int]bool
}

// Build plans the deployment of d onto c.
func Build(d *model.Desired, c *model.Current, opts Options) *Plan {
	b := &builder{d: d, c: c, opts: opts, p: &Plan{}, manualRules: set(opts.ManualRules), manualActions: set(opts.ManualActions)}
	b.rules()
	b.rulesConfigs()
	b.databases()
	b.pages()
	b.actions()
	b.manualTypos()
	b.migrationOrder()
	b.p.Problems.Sort()
	sortItems(b.p.Items)
	return b.p
}

// migrationOrder: a rule disabled in the same deployment that creates or
// changes the action of the same name (a rule migrated to an action) is
// disabled only after that action is deployed and bound, so that a failed
// build never leaves neither running. (Deletions already run last, after
// every other write succeeded.)
func (b *builder) migrationOrder() {
	apply := map[string]*Write{}
	bindings := map[string]*Write{}
	for _, w := range b.p.Writes {
		switch w.Kind {
		case WriteActionApply:
			apply[w.ActionName] = w
		case WriteBindings:
			for _, bw := range w.Bindings {
				bindings[bw.ActionName] = w
			}
		}
	}
	for _, w := range b.p.Writes {
		if w.Kind != WriteRuleUpdate || w.RulePatch == nil || w.RulePatch.Enabled == nil || *w.RulePatch.Enabled {
			continue
		}
		if a := apply[w.RuleName]; a != nil {
			w.After = dedupeInts(append(w.After, a.ID))
		}
		if bw := bindings[w.RuleName]; bw != nil {
			w.After = dedupeInts(append(w.After, bw.ID))
		}
	}
}

func (b *builder) item(kind model.Kind, name string, op Op, src model.Source, reason string, args ...any) *Item {
	if len(args) > 0 {
		reason = fmt.Sprintf(reason, args...)
	}
	it := &Item{Kind: kind, Name: name, Op: op, Source: src, Reason: reason}
	b.p.Items = append(b.p.Items, it)
	return it
}

func (b *builder) write(w *Write, items ...*Item) *Write {
	w.ID = len(b.p.Writes) + 1
	w.Items = items
	for _, it := range items {
		it.Writes = append(it.Writes, w)
	}
	b.p.Writes = append(b.p.Writes, w)
	return w
}

func (b *builder) errorf(src model.Source, format string, args ...any) {
	b.p.Problems.Errorf(src.Path, src.Line, 0, format, args...)
}

var kindRank = map[model.Kind]int{}

func init() {
	for i, k := range model.Kinds {
		kindRank[k] = i
	}
}

func sortItems(items []*Item) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.Kind != b.Kind {
			return kindRank[a.Kind] < kindRank[b.Kind]
		}
		return a.Name < b.Name
	})
}

func set(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}

func joinChanges(parts []string) string { return strings.Join(parts, "; ") }

func ptr[T any](v T) *T { return &v }
