// Package pgtest gives tests isolated PostgreSQL databases with every
// migration applied, cloned from a template in a fraction of a second, so
// store tests run against real PostgreSQL + PostGIS and in parallel.
//
// # The server
//
// All test binaries on a machine share one server:
//
//   - If ATHLOS_TEST_DATABASE_URL is set, it is the admin URL of an existing
//     server (e.g. one that CI started). Its role must be allowed to create
//     databases and, for PostGIS, extensions (a superuser is simplest).
//   - Otherwise the first test that needs a database starts a managed
//     server (package pgmanaged) in <os.TempDir()>/athlos-pgtest-<uid> on
//     port 55432 (DefaultPort), detached, and leaves it running for the next
//     test binaries: `go test ./...` runs package binaries in parallel, and
//     starting a server per binary would cost seconds each. pgmanaged's
//     data dir lock makes parallel binaries wait for the one that starts it;
//     the others adopt it. The server is tuned for tests (more connections,
//     synchronous_commit off) and is for tests only; stop it with
//     `kill -INT $(head -1 /tmp/athlos-pgtest-$(id -u)/pgdata/postmaster.pid)`,
//     and remove the directory to start afresh.
//
// # Databases
//
// The first NewDB in a process makes sure a template database exists for
// the embedded migrations: athlos_tmpl_<hash of the migration files>,
// created once per machine (under an advisory lock, so parallel binaries do
// not race), migrated with migrate.Up for all modules and then marked as a
// template that accepts no connections. A change to any migration file
// yields a new template; templates of other hashes older than a day are
// dropped. NewDB then clones the template (CREATE DATABASE ... TEMPLATE) into
// athlos_test_<unix time>_<random> and drops it WITH (FORCE) when the test
// ends; test databases left behind by a crashed binary are dropped after
// six hours. All functions are safe for t.Parallel tests.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/athlos/athlos/migrations"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/migrate"
	"github.com/athlos/athlos/storage/pgmanaged"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvDatabaseURL names the environment variable with the admin URL of an
// existing server to use instead of a managed one.
const EnvDatabaseURL = "ATHLOS_TEST_DATABASE_URL"

// DefaultPort is the port of the managed test server.
const DefaultPort = 55432

const (
	templatePrefix = "athlos_tmpl_"
	testDBPrefix   = "athlos_test_"
	// templateLockID keys the advisory lock around template creation
	// ("athlostp" in ASCII).
	templateLockID int64 = 0x6174686c6f737470
	// staleTemplateAge and staleTestDBAge bound how long leftovers live.
	staleTemplateAge = 24 * time.Hour
	staleTestDBAge   = 6 * time.Hour
	setupTimeout     = 3 * time.Minute
	dropTimeout      = time.Minute
)

// serverSettings tune the managed test server: many parallel tests across
// many binaries, and durability that a test does not need. fsync stays on,
// so a machine crash cannot corrupt the shared cluster.
var serverSettings = map[string]string{
	"max_connections":    "500",
	"synchronous_commit": "off",
}

// shared is the per-process connection to the test server.
type shared struct {
	adminURL string
	admin    *pgxpool.Pool
}

var (
	setupOnce   sync.Once
	setupResult *shared
	setupErr    error

	tmplMu   sync.Mutex
	tmplName string
)

// DataDir returns the directory of the managed test server.
func DataDir() string {
	return filepath.Join(os.TempDir(), "athlos-pgtest-"+strconv.Itoa(os.Geteuid()))
}

func setup() (*shared, error) {
	setupOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		adminURL := os.Getenv(EnvDatabaseURL)
		if adminURL == "" {
			srv, err := pgmanaged.Start(ctx, pgmanaged.Config{
				DataDir:  DataDir(),
				Port:     DefaultPort,
				Logger:   slog.New(slog.DiscardHandler),
				Settings: serverSettings,
				Detach:   true,
			})
			if err != nil {
				setupErr = fmt.Errorf("pgtest: start the shared test server in %s (set %s to use another server; remove the directory to start afresh): %w",
					DataDir(), EnvDatabaseURL, err)
				return
			}
			adminURL = srv.URL("postgres")
		}
		admin, err := storage.Open(ctx, adminURL, 8)
		if err != nil {
			setupErr = fmt.Errorf("pgtest: connect to the test server: %w", err)
			return
		}
		setupResult = &shared{adminURL: adminURL, admin: admin}
	})
	return setupResult, setupErr
}

