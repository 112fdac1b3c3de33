package bus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

type gearCreated struct {
	N int `json:"n"`
}

func enqueue(t *testing.T, ctx context.Context, tx pgx.Tx, n int) {
	t.Helper()
	_, err := bus.Enqueue(ctx, tx, "client", "evt.client.gear.created", gearCreated{N: n})
	require.NoError(t, err)
}

func streamMsgs(t *testing.T, ctx context.Context, js jetstream.JetStream, stream string) []gearCreated {
	t.Helper()
	s, err := js.Stream(ctx, stream)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	var out []gearCreated
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		require.NoError(t, err)
		var g gearCreated
		require.NoError(t, json.Unmarshal(m.Data, &g))
		assert.NotEmpty(t, m.Header.Get(jetstream.MsgIDHeader))
		out = append(out, g)
	}
	return out
}

func TestOutboxOnlyCommittedEventsArePublished(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	c := bustest.Conn(t, bustest.Server(t))
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, bus.Streams([]string{"client"}, 1)))

	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error { enqueue(t, ctx, tx, 1); return nil }))
	err := storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		enqueue(t, ctx, tx, 2)
		return fmt.Errorf("the change failed")
	})
	require.Error(t, err)

	relay := bus.NewRelay(pool, c.JS, "client", bustest.Logger(t))
	n, err := relay.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, []gearCreated{{N: 1}}, streamMsgs(t, ctx, c.JS, "EVT_CLIENT"))

	var left int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM client.outbox").Scan(&left))
	assert.Zero(t, left, "published rows are deleted")
}

// TestOutboxExactlyOnceAcrossRestart publishes a batch, "crashes" before the
// rows are deleted, and lets a new relay (a restarted process) run: every
// event is in the stream exactly once, in order.
func TestOutboxExactlyOnceAcrossRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	c := bustest.Conn(t, bustest.Server(t))
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, bus.Streams([]string{"client"}, 1)))

	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		for i := 1; i <= 10; i++ {
			enqueue(t, ctx, tx, i)
		}
		return nil
	}))
	first := bus.NewRelay(pool, c.JS, "client", bustest.Logger(t))
	first.Batch = 4
	n, err := bus.PublishWithoutDelete(ctx, first) // the process dies before the DELETE commits
	require.NoError(t, err)
	assert.Equal(t, 4, n)

	// The restarted process: its relay runs until the outbox is empty.
	second := bus.NewRelay(pool, c.JS, "client", bustest.Logger(t))
	second.Poll = 20 * time.Millisecond
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); second.Run(rctx) }()
	require.Eventually(t, func() bool {
		var left int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM client.outbox").Scan(&left))
		return left == 0
	}, 10*time.Second, 20*time.Millisecond)
	cancel()
	<-done

	want := make([]gearCreated, 10)
	for i := range want {
		want[i] = gearCreated{N: i + 1}
	}
	assert.Equal(t, want, streamMsgs(t, ctx, c.JS, "EVT_CLIENT"))
}

