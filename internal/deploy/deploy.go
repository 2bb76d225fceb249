// Package deploy applies a plan to a tenant: the writes run in dependency
// order with bounded concurrency, deletions last and only when everything
// else succeeded; the first failure stops new writes. The outcome of every
// write is recorded so that the report says what did and did not happen.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/rs/zerolog"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/plan"
)

// Tenant is what the deploy stage needs from the tenant adapter.
type Tenant interface {
	CreateRule(ctx context.Context, r model.RuleCreate) (model.CurrentRule, error)
	UpdateRule(ctx context.Context, id string, p model.RulePatch) error
	DeleteRule(ctx context.Context, id string) error
	SetRulesConfig(ctx context.Context, key, value string) error
	DeleteRulesConfig(ctx context.Context, key string) error
	UpdateConnectionOptions(ctx context.Context, id string, options map[string]any) error
	UpdateLoginPage(ctx context.Context, clientID, html string, enabled bool) error
	UpdateTenantPages(ctx context.Context, p model.TenantPagesPatch) error
	CreateAction(ctx context.Context, a model.ActionWrite) (string, error)
	UpdateAction(ctx context.Context, id string, a model.ActionWrite) error
	WaitActionBuilt(ctx context.Context, id string) error
	DeployAction(ctx context.Context, id string) (string, error)
	WaitActionDeployed(ctx context.Context, id, versionID string) error
	UpdateBindings(ctx context.Context, trigger string, b []model.BindingWrite) error
	DeleteAction(ctx context.Context, id string) error
}

// Options tune Apply.
type Options struct {
	// Concurrency bounds the writes in flight (at least 1).
	Concurrency int
	Log         zerolog.Logger
	// OnDone, when set, is called after each write ends (err nil on
	// success), from one goroutine at a time, so that progress is logged
	// as it happens.
	OnDone func(w *plan.Write, err error)
}

// State of one write after Apply.
type State int

const (
	NotStarted State = iota
	Succeeded
	Failed
)

// Outcome of one write.
type Outcome struct {
	State State
	Err   error
}

// Result of Apply.
type Result struct {
	Outcomes map[int]*Outcome // by write ID
	// Err is the first failure (nil when every write succeeded).
	Err error
	// FailedWrite is the write that failed first.
	FailedWrite *plan.Write
}

// ItemOutcome summarises the writes of one item.
func (r *Result) ItemOutcome(it *plan.Item) (State, error, bool) {
	if len(it.Writes) == 0 {
		return Succeeded, nil, false
	}
	all := true
	for _, w := range it.Writes {
		o := r.Outcomes[w.ID]
		if o.State == Failed {
			return Failed, o.Err, true
		}
		if o.State != Succeeded {
			all = false
		}
	}
	if all {
		return Succeeded, nil, true
	}
	return NotStarted, nil, true
}

type completion struct {
	w   *plan.Write
	err error
}

// Apply runs the plan's writes.
func Apply(ctx context.Context, p *plan.Plan, t Tenant, opts Options) *Result {
	conc := opts.Concurrency
	if conc < 1 {
		conc = 1
	}
	res := &Result{Outcomes: map[int]*Outcome{}}
	for _, w := range p.Writes {
		res.Outcomes[w.ID] = &Outcome{}
	}
	ex := &executor{t: t, log: opts.Log, ids: map[string]string{}}
	done := make(chan completion)
	started := map[int]bool{}
	succeeded := map[int]bool{}
	nonDeletes := 0
	for _, w := range p.Writes {
		if !w.Delete {
			nonDeletes++
		}
	}
	nonDeletesDone := 0
	order := startOrder(p.Writes)
	inflight := 0
	stopped := false
	for {
		if !stopped && ctx.Err() != nil {
			stopped = true
			if res.Err == nil {
				res.Err = fmt.Errorf("stopped before every write was made: %w", ctx.Err())
			}
		}
		if !stopped {
			for _, w := range order {
				if inflight >= conc {
					break
				}
				if started[w.ID] || !ready(w, succeeded) {
					continue
				}
				if w.Delete && nonDeletesDone < nonDeletes {
					continue
				}
				started[w.ID] = true
				inflight++
				go func(w *plan.Write) {
					done <- completion{w: w, err: ex.run(ctx, w)}
				}(w)
			}
		}
		if inflight == 0 {
			break
		}
		c := <-done
		inflight--
		o := res.Outcomes[c.w.ID]
		if c.err != nil {
			o.State, o.Err = Failed, c.err
			if res.Err == nil {
				res.Err, res.FailedWrite = c.err, c.w
			}
			stopped = true
			if opts.OnDone != nil {
				opts.OnDone(c.w, c.err)
			}
			continue
		}
		o.State = Succeeded
		succeeded[c.w.ID] = true
		if !c.w.Delete {
			nonDeletesDone++
		}
		opts.Log.Debug().Msgf("done: %s", c.w.Desc)
		if opts.OnDone != nil {
			opts.OnDone(c.w, nil)
		}
	}
	return res
}

