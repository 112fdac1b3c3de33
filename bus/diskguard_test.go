package bus_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
)

// fakeDisk is a file system whose free space the test sets.
type fakeDisk struct{ free atomic.Uint64 }

func (d *fakeDisk) read(string) (uint64, uint64, error) { return d.free.Load(), 100 << 30, nil }

func publishTelemetry(ctx context.Context, js jetstream.JetStream, i int) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, err := js.Publish(ctx, fmt.Sprintf("live.telemetry.u.s%d", i), []byte(`{"points":[]}`))
	return err
}

// Below the free-disk threshold JetStream refuses new messages at once,
// with an error the publisher sees, and keeps what it has; with room again
// it takes them again.
func TestLowDiskRefusesNewMessagesWithAnErrorUntilThereIsRoom(t *testing.T) {
	t.Parallel()
	e := bustest.Server(t)
	c := bustest.Conn(t, e)
	ctx := t.Context()
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, bus.Streams(nil, 1)))
	disk := &fakeDisk{}
	disk.free.Store(50 << 30)
	g := e.GuardDisk(bus.DiskGuardConfig{Paths: []string{"/data"}, MinFree: 1 << 30, Interval: 20 * time.Millisecond, Free: disk.read},
		bustest.Logger(t))
	require.NoError(t, g.Check())
	require.NoError(t, publishTelemetry(ctx, c.JS, 1))

	disk.free.Store(512 << 20)
	require.Eventually(t, g.Low, 30*time.Second, 10*time.Millisecond)
	assert.ErrorContains(t, g.Check(), "below")
	err := publishTelemetry(ctx, c.JS, 2)
	require.Error(t, err, "refused")
	assert.ErrorContains(t, err, "resource limits exceeded")
	s, err := c.JS.Stream(ctx, bus.StreamTelemetry)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), info.State.Msgs, "what was stored stays")

	// Just above the threshold is not enough (hysteresis), a quarter more is.
	disk.free.Store(1<<30 + 100<<20)
	time.Sleep(100 * time.Millisecond)
	assert.True(t, g.Low())
	disk.free.Store(2 << 30)
	require.Eventually(t, func() bool { return !g.Low() }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, g.Check())
	require.NoError(t, publishTelemetry(ctx, c.JS, 3))
}

// In a cluster a stream's leader, on any node, decides on its writes, and
// the replicas follow on every node: one node low on disk makes every
// node refuse new messages, until it has room again.
func TestOneNodeLowOnDiskCapsTheCluster(t *testing.T) {
	t.Parallel()
	nodes := threeNodes(t)
	disks := make([]*fakeDisk, len(nodes))
	guards := make([]*bus.DiskGuard, len(nodes))
	for i, n := range nodes {
		disks[i] = &fakeDisk{}
		disks[i].free.Store(50 << 30)
		guards[i] = n.GuardDisk(bus.DiskGuardConfig{Paths: []string{"/data"}, MinFree: 1 << 30, Interval: 50 * time.Millisecond,
			Free: disks[i].read}, bustest.Logger(t))
	}
	ctx := t.Context()
	c1 := bustest.Conn(t, nodes[0])
	require.NoError(t, bus.EnsureStreams(ctx, c1.JS, bus.Streams(nil, 3)))
	require.NoError(t, publishTelemetry(ctx, c1.JS, 1))

	disks[2].free.Store(100 << 20) // node 3's disk fills
	for _, g := range guards {
		require.Eventually(t, g.Low, 30*time.Second, 10*time.Millisecond, "every node caps")
	}
	assert.ErrorContains(t, guards[0].Check(), "n3 is low on disk")
	require.Eventually(t, func() bool { return publishTelemetry(ctx, c1.JS, 2) != nil }, 30*time.Second, 50*time.Millisecond,
		"a publish through node 1 is refused")

	disks[2].free.Store(50 << 30)
	for _, g := range guards {
		require.Eventually(t, func() bool { return !g.Low() }, 30*time.Second, 10*time.Millisecond, "every node takes messages again")
	}
	require.NoError(t, guards[0].Check())
	require.NoError(t, publishTelemetry(ctx, c1.JS, 3))
}

