package platform

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/athlos/athlos/storage/pgmanaged"
)

// dataDirLock is the file in the data dir that every process keeping data
// there holds a shared lock on (HoldDataDir), and that `athlos admin
// remove-data-dir` locks exclusively.
const dataDirLock = "athlos.lock"

// ErrDataDirInUse means a process holds the data dir (HoldDataDir) while
// something wants it for itself (RemoveDataDir), or the other way round.
var ErrDataDirInUse = errors.New("the data dir is in use")

// UsesDataDir reports whether a process with this configuration keeps
// anything in the data dir: the embedded NATS's files, the managed
// PostgreSQL, or the default secret key file of the client module.
func (c *Config) UsesDataDir() bool {
	if len(c.NATS.URLs) == 0 {
		return true
	}
	for _, m := range c.DataModules() {
		if c.Runs(m) && c.DatabaseURL(m) == "" {
			return true
		}
	}
	return c.SecretKeyFile == "" && c.Runs("client")
}

// HoldDataDir takes a shared lock on <DataDir>/athlos.lock, held until
// release is called (or the process ends): any number of processes may
// hold it together, and `athlos admin remove-data-dir` refuses to remove a
// data dir while one does. It fails at once, naming the cause, when the
// data dir is not writable.
func HoldDataDir(cfg *Config) (release func(), err error) {
	f, err := openLock(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := flock(f, syscall.LOCK_SH); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is being removed (athlos admin remove-data-dir, pid %s)", ErrDataDirInUse,
				cfg.DataDir, lockHolder(f.Name()))
		}
		return nil, fmt.Errorf("data dir: lock %s: %w", f.Name(), err)
	}
	return func() { _ = f.Close() }, nil
}

// openLock opens (creating) the data dir's lock file.
func openLock(dataDir string) (*os.File, error) {
	path := filepath.Join(dataDir, dataDirLock)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("the data dir %s is not writable: %w (athlos keeps its NATS store, PostgreSQL and secret key "+
			"there: give the user athlos runs as write access to it, on a writable file system)", dataDir, err)
	}
	return f, nil
}

// flock takes a lock without waiting.
func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// lockHolder is the pid an exclusive holder wrote into the lock file.
func lockHolder(path string) string {
	b, _ := os.ReadFile(path)
	if pid := strings.TrimSpace(string(b)); pid != "" {
		if _, err := strconv.Atoi(pid); err == nil {
			return pid
		}
	}
	return "unknown"
}

// RemoveDataDir removes an athlos data dir with everything athlos keeps for
// it, also outside it: the managed PostgreSQL's files where the data dir
// links to them (pgmanaged.RemoveDataDir). It returns the paths it removed.
//
// It removes nothing, and says why, when dataDir is not an athlos data dir
// (it must hold nats/, postgres/ or secret.key, and nothing else but the
// lock file), while an athlos process holds it (HoldDataDir) or runs its
// PostgreSQL, or while a PostgreSQL runs on it.
func RemoveDataDir(dataDir string) ([]string, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("data dir %q: %w", dataDir, err)
	}
	st, err := os.Lstat(abs)
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if st.Mode()&os.ModeSymlink != 0 {
		return nil, fmt.Errorf("data dir %s is a symbolic link: give the directory it links to", abs)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("data dir %s is not a directory", abs)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	own := map[string]bool{"nats": true, "postgres": true, "secret.key": true}
	var ours, other []string
	for _, e := range entries {
		switch {
		case own[e.Name()]:
			ours = append(ours, e.Name())
		case e.Name() != dataDirLock:
			other = append(other, e.Name())
		}
	}
	if len(ours) == 0 {
		return nil, fmt.Errorf("%s is not an athlos data dir (it holds no nats/, postgres/ or secret.key): not removing it", abs)
	}
	if len(other) > 0 {
		return nil, fmt.Errorf("the data dir %s holds files athlos did not make (%s): not removing it; move them away first",
			abs, strings.Join(other, ", "))
	}

	f, err := openLock(abs)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := flock(f, syscall.LOCK_EX); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: an athlos process runs on %s: stop it first", ErrDataDirInUse, abs)
		}
		return nil, fmt.Errorf("data dir: lock %s: %w", f.Name(), err)
	}
	// A start meanwhile says who removes its data dir.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	removed, err := pgmanaged.RemoveDataDir(filepath.Join(abs, "postgres"))
	if err != nil {
		return removed, err
	}
	if err := os.RemoveAll(abs); err != nil {
		return removed, fmt.Errorf("remove the data dir: %w", err)
	}
	return append(removed, abs), nil
}
