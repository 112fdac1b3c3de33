package main

import (
	"errors"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// versionOf runs `bin version` and returns the version and the commit it
// names ("" when unknown).
func versionOf(t *testing.T, bin string) (version, revision string) {
	t.Helper()
	out, err := exec.Command(bin, "version").Output()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 3, "%s", out)
	version, ok := strings.CutPrefix(lines[0], "athlos ")
	require.True(t, ok, "%s", out)
	if m := regexp.MustCompile(`^commit ([0-9a-f]{40})`).FindStringSubmatch(lines[1]); m != nil {
		revision = m[1]
	}
	assert.Equal(t, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH, lines[2])
	return version, revision
}

// linkedWorktree reports whether the test runs in a linked git worktree
// (`git worktree add`), not the repository's main checkout.
func linkedWorktree(t *testing.T) bool {
	t.Helper()
	out, err := exec.Command("git", "rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir").Output()
	require.NoError(t, err)
	dirs := strings.Fields(string(out))
	require.Len(t, dirs, 2)
	return dirs[0] != dirs[1]
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	return string(b)
}

// A plain `go build` names the commit it was built from (and whether the
// tree had changes) instead of 0.1.0-dev for every build; without version
// control information it still says what it can.
func TestVersion(t *testing.T) {
	t.Parallel()
	version, revision := versionOf(t, athlosBinary(t))
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err == nil && linkedWorktree(t) {
		// Go does not recognise a linked worktree (its .git is a file) as
		// a checkout: https://github.com/golang/go/issues/58218.
		t.Log("a linked git worktree: go build stamps no commit here")
		err = errors.New("no commit stamped")
	}
	if err != nil {
		// Not a checkout (a source archive): nothing to stamp.
		assert.Equal(t, "0.1.0-dev", version)
		assert.Empty(t, revision)
	} else {
		status, err := exec.Command("git", "status", "--porcelain").Output()
		require.NoError(t, err)
		want := strings.TrimSpace(string(head))
		assert.Equal(t, want, revision)
		if len(strings.TrimSpace(string(status))) > 0 {
			assert.Equal(t, "0.1.0-dev+"+want[:12]+".dirty", version)
		} else {
			assert.Equal(t, "0.1.0-dev+"+want[:12], version)
		}
	}

	// Without version control information (GOFLAGS=-buildvcs=false, as on
	// some machines), and with a version given at link time.
	bin := filepath.Join(t.TempDir(), "athlos")
	out, err := exec.Command("go", "build", "-buildvcs=false", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	version, revision = versionOf(t, bin)
	assert.Equal(t, "0.1.0-dev", version)
	assert.Empty(t, revision)
	out, err = exec.Command(bin, "version").Output()
	require.NoError(t, err)
	assert.Contains(t, string(out), "commit unknown (built without version control information")

	out, err = exec.Command("go", "build", "-buildvcs=false", "-ldflags", "-X main.version=1.2.3", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	version, _ = versionOf(t, bin)
	assert.Equal(t, "1.2.3", version)
}
