package tenant_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/tenant"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
)

// Two deployments of one action overlap: the first run's version is
// superseded by the second's before it goes live. The first run's wait
// ends at once with a KindChanged error, instead of polling until the
// build timeout (or the run deadline) for a version that will never be live.
func TestWaitActionDeployedSupersededByAnotherDeploy(t *testing.T) {
	ctx := context.Background()
	e := startSim(t, auth0sim.Options{DeployDelay: 3 * time.Second})
	first := e.client(t)
	other := e.client(t)
	id := deployAction(t, ctx, first, postLoginAction("overlap", "exports.onExecutePostLogin = async () => { /* v1 */ };"))

	require.NoError(t, first.UpdateAction(ctx, id, postLoginAction("overlap", "exports.onExecutePostLogin = async () => { /* first run */ };")))
	require.NoError(t, first.WaitActionBuilt(ctx, id))
	mine, err := first.DeployAction(ctx, id)
	require.NoError(t, err)

	// The other run deploys its own draft, which goes live.
	require.NoError(t, other.UpdateAction(ctx, id, postLoginAction("overlap", "exports.onExecutePostLogin = async () => { /* other run */ };")))
	require.NoError(t, other.WaitActionBuilt(ctx, id))
	theirs, err := other.DeployAction(ctx, id)
	require.NoError(t, err)
	require.NoError(t, other.WaitActionDeployed(ctx, id, theirs))

	start := e.clk.Now()
	err = first.WaitActionDeployed(ctx, id, mine)
	require.Error(t, err)
	e2, ok := tenant.AsError(err)
	require.True(t, ok)
	assert.Equal(t, tenant.KindChanged, e2.Kind)
	assert.Equal(t, `deploy action "overlap" (`+id+`): version 3 went live instead of this run's version 2`, err.Error())
	assert.Contains(t, tenant.Hint(err), "another deployment")
	assert.LessOrEqual(t, e.clk.Now().Sub(start), 2*time.Second, "the wait ends at the first look, not at the build timeout")
}

// While the previous version is still live, a newer version of ours is
// simply waited for.
func TestWaitActionDeployedWaitsWhileThePreviousVersionIsLive(t *testing.T) {
	ctx := context.Background()
	e := startSim(t, auth0sim.Options{DeployDelay: 3 * time.Second})
	c := e.client(t)
	id := deployAction(t, ctx, c, postLoginAction("slow-live", "exports.onExecutePostLogin = async () => { /* v1 */ };"))
	require.NoError(t, c.UpdateAction(ctx, id, postLoginAction("slow-live", "exports.onExecutePostLogin = async () => { /* v2 */ };")))
	require.NoError(t, c.WaitActionBuilt(ctx, id))
	v, err := c.DeployAction(ctx, id)
	require.NoError(t, err)
	require.NoError(t, c.WaitActionDeployed(ctx, id, v))
}
