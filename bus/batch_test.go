package bus_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
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

// With a Key, the messages of one subject are shared among the workers by
// key (several at work at once), each key's in order on one worker.
func TestConsumeBatchesByKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := bustest.Conn(t, bustest.Server(t))
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, []jetstream.StreamConfig{{Name: "K", Subjects: []string{"k.>"}}}))
	const keys, each = 40, 25
	for i := range each {
		for k := range keys {
			_, err := c.JS.PublishAsync("k.one", []byte(strconv.Itoa(k)+":"+strconv.Itoa(i)))
			require.NoError(t, err)
		}
	}
	select {
	case <-c.JS.PublishAsyncComplete():
	case <-time.After(10 * time.Second):
		t.Fatal("publishing timed out")
	}
	var mu sync.Mutex
	seen := map[string][]int{} // key → its messages' numbers, in the order handled
	// The first batch waits until another worker handles one: with one
	// worker for the one subject it would wait for ever.
	var first atomic.Bool
	var other sync.Once
	another := make(chan struct{})
	var overlapped atomic.Bool
	keyOf := func(m jetstream.Msg) string { k, _, _ := strings.Cut(string(m.Data()), ":"); return k }
	cons, err := bus.ConsumeBatches(ctx, c.JS, bus.ConsumerConfig{Stream: "K", Durable: "test__keys"},
		bus.BatchConfig{Workers: 4, MaxMessages: 50, Key: keyOf},
		func(ctx context.Context, msgs []jetstream.Msg) ([]error, error) {
			if first.CompareAndSwap(false, true) {
				select {
				case <-another:
					overlapped.Store(true)
				case <-time.After(20 * time.Second):
				}
			} else {
				other.Do(func() { close(another) })
			}
			mu.Lock()
			defer mu.Unlock()
			for _, m := range msgs {
				k, n, _ := strings.Cut(string(m.Data()), ":")
				i, _ := strconv.Atoi(n)
				seen[k] = append(seen[k], i)
			}
			return make([]error, len(msgs)), nil
		}, bustest.Logger(t))
	require.NoError(t, err)
	defer func() { _ = cons.Stop(ctx) }()
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		total := 0
		for _, l := range seen {
			total += len(l)
		}
		return total == keys*each
	}, 40*time.Second, 20*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, keys)
	for k, l := range seen {
		for i := range l {
			assert.Equal(t, i, l[i], "key %s in order", k)
		}
	}
	assert.True(t, overlapped.Load(), "one subject, several workers at once")
}
