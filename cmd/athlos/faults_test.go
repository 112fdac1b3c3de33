package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// faultPhones is how many phones stream during TestFaultsRecoverByThemselves
// (ATHLOS_FAULT_PHONES overrides it for the figures in docs/benchmarks.md).
func faultPhones() int {
	if n, err := strconv.Atoi(os.Getenv("ATHLOS_FAULT_PHONES")); err == nil && n > 0 {
		return n
	}
	return 8
}

// phone is an app streaming telemetry over NATS WebSocket with a stock
// nats.go client (default reconnect behaviour), recording which points
// JetStream acknowledged and what went wrong.
type phone struct {
	userID, sessionID, token string
	started                  time.Time
	nc                       *nats.Conn
	js                       jetstream.JetStream

	mu     sync.Mutex
	acked  map[int64]bool // point times (µs) of acknowledged messages
	sent   map[int64]bool // point times of every message sent
	errs   map[string]map[string]int
	closed atomic.Bool
	seq    int
}

// phase names what the test is doing, for counting errors by fault.
var phase atomic.Value

// fail counts an error under the phase in which its message was sent: a
// publish sent while the server restarts may time out seconds later, when
// the test has moved on to another fault.
func (p *phone) fail(ph, kind string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.errs[ph] == nil {
		p.errs[ph] = map[string]int{}
	}
	p.errs[ph][kind]++
}

// publish sends one message of two points, 200 ms apart in the phone's
// clock, moving north at 3 m/s.
func (p *phone) publish(ctx context.Context) {
	sentIn := phase.Load().(string)
	p.mu.Lock()
	var pts []map[string]any
	var keys []int64
	for range 2 {
		at := p.started.Add(-9 * time.Minute).Add(time.Duration(p.seq) * 200 * time.Millisecond)
		pts = append(pts, map[string]any{"t": at.UTC().Format(time.RFC3339Nano), "lat": 52.5 + float64(p.seq)*0.6/111_195, "lon": 13.4})
		keys = append(keys, at.UnixMicro())
		p.seq++
	}
	for _, k := range keys {
		p.sent[k] = true
	}
	p.mu.Unlock()
	data, _ := json.Marshal(map[string]any{"points": pts})
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := p.js.Publish(pctx, "live.telemetry."+p.userID+"."+p.sessionID, data)
	var apiErr *jetstream.APIError
	switch {
	case err == nil:
		p.mu.Lock()
		for _, k := range keys {
			p.acked[k] = true
		}
		p.mu.Unlock()
	case errors.As(err, &apiErr):
		p.fail(sentIn, "refused: "+apiErr.Description)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout):
		p.fail(sentIn, "no answer")
	default:
		p.fail(sentIn, "not sent: "+err.Error())
	}
}

