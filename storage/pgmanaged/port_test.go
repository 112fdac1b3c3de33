package pgmanaged

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A port taken by another process fails the start at once with an error
// that says so and names the process, before initdb on a fresh data dir,
// and changes nothing on an existing one; it used to be buried in a dump of
// the server's log.
func TestPortInUseIsNamed(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	self, _ := os.ReadFile("/proc/self/comm")

	for name, dir := range map[string]string{"fresh": filepath.Join(testDir(t), "pg"), "existing": preparedDir(t)} {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		srv, err := Start(ctx, Config{DataDir: dir, Port: port, Logger: testLogger(t)})
		cancel()
		if srv != nil {
			_ = srv.Stop(context.Background())
		}
		var inUse *PortInUseError
		require.ErrorAs(t, err, &inUse, name)
		assert.Equal(t, port, inUse.Port, name)
		msg := err.Error()
		assert.Contains(t, msg, "port "+strconv.Itoa(port)+" on 127.0.0.1", name)
		assert.Contains(t, msg, "is in use by another process", name)
		assert.NotContains(t, msg, "postgres.log", "no dump of the server's log: %s", name)
		if len(self) > 0 {
			// The process is found where /proc shows it: here, this one.
			assert.Equal(t, os.Getpid(), inUse.PID, name)
			assert.Equal(t, strings.TrimSpace(string(self)), inUse.Command, name)
		}
		if name == "fresh" {
			_, err := os.Stat(filepath.Join(dir, "pgdata"))
			assert.True(t, errors.Is(err, os.ErrNotExist), "no initdb for a start that cannot listen")
		}
	}
}

// syncBuffer is a log destination that tests read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// When the server died and another process took its port meanwhile, the
// supervisor's tries say that the port is in use (read from the server's
// log, as the server reports it), and the server is back once the port is
// free.
func TestRestartSaysThePortIsTaken(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	port := freePort(t)
	srv := start(t, Config{DataDir: preparedDir(t), Port: port, Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	var taken net.Listener
	deadline := time.Now().Add(time.Minute)
	for taken == nil {
		require.True(t, time.Now().Before(deadline), "could not take the port between a kill and the restart")
		require.NoError(t, syscall.Kill(srv.PID(), syscall.SIGKILL))
		for i := 0; i < 200 && taken == nil; i++ {
			// The postmaster's socket closes when the kernel has reaped it.
			if l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
				taken = l
			} else {
				time.Sleep(time.Millisecond)
			}
		}
		if taken == nil {
			waitRestarts(t, srv, srv.Restarts()+1, time.Minute)
		}
	}
	restarts := srv.Restarts()
	require.Eventually(t, func() bool {
		return strings.Contains(logs.String(), "postgres did not start again") &&
			strings.Contains(logs.String(), "is in use by another process")
	}, time.Minute, 20*time.Millisecond, "the supervisor's log:\n%s", logs.String())
	require.NoError(t, taken.Close())
	waitRestarts(t, srv, restarts+1, time.Minute)
}
