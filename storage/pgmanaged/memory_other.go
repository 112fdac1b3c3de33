//go:build !linux

package pgmanaged

// machineMemory is the machine's memory in bytes: unknown here.
func machineMemory() uint64 { return 0 }
