package pgtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// raceTimeout bounds how long Behind waits for its transaction to commit
// or to wait for a lock.
const raceTimeout = 30 * time.Second

// Behind starts fn in a transaction of its own on pool, while the test
// holds another transaction open, and returns once that transaction has
// either committed or is waiting for a lock (most often one the held
// transaction has): a race between two transactions, ordered by hand
// (the held one first), with no sleep. The test then ends the held
// transaction and calls wait, which returns fn's error (or the commit's)
// once it is over. Without a lock between them fn commits at once, in a
// snapshot that does not see the held transaction's writes.
func Behind(t testing.TB, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) (wait func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), raceTimeout)
	t.Cleanup(cancel)
	// The polls use a connection of their own: the test's pool may be
	// small (pgxpool's default: 4), and its connections busy racing.
	watcher, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		t.Fatalf("pgtest: behind: %v", err)
	}
	defer func() { _ = watcher.Close(context.Background()) }()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatalf("pgtest: behind: %v", err)
	}
	var pid uint32
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		conn.Release()
		t.Fatalf("pgtest: behind: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		defer conn.Release()
		tx, err := conn.Begin(ctx)
		if err != nil {
			done <- err
			return
		}
		if err := fn(tx); err != nil {
			_ = tx.Rollback(ctx)
			done <- err
			return
		}
		done <- tx.Commit(ctx)
	}()
	var result *error
	wait = func() error {
		if result == nil {
			err := <-done
			result = &err
		}
		return *result
	}
	for {
		select {
		case err := <-done:
			result = &err
			return wait
		default:
		}
		var waiting bool
		if err := watcher.QueryRow(ctx, `SELECT coalesce(bool_or(wait_event_type = 'Lock'), false)
			FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&waiting); err != nil {
			t.Fatalf("pgtest: behind: %v", fmt.Errorf("is %d waiting: %w", pid, err))
		}
		if waiting {
			return wait
		}
		select {
		case err := <-done:
			result = &err
			return wait
		case <-time.After(2 * time.Millisecond):
		case <-ctx.Done():
			t.Fatalf("pgtest: behind: the transaction neither committed nor waited for a lock in %s", raceTimeout)
		}
	}
}

// Race runs first in a transaction the test holds open, second in another
// against it (Behind), then commits first's and waits for second's: the
// two ordered by hand, whatever locks there are between them. It fails
// the test on any error.
func Race(t testing.TB, pool *pgxpool.Pool, first, second func(tx pgx.Tx) error) {
	t.Helper()
	ctx := context.Background()
	held, err := pool.Begin(ctx)
	if err != nil {
		t.Fatalf("pgtest: race: %v", err)
	}
	defer func() { _ = held.Rollback(ctx) }()
	if err := first(held); err != nil {
		t.Fatalf("pgtest: race: the first transaction: %v", err)
	}
	wait := Behind(t, pool, second)
	if err := held.Commit(ctx); err != nil {
		t.Fatalf("pgtest: race: commit the first transaction: %v", err)
	}
	if err := wait(); err != nil {
		t.Fatalf("pgtest: race: the second transaction: %v", err)
	}
}

// EitherOrder races two transactions both ways, "a then b" and "b then
// a" (Race), as parallel subtests each on a new database: setup gets the
// subtest and its pool and returns the two transactions' work and the
// check of what both leave.
func EitherOrder(t *testing.T, a, b string, setup func(t *testing.T, pool *pgxpool.Pool) (doA, doB func(tx pgx.Tx) error, check func())) {
	t.Helper()
	for _, aFirst := range []bool{true, false} {
		name := a + " then " + b
		if !aFirst {
			name = b + " then " + a
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pool := NewPool(t)
			doA, doB, check := setup(t, pool)
			if aFirst {
				Race(t, pool, doA, doB)
			} else {
				Race(t, pool, doB, doA)
			}
			check()
		})
	}
}
