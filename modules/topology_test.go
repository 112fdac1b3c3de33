package modules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/platform"
	"github.com/athlos/athlos/storage/pgmanaged"
	"github.com/athlos/athlos/storage/pgtest"
)

var (
	addrsMu sync.Mutex
	given   = map[string]bool{}
)

// freeAddr returns a loopback address that is free now and that no other
// call in this test binary returned (the kernel may hand the same free port
// to two quick calls).
func freeAddr(t *testing.T) string {
	t.Helper()
	addrsMu.Lock()
	defer addrsMu.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		a := l.Addr().String()
		_ = l.Close()
		if !given[a] {
			given[a] = true
			return a
		}
	}
}

// dataDir is a data dir the postgres user can reach when tests run as root
// (t.TempDir's folders are 0700).
func dataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "athlos-test-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o711))
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// startApp builds and starts one athlos "process" as an fx app, its front
// (if it runs one) on httpAddr.
func startApp(t *testing.T, cfg *platform.Config, httpAddr ...string) *platform.App {
	t.Helper()
	cfg.Version = "test"
	cfg.Catalogue = modules.Catalogue()
	if cfg.DataDir == "" {
		cfg.DataDir = dataDir(t)
	}
	require.NoError(t, cfg.Validate())
	mcfg := modules.DefaultConfigs()
	if len(httpAddr) > 0 {
		mcfg.Gateway.Listen = httpAddr[0]
	}
	require.NoError(t, mcfg.Validate())
	opts, err := modules.Options(cfg.Modules, mcfg)
	require.NoError(t, err)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	app := platform.NewApp(context.Background(), cfg, log, opts)
	require.NoError(t, platform.StartError(app.Err()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, app.Start(ctx))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = app.Stop(ctx)
	})
	return app
}

func get(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, body
}

// TestSplitTopology runs the gateway in process A and the training module
// only in process B, each with its own NATS connection to one server: an
// HTTP request to A reaches B, and A answers 503 once B is gone.
func TestSplitTopology(t *testing.T) {
	t.Parallel()
	nats := bustest.Server(t)
	natsCfg := platform.NATSConfig{
		URLs: []string{nats.Server.ClientURL()}, User: bus.ServiceUser, Password: nats.Password,
	}
	httpAddr := freeAddr(t)
	startApp(t, &platform.Config{
		Modules: []string{platform.Gateway},
		NATS:    natsCfg,
	}, httpAddr)
	b := startApp(t, &platform.Config{
		Modules: []string{"training"},
		NATS:    natsCfg,
		DB:      platform.DBConfig{URL: pgtest.NewDB(t)},
	})

	status, _, body := get(t, "http://"+httpAddr+"/v1/status/training")
	require.Equal(t, http.StatusOK, status, string(body))
	var st bus.ModuleStatus
	require.NoError(t, json.Unmarshal(body, &st))
	assert.Equal(t, "training", st.Module)
	assert.Equal(t, "test", st.Version)

	// A module that runs nowhere: 503 problem+json, at once.
	status, hdr, body := get(t, "http://"+httpAddr+"/v1/status/social")
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "application/problem+json", hdr.Get("Content-Type"))
	assert.NotEmpty(t, hdr.Get("Retry-After"))
	assert.Contains(t, string(body), `"code":"unavailable"`)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, b.Stop(ctx))
	start := time.Now()
	status, hdr, body = get(t, "http://"+httpAddr+"/v1/status/training")
	assert.Equal(t, http.StatusServiceUnavailable, status, string(body))
	assert.Equal(t, "application/problem+json", hdr.Get("Content-Type"))
	// Before the request timeout (10 s, which would end a hang with 504),
	// with room for a loaded runner's slow request.
	assert.Less(t, time.Since(start), 8*time.Second, "503 comes within the request timeout, not a hang")
}

