package pgmanaged

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// childSysProcAttr returns the process attributes for initdb and the
// server: run as cred (nil: as ourselves); for an attached child, its own
// process group and the parent-death signal pdeath; for a detached one, its
// own session.
//
// The kernel sends the parent-death signal when the thread that forked the
// child exits, not the process; callers keep that thread alive with
// runtime.LockOSThread for as long as the child runs. Go sets the signal
// after switching credentials, which would otherwise clear it.
func childSysProcAttr(cred *syscall.Credential, detach bool, pdeath syscall.Signal) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Credential: cred}
	if detach {
		attr.Setsid = true
	} else {
		attr.Setpgid = true
		attr.Pdeathsig = pdeath
	}
	return attr
}

// inspect tells what process pid is, relative to the cluster in pgData.
func inspect(pid int, pgData string) procState {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return procGone
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return procGone
		}
		// /proc hidden from us (hidepid): assume the conservative answer.
		return procOurs
	}
	// The state follows the parenthesised command name, which may itself
	// contain parentheses: take the last ')'.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		switch stat[i+2] {
		case 'Z', 'X', 'x':
			return procZombie
		}
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return procOurs
	}
	argv0, _, _ := strings.Cut(string(cmdline), "\x00")
	want := pgData
	if real, err := filepath.EvalSymlinks(pgData); err == nil {
		want = real
	}
	cwd, cwdErr := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if argv0 == "" {
		// A process that is exiting (its memory, and with it the command
		// line, is gone), or a kernel thread.
		if cwdErr != nil {
			return procZombie
		}
		if cwd == want {
			return procOurs
		}
		return procOther
	}
	// A backend rewrites its title ("postgres: ..."); the postmaster keeps
	// its command line.
	if base := filepath.Base(strings.Fields(argv0)[0]); base != "postgres" && base != "postmaster" && !strings.HasPrefix(argv0, "postgres:") {
		return procOther
	}
	// A postmaster works in its data directory.
	if cwdErr == nil {
		if cwd == want {
			return procOurs
		}
		return procOther
	}
	if strings.Contains(string(cmdline), pgData) {
		return procOurs
	}
	return procOther
}

// portHolder finds the process listening on TCP port (IPv4 or IPv6) from
// /proc: the socket's inode in /proc/net/tcp{,6}, then the process with a
// descriptor on it. It returns 0 when it cannot tell (another user's
// process, when we are not root).
func portHolder(port int) (pid int, name string) {
	inodes := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A: LISTEN
				continue
			}
			_, hexPort, ok := strings.Cut(f[1], ":")
			if p, err := strconv.ParseUint(hexPort, 16, 16); ok && err == nil && int(p) == port {
				inodes["socket:["+f[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return 0, ""
	}
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		n, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fds, _ := os.ReadDir(filepath.Join("/proc", p.Name(), "fd"))
		for _, fd := range fds {
			if target, err := os.Readlink(filepath.Join("/proc", p.Name(), "fd", fd.Name())); err == nil && inodes[target] {
				comm, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "comm"))
				return n, strings.TrimSpace(string(comm))
			}
		}
	}
	return 0, ""
}
