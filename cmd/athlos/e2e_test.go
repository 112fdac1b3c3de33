package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/storage/pgtest"
)

// These tests build the real binary and run it as a process.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func athlosBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "athlos-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "athlos")
		// Stamped with the commit even where GOFLAGS says -buildvcs=false
		// (TestVersion).
		out, err := exec.Command("go", "build", "-buildvcs=true", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	require.NoError(t, buildErr, binPath)
	return binPath
}

var (
	portsMu sync.Mutex
	given   = map[string]bool{}
)

// freePort returns a loopback port that is free now and that no other
// call in this test binary returned: the kernel may hand the same free port
// to two quick calls, and one process would then take both.
func freePort(t testing.TB) string {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		_, p, _ := net.SplitHostPort(l.Addr().String())
		_ = l.Close()
		if !given[p] {
			given[p] = true
			return p
		}
	}
}

// reachableDir is a data dir the postgres user can reach when the test
// runs as root.
func reachableDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "athlos-e2e-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o711))
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

type proc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs strings.Builder
	done chan struct{}
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

func start(t testing.TB, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(athlosBinary(t), append([]string{"serve"}, args...)...)
	// No drain on stops unless a test asks (--drain-period).
	cmd.Env = append(os.Environ(), "ATHLOS_LOG_LEVEL=info", "ATHLOS_DRAIN_PERIOD=0s")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	p := &proc{cmd: cmd, done: make(chan struct{})}
	require.NoError(t, cmd.Start())
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.logs.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("athlos %v log:\n%s", args, p.log())
		}
	})
	return p
}

func waitReady(t testing.TB, p *proc, base string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("athlos exited before it was ready:\n%s", p.log())
		default:
		}
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("athlos not ready in time:\n%s", p.log())
}

func (p *proc) stop(t testing.TB, sig syscall.Signal) int {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig))
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("athlos did not stop after %v:\n%s", sig, p.log())
	}
	return p.cmd.ProcessState.ExitCode()
}

func statusOf(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestServeStartStopRestartAndKill runs `athlos serve` with everything in
// one process on a fresh data dir (initdb included), stops it with
// SIGTERM, starts it again on the same data, kills it with SIGKILL and
// checks the next start recovers by itself.
func TestServeStartStopRestartAndKill(t *testing.T) {
	t.Parallel()
	dir := reachableDir(t)
	httpPort := freePort(t)
	base := "http://127.0.0.1:" + httpPort
	pgPort := freePort(t)
	args := []string{"--data-dir", dir, "--http-listen", "127.0.0.1:" + httpPort,
		"--nats-listen", "127.0.0.1:" + freePort(t), "--nats-ws-listen", "127.0.0.1:" + freePort(t),
		"--postgres-port", pgPort}

	p := start(t, append(args, "--log-format", "json")...)
	waitReady(t, p, base)
	checkJSONLog(t, p.log())
	assert.Contains(t, p.log(), `"msg":"database ready","modules":"client,training,social,gamification,promo","database":"managed:`+
		pgPort+`/athlos","max_conns":20}`)
	assert.Equal(t, http.StatusOK, statusOf(t, base+"/v1/status/client"))
	for _, line := range []string{"nats listening", "nats websocket listening", "postgres listening", "http front listening"} {
		assert.Contains(t, p.log(), line)
	}
	// The build this process runs, as `athlos version` says it.
	version, revision := versionOf(t, athlosBinary(t))
	metrics := get(t, base+"/metrics")
	assert.Contains(t, metrics, `athlos_build_info{go_version="`+runtime.Version()+`",revision="`+revision+
		`",version="`+version+`"} 1`)
	// The modules share the managed database's one pool: one series.
	assert.Contains(t, metrics, "\nathlos_db_pool_max_connections{database=\"managed:"+pgPort+
		"/athlos\",pool=\"client,training,social,gamification,promo\"} 20\n")
	assert.Equal(t, 1, strings.Count(metrics, "\nathlos_db_pool_max_connections{"))
	assert.Equal(t, 0, p.stop(t, syscall.SIGTERM), "a clean stop exits 0")
	assert.Contains(t, p.log(), "athlos stopped")

	p = start(t, args...)
	waitReady(t, p, base)
	assert.Equal(t, http.StatusOK, statusOf(t, base+"/v1/status/training"))
	p.stop(t, syscall.SIGKILL)

	p = start(t, args...)
	waitReady(t, p, base)
	assert.Equal(t, http.StatusOK, statusOf(t, base+"/v1/status/promo"))
	assert.Equal(t, 0, p.stop(t, syscall.SIGTERM))
}

// checkJSONLog checks a first start's JSON log: every line is an object,
// durations are seconds (numbers far below the nanoseconds slog writes by
// default), and the migrations that ran are named.
func checkJSONLog(t *testing.T, log string) {
	t.Helper()
	var migrations []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var rec map[string]any
		if !assert.NoError(t, json.Unmarshal([]byte(line), &rec), line) {
			continue
		}
		for _, key := range []string{"took", "duration", "down_for", "lasted"} {
			if v, ok := rec[key]; ok {
				secs, isNumber := v.(float64)
				assert.True(t, isNumber && secs >= 0 && secs < 1000, "%s is not seconds: %s", key, line)
			}
		}
		if rec["msg"] == "applied migration" {
			migrations = append(migrations, rec)
		}
	}
	named := map[string]bool{}
	for _, m := range migrations {
		_, took := m["took"].(float64)
		assert.True(t, took, "%v", m)
		named[fmt.Sprint(m["module"], " ", m["version"], " ", m["name"])] = true
	}
	assert.True(t, named["platform 1 postgis"], "the migrations that ran are named: %v", named)
	assert.True(t, named["client 2 accounts"], "the migrations that ran are named: %v", named)
	assert.Contains(t, log, `"msg":"migrations up to date","modules":"platform,client,gamification,promo,social,training","applied":`)
}

