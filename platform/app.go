package platform

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/dig"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
)

// NewApp builds the fx application of one athlos process: the shared
// infrastructure (NATS, databases, health, metrics) and the given modules.
// Infrastructure is built only when a module asks for it, so a
// gateway-only process never starts PostgreSQL.
//
// ctx bounds the construction: cancelling it (Ctrl-C during a start that
// waits for a cluster or a database) makes the constructors give up.
func NewApp(ctx context.Context, cfg *Config, log *slog.Logger, modules fx.Option) *fx.App {
	return fx.New(
		fx.Supply(cfg, log, StartContext{ctx}),
		fx.Provide(
			func() *Health { return &Health{} },
			NewBus,
			NewDatabases,
			NewMetricsRegistry,
			LoadSecretKey,
		),
		modules,
		fx.StartTimeout(5*time.Minute),
		fx.StopTimeout(cfg.ShutdownTimeout),
		fx.WithLogger(func() fxevent.Logger {
			l := &fxevent.SlogLogger{Logger: log.With("component", "fx")}
			l.UseLogLevel(slog.LevelDebug)
			// Start errors reach the caller (and the log) once, with their
			// root cause; fx's own copies are for debugging.
			l.UseErrorLevel(slog.LevelDebug)
			return l
		}),
	)
}

// StartContext bounds the work constructors do while the app is built
// (connecting, provisioning, migrating).
type StartContext struct{ context.Context }

// StartError reduces an fx construction error to its root cause, the part
// an operator can act on.
func StartError(err error) error {
	if err == nil {
		return nil
	}
	return dig.RootCause(err)
}

// NewMetricsRegistry is the process's Prometheus registry, with the Go
// runtime and process collectors.
func NewMetricsRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}