// startOrder is the order in which ready writes are started: action
// deployments first, then the plan's order. An action's write waits for its
// build and then its deployment (seconds each), and the trigger bindings
// wait for it; started first, those waits overlap the other writes instead
// of trailing after them at the end of the run.
func startOrder(writes []*plan.Write) []*plan.Write {
	out := make([]*plan.Write, 0, len(writes))
	for _, w := range writes {
		if w.Kind == plan.WriteActionApply {
			out = append(out, w)
		}
	}
	for _, w := range writes {
		if w.Kind != plan.WriteActionApply {
			out = append(out, w)
		}
	}
	return out
}

func ready(w *plan.Write, succeeded map[int]bool) bool {
	for _, a := range w.After {
		if !succeeded[a] {
			return false
		}
	}
	return true
}

// executor makes one write at a time; it remembers the ids of actions it creates.
type executor struct {
	t   Tenant
	log zerolog.Logger
	mu  sync.Mutex
	ids map[string]string // action name → id, for actions created in this run
}

func (e *executor) actionID(name, known string) string {
	if known != "" {
		return known
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ids[name]
}

func (e *executor) run(ctx context.Context, w *plan.Write) error {
	t := e.t
	switch w.Kind {
	case plan.WriteRuleCreate:
		_, err := t.CreateRule(ctx, *w.RuleCreate)
		return err
	case plan.WriteRuleUpdate, plan.WriteRuleMove:
		return t.UpdateRule(ctx, w.RuleID, *w.RulePatch)
	case plan.WriteRuleDelete:
		return t.DeleteRule(ctx, w.RuleID)
	case plan.WriteRulesConfigSet:
		return t.SetRulesConfig(ctx, w.ConfigKey, w.ConfigValue)
	case plan.WriteRulesConfigDelete:
		return t.DeleteRulesConfig(ctx, w.ConfigKey)
	case plan.WriteConnection:
		return t.UpdateConnectionOptions(ctx, w.ConnectionID, w.Options)
	case plan.WriteLoginPage:
		return t.UpdateLoginPage(ctx, w.ClientID, w.LoginHTML, w.LoginOn)
	case plan.WriteTenantPages:
		return t.UpdateTenantPages(ctx, *w.TenantPages)
	case plan.WriteActionApply:
		return e.applyAction(ctx, w)
	case plan.WriteBindings:
		bs := make([]model.BindingWrite, len(w.Bindings))
		for i, b := range w.Bindings {
			b.ActionID = e.actionID(b.ActionName, b.ActionID)
			if b.ActionID == "" {
				return fmt.Errorf("set %s bindings: the id of action %q is unknown", w.Trigger, b.ActionName)
			}
			bs[i] = b
		}
		return t.UpdateBindings(ctx, w.Trigger, bs)
	case plan.WriteActionDelete:
		return t.DeleteAction(ctx, w.ActionID)
	}
	return fmt.Errorf("unknown write kind %q", w.Kind)
}

// applyAction creates or updates an action, waits until it is built,
// deploys it and waits until the deployed version is live.
func (e *executor) applyAction(ctx context.Context, w *plan.Write) error {
	id := w.ActionID
	if w.Action != nil {
		if id == "" {
			created, err := e.t.CreateAction(ctx, *w.Action)
			if err != nil {
				return err
			}
			id = created
			e.mu.Lock()
			e.ids[w.ActionName] = id
			e.mu.Unlock()
		} else if err := e.t.UpdateAction(ctx, id, *w.Action); err != nil {
			return err
		}
	}
	if id == "" {
		return errors.New("action id unknown")
	}
	if !w.Deploy {
		return nil
	}
	if err := e.t.WaitActionBuilt(ctx, id); err != nil {
		return err
	}
	version, err := e.t.DeployAction(ctx, id)
	if err != nil {
		return err
	}
	return e.t.WaitActionDeployed(ctx, id, version)
}
