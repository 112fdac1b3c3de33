package bus_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
)

// Where JetStream has less room than the uploads store asks (a small
// disk), the store is made smaller instead of failing every import; a
// file it has no room for, or one refused while the disk is low, is
// "unavailable, try again later", not an internal error.
func TestUploadsFitTheRoomJetStreamHas(t *testing.T) {
	t.Parallel()
	e := bustest.ServerWith(t, bus.EmbeddedConfig{MaxStore: 600 << 20})
	c := bustest.Conn(t, e)
	ctx := t.Context()
	size, err := bus.EnsureUploads(ctx, c.JS, 1, 4<<30)
	require.NoError(t, err, "4 GiB did not fit; a smaller store did")
	assert.Equal(t, int64(512<<20), size)
	again, err := bus.EnsureUploads(ctx, c.JS, 1, 4<<30)
	require.NoError(t, err)
	assert.Equal(t, size, again, "idempotent")

	u := bus.NewUploadStore(c.JS)
	require.NoError(t, u.Put(ctx, "small", bytes.NewReader([]byte("gpx"))))
	got, err := u.Get(ctx, "small")
	require.NoError(t, err)
	assert.Equal(t, "gpx", string(got))

	disk := &fakeDisk{}
	disk.free.Store(10 << 20)
	g := e.GuardDisk(bus.DiskGuardConfig{Paths: []string{"/data"}, MinFree: 1 << 30, Interval: 20 * time.Millisecond, Free: disk.read},
		bustest.Logger(t))
	require.Eventually(t, g.Low, 30*time.Second, 10*time.Millisecond)
	err = u.Put(ctx, "refused", bytes.NewReader(make([]byte, 1<<20)))
	require.Error(t, err)
	assert.Equal(t, bus.CodeUnavailable, bus.CodeOf(err), "%v", err)
	assert.Positive(t, bus.AsError(err).RetryAfter)
}
