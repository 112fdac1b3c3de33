package main

import (
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/rofs"
)

// serveOnce runs `athlos serve` to its end and returns its exit code and
// output.
func serveOnce(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(athlosBinary(t), append([]string{"serve"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "%s", out)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// A data dir that is read-only (a fresh one, and one athlos ran on before)
// fails the start at once with the cause, naming the directory; it used to
// wait 30 s and say "embedded NATS did not become ready".
func TestServeFailsAtOnceOnAReadOnlyDataDir(t *testing.T) {
	t.Parallel()
	used := reachableDir(t)
	httpAddr := "127.0.0.1:" + freePort(t)
	args := func(dir string) []string {
		return []string{"--data-dir", dir, "--http-listen", httpAddr, "--nats-listen", "127.0.0.1:" + freePort(t),
			"--nats-ws-listen", "127.0.0.1:" + freePort(t), "--postgres-port", freePort(t)}
	}
	p := start(t, args(used)...)
	waitReady(t, p, "http://"+httpAddr)
	require.Equal(t, 0, p.stop(t, syscall.SIGTERM))

	for name, dir := range map[string]string{"fresh": reachableDir(t), "used": used} {
		rofs.Make(t, dir)
		code, out := serveOnce(t, args(dir)...)
		assert.Equal(t, 1, code, name)
		assert.Contains(t, out, "is not writable", name)
		assert.Contains(t, out, dir, name)
		assert.Regexp(t, "read-only file system|permission denied", out, name)
		assert.NotContains(t, out, "did not become ready", name)
	}
}

// The managed PostgreSQL's port taken by another process fails the start
// at once, saying so, instead of a dump of postgres.log.
func TestServeSaysThePostgresPortIsTaken(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	_, port, _ := net.SplitHostPort(taken.Addr().String())
	code, out := serveOnce(t, "--data-dir", reachableDir(t), "--http-listen", "127.0.0.1:"+freePort(t),
		"--nats-listen", "127.0.0.1:"+freePort(t), "--nats-ws-listen", "", "--postgres-port", port)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "port "+port+" on 127.0.0.1")
	assert.Contains(t, out, "is in use by another process")
	assert.Contains(t, out, "--postgres-port")
	assert.NotContains(t, out, "postgres.log")
	assert.False(t, strings.Contains(out, "initialised PostgreSQL cluster"), "no initdb for a server that cannot listen")
}
