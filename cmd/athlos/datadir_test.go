package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/storage/pgmanaged"
)

// admin runs `athlos admin args...` and returns its exit code and output.
func admin(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(athlosBinary(t), append([]string{"admin"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "%s", out)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// `athlos admin remove-data-dir` removes a data dir with its database, also
// where the data dir links to it (as root, a data dir in a private folder
// has its PostgreSQL in /var/lib/athlos, which the start says at INFO), and
// refuses while athlos runs on it.
func TestRemoveDataDirCommand(t *testing.T) {
	t.Parallel()
	parent := reachableDir(t)
	if os.Geteuid() == 0 {
		// Like /root: the postgres user cannot reach into it.
		require.NoError(t, os.Chmod(parent, 0o700))
	}
	dir := filepath.Join(parent, "data")
	httpPort := freePort(t)
	base := "http://127.0.0.1:" + httpPort
	p := start(t, "--data-dir", dir, "--http-listen", "127.0.0.1:"+httpPort, "--nats-listen", "127.0.0.1:"+freePort(t),
		"--nats-ws-listen", "", "--postgres-port", freePort(t))
	waitReady(t, p, base)
	files := filepath.Join(dir, "postgres")
	if os.Geteuid() == 0 {
		var err error
		files, err = os.Readlink(files)
		require.NoError(t, err)
		t.Cleanup(func() { _ = os.RemoveAll(files) })
		assert.Equal(t, pgmanaged.RelocationRoot, filepath.Dir(files))
		assert.Contains(t, p.log(), `level=INFO msg="the managed PostgreSQL's files live outside the data dir, linked from it; `+
			"`athlos admin remove-data-dir` removes both\" link="+filepath.Join(dir, "postgres")+" files="+files)
	}
	assert.Contains(t, p.log(), "files="+files+" ")

	code, out := admin(t, "remove-data-dir", "--data-dir", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "data dir is in use: an athlos process runs on "+dir)
	assert.DirExists(t, filepath.Join(files, "pgdata"))
	assert.DirExists(t, filepath.Join(dir, "nats"))
	require.Equal(t, 0, p.stop(t, syscall.SIGTERM))

	code, out = admin(t, "remove-data-dir")
	assert.Equal(t, 1, code, "the data dir must be named")
	assert.Contains(t, out, `Required flag "data-dir" not set`)
	assert.DirExists(t, dir)

	code, out = admin(t, "remove-data-dir", "--data-dir", dir)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "removed "+files+"\n")
	assert.True(t, strings.HasSuffix(out, "removed "+dir+"\n"), out)
	assert.NoDirExists(t, files)
	assert.NoDirExists(t, dir)
}
