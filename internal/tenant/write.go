package tenant

import (
	"context"
	"fmt"
	"net/http"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// maxCreateAttempts bounds how often a create is sent when its answer was
// lost and a look-up showed it was not applied.
const maxCreateAttempts = 3

// createChecked sends a non-idempotent create. When the answer is lost (a
// network error after the request was written, or a 5xx), the create may
// have been applied: lookup checks for it by name, and only if it is absent
// is the create sent again. This avoids both a duplicate and a spurious
// "already exists" failure.
func (c *Client) createChecked(ctx context.Context, r request, lookup func(ctx context.Context) (bool, error)) error {
	for attempt := 1; ; attempt++ {
		err := c.do(ctx, r)
		if err == nil {
			return nil
		}
		e, ok := AsError(err)
		if !ok || !(e.MaybeApplied || (e.Kind == KindAPI && e.Status >= 500)) {
			return err
		}
		e.MaybeApplied = true
		found, lerr := lookup(ctx)
		if lerr != nil {
			c.log.Debug().Str("op", r.op).Str("error", lerr.Error()).Msg("auth0 create: look-up after a lost answer failed")
			return err
		}
		if found {
			c.log.Debug().Str("op", r.op).Msg("auth0 create: the lost answer's create was applied")
			return nil
		}
		e.MaybeApplied = false // checked: not applied
		if attempt >= maxCreateAttempts {
			return err
		}
		wait := c.transport.backoff(attempt)
		c.usage.add(func(u *usage) { u.retries++; u.waited += wait })
		if werr := c.waitFor(ctx, r.op, wait); werr != nil {
			return werr
		}
	}
}

// CreateRule creates a rule and returns it as the tenant holds it.
func (c *Client) CreateRule(ctx context.Context, r model.RuleCreate) (model.CurrentRule, error) {
	var out wireRule
	req := request{
		op:     fmt.Sprintf("create rule %q", r.Name),
		method: http.MethodPost, path: []string{"rules"},
		body: wireRuleCreate{Name: r.Name, Script: r.Script, Order: r.Order, Enabled: r.Enabled},
		out:  &out,
	}
	err := c.createChecked(ctx, req, func(ctx context.Context) (bool, error) {
		rules, err := c.readRules(ctx)
		if err != nil {
			return false, err
		}
		for _, x := range rules {
			if x.Name == r.Name && x.Script == r.Script {
				out = x
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return model.CurrentRule{}, err
	}
	return out.model(), nil
}

// UpdateRule changes the non-nil fields of rule id.
func (c *Client) UpdateRule(ctx context.Context, id string, p model.RulePatch) error {
	return c.do(ctx, request{
		op:     "update rule " + id,
		method: http.MethodPatch, path: []string{"rules", id},
		body: wireRulePatch(p),
	})
}

// DeleteRule deletes rule id; a rule that is already gone is not an error.
func (c *Client) DeleteRule(ctx context.Context, id string) error {
	return ignoreNotFound(c.do(ctx, request{op: "delete rule " + id, method: http.MethodDelete, path: []string{"rules", id}}))
}

// SetRulesConfig sets rules-configs key to value (the value is never in
// errors or logs).
func (c *Client) SetRulesConfig(ctx context.Context, key, value string) error {
	return c.do(ctx, request{
		op:     fmt.Sprintf("set rules config %q", key),
		method: http.MethodPut, path: []string{"rules-configs", key},
		body: map[string]string{"value": value},
	})
}

// DeleteRulesConfig deletes rules-configs key; a missing key is not an error.
func (c *Client) DeleteRulesConfig(ctx context.Context, key string) error {
	return ignoreNotFound(c.do(ctx, request{op: fmt.Sprintf("delete rules config %q", key), method: http.MethodDelete, path: []string{"rules-configs", key}}))
}

// UpdateConnectionOptions replaces connection id's options with options,
// sent exactly as given (Auth0 replaces the whole object: the caller merged
// its changes into the options it read). Nothing else is sent: never
// enabled_clients, name or strategy.
func (c *Client) UpdateConnectionOptions(ctx context.Context, id string, options map[string]any) error {
	op := "update connection " + id
	if len(options) == 0 {
		return c.errorf(&Error{Op: op, Kind: KindInvalid, Message: "refusing to send empty options: Auth0 would replace every option of the connection"})
	}
	return c.do(ctx, request{
		op:     op,
		method: http.MethodPatch, path: []string{"connections", id},
		body: struct {
			Options map[string]any `json:"options"`
		}{options},
	})
}

// UpdateLoginPage sets the classic login page on the global client. The
// answer (the full client, secret included) is discarded unread.
func (c *Client) UpdateLoginPage(ctx context.Context, clientID, html string, enabled bool) error {
	return c.do(ctx, request{
		op:     "update the login page (global client " + clientID + ")",
		method: http.MethodPatch, path: []string{"clients", clientID},
		body: struct {
			HTML    string `json:"custom_login_page"`
			Enabled bool   `json:"custom_login_page_on"`
		}{html, enabled},
	})
}

// UpdateTenantPages sends one PATCH /tenants/settings with only the pages
// that are set.
func (c *Client) UpdateTenantPages(ctx context.Context, p model.TenantPagesPatch) error {
	const op = "update hosted pages in tenant settings"
	if p.ChangePassword == nil && p.GuardianMFAPage == nil && p.ErrorPage == nil {
		return nil
	}
	return c.do(ctx, request{op: op, method: http.MethodPatch, path: []string{"tenants", "settings"}, body: tenantPagesPatch(p)})
}

func ignoreNotFound(err error) error {
	if IsNotFound(err) {
		return nil
	}
	return err
}
