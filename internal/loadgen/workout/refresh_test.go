package workout

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
)

// An athlete refreshes its access token before it expires, and the NATS
// connection uses the new one when it reconnects.
func TestAthleteRefreshesItsToken(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Athlos")
	}
	t.Parallel()
	app := apptest.Start(t, "client", "training")
	cfg, err := Config{BaseURL: app.BaseURL, Athletes: 1}.withDefaults()
	require.NoError(t, err)
	r := &run{cfg: cfg, api: newHTTPAPI(cfg.BaseURL, cfg.HTTPClient), shards: []*shard{{}}}
	a := newAthlete(r, 0)
	a.setup(context.Background())
	require.NotNil(t, a.nc, "first error: %v", r.shards[0].errs.first)
	defer a.nc.Close()
	old := a.token()

	a.tokens.RetryAt(time.Now().Add(-time.Second))
	a.maybeRefresh()
	require.Eventually(t, func() bool { return a.token() != old }, 10*time.Second, 20*time.Millisecond)
	at, refreshing := a.tokens.RefreshAt()
	assert.False(t, refreshing)
	assert.True(t, at.After(time.Now().Add(time.Minute)), "the next refresh is due later")

	// Reconnect: the server accepts the new token.
	require.NoError(t, a.nc.ForceReconnect())
	require.Eventually(t, func() bool { return r.reconnects.Load() == 1 && a.nc.IsConnected() }, 10*time.Second, 20*time.Millisecond)
	a.publish([]Point{a.track.Next(time.Now())})
	a.inflight.Wait()
	assert.Equal(t, uint64(1), r.ptsAcked.Load())
	assert.Zero(t, r.errors.Load(), r.shards[0].errs.first)
}