func TestOutboxRelayWakesOnNotify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	c := bustest.Conn(t, bustest.Server(t))
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, bus.Streams([]string{"client"}, 1)))
	relay := bus.NewRelay(pool, c.JS, "client", bustest.Logger(t))
	relay.Poll = time.Hour // only NOTIFY can wake it
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go relay.Run(rctx)
	// Its LISTEN is in effect (a session of this test's database whose
	// last statement, done, was it): a row committed before it would be
	// heard of only at the next poll, in an hour.
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
  WHERE datname = current_database() AND state = 'idle' AND query = 'LISTEN "client_outbox"'`).Scan(&n))
		return n == 1
	}, 30*time.Second, 10*time.Millisecond)

	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error { enqueue(t, ctx, tx, 7); return nil }))
	require.Eventually(t, func() bool {
		s, err := c.JS.Stream(ctx, "EVT_CLIENT")
		require.NoError(t, err)
		info, err := s.Info(ctx)
		require.NoError(t, err)
		return info.State.Msgs == 1
	}, 10*time.Second, 20*time.Millisecond)
}

func TestHandleOnceIgnoresDuplicates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	_, err := pool.Exec(ctx, "CREATE TABLE client.tally (n int NOT NULL)")
	require.NoError(t, err)
	var runs atomic.Int32
	effect := func(ctx context.Context, tx pgx.Tx) error {
		runs.Add(1)
		_, err := tx.Exec(ctx, "INSERT INTO client.tally VALUES (1)")
		return err
	}

	did, err := bus.HandleOnce(ctx, pool, "client", "client__evt_training_session_completed", "msg-1", effect)
	require.NoError(t, err)
	assert.True(t, did)
	did, err = bus.HandleOnce(ctx, pool, "client", "client__evt_training_session_completed", "msg-1", effect)
	require.NoError(t, err)
	assert.False(t, did, "a redelivered message changes nothing")

	// A failed handler records nothing, so the redelivery runs it again.
	_, err = bus.HandleOnce(ctx, pool, "client", "client__evt_training_session_completed", "msg-2",
		func(context.Context, pgx.Tx) error { return fmt.Errorf("database hiccup") })
	require.Error(t, err)
	did, err = bus.HandleOnce(ctx, pool, "client", "client__evt_training_session_completed", "msg-2", effect)
	require.NoError(t, err)
	assert.True(t, did)

	// The same id for another consumer is another message.
	did, err = bus.HandleOnce(ctx, pool, "client", "client__other", "msg-1", effect)
	require.NoError(t, err)
	assert.True(t, did)

	var tally int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM client.tally").Scan(&tally))
	assert.Equal(t, 3, tally)
	assert.Equal(t, int32(3), runs.Load())

	_, err = bus.HandleOnce(ctx, pool, "client", "c", "", effect)
	assert.Error(t, err, "a message without an id is refused")
}

// TestConsumerRedeliveryIsIdempotent runs a durable consumer whose handler
// uses HandleOnce, publishes every event twice under different stream
// sequences (as a republishing producer would, outside the duplicate
// window) and checks each effect happened once.
func TestConsumerRedeliveryIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	_, err := pool.Exec(ctx, "CREATE TABLE client.seen (id text PRIMARY KEY)")
	require.NoError(t, err)
	c := bustest.Conn(t, bustest.Server(t))
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, []jetstream.StreamConfig{{
		Name: "EVT_TRAINING", Subjects: []string{"evt.training.>"}, Duplicates: 100 * time.Millisecond,
	}}))

	durable := bus.ConsumerName("client", "evt.training.session.completed")
	var failOnce atomic.Bool
	failOnce.Store(true)
	cons, err := bus.Consume(ctx, c.JS, bus.ConsumerConfig{
		Stream: "EVT_TRAINING", Durable: durable, Subjects: []string{"evt.training.session.completed"},
	}, func(ctx context.Context, msg jetstream.Msg) error {
		_, err := bus.HandleOnce(ctx, pool, "client", durable, bus.MessageID(msg), func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO client.seen VALUES ($1)", string(msg.Data()))
			return err
		})
		if err == nil && failOnce.CompareAndSwap(true, false) {
			return fmt.Errorf("lost the ack") // handled, but not acknowledged: redelivered
		}
		return err
	}, bustest.Logger(t))
	require.NoError(t, err)
	defer func() { _ = cons.Stop(ctx) }()

	for round := range 2 {
		if round > 0 {
			time.Sleep(150 * time.Millisecond) // outside the 100 ms duplicate window
		}
		for i := 0; i < 20; i++ {
			id := fmt.Sprintf("evt-%d", i)
			_, err := c.JS.Publish(ctx, "evt.training.session.completed", []byte(id), jetstream.WithMsgID(id))
			require.NoError(t, err)
		}
	}
	require.Eventually(t, func() bool {
		info, err := c.JS.Consumer(ctx, "EVT_TRAINING", durable)
		require.NoError(t, err)
		ci, err := info.Info(ctx)
		require.NoError(t, err)
		return ci.NumPending == 0 && ci.NumAckPending == 0
	}, 20*time.Second, 50*time.Millisecond)
	var seen int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM client.seen").Scan(&seen))
	assert.Equal(t, 20, seen)
}

// EnqueueAll writes several events in one statement: published in their
// order, each with an id of its own, and only if the transaction commits.
func TestOutboxEnqueueAll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	c := bustest.Conn(t, bustest.Server(t))
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, bus.Streams([]string{"client"}, 1)))

	events := func(from, to int) []bus.Event {
		var out []bus.Event
		for n := from; n <= to; n++ {
			out = append(out, bus.Event{Subject: "evt.client.gear.created", Payload: gearCreated{N: n}})
		}
		return out
	}
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := bus.EnqueueAll(ctx, tx, "client", nil); err != nil {
			return err
		}
		return bus.EnqueueAll(ctx, tx, "client", events(1, 300))
	}))
	err := storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		require.NoError(t, bus.EnqueueAll(ctx, tx, "client", events(301, 302)))
		return fmt.Errorf("the change failed")
	})
	require.Error(t, err)
	err = storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		return bus.EnqueueAll(ctx, tx, "client", []bus.Event{{Subject: "evt.client.gear.created", Payload: func() {}}})
	})
	require.Error(t, err, "a payload JSON can't encode")

	relay := bus.NewRelay(pool, c.JS, "client", bustest.Logger(t))
	for {
		n, err := relay.Flush(ctx)
		require.NoError(t, err)
		if n == 0 {
			break
		}
	}
	got := streamMsgs(t, ctx, c.JS, "EVT_CLIENT")
	require.Len(t, got, 300)
	for i, g := range got {
		assert.Equal(t, i+1, g.N)
	}
}