// TestSplitProcesses runs the gateway and client in process A (with the
// embedded NATS) and training alone in process B, connected to A's NATS:
// A's front reaches training in B, and answers 503 once B is stopped.
func TestSplitProcesses(t *testing.T) {
	t.Parallel()
	dirA := reachableDir(t)
	httpPort, natsPort := freePort(t), freePort(t)
	base := "http://127.0.0.1:" + httpPort
	a := start(t, "--modules", "gateway,client", "--data-dir", dirA, "--http-listen", "127.0.0.1:"+httpPort,
		"--nats-listen", "127.0.0.1:"+natsPort, "--nats-ws-listen", "", "--postgres-port", freePort(t))
	waitReady(t, a, base)
	assert.Equal(t, http.StatusServiceUnavailable, statusOf(t, base+"/v1/status/training"))

	password, err := os.ReadFile(filepath.Join(dirA, "nats", "service-password"))
	require.NoError(t, err)
	b := start(t, "--modules", "training", "--data-dir", reachableDir(t),
		"--nats", "nats://127.0.0.1:"+natsPort, "--nats-password", strings.TrimSpace(string(password)),
		"--database-url", pgtest.NewDB(t))
	require.Eventually(t, func() bool { return statusOf(t, base+"/v1/status/training") == http.StatusOK },
		time.Minute, 50*time.Millisecond, "process B never answered:\n%s", b.log())
	// B answers as soon as its service is up, before its consumers are;
	// a SIGTERM before it has started is a failed start (exit 1).
	require.Eventually(t, func() bool { return strings.Contains(b.log(), "athlos started") },
		time.Minute, 20*time.Millisecond, "process B never finished starting:\n%s", b.log())

	assert.Equal(t, 0, b.stop(t, syscall.SIGTERM))
	assert.Equal(t, http.StatusServiceUnavailable, statusOf(t, base+"/v1/status/training"))
	assert.Equal(t, 0, a.stop(t, syscall.SIGTERM))
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" && buildErr == nil {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
