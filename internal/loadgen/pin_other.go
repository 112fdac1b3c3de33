//go:build !linux

package loadgen

import "errors"

// PinToCPU is Linux only (see pin_linux.go).
func PinToCPU(int) error { return errors.New("loadgen: pinning to a CPU needs Linux") }
