// Package migrate runs the embedded SQL migrations of package migrations
// with goose v3, one module at a time.
//
// Each migration folder (migrations.Modules) has its own goose version
// table, public.goose_version_<module> (see VersionTable), so modules evolve
// independently and a module can later move to its own database with its
// history. The tables live in schema public because goose creates its
// version table before the first migration runs, and that first migration
// is the one that creates the module's schema; a table inside the module's
// schema would therefore need the schema to exist beforehand.
//
// Up always migrates the platform folder (PostGIS) first, then the
// requested modules in migrations.Modules order. A whole Up runs under a
// PostgreSQL session advisory lock (LockID) held on a dedicated connection,
// so processes that start together take turns: the first applies the
// migrations, the others find nothing pending. The lock is per database.
// Status and Pending take no lock and change nothing, not even creating a
// version table, so they are safe for readiness checks.
package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/athlos/athlos/migrations"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

// LockID is the key of the session advisory lock ("athlosmg" in ASCII)
// held while Up runs.
const LockID int64 = 0x6174686c6f736d67

// ErrUnknownModule means a module name has no migration folder.
var ErrUnknownModule = errors.New("migrate: unknown module")

// ModuleStatus is the migration state of one module in one database.
type ModuleStatus struct {
	// Module is the migration folder name.
	Module string
	// Current is the highest version applied (0: none).
	Current int64
	// Latest is the highest version embedded in this binary.
	Latest int64
	// Pending is how many embedded migrations are not applied yet.
	Pending int
}

// Option configures Up.
type Option func(*options)

type options struct {
	logger *slog.Logger
}

// WithLogger makes Up log each migration it applies (module, version, name,
// duration) to logger, and then one line with how many it applied in all.
// By default Up logs nothing.
func WithLogger(logger *slog.Logger) Option {
	return func(o *options) { o.logger = logger }
}

// VersionTable returns the goose version table of a module.
func VersionTable(module string) string {
	return "public.goose_version_" + module
}

// DB returns a *sql.DB that borrows its connections from pool, for Up,
// Status and Pending. Closing it does not close pool. Up needs two
// connections at once (one holds the lock), so pool must allow at least two.
func DB(pool *pgxpool.Pool) *sql.DB {
	return stdlib.OpenDBFromPool(pool)
}

// plan returns the folders to migrate for modules: platform first, then
// the requested ones in migrations.Modules order, each once.
func plan(modules []string) ([]string, error) {
	known := migrations.Modules()
	want := map[string]bool{migrations.Platform: true}
	for _, m := range modules {
		if !slices.Contains(known, m) {
			return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownModule, m, strings.Join(known, ", "))
		}
		want[m] = true
	}
	out := make([]string, 0, len(want))
	for _, m := range known {
		if want[m] {
			out = append(out, m)
		}
	}
	return out, nil
}

// provider returns the goose provider of one module folder.
func provider(db *sql.DB, module string) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations.FS, module)
	if err != nil {
		return nil, fmt.Errorf("migrate: module %s: open migrations: %w", module, err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub,
		goose.WithTableName(VersionTable(module)),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		return nil, fmt.Errorf("migrate: module %s: %w", module, err)
	}
	return p, nil
}

// unlockTimeout bounds releasing the lock after Up, even if ctx has ended.
const unlockTimeout = 10 * time.Second

