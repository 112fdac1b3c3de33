package loadgen

import (
	"runtime"
	"syscall"
	"time"
)

// coarse is the part of a wait left to the Go runtime's timers, whose
// wake-ups may be up to about a millisecond late.
const coarse = 2 * time.Millisecond

// prSetTimerSlack is prctl's PR_SET_TIMERSLACK.
const prSetTimerSlack = 29

// pacer sleeps precisely: on Linux, short waits are a nanosleep system call
// on a thread whose timer slack is 1 µs (the default 50 µs would make each
// wake-up up to 50 µs late), rather than the runtime's timers, which round
// a sub-millisecond sleep up to about 1 ms when no goroutine is runnable.
// The scheduling goroutine is locked to its thread for the slack to apply;
// the thread exits with it (close does not unlock), so the setting never
// leaks to other goroutines.
type pacer struct{}

func newPacer() pacer {
	runtime.LockOSThread()
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetTimerSlack, 1000, 0)
	return pacer{}
}

func (pacer) sleep(d time.Duration) {
	if d > coarse {
		time.Sleep(d - coarse/2)
		return // the caller recomputes what is left
	}
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}

// close ends the pacer. The goroutine stays locked to its thread, which the
// runtime then discards when the goroutine exits.
func (pacer) close() {}
