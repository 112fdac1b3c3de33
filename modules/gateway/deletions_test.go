package gateway

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	clientapi "github.com/athlos/athlos/modules/client/api"
)

// A front that starts after an account was deleted refuses its tokens as
// the fronts that saw the deletion do (the deny list lived in memory, and
// after a restart a deleted user's unexpired token worked again).
func TestAFrontStartingLaterDeniesRecentlyDeletedUsers(t *testing.T) {
	t.Parallel()
	srv := bustest.Server(t)
	c := bustest.Conn(t, srv)
	ctx := t.Context()
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, bus.Streams([]string{clientapi.Module}, 1)))
	v := NewJWKSVerifier(nil, nil)
	n, err := replayDeletions(ctx, c, v)
	require.NoError(t, err)
	assert.Zero(t, n, "no deletions yet")

	for _, id := range []string{"0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b10", "0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b11"} {
		data, err := json.Marshal(clientapi.UserDeleted{UserID: id})
		require.NoError(t, err)
		_, err = c.JS.Publish(ctx, clientapi.EventUserDeleted, data)
		require.NoError(t, err)
	}
	n, err = replayDeletions(ctx, c, v)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	v.mu.RLock()
	until, denied := v.denied["0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b11"]
	v.mu.RUnlock()
	assert.True(t, denied)
	assert.True(t, until.After(time.Now().Add(deniedFor/2)))
}
