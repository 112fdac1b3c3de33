package bus_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
)

type liveStats struct {
	DistanceM float64 `json:"distance_m"`
}

func TestPublishCarriesJSONAndRequestID(t *testing.T) {
	t.Parallel()
	c := bustest.Conn(t, bustest.Server(t))
	ch := make(chan *nats.Msg, 1)
	sub, err := c.NC.ChanSubscribe("live.session.s1", ch)
	require.NoError(t, err)
	defer func() { _ = sub.Unsubscribe() }()
	require.NoError(t, c.NC.Flush())

	ctx := bus.WithRequestID(context.Background(), "r-1")
	require.NoError(t, bus.Publish(ctx, c.NC, "live.session.s1", liveStats{DistanceM: 1234.5}))
	select {
	case m := <-ch:
		var got liveStats
		require.NoError(t, json.Unmarshal(m.Data, &got))
		assert.Equal(t, 1234.5, got.DistanceM)
		assert.Equal(t, "r-1", m.Header.Get(bus.HeaderRequestID))
	case <-time.After(30 * time.Second):
		t.Fatal("nothing received")
	}
	assert.Error(t, bus.Publish(ctx, c.NC, "live.session.s1", func() {}), "unencodable values are refused")
}

func TestPublishStreamDeduplicatesByID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := bustest.Conn(t, bustest.Server(t))
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, bus.Streams(nil, 1)))

	a1, err := bus.PublishStream(ctx, c.JS, "notify.u1", "n-1", map[string]string{"text": "hi"})
	require.NoError(t, err)
	a2, err := bus.PublishStream(ctx, c.JS, "notify.u1", "n-1", map[string]string{"text": "hi"})
	require.NoError(t, err)
	assert.False(t, a1.Duplicate)
	assert.True(t, a2.Duplicate)
	assert.Equal(t, a1.Sequence, a2.Sequence)

	_, err = bus.PublishStream(ctx, c.JS, "nobody.listens", "", 1)
	assert.Error(t, err, "a subject no stream keeps is an error, not a silent loss")
}