// AdminURL returns the URL of the test server's maintenance database
// (postgres), for tests that need the server itself, e.g. to create
// databases of their own. Prefer NewDB.
func AdminURL(t testing.TB) string {
	t.Helper()
	s, err := setup()
	if err != nil {
		t.Fatal(err)
	}
	return s.adminURL
}

// NewDB creates a database cloned from the migrated template and returns
// its URL. The database is dropped when the test ends.
func NewDB(t testing.TB) string {
	t.Helper()
	s, err := setup()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	name := newName()
	for attempt := 0; ; attempt++ {
		tmpl, err := ensureTemplate(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{tmpl}.Sanitize())
		if err == nil {
			break
		}
		var pgErr *pgconn.PgError
		if attempt == 0 && errors.As(err, &pgErr) && pgErr.Code == "3D000" {
			// The template was dropped behind our back (e.g. by another
			// checkout's cleanup): build it again.
			forgetTemplate(tmpl)
			continue
		}
		t.Fatalf("pgtest: create test database from template %s: %v", tmpl, err)
	}
	t.Cleanup(func() { dropDB(t, s, name) })
	u, err := withDatabase(s.adminURL, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// NewEmptyDB creates an empty database (from template0, no migrations) and
// returns its URL; for tests of the migrations themselves. The database is
// dropped when the test ends.
func NewEmptyDB(t testing.TB) string {
	t.Helper()
	s, err := setup()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	name := newName()
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0"); err != nil {
		t.Fatalf("pgtest: create empty test database: %v", err)
	}
	t.Cleanup(func() { dropDB(t, s, name) })
	u, err := withDatabase(s.adminURL, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// NewPool returns a pool on a new database from NewDB. The pool is closed,
// then the database dropped, when the test ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	u := NewDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	pool, err := storage.Open(ctx, u, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func dropDB(t testing.TB, s *shared, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
	defer cancel()
	if _, err := s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Errorf("pgtest: drop test database %s: %v", name, err)
	}
}

func newName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return testDBPrefix + strconv.FormatInt(time.Now().Unix(), 10) + "_" + hex.EncodeToString(b)
}

// TemplateName returns the name of the template database for the embedded
// migrations: a prefix and a hash of every migration file's path and
// content.
func TemplateName() string {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		// The embedded FS cannot fail to read; keep a stable name anyway.
		fmt.Fprintf(h, "walk error: %v", err)
	}
	return templatePrefix + hex.EncodeToString(h.Sum(nil))[:16]
}

func forgetTemplate(name string) {
	tmplMu.Lock()
	defer tmplMu.Unlock()
	if tmplName == name {
		tmplName = ""
	}
}

// ensureTemplate returns the template database, creating and migrating it
// if this machine has none for the embedded migrations yet.
func ensureTemplate(ctx context.Context, s *shared) (string, error) {
	tmplMu.Lock()
	defer tmplMu.Unlock()
	if tmplName != "" {
		return tmplName, nil
	}
	name := TemplateName()

	// A dedicated session holds the advisory lock; closing it releases the
	// lock even if something below fails.
	conn, err := pgx.Connect(ctx, s.adminURL)
	if err != nil {
		return "", fmt.Errorf("pgtest: connect to the test server: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockID); err != nil {
		return "", fmt.Errorf("pgtest: take the template lock: %w", err)
	}

	var isTemplate bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&isTemplate)
	switch {
	case err == nil && isTemplate:
		tmplName = name
		return name, nil
	case err == nil:
		// Left half-built by a binary that died while migrating it.
		if _, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return "", fmt.Errorf("pgtest: drop unfinished template %s: %w", name, err)
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return "", fmt.Errorf("pgtest: look up template %s: %w", name, err)
	}

	if err := buildTemplate(ctx, conn, s.adminURL, name); err != nil {
		return "", err
	}
	dropStale(ctx, conn, name)
	tmplName = name
	return name, nil
}

