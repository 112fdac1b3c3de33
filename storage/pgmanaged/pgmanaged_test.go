package pgmanaged

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The helper process: TestMain re-runs the test binary with these variables
// set to start a server in a process that the test can kill -9.
const (
	envHelperDir    = "PGMANAGED_TEST_HELPER_DIR"
	envHelperPort   = "PGMANAGED_TEST_HELPER_PORT"
	envHelperDetach = "PGMANAGED_TEST_HELPER_DETACH"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(envHelperDir); dir != "" {
		runHelper(dir)
		return
	}
	code := m.Run()
	if golden.dir != "" {
		_ = os.RemoveAll(filepath.Dir(golden.dir))
	}
	os.Exit(code)
}

// runHelper starts a server, reports it on stdout and blocks until killed.
func runHelper(dir string) {
	port, _ := strconv.Atoi(os.Getenv(envHelperPort))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := Start(ctx, Config{
		DataDir: dir,
		Port:    port,
		Logger:  slog.New(slog.DiscardHandler),
		Detach:  os.Getenv(envHelperDetach) == "1",
	})
	if err != nil {
		fmt.Printf("ERROR %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("READY %d %s\n", srv.PID(), srv.URL(Database))
	select {}
}

// testDir returns a new directory that the server's user can reach even
// when the tests run as root (t.TempDir's directories are mode 0700).
func testDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pgmanaged-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func freePort(t *testing.T) int {
	t.Helper()
	port, err := pickPort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

var (
	portsMu sync.Mutex
	given   = map[int]bool{}
)

// pickPort returns a free loopback port that no earlier call in this test
// binary returned: the kernel may hand a port just closed to the next
// quick call again, and two servers of parallel tests on one port fail.
func pickPort() (int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if !given[port] {
			given[port] = true
			return port, nil
		}
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	srv, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return srv
}

func stop(t *testing.T, srv *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func exec1(t *testing.T, url, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

func queryString(t *testing.T, url, sql string) string {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var s string
	if err := conn.QueryRow(t.Context(), sql).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

var golden struct {
	once sync.Once
	dir  string
	err  error
}

// preparedDir returns a data dir holding an initialised, stopped cluster,
// copied from one made once per test binary, to spare each test an initdb.
func preparedDir(t *testing.T) string {
	t.Helper()
	golden.once.Do(func() {
		dir, err := os.MkdirTemp("", "pgmanaged-golden-")
		if err == nil {
			err = os.Chmod(dir, 0o755)
		}
		if err != nil {
			golden.err = err
			return
		}
		golden.dir = filepath.Join(dir, "pg")
		port, err := pickPort()
		if err != nil {
			golden.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		srv, err := Start(ctx, Config{DataDir: golden.dir, Port: port, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			golden.err = err
			return
		}
		golden.err = srv.Stop(ctx)
	})
	if golden.err != nil {
		t.Fatal(golden.err)
	}
	dst := filepath.Join(testDir(t), "pg")
	if out, err := exec.Command("cp", "-a", golden.dir, dst).CombinedOutput(); err != nil {
		t.Fatalf("copy prepared cluster: %v: %s", err, out)
	}
	return dst
}

func TestFreshStartStopRestart(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(testDir(t), "data", "postgres")
	port := freePort(t)
	srv := start(t, Config{DataDir: dataDir, Port: port})
	if !srv.Running() {
		t.Fatal("Running() = false after Start")
	}
	url := srv.URL(Database)
	if got := queryString(t, url, "SELECT current_user || '/' || current_database() || '/' || pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()"); got != "athlos/athlos/UTF8" {
		t.Fatalf("user/database/encoding = %q", got)
	}
	if got := queryString(t, url, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"); got != "true" {
		t.Fatalf("athlos is not a superuser: %s", got)
	}
	exec1(t, url, "CREATE EXTENSION postgis")
	exec1(t, url, "CREATE TABLE survivor (v text)")
	exec1(t, url, "INSERT INTO survivor VALUES ('kept')")

	// TCP needs the password.
	if got := queryString(t, srv.TCPURL(Database), "SELECT 'tcp ok'"); got != "tcp ok" {
		t.Fatal(got)
	}
	bad := fmt.Sprintf("postgres://athlos:wrong@127.0.0.1:%d/athlos?sslmode=disable", port)
	if conn, err := pgx.Connect(t.Context(), bad); err == nil {
		conn.Close(t.Context())
		t.Fatal("TCP connection with a wrong password succeeded")
	}
	for _, p := range []string{dataDir, filepath.Join(dataDir, "run"), filepath.Join(dataDir, "password")} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %o, want no group/other access", p, st.Mode().Perm())
		}
	}

	// A second attached server on the same data dir is refused at once.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := Start(ctx, Config{DataDir: dataDir, Port: port, Logger: testLogger(t)}); !errors.Is(err, ErrDataDirInUse) {
		t.Fatalf("second Start = %v, want ErrDataDirInUse", err)
	}

	pid := srv.PID()
	stop(t, srv)
	if srv.Running() {
		t.Fatal("Running() = true after Stop")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("postmaster %d still exists after Stop: %v", pid, err)
	}
	if err := srv.Stop(t.Context()); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "pgdata", "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("postmaster.pid left after Stop: %v", err)
	}

	srv = start(t, Config{DataDir: dataDir, Port: port})
	if got := queryString(t, srv.URL(Database), "SELECT v FROM survivor"); got != "kept" {
		t.Fatalf("row after restart = %q", got)
	}
	if got := queryString(t, srv.TCPURL(Database), "SELECT 'tcp ok'"); got != "tcp ok" {
		t.Fatal(got)
	}
}

// startHelper runs a server in a child process and returns the child, the
// postmaster's pid and the server URL.
func startHelper(t *testing.T, dataDir string, port int, detach bool) (*exec.Cmd, int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envHelperDir+"="+dataDir, envHelperPort+"="+strconv.Itoa(port))
	if detach {
		cmd.Env = append(cmd.Env, envHelperDetach+"=1")
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper: %v (output %q)", err, line)
	}
	var pid int
	var url string
	if _, err := fmt.Sscanf(line, "READY %d %s", &pid, &url); err != nil {
		t.Fatalf("helper said %q", line)
	}
	return cmd, pid, url
}

func killHelper(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

func waitPidGone(t *testing.T, pid int, pgData string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if st := inspect(pid, pgData); st != procOurs {
			return
		}
		time.Sleep(pollInterval)
	}
	t.Fatalf("postmaster %d still running after %v", pid, within)
}

// TestKilledOwner: athlos is killed with SIGKILL; the parent-death signal
// makes the server shut down by itself, and the next Start finds the data.
func TestKilledOwner(t *testing.T) {
	t.Parallel()
	dataDir := preparedDir(t)
	port := freePort(t)
	cmd, pid, url := startHelper(t, dataDir, port, false)
	exec1(t, url, "CREATE TABLE survivor (v text)")
	exec1(t, url, "INSERT INTO survivor VALUES ('kept')")

	if st := inspect(pid, filepath.Join(dataDir, "pgdata")); st != procOurs {
		t.Fatalf("inspect(postmaster) = %v, want procOurs", st)
	}
	killHelper(t, cmd)
	waitPidGone(t, pid, filepath.Join(dataDir, "pgdata"), 30*time.Second)

	srv := start(t, Config{DataDir: dataDir, Port: port})
	if got := queryString(t, srv.URL(Database), "SELECT v FROM survivor"); got != "kept" {
		t.Fatalf("row after kill -9 = %q", got)
	}
}

// TestKilledOwnerImmediateRestart: Start right after the kill, while the
// orphaned server may still be shutting down.
func TestKilledOwnerImmediateRestart(t *testing.T) {
	t.Parallel()
	dataDir := preparedDir(t)
	port := freePort(t)
	cmd, _, url := startHelper(t, dataDir, port, false)
	exec1(t, url, "CREATE TABLE survivor (v text)")
	exec1(t, url, "INSERT INTO survivor VALUES ('kept')")
	killHelper(t, cmd)

	srv := start(t, Config{DataDir: dataDir, Port: port})
	if got := queryString(t, srv.URL(Database), "SELECT v FROM survivor"); got != "kept" {
		t.Fatalf("row after kill -9 = %q", got)
	}
}

// TestOrphanIsReplaced: a detached server outlives its killed owner; an
// attached Start stops it and runs its own.
func TestOrphanIsReplaced(t *testing.T) {
	t.Parallel()
	dataDir := preparedDir(t)
	port := freePort(t)
	cmd, pid, url := startHelper(t, dataDir, port, true)
	exec1(t, url, "CREATE TABLE survivor (v text)")
	exec1(t, url, "INSERT INTO survivor VALUES ('kept')")
	killHelper(t, cmd)
	if st := inspect(pid, filepath.Join(dataDir, "pgdata")); st != procOurs {
		t.Fatalf("detached postmaster %d did not survive its owner: state %v", pid, st)
	}

	srv := start(t, Config{DataDir: dataDir, Port: port})
	if srv.PID() == pid {
		t.Fatal("the orphan was adopted, want replaced")
	}
	if st := inspect(pid, filepath.Join(dataDir, "pgdata")); st == procOurs {
		t.Fatalf("orphan %d still running", pid)
	}
	if got := queryString(t, srv.URL(Database), "SELECT v FROM survivor"); got != "kept" {
		t.Fatalf("row = %q", got)
	}
}

// TestDetachedIsAdopted: a second detached Start adopts the running server.
func TestDetachedIsAdopted(t *testing.T) {
	t.Parallel()
	dataDir := preparedDir(t)
	port := freePort(t)
	first := start(t, Config{DataDir: dataDir, Port: port, Detach: true})
	second := start(t, Config{DataDir: dataDir, Port: port, Detach: true})
	if first.PID() != second.PID() {
		t.Fatalf("second detached Start ran pid %d, want adopted %d", second.PID(), first.PID())
	}
	if !second.Running() {
		t.Fatal("adopted server not Running")
	}
	stop(t, second)
	// first is the postmaster's parent and reaps it a moment later.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := first.waitExit(ctx, first.proc()); err != nil {
		t.Fatal(err)
	}
	if first.Running() || second.Running() {
		t.Fatal("server still running after Stop of the adopter")
	}
	if err := first.Stop(t.Context()); err != nil {
		t.Fatalf("Stop of an already stopped server: %v", err)
	}
}

// TestStalePidFile: a postmaster.pid naming a dead process, or a live
// process that is not a postmaster, does not block Start.
func TestStalePidFile(t *testing.T) {
	t.Parallel()
	dataDir := preparedDir(t)
	port := freePort(t)
	pidFile := filepath.Join(dataDir, "pgdata", "postmaster.pid")
	writePid := func(pid int) {
		t.Helper()
		content := fmt.Sprintf("%d\n%s\n1700000000\n%d\n%s\n127.0.0.1\n  5433001         0\nready   \n",
			pid, filepath.Join(dataDir, "pgdata"), port, filepath.Join(dataDir, "run"))
		if err := os.WriteFile(pidFile, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		chownLikePgData(t, pidFile)
	}

	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	writePid(dead.Process.Pid)
	srv := start(t, Config{DataDir: dataDir, Port: port})
	stop(t, srv)

	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = other.Process.Kill()
		_ = other.Wait()
	})
	writePid(other.Process.Pid)
	srv = start(t, Config{DataDir: dataDir, Port: port})
	if err := syscall.Kill(other.Process.Pid, 0); err != nil {
		t.Fatalf("the unrelated process was signalled: %v", err)
	}
	stop(t, srv)

	if err := os.WriteFile(pidFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	chownLikePgData(t, pidFile)
	srv = start(t, Config{DataDir: dataDir, Port: port})
	stop(t, srv)
}

// chownLikePgData gives path to the owner of the pgdata beside it, as if
// the server had written it.
func chownLikePgData(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	if err := os.Chown(path, int(sys.Uid), int(sys.Gid)); err != nil {
		t.Fatal(err)
	}
}

func TestUnreachableDataDirAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the server to another user")
	}
	t.Parallel()
	closed := filepath.Join(testDir(t), "closed")
	if err := os.Mkdir(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err := Start(ctx, Config{DataDir: filepath.Join(closed, "pg"), Port: freePort(t), Logger: testLogger(t)})
	if err == nil || !strings.Contains(err.Error(), "cannot reach") || !strings.Contains(err.Error(), closed+" is mode 0700") {
		t.Fatalf("Start = %v, want an explanation naming %s", err, closed)
	}
	if _, err := os.Stat(filepath.Join(closed, "pg")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the unreachable data dir was created: %v", err)
	}
}

func TestInvalidConfig(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	if _, err := Start(ctx, Config{}); err == nil {
		t.Error("Start without DataDir succeeded")
	}
	if _, err := Start(ctx, Config{DataDir: t.TempDir(), Port: 70000}); err == nil {
		t.Error("Start with port 70000 succeeded")
	}
}

func TestBinaryDiscovery(t *testing.T) {
	t.Parallel()
	b, err := findBinaries(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if b.major < 13 || !isExecutable(b.postgres()) || !isExecutable(b.initdb()) {
		t.Fatalf("binaries = %+v", b)
	}
	if _, err := os.Stat(filepath.Join(b.shareDir, "extension", "postgis.control")); err != nil {
		t.Fatal(err)
	}
	if got := versionOf("/usr/lib/postgresql/16/bin"); got != 16 {
		t.Errorf("versionOf = %d", got)
	}
	if hint := installHint(15); !strings.Contains(hint, "apt-get install -y postgresql postgresql-15-postgis-3") {
		t.Errorf("install hint = %q", hint)
	}
}

func TestSocketDirFallsBackForLongPaths(t *testing.T) {
	t.Parallel()
	long := filepath.Join(testDir(t), strings.Repeat("d", 100))
	if err := os.MkdirAll(long, 0o700); err != nil {
		t.Fatal(err)
	}
	id, err := serverIdentity()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := socketDir(long, 5433, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(dir) })
	if strings.HasPrefix(dir, long) || len(dir)+len("/.s.PGSQL.5433") > maxSocketPath {
		t.Fatalf("socket dir %s", dir)
	}
	if again, err := socketDir(long, 5433, id); err != nil || again != dir {
		t.Fatalf("socket dir is not stable: %s, %v", again, err)
	}
}
