package loadgen

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// clockTick is the unit of /proc/stat: USER_HZ, 100 on every Linux
// platform Go supports.
const clockTick = 10 * time.Millisecond

// MachineCPU returns the CPU time that all processes of the machine have
// used so far (everything but idle and I/O wait, including time the
// hypervisor stole), from /proc/stat, or 0
// when it cannot tell. Compared with ProcessCPU over a run, it shows how
// much of the machine other processes took. Its resolution is 10 ms.
func MachineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := bytes.Cut(b, []byte{'\n'})
	f := bytes.Fields(line)
	if len(f) < 5 || string(f[0]) != "cpu" {
		return 0
	}
	var busy uint64
	for i, v := range f[1:] {
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return 0
		}
		// user nice system idle iowait irq softirq steal guest guest_nice;
		// guest time is already counted in user.
		switch i {
		case 3, 4, 8, 9: // idle, iowait, guest, guest_nice
		default:
			busy += n
		}
	}
	return time.Duration(busy) * clockTick
}
