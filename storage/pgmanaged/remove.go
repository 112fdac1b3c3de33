package pgmanaged

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// relocationTarget is where ResolveDataDir keeps the cluster of the data
// dir abs (an absolute path).
func relocationTarget(abs string) string {
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(RelocationRoot, "postgres-"+hex.EncodeToString(sum[:6]))
}

// RemoveDataDir removes a managed server's directory dir (the path given to
// ResolveDataDir, e.g. <athlos data dir>/postgres) with its files: when dir
// is the link ResolveDataDir made, the directory it links to as well, and
// a socket directory outside it (see the package doc). It returns the
// paths it removed.
//
// It removes nothing, and says why, while a process holds the server's
// lock (an athlos, or a command, that runs it: ErrDataDirInUse) or a
// postmaster runs on its cluster (a server left running, or a detached
// one); nor when dir links somewhere that is not its own relocation
// directory (a copied or moved data dir shares or lost its link), or holds
// something that is not a managed server's.
func RemoveDataDir(dir string) ([]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("pgmanaged: resolve %q: %w", dir, err)
	}
	st, err := os.Lstat(abs)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pgmanaged: inspect %s: %w", abs, err)
	}
	files := abs
	if st.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(abs)
		if err != nil {
			return nil, fmt.Errorf("pgmanaged: read link %s: %w", abs, err)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(abs), target)
		}
		if own := relocationTarget(abs); !ownTarget(abs, filepath.Clean(target)) {
			return nil, fmt.Errorf("pgmanaged: %s links to %s, but the PostgreSQL files of this data dir would be in %s: "+
				"the data dir was copied or moved, and another data dir may use %s; remove the link (and, if no other data dir "+
				"links to it, its target) yourself", abs, target, own, target)
		}
		files = target
		if _, err := os.Lstat(files); errors.Is(err, os.ErrNotExist) {
			// The files are gone already: only the link is left.
			if err := os.Remove(abs); err != nil {
				return nil, fmt.Errorf("pgmanaged: remove %s: %w", abs, err)
			}
			return []string{abs}, nil
		}
	} else if !st.IsDir() {
		return nil, fmt.Errorf("pgmanaged: %s is neither a directory nor a link to one", abs)
	}
	if err := looksManaged(files); err != nil {
		return nil, err
	}

	lock, err := lockDataDir(context.Background(), files, false)
	if err != nil {
		if errors.Is(err, ErrDataDirInUse) {
			return nil, fmt.Errorf("%w (a running athlos, or an athlos command, uses this PostgreSQL: stop it first)", err)
		}
		return nil, err
	}
	defer func() {
		_ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		_ = lock.Close()
	}()
	pgData := filepath.Join(files, "pgdata")
	if b, err := os.ReadFile(filepath.Join(pgData, "postmaster.pid")); err == nil {
		pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
		if pid > 0 {
			switch inspect(pid, pgData) {
			case procOurs:
				return nil, fmt.Errorf("%w: PostgreSQL (pid %d) runs on %s: stop it first (athlos stops it when it stops)",
					ErrDataDirInUse, pid, pgData)
			case procZombie:
				return nil, fmt.Errorf("%w: PostgreSQL (pid %d) on %s is still exiting: try again in a moment", ErrDataDirInUse, pid, pgData)
			}
		}
	}

	var removed []string
	// A socket directory outside the data dir, when the path inside was
	// too long (socketDir).
	sum := sha256.Sum256([]byte(files))
	if sock := filepath.Join(os.TempDir(), "athlos-pg-"+hex.EncodeToString(sum[:6])); isDir(sock) {
		if err := os.RemoveAll(sock); err != nil {
			return removed, fmt.Errorf("pgmanaged: remove socket dir %s: %w", sock, err)
		}
		removed = append(removed, sock)
	}
	if err := os.RemoveAll(files); err != nil {
		return removed, fmt.Errorf("pgmanaged: remove %s: %w", files, err)
	}
	removed = append(removed, files)
	if files != abs {
		if err := os.Remove(abs); err != nil {
			return removed, fmt.Errorf("pgmanaged: remove the link %s: %w", abs, err)
		}
		removed = append(removed, abs)
	}
	return removed, nil
}

// ownTarget reports whether target is the relocation directory of the
// link abs, named as ResolveDataDir was given it or through the real path
// of its parent (the same data dir reached through a symbolic link).
func ownTarget(abs, target string) bool {
	if target == relocationTarget(abs) {
		return true
	}
	parent, err := filepath.EvalSymlinks(filepath.Dir(abs))
	return err == nil && target == relocationTarget(filepath.Join(parent, filepath.Base(abs)))
}

// looksManaged refuses a directory that holds anything but what Start
// puts in a data dir (and an empty one is fine).
func looksManaged(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("pgmanaged: read %s: %w", dir, err)
	}
	known := map[string]bool{"pgdata": true, "pgdata.initdb": true, "run": true, "password": true, "password.tmp": true,
		"postgres.log": true, "athlos.lock": true}
	var other []string
	for _, e := range entries {
		if !known[e.Name()] {
			other = append(other, e.Name())
		}
	}
	if len(other) > 0 {
		return fmt.Errorf("pgmanaged: %s holds files a managed PostgreSQL does not make (%s): not removing it",
			dir, strings.Join(other, ", "))
	}
	return nil
}