// httpGet answers a GET's status, 0 when the request failed.
func httpGet(url, token string) int {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// mountTmpfs puts dir on a tmpfs of size MiB when it can (root), so that
// the disk can really fill up.
func mountTmpfs(t *testing.T, dir string, size int) bool {
	if os.Geteuid() != 0 {
		return false
	}
	if err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm,mode=0711", size), "tmpfs", dir).Run(); err != nil {
		return false
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return true
}

// freeBytes is the space left on dir's file system.
func freeBytes(t *testing.T, dir string) uint64 {
	var st syscall.Statfs_t
	require.NoError(t, syscall.Statfs(dir, &st))
	return st.Bavail * uint64(st.Bsize)
}

// TestFaultsRecoverByThemselves drives the built binary as an operator's
// bad day would, while phones stream telemetry over NATS WebSocket and an
// app reads over HTTP: the managed PostgreSQL is killed with SIGKILL, athlos
// is restarted with the phones connected, and (as root, on a tmpfs) the
// disk fills up. Each time it comes back by itself; the phones never give
// up; HTTP answers 503 (never 500) meanwhile; and in the end every point
// JetStream acknowledged is stored exactly once.
func TestFaultsRecoverByThemselves(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts athlos and its PostgreSQL: not in -short")
	}
	t.Parallel()
	phase.Store("start")
	dir := reachableDir(t)
	disk := mountTmpfs(t, dir, 600)
	httpPort, natsPort, wsPort := freePort(t), freePort(t), freePort(t)
	base := "http://127.0.0.1:" + httpPort
	args := []string{"--data-dir", dir, "--http-listen", "127.0.0.1:" + httpPort, "--nats-listen", "127.0.0.1:" + natsPort,
		"--nats-ws-listen", "127.0.0.1:" + wsPort, "--postgres-port", freePort(t), "--disk-min-free-mb", "96"}
	p := start(t, args...)
	waitReady(t, p, base)

	// The phones: an account, an open session, a NATS WebSocket connection
	// with nats.go's defaults (no IgnoreAuthErrorAbort).
	n := faultPhones()
	phones := make([]*phone, n)
	for i := range phones {
		ph := &phone{acked: map[int64]bool{}, sent: map[int64]bool{}, errs: map[string]map[string]int{}}
		var tok struct {
			AccessToken string `json:"access_token"`
			UserID      string `json:"user_id"`
		}
		crashPostJSON(t, base+"/v1/auth/register", "",
			map[string]any{"email": fmt.Sprintf("phone%d@example.com", i), "password": "correct horse battery staple"}, &tok)
		var s struct {
			ID        string    `json:"id"`
			StartedAt time.Time `json:"started_at"`
		}
		crashPostJSON(t, base+"/v1/sessions", tok.AccessToken, map[string]any{"sport": "run"}, &s)
		ph.userID, ph.token, ph.sessionID, ph.started = tok.UserID, tok.AccessToken, s.ID, s.StartedAt
		var rt struct {
			WebSocketURL string `json:"websocket_url"`
			InboxPrefix  string `json:"inbox_prefix"`
		}
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/realtime", nil)
		req.Header.Set("Authorization", "Bearer "+ph.token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&rt))
		resp.Body.Close()
		nc, err := nats.Connect(rt.WebSocketURL, nats.Token(ph.token), nats.CustomInboxPrefix(rt.InboxPrefix),
			nats.ClosedHandler(func(*nats.Conn) { ph.closed.Store(true) }),
			nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		ph.nc = nc
		ph.js, err = jetstream.New(nc)
		require.NoError(t, err)
		phones[i] = ph
	}

	// Stream, and read over HTTP, until told to stop.
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, ph := range phones {
		wg.Go(func() {
			for ctx.Err() == nil {
				ph.publish(ctx)
				time.Sleep(250 * time.Millisecond)
			}
		})
	}
	var httpMu sync.Mutex
	httpStatus := map[string]map[int]int{}
	wg.Go(func() {
		for ctx.Err() == nil {
			code := httpGet(base+"/v1/sessions/"+phones[0].sessionID, phones[0].token)
			httpMu.Lock()
			ph := phase.Load().(string)
			if httpStatus[ph] == nil {
				httpStatus[ph] = map[int]int{}
			}
			httpStatus[ph][code]++
			httpMu.Unlock()
			time.Sleep(100 * time.Millisecond)
		}
	})
	ready := func() bool { return httpGet(base+"/readyz", "") == http.StatusOK }
	waitFor := func(what string, within time.Duration, cond func() bool) time.Duration {
		t.Helper()
		begin := time.Now()
		for !cond() {
			if time.Since(begin) > within {
				t.Fatalf("%s: not within %v\n%s", what, within, p.log())
			}
			time.Sleep(50 * time.Millisecond)
		}
		return time.Since(begin)
	}
	phase.Store("steady")
	time.Sleep(2 * time.Second)

	// 1. The managed PostgreSQL dies.
	phase.Store("postgres killed")
	pidFile, err := os.ReadFile(filepath.Join(dir, "postgres", "pgdata", "postmaster.pid"))
	require.NoError(t, err)
	pgPID, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pidFile), "\n", 2)[0]))
	require.NoError(t, err)
	killed := time.Now()
	require.NoError(t, syscall.Kill(pgPID, syscall.SIGKILL))
	waitFor("not ready after the kill", 10*time.Second, func() bool { return !ready() })
	waitFor("ready again after PostgreSQL was killed", 2*time.Minute, ready)
	t.Logf("PostgreSQL killed: ready again %v after the kill", time.Since(killed).Round(time.Millisecond))
	assert.Eventually(t, func() bool { return strings.Contains(p.log(), "postgres is back") }, 10*time.Second, 50*time.Millisecond,
		"the log says it is back")
	time.Sleep(2 * time.Second)

	// 2. athlos restarts with the phones connected.
	phase.Store("restart")
	stopping := time.Now()
	require.Equal(t, 0, p.stop(t, syscall.SIGTERM), "a clean stop exits 0")
	p = start(t, args...)
	waitReady(t, p, base)
	t.Logf("restart: ready %v after SIGTERM", time.Since(stopping).Round(time.Millisecond))
	reconnected := waitFor("every phone back", time.Minute, func() bool {
		for _, ph := range phones {
			if !ph.nc.IsConnected() {
				return false
			}
		}
		return true
	})
	t.Logf("restart: every phone connected %v after the start", reconnected.Round(time.Millisecond))
	time.Sleep(2 * time.Second)

	// 3. The disk fills up (a real one: the data dir is a tmpfs).
	if disk {
		phase.Store("disk full")
		filler := filepath.Join(dir, "filler")
		f, err := os.Create(filler)
		require.NoError(t, err)
		free := freeBytes(t, dir)
		require.NoError(t, f.Truncate(0))
		chunk := make([]byte, 1<<20)
		for w := uint64(0); w+64<<20 < free; w += uint64(len(chunk)) {
			_, err := f.Write(chunk)
			require.NoError(t, err)
		}
		require.NoError(t, f.Close())
		waitFor("the disk guard turns readiness off", 30*time.Second, func() bool { return !ready() })
		time.Sleep(3 * time.Second) // phones are refused meanwhile
		require.NoError(t, os.Remove(filler))
		back := waitFor("ready again with room", 30*time.Second, ready)
		t.Logf("disk full: ready again %v after the space was freed (the guard looks every 5 s)", back.Round(time.Millisecond))
		time.Sleep(2 * time.Second)
	} else {
		t.Log("the disk is not filled: not root, or no tmpfs")
	}

	// Stop streaming; let the server store what it acknowledged.
	phase.Store("end")
	stop()
	wg.Wait()
	for _, ph := range phones {
		assert.False(t, ph.closed.Load(), "a phone gave up")
	}
	db := crashConnectDB(context.Background(), t, dir)
	defer db.Close(context.Background())
	var missing, extra, total int
	for _, ph := range phones {
		var stored []time.Time
		waitFor("the server stores every acknowledged point", 2*time.Minute, func() bool {
			rows, err := db.Query(context.Background(), "SELECT t FROM training.points WHERE session_id = $1", ph.sessionID)
			if err != nil {
				return false
			}
			stored = stored[:0]
			for rows.Next() {
				var ts time.Time
				if rows.Scan(&ts) == nil {
					stored = append(stored, ts)
				}
			}
			rows.Close()
			have := map[int64]bool{}
			for _, ts := range stored {
				have[ts.UnixMicro()] = true
			}
			for k := range ph.acked {
				if !have[k] {
					return false
				}
			}
			return true
		})
		seen := map[int64]bool{}
		for _, ts := range stored {
			k := ts.UnixMicro()
			if seen[k] || !ph.sent[k] {
				extra++
			}
			seen[k] = true
		}
		for k := range ph.acked {
			if !seen[k] {
				missing++
			}
		}
		total += len(ph.acked)
	}
	assert.Zero(t, missing, "acknowledged points lost")
	assert.Zero(t, extra, "points stored twice or never sent")

	// What the apps saw, by fault.
	errsBy := map[string]map[string]int{}
	for _, ph := range phones {
		for ph2, kinds := range ph.errs {
			if errsBy[ph2] == nil {
				errsBy[ph2] = map[string]int{}
			}
			for k, c := range kinds {
				errsBy[ph2][k] += c
			}
		}
	}
	t.Logf("%d phones, %d acknowledged points, all stored once; NATS errors by phase %v; HTTP statuses by phase %v",
		n, total, errsBy, httpStatus)
	for ph, codes := range httpStatus {
		assert.Zero(t, codes[http.StatusInternalServerError], "HTTP 500 during %s", ph)
	}
	for k := range errsBy["disk full"] {
		assert.True(t, strings.HasPrefix(k, "refused") || strings.HasPrefix(k, "not sent"), "a full disk answers phones with an error, not silence: %s", k)
	}
	assert.Equal(t, 0, p.stop(t, syscall.SIGTERM))
}
