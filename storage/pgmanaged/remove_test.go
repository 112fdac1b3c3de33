package pgmanaged

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// RemoveDataDir refuses while a server runs on the directory, attached (its
// lock is held) or detached (its postmaster runs), and removes it after.
func TestRemoveDataDirRefusesWhileRunning(t *testing.T) {
	t.Parallel()
	for _, detach := range []bool{false, true} {
		dir := preparedDir(t)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		srv, err := Start(ctx, Config{DataDir: dir, Port: freePort(t), Logger: testLogger(t), Detach: detach})
		cancel()
		require.NoError(t, err)
		t.Cleanup(func() { _ = srv.Stop(context.Background()) })
		removed, err := RemoveDataDir(dir)
		require.ErrorIs(t, err, ErrDataDirInUse, "detach %t", detach)
		assert.Empty(t, removed)
		assert.True(t, srv.Running(), "the server runs on")
		assert.True(t, exists(filepath.Join(dir, "pgdata", "PG_VERSION")), "nothing removed")
		if detach {
			assert.Contains(t, err.Error(), "runs on "+filepath.Join(dir, "pgdata"))
		}

		stop(t, srv)
		removed, err = RemoveDataDir(dir)
		require.NoError(t, err)
		assert.Equal(t, []string{dir}, removed)
		assert.False(t, exists(dir))
	}
	removed, err := RemoveDataDir(filepath.Join(testDir(t), "none"))
	assert.NoError(t, err, "nothing there, nothing to do")
	assert.Empty(t, removed)
}

// A directory holding anything else, or a link elsewhere than this data
// dir's relocation directory (a copied or moved data dir), is refused and
// left as it is; a dangling link is removed.
func TestRemoveDataDirRefusesWhatIsNotItsOwn(t *testing.T) {
	t.Parallel()
	dir := preparedDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600))
	_, err := RemoveDataDir(dir)
	require.ErrorContains(t, err, "(notes.txt): not removing it")
	assert.True(t, exists(filepath.Join(dir, "pgdata", "PG_VERSION")))

	// A copy of a data dir whose postgres/ links to the original's files.
	other := preparedDir(t)
	link := filepath.Join(testDir(t), "postgres")
	require.NoError(t, os.Symlink(other, link))
	_, err = RemoveDataDir(link)
	require.ErrorContains(t, err, "was copied or moved")
	assert.True(t, exists(link))
	assert.True(t, exists(filepath.Join(other, "pgdata", "PG_VERSION")))

	// Its own relocation directory, gone already: the link goes.
	abs := filepath.Join(testDir(t), "postgres")
	require.NoError(t, os.Symlink(relocationTarget(abs), abs))
	removed, err := RemoveDataDir(abs)
	require.NoError(t, err)
	assert.Equal(t, []string{abs}, removed)
	assert.False(t, exists(abs))
}

// As root, a data dir the postgres user cannot reach is relocated; the
// start says where the files live, and RemoveDataDir removes the files
// and the link.
func TestRemoveRelocatedDataDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("relocation only happens when athlos runs as root")
	}
	t.Parallel()
	private, err := os.MkdirTemp("", "athlos-private-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(private) })
	require.NoError(t, os.Chmod(private, 0o700))
	link := filepath.Join(private, "data", "postgres")
	files, err := ResolveDataDir(link, testLogger(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(files) })
	srv := start(t, Config{DataDir: files, Port: freePort(t)})
	_, err = RemoveDataDir(link)
	require.True(t, errors.Is(err, ErrDataDirInUse), "%v", err)
	stop(t, srv)

	removed, err := RemoveDataDir(link)
	require.NoError(t, err)
	assert.Equal(t, []string{files, link}, removed)
	assert.False(t, exists(files), "the relocated files are gone")
	assert.False(t, exists(link))
	out, _ := exec.Command("ls", RelocationRoot).CombinedOutput()
	assert.NotContains(t, string(out), filepath.Base(files))
}
