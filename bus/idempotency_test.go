package bus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/storage/pgtest"
)

type thingIn struct {
	Name string `json:"name"`
	Fail bool   `json:"fail,omitempty"`
}

type thingOut struct {
	ID     uuid.UUID `json:"id"`
	Name   string    `json:"name"`
	Secret string    `json:"secret"`
	At     time.Time `json:"at"`
}

// onceFixture is a module "training" whose things.create runs in
// bus.Once over NATS, as a module's use case does; release, when set,
// holds each creation until it is closed.
type onceFixture struct {
	pool    *pgxpool.Pool
	keys    *bus.Idempotency
	caller  *bus.Conn
	runs    atomic.Int32
	release chan struct{}
}

func newOnceFixture(t *testing.T) *onceFixture {
	t.Helper()
	pool := pgtest.NewPool(t)
	_, err := pool.Exec(context.Background(), `CREATE TABLE training.things (id uuid PRIMARY KEY, name text NOT NULL)`)
	require.NoError(t, err)
	keys, err := bus.NewIdempotency(pool, "training", bytes.Repeat([]byte{7}, 32))
	require.NoError(t, err)
	srv := bustest.Server(t)
	fx := &onceFixture{pool: pool, keys: keys, caller: bustest.Conn(t, srv)}
	callee := bustest.Conn(t, srv)
	svc, err := bus.NewService(callee.NC, bus.ServiceConfig{Module: "training"}, bustest.Logger(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	require.NoError(t, svc.Handle("things.create", bus.JSON(func(ctx context.Context, in thingIn) (thingOut, error) {
		return bus.Once(ctx, pool, keys, func(tx pgx.Tx) (thingOut, error) {
			fx.runs.Add(1)
			if fx.release != nil {
				<-fx.release
			}
			out := thingOut{ID: uuid.New(), Name: in.Name, Secret: "s3cret-" + uuid.NewString(), At: time.Now().UTC()}
			if _, err := tx.Exec(ctx, `INSERT INTO training.things VALUES ($1, $2)`, out.ID, out.Name); err != nil {
				return thingOut{}, err
			}
			if in.Fail {
				return thingOut{}, bus.Errorf(bus.CodeConflict, "refused after writing")
			}
			return out, nil
		})
	})))
	return fx
}

func (fx *onceFixture) create(user, key string, in thingIn) ([]byte, error) {
	ctx := bus.WithCaller(context.Background(), bus.Caller{UserID: user, Role: "user"})
	if key != "" {
		ctx = bus.WithIdempotencyKey(ctx, key)
	}
	data, _ := json.Marshal(in)
	return bus.Request(ctx, fx.caller.NC, bus.RPCSubject("training", "things.create"), data, nil)
}

func (fx *onceFixture) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	require.NoError(t, fx.pool.QueryRow(context.Background(), "SELECT count(*) FROM training."+table).Scan(&n))
	return n
}

func TestOnceReplaysTheFirstAnswer(t *testing.T) {
	t.Parallel()
	fx := newOnceFixture(t)
	ana, bob := uuid.NewString(), uuid.NewString()

	first, err := fx.create(ana, "k1", thingIn{Name: "a"})
	require.NoError(t, err)
	again, err := fx.create(ana, "k1", thingIn{Name: "a"})
	require.NoError(t, err)
	assert.Equal(t, first, again, "the same bytes")
	assert.Equal(t, 1, fx.count(t, "things"))
	assert.EqualValues(t, 1, fx.runs.Load())

	// The answer is stored sealed: its secret is not in the table.
	var stored []byte
	require.NoError(t, fx.pool.QueryRow(context.Background(), "SELECT answer FROM training.idempotency_keys").Scan(&stored))
	var out thingOut
	require.NoError(t, json.Unmarshal(first, &out))
	assert.NotContains(t, string(stored), out.Secret)

	// Another body with the key: refused, nothing made.
	_, err = fx.create(ana, "k1", thingIn{Name: "b"})
	assert.Equal(t, bus.CodeIdempotencyKeyReused, bus.CodeOf(err))
	assert.Equal(t, 422, bus.CodeOf(err).HTTPStatus())
	// Another user's key of the same name is another key.
	bobs, err := fx.create(bob, "k1", thingIn{Name: "a"})
	require.NoError(t, err)
	assert.NotEqual(t, first, bobs)
	// Without a key, every request makes a thing.
	for range 2 {
		_, err = fx.create(ana, "", thingIn{Name: "a"})
		require.NoError(t, err)
	}
	assert.Equal(t, 4, fx.count(t, "things"))
	assert.Equal(t, 2, fx.count(t, "idempotency_keys"))

	// An error records nothing and rolls back what fn wrote: the key is
	// free for a retry.
	_, err = fx.create(ana, "k2", thingIn{Name: "x", Fail: true})
	assert.Equal(t, bus.CodeConflict, bus.CodeOf(err))
	assert.Equal(t, 4, fx.count(t, "things"))
	_, err = fx.create(ana, "k2", thingIn{Name: "x"})
	require.NoError(t, err)
	assert.Equal(t, 5, fx.count(t, "things"))

	// An answer sealed under another secret key (one lost and made anew)
	// can't be given again: a conflict that says so, and nothing made.
	_, err = fx.pool.Exec(context.Background(), `UPDATE training.idempotency_keys
		SET answer = set_byte(answer, length(answer) - 1, (get_byte(answer, length(answer) - 1) + 1) % 256)
		WHERE key = 'k1' AND user_id = $1`, ana)
	require.NoError(t, err)
	_, err = fx.create(ana, "k1", thingIn{Name: "a"})
	assert.Equal(t, bus.CodeConflict, bus.CodeOf(err))
	assert.Contains(t, err.Error(), "can no longer be read")
	assert.Equal(t, 5, fx.count(t, "things"))

	// A key without a caller is refused.
	data, _ := json.Marshal(thingIn{Name: "a"})
	_, err = bus.Request(bus.WithIdempotencyKey(context.Background(), "k3"), fx.caller.NC, bus.RPCSubject("training", "things.create"), data, nil)
	assert.Equal(t, bus.CodeUnauthorized, bus.CodeOf(err))
}

func TestOnceKeysExpireAndAreSwept(t *testing.T) {
	t.Parallel()
	fx := newOnceFixture(t)
	ana := uuid.NewString()
	first, err := fx.create(ana, "k", thingIn{Name: "a"})
	require.NoError(t, err)
	_, err = fx.create(ana, "other", thingIn{Name: "a"})
	require.NoError(t, err)
	var expires time.Time
	require.NoError(t, fx.pool.QueryRow(context.Background(), "SELECT expires_at FROM training.idempotency_keys WHERE key = 'k'").Scan(&expires))
	assert.WithinDuration(t, time.Now().Add(24*time.Hour), expires, time.Minute, "kept 24 hours")

	// Past its window the key is new again: a retry makes a new thing,
	// even with another body.
	_, err = fx.pool.Exec(context.Background(), "UPDATE training.idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'k'")
	require.NoError(t, err)
	later, err := fx.create(ana, "k", thingIn{Name: "b"})
	require.NoError(t, err)
	assert.NotEqual(t, first, later)
	assert.Equal(t, 3, fx.count(t, "things"))

	// The sweep deletes expired keys only.
	_, err = fx.pool.Exec(context.Background(), "UPDATE training.idempotency_keys SET expires_at = now() - interval '1 hour' WHERE key = 'other'")
	require.NoError(t, err)
	n, err := fx.keys.Sweep(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	assert.Equal(t, 1, fx.count(t, "idempotency_keys"))
	again, err := fx.create(ana, "k", thingIn{Name: "b"})
	require.NoError(t, err)
	assert.Equal(t, later, again)
}

// TestOnceConcurrentRequestsCreateOnce: requests with the same key at the
// same time make one thing; the others get its answer (when they come
// after it was committed) or a conflict to try again (while it runs).
func TestOnceConcurrentRequestsCreateOnce(t *testing.T) {
	t.Parallel()
	fx := newOnceFixture(t)
	fx.release = make(chan struct{})
	ana := uuid.NewString()

	firstDone := make(chan []byte, 1)
	go func() {
		out, err := fx.create(ana, "k", thingIn{Name: "a"})
		assert.NoError(t, err)
		firstDone <- out
	}()
	require.Eventually(t, func() bool { return fx.runs.Load() == 1 }, 10*time.Second, 5*time.Millisecond)
	// The first holds the key: others are refused at once, and wait for
	// nothing.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := fx.create(ana, "k", thingIn{Name: "a"})
			assert.Equal(t, bus.CodeConflict, bus.CodeOf(err), "%v", err)
		})
	}
	wg.Wait()
	close(fx.release)
	first := <-firstDone

	// Now many at once: the committed answer for each.
	var mu sync.Mutex
	var answers [][]byte
	for range 8 {
		wg.Go(func() {
			out, err := fx.create(ana, "k", thingIn{Name: "a"})
			if assert.NoError(t, err) {
				mu.Lock()
				answers = append(answers, out)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, a := range answers {
		assert.Equal(t, first, a)
	}
	assert.Equal(t, 1, fx.count(t, "things"))
	assert.EqualValues(t, 1, fx.runs.Load())
}

func TestOnceNeedsItsKeeper(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	_, err := bus.NewIdempotency(pool, "training", []byte("short"))
	assert.Error(t, err)
	// Without a key, Once is a transaction.
	n, err := bus.Once(context.Background(), pool, nil, func(tx pgx.Tx) (int, error) {
		var n int
		return n, tx.QueryRow(context.Background(), "SELECT 41 + 1").Scan(&n)
	})
	require.NoError(t, err)
	assert.Equal(t, 42, n)
	_, err = bus.Once(context.Background(), pool, nil, func(pgx.Tx) (int, error) { return 0, errors.New("boom") })
	assert.EqualError(t, err, "boom")
}
