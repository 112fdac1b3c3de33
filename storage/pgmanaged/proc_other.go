//go:build unix && !linux

package pgmanaged

import (
	"errors"
	"syscall"
)

// childSysProcAttr returns the process attributes for initdb and the
// server: run as cred (nil: as ourselves), in their own process group, or
// their own session when detached. This system has no parent-death signal:
// an attached server outlives a killed athlos and is replaced (see the
// package doc) on the next start.
func childSysProcAttr(cred *syscall.Credential, detach bool, _ syscall.Signal) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Credential: cred}
	if detach {
		attr.Setsid = true
	} else {
		attr.Setpgid = true
	}
	return attr
}

// inspect tells what process pid is. Without /proc, any live process is
// assumed to be the postmaster of this cluster.
func inspect(pid int, _ string) procState {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return procGone
	}
	return procOurs
}

// portHolder cannot tell which process holds a port on this system.
func portHolder(int) (int, string) { return 0, "" }
