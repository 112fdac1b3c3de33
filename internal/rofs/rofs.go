// Package rofs makes a directory read-only for the tests of a process,
// really: as root, whom file modes do not stop, with a read-only bind mount
// of the directory onto itself; as anyone else by taking the write
// permission off every directory and file below it (chmod a-w).
package rofs

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Make makes dir and everything below it read-only until the test ends.
// It skips the test when it cannot (root without the right to mount, as
// in some containers).
func Make(t testing.TB, dir string) {
	t.Helper()
	if os.Geteuid() == 0 {
		if out, err := exec.Command("mount", "--bind", dir, dir).CombinedOutput(); err != nil {
			t.Skipf("cannot make %s read-only: mount --bind: %v: %s", dir, err, out)
		}
		if out, err := exec.Command("mount", "-o", "remount,bind,ro", dir).CombinedOutput(); err != nil {
			_ = exec.Command("umount", dir).Run()
			t.Skipf("cannot make %s read-only: remount ro: %v: %s", dir, err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
				t.Errorf("umount %s: %v: %s", dir, err, out)
			}
		})
		return
	}
	modes := map[string]fs.FileMode{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return nil
		}
		modes[path] = info.Mode().Perm()
		return nil
	})
	if err != nil {
		t.Fatalf("make %s read-only: %v", dir, err)
	}
	t.Cleanup(func() {
		for path, mode := range modes {
			_ = os.Chmod(path, mode)
		}
	})
	for path, mode := range modes {
		if err := os.Chmod(path, mode&^0o222); err != nil {
			t.Fatalf("make %s read-only: %v", path, err)
		}
	}
}
