package platform

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
)

// Runtime is what a data module's wiring receives: its name, logger, the
// NATS connection, its RPC service, its database pool and outbox relay,
// and the keeper of its idempotency keys. Each module gets its own
// (fx.Private).
type Runtime struct {
	Name    string
	Log     *slog.Logger
	Bus     *bus.Conn
	Service *bus.Service
	DB      *pgxpool.Pool
	// Idempotency keeps the module's idempotency keys (table
	// <module>.idempotency_keys): a use case that creates something runs
	// in bus.Once with it. Expired keys are swept while the module runs.
	Idempotency *bus.Idempotency

	lc fx.Lifecycle
}

// Module wraps a module's options with its Runtime: an RPC service named
// after it (answering rpc.<name>.status.get), its pool, its outbox relay
// and its idempotency keys (swept every IdempotencySweepEvery), all started
// and stopped with the app. The service stops first on
// shutdown, so in-flight requests finish while NATS and the database are
// still up.
func Module(name string, opts ...fx.Option) fx.Option {
	return fx.Module(name,
		fx.Provide(fx.Private, func(lc fx.Lifecycle, cfg *Config, log *slog.Logger, conn *bus.Conn, dbs *Databases, key SecretKey) (*Runtime, error) {
			return newRuntime(lc, cfg, log, conn, dbs, key, name)
		}),
		fx.Options(opts...),
		fx.Invoke(func(*Runtime) {}),
	)
}

func newRuntime(lc fx.Lifecycle, cfg *Config, log *slog.Logger, conn *bus.Conn, dbs *Databases, key SecretKey, name string) (*Runtime, error) {
	rt := &Runtime{Name: name, Log: log.With("module", name), Bus: conn, DB: dbs.Pool(name), lc: lc}
	idem, err := bus.NewIdempotency(rt.DB, name, key)
	if err != nil {
		return nil, err
	}
	rt.Idempotency = idem
	rt.Every("idempotency key sweep", IdempotencySweepEvery, func(ctx context.Context) {
		n, err := idem.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			rt.Log.Warn("sweeping expired idempotency keys", "err", err)
		case n > 0:
			rt.Log.Debug("expired idempotency keys swept", "keys", n)
		}
	})
	rt.Go("outbox relay", bus.NewRelay(rt.DB, conn.JS, name, rt.Log).Run)
	svc, err := bus.NewService(conn.NC, bus.ServiceConfig{Module: name, Version: cfg.Version}, rt.Log)
	if err != nil {
		return nil, err
	}
	rt.Service = svc
	lc.Append(fx.StopHook(svc.Stop))
	return rt, nil
}

// IdempotencySweepEvery is how often each process running a module
// deletes the module's expired idempotency keys.
const IdempotencySweepEvery = 10 * time.Minute

// Go runs fn on a goroutine of its own while the app runs: from the
// app's start until its stop, when fn's context ends and the stop waits
// for fn to return (within the stop's deadline). name says what it is, in
// the log should fn panic or the stop time out. It is the one way a
// module runs a background loop.
func (rt *Runtime) Go(name string, fn func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	rt.lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				defer close(done)
				defer func() {
					if p := recover(); p != nil {
						rt.Log.Error("background loop panicked", "loop", name, "panic", p)
					}
				}()
				fn(ctx)
			}()
			return nil
		},
		OnStop: func(stopCtx context.Context) error {
			cancel()
			select {
			case <-done:
				return nil
			case <-stopCtx.Done():
				return fmt.Errorf("%s: %s did not stop: %w", rt.Name, name, stopCtx.Err())
			}
		},
	})
}

// Every runs fn at once and then every period while the app runs (Go);
// fn's context ends at the stop.
func (rt *Runtime) Every(name string, period time.Duration, fn func(ctx context.Context)) {
	rt.Go(name, func(ctx context.Context) {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			fn(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
}

// OnStop runs fn when the app stops. What is registered later stops
// earlier (fx runs stop hooks in reverse order).
func (rt *Runtime) OnStop(fn func(ctx context.Context) error) {
	rt.lc.Append(fx.StopHook(fn))
}

// Consume runs h on a durable pull consumer while the app runs: the
// consumer is created (or updated) at start and drained at stop, letting the
// message in hand finish.
func (rt *Runtime) Consume(cfg bus.ConsumerConfig, h bus.MessageHandler) {
	var c *bus.Consumer
	rt.lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			var err error
			c, err = bus.Consume(ctx, rt.Bus.JS, cfg, h, rt.Log)
			return err
		},
		OnStop: func(ctx context.Context) error { return c.Stop(ctx) },
	})
}

// ConsumeBatches runs h on a durable pull consumer in batches, from several
// workers (bus.ConsumeBatches), for the life of the app.
func (rt *Runtime) ConsumeBatches(cfg bus.ConsumerConfig, bc bus.BatchConfig, h bus.BatchHandler) {
	var c *bus.Consumer
	rt.lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			var err error
			c, err = bus.ConsumeBatches(ctx, rt.Bus.JS, cfg, bc, h, rt.Log)
			return err
		},
		OnStop: func(ctx context.Context) error { return c.Stop(ctx) },
	})
}

// OnEvent consumes one event subject of another module's stream with the
// module's durable consumer <module>__<event>, and runs fn exactly once per
// event: fn's transaction also records the event id in the module's
// processed_messages, so redeliveries change nothing.
func (rt *Runtime) OnEvent(stream, subject string, fn func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error) {
	rt.OnEventAs(stream, subject, bus.ConsumerName(rt.Name, subject), fn)
}

// OnEventAs is OnEvent with the durable consumer named durable: a second
// consumer of a subject the module consumes already (each gets every
// event, and keeps its own exactly-once record).
func (rt *Runtime) OnEventAs(stream, subject, durable string, fn func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error) {
	rt.Consume(bus.ConsumerConfig{Stream: stream, Durable: durable, Subjects: []string{subject}},
		func(ctx context.Context, msg jetstream.Msg) error {
			_, err := bus.HandleOnce(ctx, rt.DB, rt.Name, durable, bus.MessageID(msg), func(ctx context.Context, tx pgx.Tx) error {
				return fn(ctx, tx, msg)
			})
			return err
		})
}
