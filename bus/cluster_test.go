package bus_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
)

var (
	portsMu    sync.Mutex
	givenPorts = map[int]bool{}
)

// freeTCPPort returns a free loopback port that no earlier call in this
// test binary returned: the kernel may hand a port just closed to the next
// quick call again, and two nodes of a cluster on one port fail to start.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if !givenPorts[port] {
			givenPorts[port] = true
			return port
		}
	}
}

// threeNodes starts three embedded servers that form a cluster, as three
// `athlos serve` nodes would.
func threeNodes(t *testing.T) []*bus.Embedded {
	t.Helper()
	ports := []int{freeTCPPort(t), freeTCPPort(t), freeTCPPort(t)}
	var routes []string
	for _, p := range ports {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	nodes := make([]*bus.Embedded, 3)
	errs := make(chan error, 3)
	for i := range nodes {
		go func() {
			var err error
			nodes[i], err = bus.StartEmbedded(bus.EmbeddedConfig{
				DataDir:         t.TempDir(),
				ServerName:      fmt.Sprintf("n%d", i+1),
				Listen:          "127.0.0.1:0",
				WebSocketListen: "127.0.0.1:0",
				ClusterName:     "athlos-test",
				ClusterListen:   fmt.Sprintf("127.0.0.1:%d", ports[i]),
				Routes:          routes,
				Password:        "same-service-password",
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
	return nodes
}

// TestThreeEmbeddedNodesFormAJetStreamCluster starts three embedded
// servers that route to each other, as three `athlos serve` nodes would,
// and provisions R3 streams on them: a message published through one node
// is read through another, and survives the loss of a node.
func TestThreeEmbeddedNodesFormAJetStreamCluster(t *testing.T) {
	t.Parallel()
	nodes := threeNodes(t)

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	c1, c3 := bustest.Conn(t, nodes[0]), bustest.Conn(t, nodes[2])
	require.NoError(t, bus.EnsureStreams(ctx, c1.JS, bus.Streams([]string{"training"}, 3)))
	// Provisioning again from another node is a no-op.
	require.NoError(t, bus.EnsureStreams(ctx, c3.JS, bus.Streams([]string{"training"}, 3)))

	_, err := c1.JS.Publish(ctx, "evt.training.session.completed", []byte("hello"))
	require.NoError(t, err)

	// Each node knows the app WebSocket addresses of all three, its own
	// first (GET /v1/realtime hands them to the app for reconnects).
	for _, n := range nodes {
		require.Eventually(t, func() bool { return len(n.WebSocketNodes()) == 3 }, 10*time.Second, 20*time.Millisecond)
		got := n.WebSocketNodes()
		assert.Equal(t, n.WebSocketAddr(), got[0])
		assert.ElementsMatch(t, []string{nodes[0].WebSocketAddr(), nodes[1].WebSocketAddr(), nodes[2].WebSocketAddr()}, got)
	}
	s, err := c3.JS.Stream(ctx, bus.EventStream("training"))
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, info.Config.Replicas)
	require.NotNil(t, info.Cluster)
	assert.Len(t, info.Cluster.Replicas, 2, "a leader and two replicas")

	// The uploads store has three replicas as well: an import goes on
	// while a node is down.
	_, err = bus.EnsureUploads(ctx, c3.JS, 3, bus.DefaultUploadsMaxBytes)
	require.NoError(t, err)
	obj, err := c1.JS.Stream(ctx, "OBJ_"+bus.UploadsBucket)
	require.NoError(t, err)
	oinfo, err := obj.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, oinfo.Config.Replicas)
	assert.False(t, oinfo.Config.AllowDirect, "reads go to the leader, which has every acknowledged write")
	uploads := bus.NewUploadStore(c1.JS)
	require.NoError(t, uploads.Put(ctx, "before-loss", bytes.NewReader([]byte("fit"))))

	// A file stored through one node is there at once for a reader on
	// another (the front on one node, the importing module on another);
	// with direct gets, a replica behind the leader answered "no such
	// upload" to about one read in twelve (and the stream's config says
	// which way it reads, checked above).
	c2 := bustest.Conn(t, nodes[1])
	readers := []*bus.UploadStore{bus.NewUploadStore(c2.JS), bus.NewUploadStore(c3.JS)}
	for i := range 40 {
		name := fmt.Sprintf("read-at-once-%d", i)
		require.NoError(t, uploads.Put(ctx, name, bytes.NewReader([]byte(name))))
		got, err := readers[i%2].Get(ctx, name)
		require.NoError(t, err, "read %d", i)
		require.Equal(t, name, string(got))
	}
	// Provisioning again (every process does at start) keeps it so.
	_, err = bus.EnsureUploads(ctx, c1.JS, 3, bus.DefaultUploadsMaxBytes)
	require.NoError(t, err)
	oinfo, err = obj.Info(ctx)
	require.NoError(t, err)
	assert.False(t, oinfo.Config.AllowDirect)

	// Lose the node that is not leader of the stream and not ours: the
	// stream still takes writes (2 of 3).
	for i, n := range nodes {
		if i != 0 && n.Server.Name() != info.Cluster.Leader {
			n.Shutdown()
			break
		}
	}
	require.Eventually(t, func() bool {
		_, err := c1.JS.Publish(ctx, "evt.training.session.completed", []byte("after loss"), jetstream.WithRetryAttempts(1))
		return err == nil
	}, 30*time.Second, 200*time.Millisecond)
	// Uploads too (every stream and store follows the replicas).
	var putErr error
	if !assert.Eventually(t, func() bool {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		putErr = uploads.Put(pctx, "after-loss", bytes.NewReader([]byte("gpx")))
		return putErr == nil
	}, 60*time.Second, 200*time.Millisecond) {
		t.Fatalf("an upload after the loss of a node: %v", putErr)
	}
	// Read as the module does, trying again while the store's new leader
	// settles.
	var got []byte
	require.Eventually(t, func() bool {
		gctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		got, err = uploads.Get(gctx, "before-loss")
		return err == nil
	}, 45*time.Second, 100*time.Millisecond)
	assert.Equal(t, "fit", string(got))
}

// TestUploadsMadeFromThreeNodesAtOnce provisions the uploads store from
// the three nodes of a new cluster at the same moment, as three `athlos
// serve` nodes starting together do: each succeeds (one of them may be
// told for a moment that the stream another has just made does not
// exist) and the store ends with three replicas read from its leader.
func TestUploadsMadeFromThreeNodesAtOnce(t *testing.T) {
	t.Parallel()
	nodes := threeNodes(t)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	conns := make([]*bus.Conn, len(nodes))
	for i, n := range nodes {
		conns[i] = bustest.Conn(t, n)
	}
	errs := make(chan error, len(conns))
	for _, c := range conns {
		go func() {
			_, err := bus.EnsureUploads(ctx, c.JS, 3, bus.DefaultUploadsMaxBytes)
			errs <- err
		}()
	}
	for range conns {
		require.NoError(t, <-errs)
	}
	s, err := conns[1].JS.Stream(ctx, "OBJ_"+bus.UploadsBucket)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, info.Config.Replicas)
	assert.False(t, info.Config.AllowDirect)
}
