package pgtest_test

import (
	"strings"
	"testing"

	"github.com/athlos/athlos/migrations"
	"github.com/athlos/athlos/storage/pgtest"
	"github.com/jackc/pgx/v5"
)

func TestParallelPoolsAreIsolated(t *testing.T) {
	var names [2]string
	for i := range names {
		t.Run("db", func(t *testing.T) {
			t.Parallel()
			pool := pgtest.NewPool(t)
			ctx := t.Context()
			if err := pool.QueryRow(ctx, "SELECT current_database()").Scan(&names[i]); err != nil {
				t.Fatal(err)
			}
			if _, err := pool.Exec(ctx, "CREATE TABLE public.isolation_probe (v text)"); err != nil {
				t.Fatalf("a fresh database must not have the other test's table: %v", err)
			}
			if _, err := pool.Exec(ctx, "INSERT INTO client.processed_messages (consumer, msg_id) VALUES ('probe', $1)", names[i]); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := pool.QueryRow(ctx, "SELECT count(*) FROM client.processed_messages").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("processed_messages has %d rows, want only this test's 1", n)
			}
		})
	}
	t.Cleanup(func() {
		if names[0] == names[1] || names[0] == "" {
			t.Errorf("parallel tests shared database %q / %q", names[0], names[1])
		}
	})
}

func TestPostGIS(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	ctx := t.Context()
	var version string
	if err := pool.QueryRow(ctx, "SELECT postgis_version()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(version, "3.") {
		t.Fatalf("postgis_version() = %q, want 3.x", version)
	}
	var meters float64
	err := pool.QueryRow(ctx, `SELECT ST_Distance('SRID=4326;POINT(13.4 52.5)'::geography, 'SRID=4326;POINT(13.41 52.5)'::geography)`).Scan(&meters)
	if err != nil {
		t.Fatal(err)
	}
	if meters < 600 || meters > 750 {
		t.Fatalf("distance = %.1f m, want about 679 m", meters)
	}
	var schema string
	if err := pool.QueryRow(ctx, "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'postgis'").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if schema != "public" {
		t.Fatalf("postgis is in schema %q, want public", schema)
	}
}

func TestOutboxTablesAndNotify(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDB(t)
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, m := range migrations.Modules()[1:] {
		for _, table := range []string{"outbox", "processed_messages"} {
			var ok bool
			if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", m+"."+table).Scan(&ok); err != nil {
				t.Fatal(err)
			}
			if !ok {
				t.Errorf("table %s.%s is missing", m, table)
			}
		}
	}

	listener, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close(ctx)
	if _, err := listener.Exec(ctx, "LISTEN training_outbox"); err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `INSERT INTO training.outbox (id, subject, payload)
		VALUES (gen_random_uuid(), 'evt.training.session.completed', '\x7b7d'), (gen_random_uuid(), 'evt.training.session.completed', '\x7b7d')`)
	if err != nil {
		t.Fatal(err)
	}
	n, err := listener.WaitForNotification(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n.Channel != "training_outbox" || n.Payload != "" {
		t.Fatalf("notification = %+v", n)
	}
	var seqs []int64
	rows, err := conn.Query(ctx, "SELECT seq FROM training.outbox ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	seqs, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 2 || seqs[0] >= seqs[1] {
		t.Fatalf("seqs = %v", seqs)
	}
}

func TestAdminURLAndTemplate(t *testing.T) {
	t.Parallel()
	pgtest.NewDB(t) // makes sure the template exists
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, pgtest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var isTemplate, allowConn bool
	err = conn.QueryRow(ctx, "SELECT datistemplate, datallowconn FROM pg_database WHERE datname = $1", pgtest.TemplateName()).Scan(&isTemplate, &allowConn)
	if err != nil {
		t.Fatal(err)
	}
	if !isTemplate || allowConn {
		t.Fatalf("template: datistemplate=%v datallowconn=%v, want true/false", isTemplate, allowConn)
	}
}

func TestNewDBDroppedOnCleanup(t *testing.T) {
	var name string
	t.Run("inner", func(t *testing.T) {
		pool := pgtest.NewPool(t)
		if err := pool.QueryRow(t.Context(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, pgtest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatalf("database %s still exists after its test ended", name)
	}
}

func TestEmptyDB(t *testing.T) {
	t.Parallel()
	conn, err := pgx.Connect(t.Context(), pgtest.NewEmptyDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var n int
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("an empty database must not have postgis")
	}
}
