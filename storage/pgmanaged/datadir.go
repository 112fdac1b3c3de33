package pgmanaged

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// serverIdentity returns the user the server must run as: nil (ourselves)
// unless we are root, then the "postgres" system user.
func serverIdentity() (*identity, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgmanaged: athlos runs as root and PostgreSQL refuses to run as root, so the server would run as "+
			"the \"postgres\" system user, but it cannot be found (%v): install the postgresql package, which creates it "+
			"(on Debian/Ubuntu: apt-get install -y postgresql), or run athlos as an unprivileged user", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("pgmanaged: user postgres has a non-numeric uid %q or gid %q", u.Uid, u.Gid)
	}
	if uid == 0 {
		return nil, errors.New("pgmanaged: user postgres has uid 0; PostgreSQL refuses to run as root")
	}
	id := &identity{name: u.Username, uid: uid, gid: gid}
	gids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("pgmanaged: list the groups of user postgres: %w", err)
	}
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			id.groups = append(id.groups, uint32(n))
		}
	}
	return id, nil
}

// prepareDataDir creates the data dir (mode 0700, owned by the server's
// user) after checking that the server's user will be able to reach it.
func prepareDataDir(dataDir string, id *identity) error {
	if id != nil {
		if err := checkReachable(dataDir, id); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(dataDir), 0o755); err != nil {
		return fmt.Errorf("pgmanaged: create the parent of data dir %s: %w", dataDir, err)
	}
	if err := os.Mkdir(dataDir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("pgmanaged: create data dir %s: %w", dataDir, err)
	}
	st, err := os.Stat(dataDir)
	if err != nil {
		return fmt.Errorf("pgmanaged: inspect data dir %s: %w", dataDir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("pgmanaged: data dir %s is not a directory", dataDir)
	}
	if err := id.chown(dataDir); err != nil {
		return err
	}
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return fmt.Errorf("pgmanaged: restrict data dir %s to its owner: %w", dataDir, err)
	}
	return nil
}

// checkReachable checks that id may search every existing directory above
// dir (missing ones are created searchable by prepareDataDir).
func checkReachable(dir string, id *identity) error {
	// The deepest existing ancestor, with symlinks resolved.
	existing := filepath.Dir(dir)
	for {
		if _, err := os.Stat(existing); err == nil {
			break
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			break
		}
		existing = parent
	}
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return fmt.Errorf("pgmanaged: resolve %s: %w", existing, err)
	}
	var chain []string
	for d := real; ; d = filepath.Dir(d) {
		chain = append(chain, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		d := chain[i]
		st, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("pgmanaged: inspect %s: %w", d, err)
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if !ok {
			continue
		}
		if !id.canSearch(sys) {
			return fmt.Errorf("pgmanaged: athlos runs as root, so PostgreSQL runs as user %s (uid %d), which cannot reach the data dir %s: "+
				"%s is mode %04o, owned by uid %d gid %d; choose a data dir that user can reach (e.g. /var/lib/athlos/postgres), "+
				"make %s searchable (chmod o+x %s), or run athlos as an unprivileged user",
				id.name, id.uid, dir, d, st.Mode().Perm(), sys.Uid, sys.Gid, d, d)
		}
	}
	return nil
}

// canSearch reports whether id may traverse a directory with stat st.
func (id *identity) canSearch(st *syscall.Stat_t) bool {
	mode := st.Mode
	switch {
	case int(st.Uid) == id.uid:
		return mode&0o100 != 0
	case int(st.Gid) == id.gid || id.inGroup(st.Gid):
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

func (id *identity) inGroup(gid uint32) bool {
	for _, g := range id.groups {
		if g == gid {
			return true
		}
	}
	return false
}

// lockDataDir takes DataDir/athlos.lock. With wait it waits for the lock
// (until ctx ends); without, a held lock fails at once with
// ErrDataDirInUse.
func lockDataDir(ctx context.Context, dataDir string, wait bool) (*os.File, error) {
	path := filepath.Join(dataDir, "athlos.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pgmanaged: open lock file: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("pgmanaged: lock %s: %w", path, err)
		}
		if !wait {
			holder, _ := os.ReadFile(path)
			f.Close()
			return nil, fmt.Errorf("%w: %s is locked by pid %s", ErrDataDirInUse, path, strings.TrimSpace(string(holder)))
		}
		if err := sleep(ctx, pollInterval); err != nil {
			f.Close()
			return nil, fmt.Errorf("pgmanaged: wait for lock %s (held by pid %s): %w", path, readTrim(path), err)
		}
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

func readTrim(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

// maxSocketPath is the longest unix socket path the kernel accepts
// (sun_path holds 108 bytes including the terminating NUL).
const maxSocketPath = 107

// socketDir creates the socket directory: DataDir/run, or a private
// directory under os.TempDir() if the socket path would be too long.
func socketDir(dataDir string, port int, id *identity) (string, error) {
	name := "/.s.PGSQL." + strconv.Itoa(port)
	dir := filepath.Join(dataDir, "run")
	inside := true
	if len(dir)+len(name) > maxSocketPath {
		sum := sha256.Sum256([]byte(dataDir))
		dir = filepath.Join(os.TempDir(), "athlos-pg-"+hex.EncodeToString(sum[:6]))
		inside = false
		if len(dir)+len(name) > maxSocketPath {
			return "", fmt.Errorf("pgmanaged: socket path %s%s is too long for the kernel (max %d bytes); choose a shorter data dir or TMPDIR",
				dir, name, maxSocketPath)
		}
	}
	created := true
	if err := os.Mkdir(dir, 0o700); errors.Is(err, os.ErrExist) {
		created = false
	} else if err != nil {
		return "", fmt.Errorf("pgmanaged: create socket dir %s: %w", dir, err)
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("pgmanaged: inspect socket dir %s: %w", dir, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("pgmanaged: socket dir %s is not a directory", dir)
	}
	want := id.effectiveUID()
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != want {
		if (!inside && !created) || id == nil {
			return "", fmt.Errorf("pgmanaged: socket dir %s is owned by uid %d, not by the server's uid %d; remove it", dir, sys.Uid, want)
		}
		if err := id.chown(dir); err != nil {
			return "", err
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", fmt.Errorf("pgmanaged: restrict socket dir %s: %w", dir, err)
	}
	return dir, nil
}
