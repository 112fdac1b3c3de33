package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
	"github.com/jackc/pgx/v5"
)

func TestOpenAppliesSettingsAndPings(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool, err := storage.Open(ctx, pgtest.NewDB(t), 3)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if got := pool.Config().MaxConns; got != 3 {
		t.Errorf("MaxConns = %d, want 3", got)
	}
	var app string
	if err := pool.QueryRow(ctx, "SHOW application_name").Scan(&app); err != nil {
		t.Fatal(err)
	}
	if app != storage.ApplicationName {
		t.Errorf("application_name = %q, want %q", app, storage.ApplicationName)
	}
	if err := storage.Ping(ctx, pool); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	if err := storage.Ping(ctx, pool); err == nil {
		t.Fatal("Ping on a closed pool succeeded")
	}
}

func TestOpenErrorsNeverShowThePassword(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-Pa55"
	for _, tc := range []struct {
		name, url, wantHost string
	}{
		{"refused url", "postgres://athlos:" + secret + "@127.0.0.1:1/athlos?connect_timeout=2", "127.0.0.1"},
		{"refused keyword/value", "host=127.0.0.1 port=1 user=athlos password=" + secret + " dbname=athlos connect_timeout=2", "127.0.0.1"},
		{"password in query", "postgres://athlos@127.0.0.1:1/athlos?password=" + secret + "&connect_timeout=2", "127.0.0.1"},
		{"bad port", "postgres://athlos:" + secret + "@db.example:notaport/athlos", ""},
		{"bad option", "postgres://athlos:" + secret + "@db.example:5432/athlos?pool_max_conns=many", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			pool, err := storage.Open(ctx, tc.url, 0)
			if err == nil {
				pool.Close()
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			t.Log(msg)
			if strings.Contains(msg, secret) {
				t.Fatalf("error shows the password: %s", msg)
			}
			if tc.wantHost != "" && !strings.Contains(msg, tc.wantHost) {
				t.Errorf("error does not name host %s: %s", tc.wantHost, msg)
			}
		})
	}
}

var errDomain = errors.New("domain rule broken")

func TestInTx(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := pgtest.NewPool(t)
	if _, err := pool.Exec(ctx, "CREATE TABLE t (v int PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	err := storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO t VALUES (1)")
		return err
	})
	if err != nil || count() != 1 {
		t.Fatalf("commit: err=%v rows=%d", err, count())
	}

	err = storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO t VALUES (2)"); err != nil {
			return err
		}
		return errDomain
	})
	if !errors.Is(err, errDomain) || count() != 1 {
		t.Fatalf("rollback on error: err=%v rows=%d", err, count())
	}

	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Fatalf("panic = %v, want boom re-raised", p)
			}
		}()
		_ = storage.InTx(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO t VALUES (3)"); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	if count() != 1 {
		t.Fatalf("rollback on panic: rows=%d", count())
	}

	// A failing statement's error comes back; the transaction is gone.
	err = storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO t VALUES (1)")
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "23505") {
		t.Fatalf("duplicate key: err=%v", err)
	}

	// Rollback works even when the caller's context is already cancelled.
	cctx, cancel := context.WithCancel(ctx)
	err = storage.InTx(cctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(cctx, "INSERT INTO t VALUES (4)"); err != nil {
			return err
		}
		cancel()
		return cctx.Err()
	})
	if !errors.Is(err, context.Canceled) || count() != 1 {
		t.Fatalf("cancelled: err=%v rows=%d", err, count())
	}
	if got := pool.Stat().TotalConns(); got < 1 {
		t.Fatalf("pool lost its connections: %d", got)
	}
}

func TestDescribe(t *testing.T) {
	cfg, err := pgx.ParseConfig("postgres://athlos:pw@db.example:6432/athlos")
	if err != nil {
		t.Fatal(err)
	}
	if got := storage.Describe(cfg); got != "athlos@db.example:6432/athlos" {
		t.Fatalf("Describe = %q", got)
	}
}
