package migrate_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/athlos/athlos/migrations"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/migrate"
	"github.com/athlos/athlos/storage/pgtest"
)

// openDB opens a *sql.DB on url through its own pool, closed when the test
// ends.
func openDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	pool, err := storage.Open(t.Context(), url, 4)
	if err != nil {
		t.Fatal(err)
	}
	db := migrate.DB(pool)
	t.Cleanup(func() {
		db.Close()
		pool.Close()
	})
	return db
}

func versionRows(t *testing.T, db *sql.DB, module string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM "+migrate.VersionTable(module)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStatusUpAndNoOp(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openDB(t, pgtest.NewEmptyDB(t))
	all := migrations.Modules()

	pending, err := migrate.Pending(ctx, db, all)
	if err != nil {
		t.Fatal(err)
	}
	if !pending {
		t.Fatal("Pending on an empty database = false")
	}
	st, err := migrate.Status(ctx, db, all)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != len(all) {
		t.Fatalf("Status returned %d modules, want %d", len(st), len(all))
	}
	for i, s := range st {
		// Versions may have gaps (each engineer's migrations take a range
		// of numbers): every file is pending.
		if s.Module != all[i] || s.Current != 0 || s.Latest < 1 || s.Pending != migrationCount(t, s.Module) {
			t.Errorf("before Up: %+v", s)
		}
	}
	// Status and Pending must not create version tables.
	var tables int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'goose_version_%'").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Fatalf("Status/Pending created %d version tables", tables)
	}

	var logs bytes.Buffer
	if err := migrate.Up(ctx, db, all, migrate.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))); err != nil {
		t.Fatal(err)
	}
	applied := migrationCount(t, all...)
	if n := strings.Count(logs.String(), "applied migration"); n != applied {
		t.Errorf("Up logged %d applied migrations, want %d:\n%s", n, applied, logs.String())
	}
	for _, want := range []string{"module=client version=2 name=accounts took=", "module=platform version=1 name=postgis took=",
		fmt.Sprintf("msg=\"migrations up to date\" modules=%s applied=%d took=", strings.Join(all, ","), applied)} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("Up's log has no %q:\n%s", want, logs.String())
		}
	}
	rows := map[string]int{}
	for _, m := range all {
		rows[m] = versionRows(t, db, m)
	}
	logs.Reset()
	if err := migrate.Up(ctx, db, all, migrate.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))); err != nil {
		t.Fatalf("second Up: %v", err)
	}
	if strings.Contains(logs.String(), "applied migration") || !strings.Contains(logs.String(), " applied=0 ") {
		t.Errorf("a second Up applied something, or did not say it applied nothing:\n%s", logs.String())
	}
	for _, m := range all {
		if n := versionRows(t, db, m); n != rows[m] {
			t.Errorf("second Up changed %s's version table: %d rows, was %d", m, n, rows[m])
		}
	}

	st, err = migrate.Status(ctx, db, all)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Current != s.Latest || s.Pending != 0 {
			t.Errorf("after Up: %+v", s)
		}
	}
	if pending, err := migrate.Pending(ctx, db, all); err != nil || pending {
		t.Fatalf("Pending after Up = %v, %v", pending, err)
	}
}

func TestUpSubsetRunsPlatformFirst(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openDB(t, pgtest.NewEmptyDB(t))
	if err := migrate.Up(ctx, db, []string{"training"}); err != nil {
		t.Fatal(err)
	}
	st, err := migrate.Status(ctx, db, migrations.Modules())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		applied := s.Module == migrations.Platform || s.Module == "training"
		if applied != (s.Pending == 0) {
			t.Errorf("after Up(training): %+v", s)
		}
	}
	var ok bool
	if err := db.QueryRowContext(ctx, "SELECT to_regclass('training.outbox') IS NOT NULL AND to_regclass('client.outbox') IS NULL").Scan(&ok); err != nil || !ok {
		t.Fatalf("expected training's tables only: %v %v", ok, err)
	}
	if pending, err := migrate.Pending(ctx, db, []string{"training"}); err != nil || pending {
		t.Fatalf("Pending(training) = %v, %v", pending, err)
	}
	if pending, err := migrate.Pending(ctx, db, []string{"training", "social"}); err != nil || !pending {
		t.Fatalf("Pending(training, social) = %v, %v", pending, err)
	}
}

