package loadgen

import (
	"os"
	"os/exec"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestPinToCPU(t *testing.T) {
	// In a process of its own: pinning this one would slow every other
	// test of the package.
	if os.Getenv("LOADGEN_PIN_CHILD") == "1" {
		require.NoError(t, PinToCPU(0))
		var set unix.CPUSet
		require.NoError(t, unix.SchedGetaffinity(0, &set))
		assert.Equal(t, 1, set.Count())
		assert.True(t, set.IsSet(0))
		// A thread made after the pinning inherits it.
		done := make(chan unix.CPUSet)
		go func() {
			runtime.LockOSThread()
			var s unix.CPUSet
			_ = unix.SchedGetaffinity(0, &s)
			done <- s
		}()
		s := <-done
		assert.Equal(t, 1, s.Count())
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPinToCPU$", "-test.v")
	cmd.Env = append(os.Environ(), "LOADGEN_PIN_CHILD=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "--- PASS: TestPinToCPU")
}
