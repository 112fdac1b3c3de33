package bus_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/rofs"
)

// A port in use fails the start at once with the cause; it used to wait
// 30 s with the other listeners up and then say the server was not ready.
func TestEmbeddedFailsAtOnceWhenAPortIsTaken(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	for name, cfg := range map[string]bus.EmbeddedConfig{
		"client":    {Listen: taken.Addr().String()},
		"websocket": {Listen: "127.0.0.1:0", WebSocketListen: taken.Addr().String()},
		"cluster": {Listen: "127.0.0.1:0", ClusterName: "c", ClusterListen: taken.Addr().String(),
			Routes: []string{"nats://" + taken.Addr().String()}},
	} {
		cfg.DataDir = t.TempDir()
		e, err := bus.StartEmbedded(cfg, bustest.Logger(t))
		if e != nil {
			e.Shutdown()
		}
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "address already in use", name)
		assert.NotContains(t, err.Error(), "did not become ready", name)
	}
}

// A read-only data dir, fresh or used before, fails the start at once
// naming the directory and the cause, rather than JetStream's "storage
// directory is not writable" or a stream that cannot be created later.
func TestEmbeddedFailsAtOnceOnAReadOnlyDataDir(t *testing.T) {
	t.Parallel()
	used := t.TempDir()
	e, err := bus.StartEmbedded(bus.EmbeddedConfig{DataDir: used, Listen: "127.0.0.1:0"}, bustest.Logger(t))
	require.NoError(t, err)
	e.Shutdown()
	for name, dir := range map[string]string{"fresh": t.TempDir(), "used": used} {
		rofs.Make(t, dir)
		e, err := bus.StartEmbedded(bus.EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0"}, bustest.Logger(t))
		if e != nil {
			e.Shutdown()
		}
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "not writable: "+dir, name)
		assert.Regexp(t, "read-only file system|permission denied", err.Error(), name)
	}
}
