package callout

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
)

// Connections the counter believes in but the servers do not have (a
// disconnect event it missed) never shut a user out: at the limit it asks
// the servers; pending admissions expire.
func TestConnectionCountRecovers(t *testing.T) {
	t.Parallel()
	e := bustest.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sys, err := bus.ConnectSystem(ctx, bus.ConnConfig{Name: "system", Embedded: e}, bustest.Logger(t))
	require.NoError(t, err)
	t.Cleanup(sys.Close)
	c := newConns(sys, 2)
	now := time.Now()
	c.add("ana", connKey{"gone", 1}, time.Time{})
	c.add("ana", connKey{"gone", 2}, time.Time{})
	assert.Equal(t, 2, c.count("ana", now))
	ok, err := c.admit(ctx, "ana", connKey{"s", 3}, now)
	require.NoError(t, err)
	assert.True(t, ok, "the servers have none of the two")
	assert.Equal(t, 1, c.count("ana", now))

	ok, err = c.admit(ctx, "ana", connKey{"s", 4}, now)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = c.admit(ctx, "ana", connKey{"s", 5}, now)
	require.NoError(t, err)
	assert.False(t, ok, "two admitted a moment ago count")
	assert.Zero(t, c.count("ana", now.Add(pendingFor+time.Second)), "admissions never announced expire")
}
