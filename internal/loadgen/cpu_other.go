//go:build !unix

package loadgen

import "time"

// ProcessCPU returns 0: the CPU time of the process is not read on this
// platform.
func ProcessCPU() time.Duration { return 0 }
