package platform_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/platform"
	"github.com/athlos/athlos/storage/pgtest"
)

// TestModuleEventsFlowThroughOutboxAndConsumer wires two data modules the
// way module.go files do: "client" writes an event into its outbox, its
// relay publishes it, and "training" consumes it exactly once with OnEvent,
// across a restart of the consuming app.
func TestModuleEventsFlowThroughOutboxAndConsumer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := bustest.Server(t)
	dbURL := pgtest.NewDB(t)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	newApp := func(opts ...fx.Option) *platform.App {
		dir := t.TempDir()
		cfg := &platform.Config{Catalogue: catalogue,
			Version: "test", DataDir: dir, Modules: []string{"client", "training"},
			NATS: platform.NATSConfig{URLs: []string{srv.Server.ClientURL()}, User: bus.ServiceUser, Password: srv.Password},
			DB:   platform.DBConfig{URL: dbURL},
		}
		require.NoError(t, cfg.Validate())
		app := platform.NewApp(ctx, cfg, log, fx.Options(opts...))
		require.NoError(t, platform.StartError(app.Err()))
		require.NoError(t, app.Start(ctx))
		return app
	}

	consumer := platform.Module("training", fx.Invoke(func(rt *platform.Runtime) {
		rt.OnEvent(bus.EventStream("client"), "evt.client.user.registered", func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			_, err := tx.Exec(ctx, "INSERT INTO training.seen_users VALUES ($1)", string(msg.Data()))
			return err
		})
	}))
	producer := platform.Module("client")

	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE TABLE training.seen_users (payload text PRIMARY KEY)")
	require.NoError(t, err)

	app := newApp(producer, consumer)
	// The client module's writes: a change and its event in one transaction.
	next := 0
	enqueue := func(n int) {
		tx, err := conn.Begin(ctx)
		require.NoError(t, err)
		for ; n > 0; n-- {
			next++
			_, err = bus.Enqueue(ctx, tx, "client", "evt.client.user.registered", map[string]int{"i": next})
			require.NoError(t, err)
		}
		require.NoError(t, tx.Commit(ctx))
	}
	seen := func() int {
		var n int
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM training.seen_users").Scan(&n))
		return n
	}
	enqueue(5)
	require.Eventually(t, func() bool { return seen() == 5 }, 20*time.Second, 50*time.Millisecond)
	stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, app.Stop(stopCtx))

	// Events written while nothing runs are published and consumed after
	// the restart; the earlier five are not handled again.
	enqueue(3)
	app = newApp(producer, consumer)
	require.Eventually(t, func() bool { return seen() == 8 }, 20*time.Second, 50*time.Millisecond)
	require.NoError(t, app.Stop(stopCtx))
	assert.Equal(t, 8, seen())
}
