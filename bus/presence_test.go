package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
)

// TestPresenceFollowsConnections: users connected before Presence starts
// come from the servers' lists, later ones from the connect events; a user
// is online while any of their connections is open; another account's
// users are not counted; a resync changes nothing that is true.
func TestPresenceFollowsConnections(t *testing.T) {
	t.Parallel()
	e := bustest.ServerWith(t, bus.EmbeddedConfig{Configure: func(o *server.Options) error {
		o.Users = append(o.Users, &server.User{Username: "ana", Password: "pw"}, &server.User{Username: "bob", Password: "pw"})
		return nil
	}})
	connect := func(user string) *nats.Conn {
		nc, err := nats.Connect(e.Server.ClientURL(), nats.UserInfo(user, "pw"), nats.NoReconnect())
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		return nc
	}
	ana1 := connect("ana")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sys, err := bus.ConnectSystem(ctx, bus.ConnConfig{Name: "presence", Embedded: e}, bustest.Logger(t))
	require.NoError(t, err)
	defer sys.Close()
	p := bus.NewPresence(sys, server.DEFAULT_GLOBAL_ACCOUNT, bustest.Logger(t))
	require.NoError(t, p.Start(ctx))
	defer p.Stop()
	assert.True(t, p.Online("ana"), "connected before: from the list")
	assert.False(t, p.Online("bob"))

	bob := connect("bob")
	ana2 := connect("ana")
	require.Eventually(t, func() bool { return p.Online("bob") }, 10*time.Second, 10*time.Millisecond, "from the connect event")
	ana1.Close()
	require.Eventually(t, func() bool { return p.Count() == 2 }, 10*time.Second, 10*time.Millisecond)
	assert.True(t, p.Online("ana"), "ana has another connection")
	bob.Close()
	require.Eventually(t, func() bool { return !p.Online("bob") }, 10*time.Second, 10*time.Millisecond, "from the disconnect event")

	p.Sync(ctx)
	assert.True(t, p.Online("ana"))
	assert.False(t, p.Online("bob"))
	ana2.Close()
	require.Eventually(t, func() bool { return !p.Online("ana") }, 10*time.Second, 10*time.Millisecond)
}

// TestDisconnectUsersInOneListing closes every connection of the users
// named, from one listing of the account, and nobody else's.
func TestDisconnectUsersInOneListing(t *testing.T) {
	t.Parallel()
	e := bustest.ServerWith(t, bus.EmbeddedConfig{Configure: func(o *server.Options) error {
		for _, u := range []string{"ana", "bob", "cat"} {
			o.Users = append(o.Users, &server.User{Username: u, Password: "pw"})
		}
		return nil
	}})
	connect := func(user string) *nats.Conn {
		nc, err := nats.Connect(e.Server.ClientURL(), nats.UserInfo(user, "pw"), nats.NoReconnect())
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		return nc
	}
	ana1, ana2, bob, cat := connect("ana"), connect("ana"), connect("bob"), connect("cat")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sys, err := bus.ConnectSystem(ctx, bus.ConnConfig{Name: "kick-many", Embedded: e}, bustest.Logger(t))
	require.NoError(t, err)
	defer sys.Close()
	n, err := bus.DisconnectUsers(ctx, sys, server.DEFAULT_GLOBAL_ACCOUNT, []string{"ana", "bob", "nobody", ""})
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	for _, nc := range []*nats.Conn{ana1, ana2, bob} {
		require.Eventually(t, nc.IsClosed, 30*time.Second, 10*time.Millisecond)
	}
	assert.True(t, cat.IsConnected(), "not named")
	n, err = bus.DisconnectUsers(ctx, sys, server.DEFAULT_GLOBAL_ACCOUNT, nil)
	require.NoError(t, err)
	assert.Zero(t, n)
}
