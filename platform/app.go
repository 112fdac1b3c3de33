package platform

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
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
func NewApp(ctx context.Context, cfg *Config, log *slog.Logger, modules fx.Option) *App {
	teardown := &Teardown{}
	return &App{teardown: teardown, App: fx.New(options(ctx, cfg, log, teardown, modules))}
}

// ValidateApp checks, without running anything, that the app of cfg and
// modules would have every dependency it needs (fx.ValidateApp).
func ValidateApp(cfg *Config, log *slog.Logger, modules fx.Option) error {
	return fx.ValidateApp(options(context.Background(), cfg, log, &Teardown{}, modules))
}

func options(ctx context.Context, cfg *Config, log *slog.Logger, teardown *Teardown, modules fx.Option) fx.Option {
	debug := fx.Options()
	if cfg.DebugListen != "" {
		debug = fx.Invoke(startDebugListener)
	}
	return fx.Options(
		debug,
		fx.Supply(cfg, log, StartContext{ctx}, teardown),
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

// App is an athlos process's fx application.
type App struct {
	*fx.App
	teardown *Teardown
}

// Stop stops the app: fx's stop hooks in reverse order, then the
// teardown, whatever happened to them. fx skips the remaining hooks once
// ctx ends; the teardown runs anyway, with a moment of its own.
func (a *App) Stop(ctx context.Context) error {
	err := a.App.Stop(ctx)
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
	defer cancel()
	a.teardown.run(tctx)
	return err
}

// teardownTimeout bounds the teardown when the stop ran out of time.
const teardownTimeout = 30 * time.Second

// Teardown holds what must be stopped whatever happens to the app's stop,
// such as child processes (the managed PostgreSQL): a stop that runs out
// of time skips fx's remaining stop hooks and would leave them running.
// Each function is also an fx stop hook in its place; they must be safe
// to call twice.
type Teardown struct {
	mu  sync.Mutex
	fns []func(context.Context)
}

// Add registers fn, which runs after the app's stop, last added first.
func (t *Teardown) Add(fn func(context.Context)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fns = append(t.fns, fn)
}

func (t *Teardown) run(ctx context.Context) {
	t.mu.Lock()
	fns := t.fns
	t.fns = nil
	t.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i](ctx)
	}
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
// runtime and process collectors and athlos_build_info.
func NewMetricsRegistry(cfg *Config) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(cfg))
	return reg
}

// buildInfo is the gauge athlos_build_info{version,revision,go_version} 1,
// the build this process runs (revision "" when unknown).
func buildInfo(cfg *Config) prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "athlos_build_info",
		Help:        "The build this process runs: its version, the commit it was built from (empty when unknown) and the Go toolchain; always 1.",
		ConstLabels: prometheus.Labels{"version": cfg.Version, "revision": cfg.Revision, "go_version": runtime.Version()},
	})
	g.Set(1)
	return g
}
