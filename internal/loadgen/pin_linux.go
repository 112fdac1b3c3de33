package loadgen

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// PinToCPU makes every thread of this process run on cpu only; threads
// made later inherit it from the thread that makes them. A load generator
// pinned to one core leaves the others to the server it measures.
func PinToCPU(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	// Twice: a thread made during the first pass by one not yet pinned
	// is pinned by the second.
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("loadgen: pin to CPU %d: %w", cpu, err)
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.SchedSetaffinity(tid, &set); err != nil {
				return fmt.Errorf("loadgen: pin to CPU %d: %w", cpu, err)
			}
		}
	}
	return nil
}
