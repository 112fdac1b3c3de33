package bus_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
)

// A batch consumer hands messages to several workers in batches; each
// message is settled by its own outcome: acknowledged, refused for good,
// or redelivered; a failed batch is tried again in halves.
func TestConsumeBatchesSettlesEachMessage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := bustest.Conn(t, bustest.Server(t))
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, []jetstream.StreamConfig{{Name: "T", Subjects: []string{"t.>"}}}))
	const n = 2000
	for i := range n {
		_, err := c.JS.PublishAsync("t.x", []byte(strconv.Itoa(i)))
		require.NoError(t, err)
	}
	select {
	case <-c.JS.PublishAsyncComplete():
	case <-time.After(10 * time.Second):
		t.Fatal("publishing timed out")
	}

	var mu sync.Mutex
	handled := map[int]int{} // message → times handled
	var batches, biggest, failedBatch atomic.Int64
	cons, err := bus.ConsumeBatches(ctx, c.JS, bus.ConsumerConfig{Stream: "T", Durable: "test__batches", AckWait: 2 * time.Second},
		bus.BatchConfig{Workers: 3, MaxMessages: 100},
		func(ctx context.Context, msgs []jetstream.Msg) ([]error, error) {
			batches.Add(1)
			if int64(len(msgs)) > biggest.Load() {
				biggest.Store(int64(len(msgs)))
			}
			if failedBatch.CompareAndSwap(0, 1) {
				return nil, errors.New("database down") // its halves go again
			}
			errs := make([]error, len(msgs))
			mu.Lock()
			defer mu.Unlock()
			for i, m := range msgs {
				k, _ := strconv.Atoi(string(m.Data()))
				handled[k]++
				switch {
				case k%100 == 7:
					errs[i] = bus.Invalid("payload", "never valid")
				case k%100 == 9 && handled[k] == 1:
					errs[i] = errors.New("try again")
				}
			}
			return errs, nil
		}, bustest.Logger(t))
	require.NoError(t, err)
	defer func() { _ = cons.Stop(ctx) }()

	require.Eventually(t, func() bool {
		ci, err := c.JS.Consumer(ctx, "T", "test__batches")
		require.NoError(t, err)
		info, err := ci.Info(ctx)
		require.NoError(t, err)
		return info.NumPending == 0 && info.NumAckPending == 0 && info.NumRedelivered == 0
	}, 30*time.Second, 50*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, handled, n, "every message handled")
	for k, times := range handled {
		switch {
		case k%100 == 9:
			assert.Equal(t, 2, times, "message %d failed once, then was acknowledged", k)
		case k%100 == 7:
			assert.Equal(t, 1, times, "message %d was refused for good, not redelivered", k)
		default:
			assert.Equal(t, 1, times, "message %d", k)
		}
	}
	assert.Greater(t, biggest.Load(), int64(1), "messages come in batches")
	assert.LessOrEqual(t, biggest.Load(), int64(100))
}
