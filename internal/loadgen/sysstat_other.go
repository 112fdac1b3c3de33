//go:build !linux

package loadgen

import "time"

// MachineCPU returns 0: the machine's CPU time is read on Linux only.
func MachineCPU() time.Duration { return 0 }
