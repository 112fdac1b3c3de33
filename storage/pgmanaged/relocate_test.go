package pgmanaged

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolveDataDirRelocatesOnlyWhenUnreachable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("relocation only happens when athlos runs as root")
	}
	// A folder only root can traverse, like /root.
	private, err := os.MkdirTemp("", "athlos-private-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(private) })
	require.NoError(t, os.Chmod(private, 0o700))
	dir := filepath.Join(private, "data", "postgres")

	got, err := ResolveDataDir(dir, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(got) })
	assert.Equal(t, RelocationRoot, filepath.Dir(got))
	link, err := os.Readlink(dir)
	require.NoError(t, err)
	assert.Equal(t, got, link, "the data dir links to the relocated files")

	again, err := ResolveDataDir(dir, nil)
	require.NoError(t, err)
	assert.Equal(t, got, again, "the link is followed on the next start")

	// A reachable folder is used as it is.
	open, err := os.MkdirTemp("", "athlos-open-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(open) })
	require.NoError(t, os.Chmod(open, 0o711))
	got, err = ResolveDataDir(filepath.Join(open, "postgres"), nil)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(open, "postgres"), got)
}
