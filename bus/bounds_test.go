package bus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
)

func telemetryStream(t *testing.T, js jetstream.JetStream) jetstream.Stream {
	t.Helper()
	s, err := js.Stream(t.Context(), bus.StreamTelemetry)
	require.NoError(t, err)
	return s
}

// No user can fill the disk through TELEMETRY: it keeps only what is not
// stored yet (a work queue), refuses messages too large, more than
// TelemetryMaxPerSession waiting for one session, and anything past its
// size; each refusal is an error the publisher sees, other sessions go
// on, and nothing acknowledged is dropped.
func TestTelemetryIsBounded(t *testing.T) {
	t.Parallel()
	e := bustest.Server(t)
	c := bustest.Conn(t, e)
	ctx := t.Context()
	streams := bus.SizeStreams(bus.Streams([]string{"training"}, 1), 64<<20) // TELEMETRY: 16 MiB
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, streams))
	info, err := telemetryStream(t, c.JS).Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, jetstream.WorkQueuePolicy, info.Config.Retention)
	assert.Equal(t, int64(16<<20), info.Config.MaxBytes)
	for _, s := range streams {
		assert.Positive(t, s.MaxBytes, s.Name)
		assert.Positive(t, s.MaxMsgSize, s.Name)
	}

	pub := func(subject string, size int) error {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err := c.JS.Publish(pctx, subject, make([]byte, size))
		return err
	}
	// Too large.
	err = pub("live.telemetry.u1.s1", bus.TelemetryMaxMsgSize+1)
	require.Error(t, err)
	assert.ErrorContains(t, err, "maximum")

	// Too many waiting for one session: the next is refused, another
	// session is not.
	// In rounds of 1,000: past 4,000 unacknowledged async publishes the
	// client gives up after 200 ms ("stalled"), which a busy machine (CI)
	// reached.
	for i := range bus.TelemetryMaxPerSession {
		_, err := c.JS.PublishAsync("live.telemetry.u1.s1", []byte(fmt.Sprint(i)))
		require.NoError(t, err)
		if (i+1)%1000 != 0 && i+1 != bus.TelemetryMaxPerSession {
			continue
		}
		select {
		case <-c.JS.PublishAsyncComplete():
		case <-time.After(30 * time.Second):
			t.Fatal("async publishes did not complete")
		}
	}
	require.Error(t, pub("live.telemetry.u1.s1", 10), "the session's backlog is full")
	require.NoError(t, pub("live.telemetry.u2.s2", 10), "another user's session goes on")

	// Consumed and acknowledged, a message leaves the stream.
	cons, err := c.JS.CreateOrUpdateConsumer(ctx, bus.StreamTelemetry, jetstream.ConsumerConfig{Durable: "ingest", AckPolicy: jetstream.AckExplicitPolicy,
		FilterSubject: "live.telemetry.u2.>"})
	require.NoError(t, err)
	batch, err := cons.Fetch(1)
	require.NoError(t, err)
	for m := range batch.Messages() {
		require.NoError(t, m.DoubleAck(ctx))
	}
	info, err = telemetryStream(t, c.JS).Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(bus.TelemetryMaxPerSession), info.State.Msgs, "the acknowledged one is gone; the rest wait")

	// Past its size: refused, and what it holds stays.
	var refused error
	for i := 0; refused == nil && i < 200; i++ {
		refused = pub(fmt.Sprintf("live.telemetry.u3.s%d", i), 200<<10)
	}
	require.Error(t, refused, "a full stream refuses")
	held, err := telemetryStream(t, c.JS).Info(ctx)
	require.NoError(t, err)
	assert.LessOrEqual(t, held.State.Bytes, uint64(16<<20))
	assert.GreaterOrEqual(t, held.State.Msgs, info.State.Msgs, "nothing acknowledged was dropped")
}

// A TELEMETRY stream of an older release (limits retention) becomes a
// work queue once its consumer has taken everything; with messages still
// to take, it stays until a later start.
func TestTelemetryOfAnOlderReleaseBecomesAWorkQueue(t *testing.T) {
	t.Parallel()
	e := bustest.Server(t)
	c := bustest.Conn(t, e)
	ctx := t.Context()
	old := jetstream.StreamConfig{Name: bus.StreamTelemetry, Subjects: []string{"live.telemetry.>"}, Storage: jetstream.FileStorage}
	_, err := c.JS.CreateStream(ctx, old)
	require.NoError(t, err)
	cons, err := c.JS.CreateOrUpdateConsumer(ctx, bus.StreamTelemetry, jetstream.ConsumerConfig{Durable: "training__live_telemetry",
		AckPolicy: jetstream.AckExplicitPolicy})
	require.NoError(t, err)
	_, err = c.JS.Publish(ctx, "live.telemetry.u.s", []byte("1"))
	require.NoError(t, err)

	streams := bus.SizeStreams(bus.Streams(nil, 1), 0)
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, streams), "a stream with work left stays as it is")
	info, err := telemetryStream(t, c.JS).Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, jetstream.LimitsPolicy, info.Config.Retention)

	batch, err := cons.Fetch(1)
	require.NoError(t, err)
	for m := range batch.Messages() {
		require.NoError(t, m.DoubleAck(ctx))
	}
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, streams))
	info, err = telemetryStream(t, c.JS).Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, jetstream.WorkQueuePolicy, info.Config.Retention)
	assert.Equal(t, int64(bus.TelemetryMaxMsgSize), int64(info.Config.MaxMsgSize))
}
