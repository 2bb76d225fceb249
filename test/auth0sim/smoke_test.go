package auth0sim

import (
	"context"
	"testing"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
	"github.com/stretchr/testify/require"
)

func TestSmokeRuleRoundTrip(t *testing.T) {
	sim := New(Options{})
	m := newManagement(t, sim.Start(t))
	ctx := context.Background()
	r := &management.Rule{Name: auth0.String("my-rule"), Script: auth0.String("function (u, c, cb) { cb(null, u, c); }")}
	require.NoError(t, m.Rule.Create(ctx, r))
	require.Equal(t, 1, r.GetOrder())
	require.True(t, r.GetEnabled())
	list, err := m.Rule.List(ctx)
	require.NoError(t, err)
	require.Len(t, list.Rules, 1)
	require.Equal(t, []string{"POST /oauth/token 200", "POST /api/v2/rules 201", "GET /api/v2/rules?include_totals=true&per_page=50 200"}, Lines(sim.Requests()))
}