// TestReadinessFollowsTheDatabase runs every module on a PostgreSQL that
// goes away and comes back: /readyz turns 503 and then 200 again.
func TestReadinessFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	pgDir := filepath.Join(dataDir(t), "pg")
	port := func() int { _, p, _ := net.SplitHostPort(freeAddr(t)); var n int; fmt.Sscan(p, &n); return n }()
	ctx := context.Background()
	pg, err := pgmanaged.Start(ctx, pgmanaged.Config{DataDir: pgDir, Port: port})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })

	httpAddr := freeAddr(t)
	startApp(t, &platform.Config{
		NATS: platform.NATSConfig{Listen: "", WebSocketListen: ""},
		DB:   platform.DBConfig{URL: pg.URL(pgmanaged.Database)},
	}, httpAddr)
	ready := func() int { s, _, _ := get(t, "http://"+httpAddr+"/readyz"); return s }
	require.Equal(t, http.StatusOK, ready())

	require.NoError(t, pg.Stop(ctx))
	require.Eventually(t, func() bool { return ready() == http.StatusServiceUnavailable }, 15*time.Second, 100*time.Millisecond)
	_, _, body := get(t, "http://"+httpAddr+"/readyz")
	assert.Contains(t, string(body), "database")

	pg, err = pgmanaged.Start(ctx, pgmanaged.Config{DataDir: pgDir, Port: port})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return ready() == http.StatusOK }, 30*time.Second, 100*time.Millisecond)
}

// TestTrainingProcessesShareTheIngest runs the training module in two
// processes on one NATS and one database: both pull from the telemetry
// consumer, and when one stops half-way the other takes the rest; every
// point is stored exactly once.
func TestTrainingProcessesShareTheIngest(t *testing.T) {
	t.Parallel()
	nats := bustest.Server(t)
	natsCfg := platform.NATSConfig{URLs: []string{nats.Server.ClientURL()}, User: bus.ServiceUser, Password: nats.Password}
	dbURL := pgtest.NewDB(t)
	startApp(t, &platform.Config{Modules: []string{"training"}, NATS: natsCfg, DB: platform.DBConfig{URL: dbURL}})
	second := startApp(t, &platform.Config{Modules: []string{"training"}, NATS: natsCfg, DB: platform.DBConfig{URL: dbURL}})

	ctx := context.Background()
	db, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer db.Close(ctx)
	const sessions, messages, perMsg = 20, 400, 5
	start := time.Now().UTC().Add(-9 * time.Minute)
	subjects := make([]string, sessions)
	for i := range subjects {
		user, id := uuid.New(), uuid.Must(uuid.NewV7())
		_, err := db.Exec(ctx, `INSERT INTO training.sessions (id, user_id, sport, state, visibility, started_at)
			VALUES ($1, $2, 'run', 'active', 'private', $3)`, id, user, start)
		require.NoError(t, err)
		subjects[i] = "live.telemetry." + user.String() + "." + id.String()
	}
	conn := bustest.Conn(t, nats)
	cons, err := conn.JS.Consumer(ctx, bus.StreamTelemetry, "training__live_telemetry")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		info, err := cons.Info(ctx)
		require.NoError(t, err)
		return info.NumWaiting >= 2
	}, 10*time.Second, 20*time.Millisecond, "both processes pull")

	publish := func(from, to int) {
		for k := from; k < to; k++ {
			pts := make([]map[string]any, perMsg)
			for j := range pts {
				n := k/sessions*perMsg + j // the session's n-th point
				pts[j] = map[string]any{"t": start.Add(time.Duration(n) * time.Second).Format(time.RFC3339Nano),
					"lat": 52.5 + float64(n)*3/111_257.0, "lon": 13.4}
			}
			data, err := json.Marshal(map[string]any{"points": pts})
			require.NoError(t, err)
			_, err = conn.JS.Publish(ctx, subjects[k%sessions], data)
			require.NoError(t, err)
		}
	}
	drained := func() bool {
		info, err := cons.Info(ctx)
		require.NoError(t, err)
		return info.NumPending == 0 && info.NumAckPending == 0
	}
	publish(0, messages/2)
	require.Eventually(t, drained, 20*time.Second, 20*time.Millisecond)
	stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, second.Stop(stopCtx))
	publish(messages/2, messages)
	require.Eventually(t, drained, 20*time.Second, 20*time.Millisecond)

	var stored, distinct int
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*), count(DISTINCT (session_id, t)) FROM training.points`).Scan(&stored, &distinct))
	assert.Equal(t, messages*perMsg, stored)
	assert.Equal(t, stored, distinct)
}