func buildTemplate(ctx context.Context, conn *pgx.Conn, adminURL, name string) error {
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0"); err != nil {
		return fmt.Errorf("pgtest: create template %s: %w", name, err)
	}
	u, err := withDatabase(adminURL, name)
	if err != nil {
		return err
	}
	pool, err := storage.Open(ctx, u, 4)
	if err != nil {
		return fmt.Errorf("pgtest: connect to template %s: %w", name, err)
	}
	db := migrate.DB(pool)
	err = migrate.Up(ctx, db, migrations.Modules())
	_ = db.Close()
	pool.Close()
	if err != nil {
		return fmt.Errorf("pgtest: migrate template %s: %w", name, err)
	}
	comment := "athlos pgtest template, created " + time.Now().UTC().Format(time.RFC3339)
	if _, err := conn.Exec(ctx, "COMMENT ON DATABASE "+ident+" IS "+quoteLiteral(comment)); err != nil {
		return fmt.Errorf("pgtest: label template %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("pgtest: mark %s as a template: %w", name, err)
	}
	return nil
}

// dropStale drops, best effort, templates of other migration sets created
// more than staleTemplateAge ago and test databases older than
// staleTestDBAge (left by binaries that crashed before their cleanup).
func dropStale(ctx context.Context, conn *pgx.Conn, current string) {
	rows, err := conn.Query(ctx, `SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '')
		FROM pg_database WHERE datname LIKE 'athlos\_tmpl\_%' OR datname LIKE 'athlos\_test\_%'`)
	if err != nil {
		return
	}
	type db struct{ name, comment string }
	var dbs []db
	for rows.Next() {
		var d db
		if rows.Scan(&d.name, &d.comment) == nil {
			dbs = append(dbs, d)
		}
	}
	rows.Close()
	now := time.Now()
	for _, d := range dbs {
		ident := pgx.Identifier{d.name}.Sanitize()
		switch {
		case strings.HasPrefix(d.name, templatePrefix) && d.name != current:
			_, stamp, ok := strings.Cut(d.comment, "created ")
			created, err := time.Parse(time.RFC3339, stamp)
			if !ok || err != nil || now.Sub(created) < staleTemplateAge {
				continue
			}
			if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" WITH IS_TEMPLATE false"); err == nil {
				_, _ = conn.Exec(ctx, "DROP DATABASE "+ident+" WITH (FORCE)")
			}
		case strings.HasPrefix(d.name, testDBPrefix):
			ts, _, _ := strings.Cut(strings.TrimPrefix(d.name, testDBPrefix), "_")
			sec, err := strconv.ParseInt(ts, 10, 64)
			if err != nil || now.Sub(time.Unix(sec, 0)) < staleTestDBAge {
				continue
			}
			_, _ = conn.Exec(ctx, "DROP DATABASE "+ident+" WITH (FORCE)")
		}
	}
}

// withDatabase returns base (a URL or keyword/value connection string)
// with its database replaced by name.
func withDatabase(base, name string) (string, error) {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			return "", fmt.Errorf("pgtest: parse the test server URL: %w", errors.New(strings.ReplaceAll(err.Error(), base, "<url>")))
		}
		u.Path = "/" + name
		u.RawPath = ""
		q := u.Query()
		if q.Has("dbname") {
			q.Del("dbname")
			u.RawQuery = q.Encode()
		}
		return u.String(), nil
	}
	// Keyword/value form: a later setting overrides an earlier one.
	// Names made here need no quoting.
	return base + " dbname=" + name, nil
}

// quoteLiteral quotes s as a SQL string literal.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
