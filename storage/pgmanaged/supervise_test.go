package pgmanaged

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitRestarts waits until srv has been started again n times and accepts
// connections.
func waitRestarts(t *testing.T, srv *Server, n int64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if srv.Restarts() >= n && srv.Running() {
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			err := srv.ping(ctx)
			cancel()
			if err == nil {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("postgres not back after %v: %d restarts, running %t", within, srv.Restarts(), srv.Running())
}

// A postmaster killed with SIGKILL (or crashed) is started again by
// itself, again and again, with what it had committed.
func TestKilledServerIsStartedAgain(t *testing.T) {
	t.Parallel()
	dataDir := preparedDir(t)
	srv := start(t, Config{DataDir: dataDir, Port: freePort(t)})
	url := srv.URL(Database)
	exec1(t, url, "CREATE TABLE survivor (v text)")
	exec1(t, url, "INSERT INTO survivor VALUES ('kept')")

	for round := int64(1); round <= 2; round++ {
		pid := srv.PID()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitRestarts(t, srv, round, time.Minute)
		if srv.PID() == pid {
			t.Fatalf("round %d: still pid %d", round, pid)
		}
		if got := queryString(t, url, "SELECT v FROM survivor"); got != "kept" {
			t.Fatalf("round %d: row after the restart = %q", round, got)
		}
	}
	stop(t, srv)
	if srv.Running() {
		t.Fatal("running after Stop")
	}
}

// A server that can't start again at once (here its data directory is
// unusable, as a full disk makes it) is tried again with backoff until it
// can.
func TestServerIsRetriedUntilItCanStart(t *testing.T) {
	t.Parallel()
	dataDir := preparedDir(t)
	srv := start(t, Config{DataDir: dataDir, Port: freePort(t)})
	pgData := filepath.Join(dataDir, "pgdata")
	if err := syscall.Kill(srv.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// PostgreSQL refuses a data directory with other permissions than
	// 0700 or 0750.
	if err := os.Chmod(pgData, 0o777); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // a few tries fail
	if srv.Restarts() != 0 {
		t.Fatalf("restarted with an unusable data directory")
	}
	if err := os.Chmod(pgData, 0o700); err != nil {
		t.Fatal(err)
	}
	waitRestarts(t, srv, 1, time.Minute)
}

// Stop ends the server even when it ignores the shutdown requests (here
// it is stopped with SIGSTOP; one busy with crash recovery took minutes):
// after the context ends, an immediate shutdown, then SIGKILL to its
// process group.
func TestStopKillsAServerThatDoesNotStop(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	srv, err := Start(ctx, Config{DataDir: preparedDir(t), Port: freePort(t), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv.escalation = 500 * time.Millisecond
	pid := srv.PID()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopCtx, cancelStop := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancelStop()
	err = srv.Stop(stopCtx)
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("Stop = %v, want it to say the server was killed", err)
	}
	if !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) || srv.Running() {
		t.Fatalf("postmaster %d still exists after Stop", pid)
	}
	if srv.Restarts() != 0 {
		t.Fatal("a stopped server was started again")
	}
}
