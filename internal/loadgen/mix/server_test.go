package mix

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProfileNames(t *testing.T) {
	assert.Equal(t, "github.com/nats-io/nats-server/v2/server", packageOf("github.com/nats-io/nats-server/v2/server.(*client).processMsg"))
	assert.Equal(t, "runtime", packageOf("runtime.futex"))
	assert.Equal(t, "github.com/danielgtaylor/huma/v2",
		packageOf("github.com/danielgtaylor/huma/v2.Register[go.shape.struct { Body github.com/athlos/athlos/modules/client/api.LoginRequest }].func1"))
	assert.Equal(t, "a/rpc.Register.JSON[…].JSONEncoded[…].func22",
		withoutTypeArgs("a/rpc.Register.JSON[go.shape.struct { A string \"json:\\\"a\\\"\" }, go.shape.[]int].JSONEncoded[go.shape.struct {}].func22"))
	assert.Equal(t, "plain.Name", withoutTypeArgs("plain.Name"))
}

// Flat time is the innermost function's, cum time every function's on the
// stack, once per sample (a recursive function counts once).
func TestSummarise(t *testing.T) {
	fn := func(id uint64, name string) *profile.Function { return &profile.Function{ID: id, Name: name} }
	run, ingest, copyFn, syscall := fn(1, "github.com/athlos/athlos/bus.run"), fn(2, "github.com/athlos/athlos/modules/training.ingest"),
		fn(3, "github.com/jackc/pgx/v5.(*Conn).CopyFrom"), fn(4, "internal/runtime/syscall/linux.Syscall6")
	loc := func(id uint64, f *profile.Function) *profile.Location {
		return &profile.Location{ID: id, Line: []profile.Line{{Function: f}}}
	}
	lRun, lIngest, lCopy, lSys := loc(1, run), loc(2, ingest), loc(3, copyFn), loc(4, syscall)
	prof := &profile.Profile{
		SampleType:    []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		DurationNanos: int64(10 * time.Second),
		Sample: []*profile.Sample{
			{Location: []*profile.Location{lSys, lCopy, lIngest, lRun}, Value: []int64{3, 300e6}},
			{Location: []*profile.Location{lIngest, lIngest, lRun}, Value: []int64{1, 100e6}},
		},
	}
	var p Profile
	summarise(prof, &p, 10)
	assert.InDelta(t, 0.4, p.CPUSeconds, 1e-9)
	assert.InDelta(t, 10, p.Seconds, 1e-9)
	require.Len(t, p.Functions, 2)
	assert.Equal(t, Share{Name: syscall.Name, FlatPct: 75, CumPct: 75}, p.Functions[0])
	assert.Equal(t, Share{Name: ingest.Name, FlatPct: 25, CumPct: 100}, p.Functions[1])
	assert.Equal(t, []Share{{Name: "internal/runtime/syscall/linux", FlatPct: 75}, {Name: "github.com/athlos/athlos/modules/training", FlatPct: 25}}, p.Packages)
	require.Len(t, p.Athlos, 2)
	assert.Equal(t, Share{Name: "bus.run", FlatPct: 0, CumPct: 100}, p.Athlos[0])
	assert.Equal(t, Share{Name: "modules/training.ingest", FlatPct: 25, CumPct: 100}, p.Athlos[1])
}

// The process's own figures are read from /proc.
func TestProcessFigures(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	kib, ok := residentKiB(os.Getpid())
	require.True(t, ok)
	assert.Positive(t, kib)
	end := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(end) { // some CPU to count
	}
	_, ok = processCPU(os.Getpid())
	assert.True(t, ok)
	_, ok = residentKiB(1 << 30)
	assert.False(t, ok, "no such process")
	assert.NotContains(t, FindServers(), os.Getpid(), "a test binary is no athlos serve")
}

func TestConfigRefusesNonsense(t *testing.T) {
	for name, cfg := range map[string]Config{
		"one athlete":        {Athletes: 1},
		"groups of one":      {GroupSize: 1},
		"live share above 1": {LiveShare: 1.5},
		"negative watch":     {WatchShare: -0.1},
		"negative interval":  {Every: Every{Feed: -time.Second}},
		"imports, no file":   {Every: Every{Import: time.Hour}},
		"not http":           {BaseURLs: []string{"ftp://example.com"}},
	} {
		_, err := Run(context.Background(), cfg)
		assert.Error(t, err, name)
	}
	_, err := Run(context.Background(), Config{ImportFiles: []string{"no/such/file.fit"}, Every: Every{Import: time.Hour}})
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "import file"), err.Error())
}

// Slow requests are counted by the second they started in, the worst
// second first.
func TestSlowLog(t *testing.T) {
	var l slowLog
	at := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	l.note(OpFeed, at, 10*time.Millisecond) // fast: not counted
	l.note(OpFeed, at.Add(100*time.Millisecond), 60*time.Millisecond)
	l.note(OpChat, at.Add(900*time.Millisecond), 200*time.Millisecond)
	l.note(OpFeed, at.Add(5*time.Second), SlowThreshold)
	s := l.summary(1)
	assert.Equal(t, 3, s.Count)
	assert.Equal(t, 2, s.Seconds)
	require.Len(t, s.Worst, 1)
	assert.Equal(t, SlowSecond{At: at, Count: 2, Ops: map[string]int{OpFeed: 1, OpChat: 1}}, s.Worst[0])
}
