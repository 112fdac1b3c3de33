package mix

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/profile"
)

// FindServers returns the ids of the `athlos serve` processes of this
// machine (argv[0] named athlos, serve among the arguments), by reading
// /proc; none where there is no /proc.
func FindServers() []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		args := cmdline(pid)
		if len(args) > 0 && filepath.Base(args[0]) == "athlos" && slices.Contains(args[1:], "serve") {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids
}

// cmdline is a process's arguments (none when it is gone).
func cmdline(pid int) []string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(raw) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
}

// processName is the --http-listen (else --data-dir) of an athlos serve
// process, from its command line.
func processName(pid int) string {
	args := cmdline(pid)
	for _, flag := range []string{"--http-listen", "--data-dir"} {
		for i, a := range args {
			if v, ok := strings.CutPrefix(a, flag+"="); ok {
				return v
			}
			if a == flag && i+1 < len(args) {
				return args[i+1]
			}
		}
	}
	return ""
}

// residentKiB reads a process's resident memory (VmRSS, KiB) from
// /proc/<pid>/status; false when the process is gone or has none.
func residentKiB(pid int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := bytes.Fields(rest)
			if len(f) == 0 {
				return 0, false
			}
			n, err := strconv.ParseInt(string(f[0]), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// processCPU reads the CPU time (user and system) a process has used
// from /proc/<pid>/stat; false when the process is gone.
func processCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The fields after the command (in parentheses, which may hold
	// spaces) start with the state, field 3; utime and stime are 14, 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return 0, false
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, true // USER_HZ is 100
}

// Memory is one server process's resident memory and CPU over the mix.
type Memory struct {
	PID int `json:"pid"`
	// Name is the process's --http-listen, else its --data-dir.
	Name string `json:"name,omitempty"`
	// StartMiB before the mix (after the setup), PeakMiB the most seen
	// (sampled every second), EndMiB after the mix.
	StartMiB float64 `json:"start_mib"`
	PeakMiB  float64 `json:"peak_mib"`
	EndMiB   float64 `json:"end_mib"`
	// CPUCores is the CPU time it used during the mix over the mix's
	// wall time: how many cores it kept busy.
	CPUCores float64 `json:"cpu_cores"`
	cpu0     time.Duration
}

// memorySampler follows the resident memory of some processes.
type memorySampler struct {
	mu    sync.Mutex
	mems  []Memory
	start time.Time
	stop  chan struct{}
	done  chan struct{}
}

func startMemorySampler(pids []int) *memorySampler {
	m := &memorySampler{start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	for _, pid := range pids {
		mem := Memory{PID: pid, Name: processName(pid)}
		if kib, ok := residentKiB(pid); ok {
			mem.StartMiB, mem.PeakMiB = mib(kib), mib(kib)
		}
		mem.cpu0, _ = processCPU(pid)
		m.mems = append(m.mems, mem)
	}
	go func() {
		defer close(m.done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-tick.C:
				m.sample(false)
			}
		}
	}()
	return m
}

func (m *memorySampler) sample(end bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.mems {
		kib, ok := residentKiB(m.mems[i].PID)
		if !ok {
			continue
		}
		m.mems[i].PeakMiB = max(m.mems[i].PeakMiB, mib(kib))
		if end {
			m.mems[i].EndMiB = mib(kib)
			if cpu, ok := processCPU(m.mems[i].PID); ok {
				m.mems[i].CPUCores = (cpu - m.mems[i].cpu0).Seconds() / time.Since(m.start).Seconds()
			}
		}
	}
}

// finish stops sampling and returns what it saw, with the end figures.
func (m *memorySampler) finish() []Memory {
	close(m.stop)
	<-m.done
	m.sample(true)
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.mems)
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

// Profile is where one server spent its CPU during the profile.
type Profile struct {
	// URL is the server's debug listener; File where the profile was
	// saved (go tool pprof reads it).
	URL  string `json:"url"`
	File string `json:"file,omitempty"`
	// Seconds profiled, and CPUSeconds the process used in them.
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	// Functions are the top functions by their own time (flat), with
	// the time under them (cum), in percent of CPUSeconds.
	Functions []Share `json:"functions"`
	// Packages sum the flat time by package.
	Packages []Share `json:"packages"`
	// Athlos are Athlos's own functions with the most time under them
	// (cum): which handlers and stores the time goes to.
	Athlos []Share `json:"athlos"`
	Error  string  `json:"error,omitempty"`
}

// Share is one function's or package's part of a profile.
type Share struct {
	Name    string  `json:"name"`
	FlatPct float64 `json:"flat_pct"`
	CumPct  float64 `json:"cum_pct,omitempty"`
}

// fetchProfile takes a CPU profile of seconds from the net/http/pprof
// handler at base (a server's --debug-listen, e.g. http://127.0.0.1:6060),
// saves it under dir (when not empty) and summarises it.
func fetchProfile(ctx context.Context, hc *http.Client, base string, seconds int, dir string, top int) Profile {
	p := Profile{URL: base}
	url := strings.TrimRight(base, "/") + "/debug/pprof/profile?seconds=" + strconv.Itoa(seconds)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	c := *hc
	c.Timeout = time.Duration(seconds)*time.Second + time.Minute
	resp, err := c.Do(req)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: status %d: %.200s", url, resp.StatusCode, data)
	}
	if err != nil {
		p.Error = err.Error()
		return p
	}
	if dir != "" {
		name := strings.NewReplacer("http://", "", "https://", "", ":", "_", "/", "_").Replace(strings.TrimRight(base, "/"))
		p.File = filepath.Join(dir, "cpu-"+name+".pprof")
		if err := os.WriteFile(p.File, data, 0o644); err != nil {
			p.Error = err.Error()
			p.File = ""
		}
	}
	prof, err := profile.ParseData(data)
	if err != nil {
		p.Error = fmt.Sprintf("parse the profile: %v", err)
		return p
	}
	summarise(prof, &p, top)
	return p
}

// summarise fills in p's shares from a CPU profile: flat time is the
// innermost function of each sample, cum time every function on its
// stack (once per sample).
func summarise(prof *profile.Profile, p *Profile, top int) {
	vi := len(prof.SampleType) - 1 // cpu nanoseconds, after the sample count
	for i, st := range prof.SampleType {
		if st.Type == "cpu" {
			vi = i
		}
	}
	p.Seconds = float64(prof.DurationNanos) / 1e9
	flat, cum, pkgs := map[string]int64{}, map[string]int64{}, map[string]int64{}
	var total int64
	for _, s := range prof.Sample {
		v := s.Value[vi]
		total += v
		seen := map[string]bool{}
		for li, loc := range s.Location {
			for ln, line := range loc.Line {
				if line.Function == nil {
					continue
				}
				name := withoutTypeArgs(line.Function.Name)
				if li == 0 && ln == 0 {
					flat[name] += v
					pkgs[packageOf(name)] += v
				}
				if !seen[name] {
					seen[name] = true
					cum[name] += v
				}
			}
		}
	}
	p.CPUSeconds = float64(total) / 1e9
	if total == 0 {
		return
	}
	pct := func(v int64) float64 { return float64(v) * 100 / float64(total) }
	p.Functions = topShares(flat, top, func(name string, v int64) Share {
		return Share{Name: name, FlatPct: pct(v), CumPct: pct(cum[name])}
	})
	p.Packages = topShares(pkgs, top, func(name string, v int64) Share { return Share{Name: name, FlatPct: pct(v)} })
	own := map[string]int64{}
	for name, v := range cum {
		if strings.HasPrefix(name, "github.com/athlos/athlos/") {
			own[name] = v
		}
	}
	p.Athlos = topShares(own, top, func(name string, v int64) Share {
		return Share{Name: strings.TrimPrefix(name, "github.com/athlos/athlos/"), FlatPct: pct(flat[name]), CumPct: pct(v)}
	})
}

func topShares(m map[string]int64, top int, share func(string, int64) Share) []Share {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	var out []Share
	for _, n := range names[:min(top, len(names))] {
		out = append(out, share(n, m[n]))
	}
	return out
}

// withoutTypeArgs drops the type arguments of generic functions from a
// function's name ([go.shape.struct { … }] and the like): they can be
// kilobytes long.
func withoutTypeArgs(name string) string {
	if !strings.Contains(name, "[") {
		return name
	}
	var b strings.Builder
	depth := 0
	for _, c := range name {
		switch {
		case c == '[':
			if depth == 0 {
				b.WriteString("[…]")
			}
			depth++
		case c == ']' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// packageOf is the package path of a function name such as
// github.com/nats-io/nats-server/v2/server.(*client).processMsg.
func packageOf(fn string) string {
	fn, _, _ = strings.Cut(fn, "[") // a generic function's type arguments
	slash := strings.LastIndex(fn, "/")
	dot := strings.Index(fn[slash+1:], ".")
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}
