package loadgen

import (
	"context"
	"encoding/binary"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// pace is paceSleeping with a better clock. On Linux the schedule is a
// periodic timerfd read through the runtime's network poller, which is
// both precise and cheap: the kernel fires the timer on time (a timerfd
// gets no timer slack), and the waiting goroutine holds no P, so the server
// under test keeps every P. The alternatives fail one way or the other: the
// runtime's timers round a sub-millisecond sleep up to about a millisecond
// when the process is otherwise idle (bursts of sends), and a nanosleep
// system call keeps its P until sysmon takes it back, which on a small
// machine takes a core away from the server at every tick.
func pace(ctx context.Context, interval time.Duration, n int, send func(at time.Time)) {
	fd, _, errno := syscall.RawSyscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		paceSleeping(ctx, interval, n, send)
		return
	}
	f := os.NewFile(fd, "timerfd") // non-blocking: read through the poller
	defer f.Close()
	stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Now()) })
	defer stop()

	ts := syscall.NsecToTimespec(int64(interval))
	spec := itimerspec{interval: ts, value: ts}
	start := time.Now()
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_TIMERFD_SETTIME, fd, 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0); errno != 0 {
		paceSleeping(ctx, interval, n, send)
		return
	}
	var buf [8]byte
	for i := 1; i <= n; {
		if _, err := f.Read(buf[:]); err != nil {
			return // ctx ended (read deadline), or the timer failed
		}
		// The count of expirations since the last read: more than one when
		// this goroutine ran late; those sends are made at once.
		for k := binary.NativeEndian.Uint64(buf[:]); k > 0 && i <= n; k-- {
			send(start.Add(time.Duration(i) * interval))
			i++
		}
	}
}

// clockMonotonic is CLOCK_MONOTONIC, the clock of Go's monotonic readings.
const clockMonotonic = 1

type itimerspec struct {
	interval, value syscall.Timespec
}
