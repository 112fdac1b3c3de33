package bus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
)

// TestAthlosUsersStayOffTheWebSocketListener: the WebSocket listener faces
// the internet; the service and system users' password opens nothing there.
func TestAthlosUsersStayOffTheWebSocketListener(t *testing.T) {
	t.Parallel()
	e := bustest.ServerWith(t, bus.EmbeddedConfig{WebSocketListen: "127.0.0.1:0"})
	ws := bustest.WebSocketURL(t, e)
	for _, user := range []string{bus.ServiceUser, bus.SystemUser} {
		// Refused: "Authorization Violation", or the socket already
		// closed when the client writes its first PING.
		_, err := nats.Connect(ws, nats.UserInfo(user, e.Password))
		assert.Error(t, err, user)
		nc, err := nats.Connect(e.Server.ClientURL(), nats.UserInfo(user, e.Password))
		require.NoError(t, err, user+" over TCP")
		nc.Close()
	}
}

// TestDisconnectUserAcrossACluster closes a user's connections on every
// node through the system account, and nobody else's.
func TestDisconnectUserAcrossACluster(t *testing.T) {
	t.Parallel()
	ports := []int{freeTCPPort(t), freeTCPPort(t), freeTCPPort(t)}
	var routes []string
	for _, p := range ports {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	withUsers := func(o *server.Options) error {
		o.Users = append(o.Users, &server.User{Username: "ana", Password: "pw"}, &server.User{Username: "bob", Password: "pw"})
		return nil
	}
	nodes := make([]*bus.Embedded, len(ports))
	errs := make(chan error, len(ports))
	for i := range nodes {
		go func() {
			var err error
			nodes[i], err = bus.StartEmbedded(bus.EmbeddedConfig{
				DataDir: t.TempDir(), ServerName: fmt.Sprintf("k%d", i+1), Listen: "127.0.0.1:0",
				ClusterName: "athlos-kick", ClusterListen: fmt.Sprintf("127.0.0.1:%d", ports[i]), Routes: routes,
				Password: "same-service-password", Configure: withUsers,
			}, bustest.Logger(t))
			errs <- err
		}()
	}
	for range nodes {
		require.NoError(t, <-errs)
	}
	for _, n := range nodes {
		t.Cleanup(n.Shutdown)
	}
	connect := func(n *bus.Embedded, user string) *nats.Conn {
		nc, err := nats.Connect(n.Server.ClientURL(), nats.UserInfo(user, "pw"), nats.NoReconnect())
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		return nc
	}
	ana1, ana3, bob1 := connect(nodes[0], "ana"), connect(nodes[2], "ana"), connect(nodes[0], "bob")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sys, err := bus.ConnectSystem(ctx, bus.ConnConfig{Name: "kick", Embedded: nodes[1]}, bustest.Logger(t))
	require.NoError(t, err)
	defer sys.Close()
	// The routes may still be forming: wait until every node answers.
	require.Eventually(t, func() bool {
		n, err := bus.DisconnectUser(ctx, sys, "nobody")
		return err == nil && n == 0 && len(nodes[1].Server.ActivePeers()) >= 2
	}, 20*time.Second, 100*time.Millisecond)

	// A server that answers after the collection window (a loaded machine)
	// is reached by a second call.
	total := 0
	require.Eventually(t, func() bool {
		n, err := bus.DisconnectUser(ctx, sys, "ana")
		require.NoError(t, err)
		total += n
		return ana1.IsClosed() && ana3.IsClosed()
	}, 20*time.Second, 50*time.Millisecond)
	assert.GreaterOrEqual(t, total, 2)
	assert.True(t, bob1.IsConnected())

	// Without the system account there is no one to ask.
	svc := bustest.Conn(t, nodes[0])
	_, err = bus.DisconnectUser(ctx, svc.NC, "bob")
	require.Error(t, err)
	assert.True(t, bob1.IsConnected())
}