// Up applies every pending migration of platform and modules, in order,
// under the advisory lock LockID. It returns the first failure, naming the
// module; migrations applied before it stay applied (each migration runs in
// its own transaction unless it says otherwise).
func Up(ctx context.Context, db *sql.DB, modules []string, opts ...Option) (err error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	order, err := plan(modules)
	if err != nil {
		return err
	}
	providers := make([]*goose.Provider, len(order))
	for i, m := range order {
		if providers[i], err = provider(db, m); err != nil {
			return err
		}
	}

	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: get a connection for the migration lock: %w", err)
	}
	defer conn.Close()
	begin := time.Now()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", LockID); err != nil {
		return fmt.Errorf("migrate: take the migration lock: %w", err)
	}
	if o.logger != nil {
		if wait := time.Since(begin); wait > time.Second {
			o.logger.Info("waited for the migration lock", "took", wait.Round(time.Millisecond))
		}
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
		defer cancel()
		if _, uerr := conn.ExecContext(uctx, "SELECT pg_advisory_unlock($1)", LockID); uerr != nil {
			// Never hand a session that may still hold the lock back to a
			// pool: closing it ends the session and frees the lock.
			discard(uctx, conn)
			if err == nil {
				err = fmt.Errorf("migrate: release the migration lock: %w", uerr)
			}
		}
	}()

	applied := 0
	for i, p := range providers {
		results, err := p.Up(ctx)
		var partial *goose.PartialError
		if errors.As(err, &partial) {
			results = partial.Applied
		}
		applied += len(results)
		if o.logger != nil {
			for _, r := range results {
				o.logger.Info("applied migration", "module", order[i], "version", r.Source.Version,
					"name", migrationName(r.Source.Path), "took", r.Duration.Round(time.Microsecond))
			}
		}
		if err != nil {
			return fmt.Errorf("migrate: module %s: %w", order[i], err)
		}
	}
	if o.logger != nil {
		o.logger.Info("migrations up to date", "modules", strings.Join(order, ","), "applied", applied,
			"took", time.Since(begin).Round(time.Millisecond))
	}
	return nil
}

// migrationName is a migration's name: its file's, without the version
// and the extension (00002_accounts.sql: accounts).
func migrationName(file string) string {
	name := strings.TrimSuffix(path.Base(file), path.Ext(file))
	if _, rest, ok := strings.Cut(name, "_"); ok {
		return rest
	}
	return name
}

// discard closes the physical connection behind conn.
func discard(ctx context.Context, conn *sql.Conn) {
	_ = conn.Raw(func(dc any) error {
		if c, ok := dc.(*stdlib.Conn); ok {
			return c.Conn().Close(ctx)
		}
		if c, ok := dc.(interface{ Close() error }); ok {
			return c.Close()
		}
		return nil
	})
}

// Status reports the migration state of platform and modules, in the order
// Up would migrate them. It takes no lock and writes nothing.
func Status(ctx context.Context, db *sql.DB, modules []string) ([]ModuleStatus, error) {
	order, err := plan(modules)
	if err != nil {
		return nil, err
	}
	out := make([]ModuleStatus, 0, len(order))
	for _, m := range order {
		p, err := provider(db, m)
		if err != nil {
			return nil, err
		}
		sources := p.ListSources()
		st := ModuleStatus{Module: m, Latest: sources[len(sources)-1].Version}
		exists, err := tableExists(ctx, db, VersionTable(m))
		if err != nil {
			return nil, err
		}
		if !exists {
			st.Pending = len(sources)
			out = append(out, st)
			continue
		}
		migs, err := p.Status(ctx)
		if err != nil {
			return nil, fmt.Errorf("migrate: module %s: status: %w", m, err)
		}
		for _, s := range migs {
			if s.State == goose.StatePending {
				st.Pending++
			}
		}
		if st.Current, err = p.GetDBVersion(ctx); err != nil {
			return nil, fmt.Errorf("migrate: module %s: read version: %w", m, err)
		}
		out = append(out, st)
	}
	return out, nil
}

// Pending reports whether platform or any of modules has migrations not yet
// applied; it backs the migrations part of /readyz. It takes no lock and
// writes nothing. A migration missing from the middle of the applied
// history (out of order) is reported as an error.
func Pending(ctx context.Context, db *sql.DB, modules []string) (bool, error) {
	order, err := plan(modules)
	if err != nil {
		return false, err
	}
	for _, m := range order {
		exists, err := tableExists(ctx, db, VersionTable(m))
		if err != nil {
			return false, err
		}
		if !exists {
			return true, nil
		}
		p, err := provider(db, m)
		if err != nil {
			return false, err
		}
		pending, err := p.HasPending(ctx)
		if err != nil {
			return false, fmt.Errorf("migrate: module %s: check pending migrations: %w", m, err)
		}
		if pending {
			return true, nil
		}
	}
	return false, nil
}

func tableExists(ctx context.Context, db *sql.DB, table string) (bool, error) {
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil {
		return false, fmt.Errorf("migrate: look up table %s: %w", table, err)
	}
	return exists, nil
}
