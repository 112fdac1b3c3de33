package pgmanaged

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
)

// PortInUseError means another process listens on the managed server's
// TCP port (127.0.0.1:Config.Port), so PostgreSQL cannot bind it.
type PortInUseError struct {
	Port int
	// PID and Command name the process holding the port, when it could be
	// found (0 and "" otherwise: another user's process, when we are not
	// root, or a system without /proc).
	PID     int
	Command string
}

func (e *PortInUseError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = fmt.Sprintf("another process (pid %d, %s)", e.PID, e.Command)
	}
	return fmt.Sprintf("pgmanaged: port %d on 127.0.0.1, where the managed PostgreSQL would listen, is in use by %s: "+
		"choose another port for it, or stop that process", e.Port, who)
}

// checkPort fails with a *PortInUseError if 127.0.0.1:port cannot be bound
// because it is taken. Other failures are left to the server to report.
func checkPort(port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err == nil {
		return l.Close()
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return portInUse(port)
	}
	return nil
}

// portInUse is the error for a port another process holds.
func portInUse(port int) error {
	e := &PortInUseError{Port: port}
	e.PID, e.Command = portHolder(port)
	return e
}

// bindFailed reports whether a server's log says it could not bind its
// TCP port because it was taken.
func bindFailed(log string) bool {
	return strings.Contains(log, "could not bind") && strings.Contains(log, "Address already in use")
}