func TestConcurrentUp(t *testing.T) {
	t.Parallel()
	url := pgtest.NewEmptyDB(t)
	all := migrations.Modules()
	dbs := []*sql.DB{openDB(t, url), openDB(t, url), openDB(t, url)}
	var wg sync.WaitGroup
	errs := make([]error, len(dbs))
	for i, db := range dbs {
		wg.Go(func() { errs[i] = migrate.Up(context.Background(), db, all) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Up #%d: %v", i, err)
		}
	}
	for _, m := range all {
		var n int
		if err := dbs[0].QueryRowContext(t.Context(), "SELECT count(*) FROM "+migrate.VersionTable(m)+" WHERE version_id > 0").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := migrationCount(t, m); n != want {
			t.Errorf("module %s: %d applied versions recorded, want %d", m, n, want)
		}
	}
	var locks int
	if err := dbs[0].QueryRowContext(t.Context(), `SELECT count(*) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&locks); err != nil {
		t.Fatal(err)
	}
	if locks != 0 {
		t.Errorf("%d advisory locks still held after Up", locks)
	}
}

func TestUnknownModule(t *testing.T) {
	t.Parallel()
	db := openDB(t, pgtest.NewEmptyDB(t))
	err := migrate.Up(t.Context(), db, []string{"gateway"})
	if !errors.Is(err, migrate.ErrUnknownModule) {
		t.Fatalf("Up(gateway) = %v, want ErrUnknownModule", err)
	}
	if _, err := migrate.Status(t.Context(), db, []string{"nope"}); !errors.Is(err, migrate.ErrUnknownModule) {
		t.Fatalf("Status(nope) = %v, want ErrUnknownModule", err)
	}
}

func TestTemplateDatabaseIsMigrated(t *testing.T) {
	t.Parallel()
	db := openDB(t, pgtest.NewDB(t))
	pending, err := migrate.Pending(t.Context(), db, migrations.Modules())
	if err != nil || pending {
		t.Fatalf("Pending on a pgtest database = %v, %v", pending, err)
	}
}

// migrationCount is how many migration files the modules have.
func migrationCount(t *testing.T, modules ...string) int {
	t.Helper()
	n := 0
	for _, m := range modules {
		files, err := fs.Glob(migrations.FS, m+"/*.sql")
		if err != nil {
			t.Fatal(err)
		}
		n += len(files)
	}
	return n
}

// No index column may store its keys differently from its type. An
// ALTER COLUMN ... SET STORAGE also changes the index columns built on the
// column; a GiST key of PostGIS's (gidx, declared plain) then gets a
// 1-byte header its support functions do not expect, and inserting into
// the index crashes the server (migration training/00010).
func TestIndexColumnsKeepTheirTypesStorage(t *testing.T) {
	t.Parallel()
	db := openDB(t, pgtest.NewDB(t))
	rows, err := db.QueryContext(t.Context(), `
		SELECT n.nspname || '.' || c.relname, a.attname, a.attstorage, ty.typname, ty.typstorage
		FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = i.indexrelid AND a.attnum > 0
		JOIN pg_type ty ON ty.oid = a.atttypid
		WHERE n.nspname = ANY($1) AND a.attstorage <> ty.typstorage`, migrations.Modules()[1:])
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var index, column, storage, typ, typStorage string
		if err := rows.Scan(&index, &column, &storage, &typ, &typStorage); err != nil {
			t.Fatal(err)
		}
		t.Errorf("index %s column %s stores %s keys with storage %q, the type's is %q", index, column, typ, storage, typStorage)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var gist int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%USING gist%'
		AND schemaname = ANY($1)`, migrations.Modules()[1:]).Scan(&gist); err != nil || gist == 0 {
		t.Fatalf("no GiST index found to check (%d, %v)", gist, err)
	}
}
