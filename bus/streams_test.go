package bus_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnsureStreamsConcurrentlyFromSeveralConnections(t *testing.T) {
	t.Parallel()
	srv := bustest.Server(t)
	modules := []string{"client", "training", "social", "gamification", "promo"}
	streams := bus.Streams(modules, 1)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		c := bustest.Conn(t, srv)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = bus.EnsureStreams(ctx, c.JS, streams)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	// And again: idempotent.
	c := bustest.Conn(t, srv)
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, streams))

	names := c.JS.StreamNames(ctx)
	var got []string
	for n := range names.Name() {
		got = append(got, n)
	}
	require.NoError(t, names.Err())
	assert.ElementsMatch(t, []string{"EVT_CLIENT", "EVT_TRAINING", "EVT_SOCIAL", "EVT_GAMIFICATION", "EVT_PROMO",
		"TELEMETRY", "CHAT", "NOTIFY"}, got)

	s, err := c.JS.Stream(ctx, "EVT_TRAINING")
	require.NoError(t, err)
	assert.Equal(t, []string{"evt.training.>"}, s.CachedInfo().Config.Subjects)
	assert.Equal(t, jetstream.FileStorage, s.CachedInfo().Config.Storage)
}

func TestEmbeddedRefusesTopologyChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e, err := bus.StartEmbedded(bus.EmbeddedConfig{DataDir: dir}, bustest.Logger(t))
	require.NoError(t, err)
	e.Shutdown()

	_, err = bus.StartEmbedded(bus.EmbeddedConfig{DataDir: dir, ClusterName: "c1", ClusterListen: "127.0.0.1:0"}, bustest.Logger(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "created as \"standalone\"")

	// The original settings still start, with the same identity.
	e2, err := bus.StartEmbedded(bus.EmbeddedConfig{DataDir: dir}, bustest.Logger(t))
	require.NoError(t, err)
	defer e2.Shutdown()
	assert.Equal(t, e.Server.Name(), e2.Server.Name())
	assert.Equal(t, e.Password, e2.Password)
}
