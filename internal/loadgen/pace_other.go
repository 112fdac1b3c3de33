//go:build !linux

package loadgen

import "time"

// pacer sleeps with the runtime's timers (see pace_linux.go for why Linux
// does better).
type pacer struct{}

func newPacer() pacer { return pacer{} }

func (pacer) sleep(d time.Duration) { time.Sleep(d) }

func (pacer) close() {}
