package platform_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/rofs"
	"github.com/athlos/athlos/platform"
)

// dataDir makes a data dir as a start leaves it (without PostgreSQL).
func dataDir(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "nats", "jetstream"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret.key"), []byte("00\n"), 0o600))
	return dir
}

// A data dir is removed only when it is one, only of what athlos put there,
// and not while a process holds it; bad input changes nothing.
func TestRemoveDataDir(t *testing.T) {
	t.Parallel()
	for name, dir := range map[string]string{"missing": filepath.Join(t.TempDir(), "none"), "empty": t.TempDir()} {
		_, err := platform.RemoveDataDir(dir)
		assert.Error(t, err, name)
	}
	_, err := platform.RemoveDataDir(filepath.Join(dataDir(t), "secret.key"))
	assert.ErrorContains(t, err, "is not a directory")

	dir := dataDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "backup.dump"), nil, 0o600))
	_, err = platform.RemoveDataDir(dir)
	assert.ErrorContains(t, err, "holds files athlos did not make (backup.dump)")
	assert.FileExists(t, filepath.Join(dir, "secret.key"))
	require.NoError(t, os.Remove(filepath.Join(dir, "backup.dump")))

	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(dir, link))
	_, err = platform.RemoveDataDir(link)
	assert.ErrorContains(t, err, "is a symbolic link")

	cfg := &platform.Config{Catalogue: catalogue, DataDir: dir}
	release, err := platform.HoldDataDir(cfg)
	require.NoError(t, err)
	other, err := platform.HoldDataDir(cfg)
	require.NoError(t, err, "processes share a data dir")
	_, err = platform.RemoveDataDir(dir)
	require.ErrorIs(t, err, platform.ErrDataDirInUse)
	assert.DirExists(t, filepath.Join(dir, "nats", "jetstream"))
	release()
	_, err = platform.RemoveDataDir(dir)
	require.ErrorIs(t, err, platform.ErrDataDirInUse, "one still holds it")
	other()

	removed, err := platform.RemoveDataDir(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{dir}, removed)
	assert.NoDirExists(t, dir)
	assert.NoDirExists(t, link+"/nats", "the link dangles")
}

// HoldDataDir fails at once, naming the data dir, when it is read-only.
func TestHoldDataDirOnAReadOnlyDataDir(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	rofs.Make(t, dir)
	_, err := platform.HoldDataDir(&platform.Config{Catalogue: catalogue, DataDir: dir})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the data dir "+dir+" is not writable")
}
