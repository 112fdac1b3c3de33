package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/migrate"
	"github.com/athlos/athlos/storage/pgmanaged"
)

// Databases holds the PostgreSQL pool of every data module this process
// runs. Modules that share a URL share a pool.
type Databases struct {
	pools   map[string]*pgxpool.Pool
	Managed *pgmanaged.Server
}

// Pool returns module m's pool; it panics for a module this process does
// not run, which is a wiring mistake.
func (d *Databases) Pool(m string) *pgxpool.Pool {
	p, ok := d.pools[m]
	if !ok {
		panic("platform: no database pool for module " + m)
	}
	return p
}

// NewDatabases starts the managed PostgreSQL when a module has no URL,
// opens the pools, and migrates the modules this process runs (under an
// advisory lock, so processes starting together are safe).
func NewDatabases(sctx StartContext, lc fx.Lifecycle, cfg *Config, log *slog.Logger, health *Health, reg *prometheus.Registry,
	teardown *Teardown) (d *Databases, err error) {
	ctx, cancel := context.WithTimeout(sctx, 5*time.Minute)
	defer cancel()
	d = &Databases{pools: map[string]*pgxpool.Pool{}}
	var cleanup []func()
	defer func() {
		if err != nil {
			for i := len(cleanup) - 1; i >= 0; i-- {
				cleanup[i]()
			}
		}
	}()

	byURL := map[string][]string{}
	var order []string
	for _, m := range cfg.DataModules() {
		if !cfg.Runs(m) {
			continue
		}
		u := cfg.DatabaseURL(m)
		if u == "" && d.Managed == nil {
			start := time.Now()
			var dir string
			d.Managed, dir, err = StartManaged(ctx, cfg, log)
			if err != nil {
				return nil, err
			}
			managed := d.Managed
			cleanup = append(cleanup, func() { _ = managed.Stop(context.Background()) })
			// Stop hooks run in reverse: this one runs after the pools
			// closed. The teardown stops it even if the stop ran out of
			// time before this hook (Stop is idempotent, and when it
			// returns the server is gone).
			lc.Append(fx.StopHook(func(ctx context.Context) error { return managed.Stop(ctx) }))
			teardown.Add(func(ctx context.Context) {
				if err := managed.Stop(ctx); err != nil {
					log.Warn("stopping postgres", "err", err)
				}
			})
			log.Info("postgres listening", "addr", fmt.Sprintf("127.0.0.1:%d", managed.Port()), "socket_url", managed.URL(pgmanaged.Database),
				"files", dir, "took", time.Since(start).Round(time.Millisecond))
		}
		if u == "" {
			u = d.Managed.URL(pgmanaged.Database)
		}
		if _, seen := byURL[u]; !seen {
			order = append(order, u)
		}
		byURL[u] = append(byURL[u], m)
	}

	var labelled []labelledPool
	for i, u := range order {
		modules := byURL[u]
		pool, err := openWithRetry(ctx, u, cfg.DB.MaxConns, log)
		if err != nil {
			return nil, fmt.Errorf("database for %v: %w", modules, err)
		}
		cleanup = append(cleanup, pool.Close)
		db := stdlib.OpenDBFromPool(pool)
		if err := migrate.Up(ctx, db, modules, migrate.WithLogger(log)); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("migrate %v: %w", modules, err)
		}
		for _, m := range modules {
			d.pools[m] = pool
		}
		lp := labelledPool{pool: pool, modules: strings.Join(modules, ","),
			database: databaseLabel(pool.Config(), d.Managed != nil && u == d.Managed.URL(pgmanaged.Database))}
		labelled = append(labelled, lp)
		log.Info("database ready", "modules", lp.modules, "database", lp.database, "max_conns", cfg.DB.MaxConns)
		name := fmt.Sprintf("database-%d", i+1)
		if len(order) == 1 {
			name = "database"
		}
		health.Add(name, func(ctx context.Context) error { return storage.Ping(ctx, pool) })
		health.Add(name+"-migrations", func(ctx context.Context) error {
			pending, err := migrate.Pending(ctx, db, modules)
			if err != nil {
				return err
			}
			if pending {
				return errors.New("migrations pending")
			}
			return nil
		})
		lc.Append(fx.StopHook(func() { _ = db.Close(); pool.Close() }))
	}
	if err := reg.Register(newPoolCollector(labelled)); err != nil {
		return nil, fmt.Errorf("register database metrics: %w", err)
	}
	if m := d.Managed; m != nil {
		err := errors.Join(
			reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "athlos_postgres_managed_restarts_total",
				Help: "Times the managed PostgreSQL was started again after it died."}, func() float64 { return float64(m.Restarts()) })),
			reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "athlos_postgres_managed_up",
				Help: "1 while the managed PostgreSQL's postmaster runs."}, func() float64 {
				if m.Running() {
					return 1
				}
				return 0
			})))
		if err != nil {
			return nil, fmt.Errorf("register managed database metrics: %w", err)
		}
	}
	return d, nil
}

// StartManaged starts the managed PostgreSQL of cfg's data dir and returns
// it with the directory its files are in: <DataDir>/postgres, or where that
// links to (pgmanaged.ResolveDataDir), which it then says at INFO, at every
// start, so that nobody deletes the data dir believing the database goes
// with it. pgmanaged.ErrDataDirInUse comes back with the directory, for
// commands that then use the running server.
func StartManaged(ctx context.Context, cfg *Config, log *slog.Logger) (*pgmanaged.Server, string, error) {
	link := filepath.Join(cfg.DataDir, "postgres")
	dir, err := pgmanaged.ResolveDataDir(link, log)
	if err != nil {
		return nil, "", err
	}
	if dir != link {
		log.Info("the managed PostgreSQL's files live outside the data dir, linked from it; "+
			"`athlos admin remove-data-dir` removes both", "link", link, "files", dir)
	}
	srv, err := pgmanaged.Start(ctx, pgmanaged.Config{DataDir: dir, Port: cfg.DB.ManagedPort, Logger: log})
	var inUse *pgmanaged.PortInUseError
	if errors.As(err, &inUse) {
		return nil, dir, fmt.Errorf("%w (--postgres-port)", err)
	}
	return srv, dir, err
}

// openWithRetry opens a pool, waiting for a database that is still coming
// up (processes of a cluster may start before it) until ctx ends.
func openWithRetry(ctx context.Context, url string, maxConns int32, log *slog.Logger) (*pgxpool.Pool, error) {
	for attempt := 1; ; attempt++ {
		pool, err := storage.Open(ctx, url, maxConns)
		if err == nil {
			return pool, nil
		}
		if attempt == 1 || attempt%10 == 0 {
			log.Warn("database not reachable yet, retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Second):
		}
	}
}
