package tenant

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// CreateAction creates an action (not deployed) and returns its id. When
// the answer is lost, the action is looked up by name before creating again.
func (c *Client) CreateAction(ctx context.Context, a model.ActionWrite) (string, error) {
	var out wireAction
	req := request{
		op:     fmt.Sprintf("create action %q", a.Name),
		method: http.MethodPost, path: []string{"actions", "actions"},
		body: actionWrite(a),
		out:  &out,
	}
	err := c.createChecked(ctx, req, func(ctx context.Context) (bool, error) {
		found, err := listAll(ctx, c, listing{
			op: fmt.Sprintf("look up action %q", a.Name), what: "actions named " + a.Name,
			path: []string{"actions", "actions"}, query: url.Values{"actionName": {a.Name}}, key: "actions", family: actionsFamily,
		}, func(a wireAction) string { return a.ID })
		if err != nil {
			return false, err
		}
		for _, x := range found {
			if x.Name == a.Name && x.Code == a.Code {
				out = x
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", c.errorf(&Error{Op: req.op, Kind: KindDecode, Message: "the answer carries no action id"})
	}
	return out.ID, nil
}

// UpdateAction replaces action id's draft (code, runtime, dependencies,
// secrets, trigger); the action then builds again.
func (c *Client) UpdateAction(ctx context.Context, id string, a model.ActionWrite) error {
	return c.do(ctx, request{
		op:     fmt.Sprintf("update action %q (%s)", a.Name, id),
		method: http.MethodPatch, path: []string{"actions", "actions", id},
		body: actionWrite(a),
	})
}

// WaitActionBuilt polls action id until its draft is built. A failed build
// is an error naming the action with the build's message; so is a build
// that takes longer than Options.BuildTimeout.
func (c *Client) WaitActionBuilt(ctx context.Context, id string) error {
	op := "wait for action " + id + " to build"
	limit := c.now().Add(c.buildTimeout)
	for {
		// Builds take a second or more: wait before each look, so that
		// polls do not spend the tenant's rate limit for nothing.
		if err := c.pollPause(ctx, op, limit); err != nil {
			return err
		}
		a, err := c.readAction(ctx, id)
		if err != nil {
			return err
		}
		switch a.Status {
		case "built":
			return nil
		case "failed":
			msg := a.buildError()
			if msg == "" {
				// The Management API shows build errors on versions, not on
				// the draft.
				msg = "the Management API gives no reason for a draft; open the action in the Auth0 dashboard (Actions > Library) to see the build log"
			}
			return c.errorf(&Error{Op: fmt.Sprintf("build action %q (%s)", a.Name, id), Kind: KindBuild, Message: "build failed: " + msg, live: a.live()})
		}
		if !c.now().Before(limit) {
			return c.errorf(&Error{Op: fmt.Sprintf("build action %q (%s)", a.Name, id), Kind: KindBuild,
				Message: fmt.Sprintf("not built after %s (status %q)", c.buildTimeout, a.Status), live: a.live()})
		}
	}
}

// DeployAction deploys action id's built draft and returns the new
// version's id. Sending it twice only adds a version, so it is retried
// like an idempotent request.
func (c *Client) DeployAction(ctx context.Context, id string) (string, error) {
	var v wireActionVersion
	op := "deploy action " + id
	if err := c.do(ctx, request{op: op, method: http.MethodPost, path: []string{"actions", "actions", id, "deploy"}, out: &v, retrySafe: true}); err != nil {
		return "", err
	}
	if v.ID == "" {
		return "", c.errorf(&Error{Op: op, Kind: KindDecode, Message: "the answer carries no version id"})
	}
	return v.ID, nil
}

// WaitActionDeployed polls action id until versionID is its deployed
// version, bounded by Options.BuildTimeout. A newer version going live
// instead (another deployment, or a hand, deployed the action meanwhile)
// ends the wait at once with a KindChanged error: that version is never
// going to be ours.
func (c *Client) WaitActionDeployed(ctx context.Context, id, versionID string) error {
	op := fmt.Sprintf("wait for version %s of action %s to deploy", versionID, id)
	limit := c.now().Add(c.buildTimeout)
	ours := 0 // versionID's number, read when another version is seen live
	for {
		if err := c.pollPause(ctx, op, limit); err != nil {
			return err
		}
		a, err := c.readAction(ctx, id)
		if err != nil {
			return err
		}
		if dv := a.DeployedVersion; dv != nil && dv.ID != versionID && dv.Number > 0 {
			if ours == 0 {
				var v wireActionVersion
				if err := c.do(ctx, request{op: "read version " + versionID + " of action " + id, method: http.MethodGet,
					path: []string{"actions", "actions", id, "versions", versionID}, out: &v}); err != nil {
					return err
				}
				ours = v.Number
			}
			if ours > 0 && dv.Number > ours {
				return c.errorf(&Error{Op: fmt.Sprintf("deploy action %q (%s)", a.Name, id), Kind: KindChanged,
					Message: fmt.Sprintf("version %d went live instead of this run's version %d", dv.Number, ours)})
			}
		}
		if dv := a.DeployedVersion; dv != nil && dv.ID == versionID {
			if dv.Deployed {
				return nil
			}
			if dv.Status == "failed" {
				msg := "Auth0 gave no reason"
				for _, e := range dv.Errors {
					if e.Msg != "" {
						msg = e.Msg
						break
					}
				}
				return c.errorf(&Error{Op: fmt.Sprintf("deploy action %q (%s)", a.Name, id), Kind: KindBuild, Message: "deployment failed: " + msg})
			}
		}
		if !c.now().Before(limit) {
			return c.errorf(&Error{Op: fmt.Sprintf("deploy action %q (%s)", a.Name, id), Kind: KindBuild,
				Message: fmt.Sprintf("version %s not deployed after %s", versionID, c.buildTimeout)})
		}
	}
}

// pollPause waits one poll interval, cut short at limit, within the run
// deadline.
func (c *Client) pollPause(ctx context.Context, op string, limit time.Time) error {
	d := c.pollInterval
	if left := limit.Sub(c.now()); left < d {
		d = max(left, 0)
	}
	if d == 0 {
		return nil
	}
	if !c.transport.fits(d) {
		return c.errorf(&Error{Op: op, Kind: KindDeadline, Message: c.deadlineReached()})
	}
	if err := c.sleep(ctx, d); err != nil {
		return c.ctxError(ctx, op)
	}
	return nil
}

func (c *Client) readAction(ctx context.Context, id string) (wireAction, error) {
	var a wireAction
	err := c.do(ctx, request{op: "read action " + id, method: http.MethodGet, path: []string{"actions", "actions", id}, out: &a})
	return a, err
}

// UpdateBindings replaces trigger's bindings with b, in order, referring to
// actions by id. An empty b clears the trigger.
func (c *Client) UpdateBindings(ctx context.Context, trigger string, b []model.BindingWrite) error {
	return c.do(ctx, request{
		op:     fmt.Sprintf("update %s bindings", trigger),
		method: http.MethodPatch, path: []string{"actions", "triggers", trigger, "bindings"},
		body: bindingsPatch(b),
	})
}

// DeleteAction deletes action id, detaching its bindings (force=true); an
// action that is already gone is not an error.
func (c *Client) DeleteAction(ctx context.Context, id string) error {
	return ignoreNotFound(c.do(ctx, request{
		op:     "delete action " + id,
		method: http.MethodDelete, path: []string{"actions", "actions", id},
		query: url.Values{"force": {"true"}},
	}))
}
