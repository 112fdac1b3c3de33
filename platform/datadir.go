package platform

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
	for _, m := range DataModules() {
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