// JetStream that went down while the guard capped it is started again
// when room comes back at once (it stayed down: lifting the cap failed
// on a JetStream that was not running, and nothing else was tried).
func TestJetStreamDownWhileCappedComesBack(t *testing.T) {
	t.Parallel()
	e := bustest.Server(t)
	c := bustest.Conn(t, e)
	require.NoError(t, bus.EnsureStreams(t.Context(), c.JS, bus.Streams(nil, 1)))
	disk := &fakeDisk{}
	disk.free.Store(100 << 20)
	g := e.GuardDisk(bus.DiskGuardConfig{Paths: []string{"/data"}, MinFree: 1 << 30, Interval: 20 * time.Millisecond, Free: disk.read},
		bustest.Logger(t))
	require.Eventually(t, g.Low, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, e.Server.ShutdownJetStream())
	disk.free.Store(50 << 30)
	require.Eventually(t, func() bool { return e.Health() == nil && !g.Low() }, 20*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool { return publishTelemetry(t.Context(), c.JS, 1) == nil }, 20*time.Second, 100*time.Millisecond)
}

// On a real full disk (a small tmpfs; root only). A write that fails for
// lack of space leaves the stream failing every write until its store is
// opened again, even once there is room (JetStream 2.15 keeps the error;
// older servers shut JetStream down): without the guard, until a restart.
// The guard starts JetStream again once there is room, and the stream
// takes writes, with what it held. Then, with the guard watching, the disk
// filling up again is met with refusals before it is full.
func TestJetStreamComesBackAfterARealFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounts a tmpfs: root only")
	}
	t.Parallel()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	e := bustest.ServerAt(t, filepath.Join(dir, "nats"))
	c := bustest.Conn(t, e)
	ctx := t.Context()
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, bus.Streams(nil, 1)))
	require.NoError(t, publishTelemetry(ctx, c.JS, 0))

	// Fill the disk but for a little, then publish until a write fails.
	filler := filepath.Join(dir, "filler")
	fill := func(mb int) {
		t.Helper()
		out, err := exec.Command("dd", "if=/dev/zero", "of="+filler, "bs=1M", fmt.Sprintf("count=%d", mb)).CombinedOutput()
		if err != nil && mb < 46 {
			t.Fatalf("dd: %v %s", err, out)
		}
	}
	fill(47)
	big := make([]byte, 256<<10)
	var failed error
	for i := 0; i < 200 && failed == nil; i++ {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, failed = c.JS.Publish(pctx, fmt.Sprintf("live.telemetry.u.s%d", i), big)
		cancel()
	}
	require.Error(t, failed, "the disk filled up")
	require.Eventually(t, func() bool { return e.Health() != nil }, 10*time.Second, 20*time.Millisecond,
		"the server's health says a write failed")
	require.NoError(t, os.Remove(filler))
	time.Sleep(200 * time.Millisecond)
	assert.Error(t, publishTelemetry(ctx, c.JS, 1), "with room again, the stream still fails")

	g := e.GuardDisk(bus.DiskGuardConfig{Paths: []string{dir}, MinFree: 8 << 20, Interval: 50 * time.Millisecond}, bustest.Logger(t))
	require.Eventually(t, func() bool { return e.Health() == nil }, 20*time.Second, 50*time.Millisecond, "started again")
	require.Eventually(t, func() bool { return publishTelemetry(ctx, c.JS, 2) == nil }, 30*time.Second, 200*time.Millisecond,
		"the stream takes writes again")
	require.NoError(t, g.Check())
	s, err := c.JS.Stream(ctx, bus.StreamTelemetry)
	require.NoError(t, err)
	msg, err := s.GetMsg(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, "live.telemetry.u.s0", msg.Subject, "what was stored before is still there")

	// The disk fills again, with the guard watching: below 8 MiB free the
	// publisher is refused with an error, before any write fails.
	fill(44)
	require.Eventually(t, g.Low, 30*time.Second, 20*time.Millisecond)
	err = publishTelemetry(ctx, c.JS, 3)
	require.Error(t, err)
	assert.ErrorContains(t, err, "resource limits exceeded")
	require.NoError(t, e.Health(), "no write failed")
	require.NoError(t, os.Remove(filler))
	require.Eventually(t, func() bool { return !g.Low() }, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, publishTelemetry(ctx, c.JS, 4))
}
