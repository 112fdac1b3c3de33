package platform

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
)

// Runtime is what a data module's wiring receives: its name, logger, the
// NATS connection, its RPC service, its database pool and outbox relay.
// Each module gets its own (fx.Private).
type Runtime struct {
	Name    string
	Log     *slog.Logger
	Bus     *bus.Conn
	Service *bus.Service
	DB      *pgxpool.Pool
}

// Module wraps a module's options with its Runtime: an RPC service named
// after it (answering rpc.<name>.status.get), its pool, and its outbox
// relay, all started and stopped with the app. The service stops first on
// shutdown, so in-flight requests finish while NATS and the database are
// still up.
func Module(name string, opts ...fx.Option) fx.Option {
	return fx.Module(name,
		fx.Provide(fx.Private, func(lc fx.Lifecycle, cfg *Config, log *slog.Logger, conn *bus.Conn, dbs *Databases) (*Runtime, error) {
			return newRuntime(lc, cfg, log, conn, dbs, name)
		}),
		fx.Options(opts...),
		fx.Invoke(func(*Runtime) {}),
	)
}

func newRuntime(lc fx.Lifecycle, cfg *Config, log *slog.Logger, conn *bus.Conn, dbs *Databases, name string) (*Runtime, error) {
	rt := &Runtime{Name: name, Log: log.With("module", name), Bus: conn, DB: dbs.Pool(name)}
	{
		relay := bus.NewRelay(rt.DB, conn.JS, name, rt.Log)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		lc.Append(fx.Hook{
			OnStart: func(context.Context) error {
				go func() { defer close(done); relay.Run(ctx) }()
				return nil
			},
			OnStop: func(stopCtx context.Context) error {
				cancel()
				select {
				case <-done:
					return nil
				case <-stopCtx.Done():
					return stopCtx.Err()
				}
			},
		})
	}
	svc, err := bus.NewService(conn.NC, bus.ServiceConfig{Module: name, Version: cfg.Version}, rt.Log)
	if err != nil {
		return nil, err
	}
	rt.Service = svc
	lc.Append(fx.StopHook(svc.Stop))
	return rt, nil
}
