package pgmanaged

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// RelocationRoot is where ResolveDataDir keeps a cluster whose data dir the
// postgres user cannot reach.
const RelocationRoot = "/var/lib/athlos"

// ResolveDataDir returns the directory to give Config.DataDir for dir.
//
// When athlos runs as root, PostgreSQL runs as the postgres user, which
// cannot reach a data dir below a private folder such as /root. Rather than
// fail (a checkout in /root is common on a fresh machine), the cluster then
// lives in RelocationRoot/postgres-<hash of dir>, and dir becomes a symbolic
// link to it, so the data dir still leads to everything. An existing link
// is followed. In every other case dir is returned as it is.
func ResolveDataDir(dir string, logger *slog.Logger) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("pgmanaged: resolve data dir %q: %w", dir, err)
	}
	if target, err := os.Readlink(abs); err == nil {
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(abs), target)
		}
		return target, nil
	}
	id, err := serverIdentity()
	if err != nil || id == nil {
		return abs, err
	}
	if checkReachable(abs, id) == nil {
		return abs, nil
	}
	if _, err := os.Stat(abs); err == nil {
		// An existing cluster stays where it is; Start explains the problem.
		return abs, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("pgmanaged: inspect data dir %s: %w", abs, err)
	}
	target := relocationTarget(abs)
	if err := os.MkdirAll(RelocationRoot, 0o755); err != nil {
		return "", fmt.Errorf("pgmanaged: create %s: %w", RelocationRoot, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return "", fmt.Errorf("pgmanaged: create the parent of %s: %w", abs, err)
	}
	if err := os.Symlink(target, abs); err != nil {
		return "", fmt.Errorf("pgmanaged: link %s to %s: %w", abs, target, err)
	}
	if logger != nil {
		logger.Warn("the postgres user cannot reach the data dir, so PostgreSQL's files live elsewhere, linked from it",
			"data_dir", abs, "files", target)
	}
	return target, nil
}
