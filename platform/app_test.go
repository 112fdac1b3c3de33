package platform_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/athlos/athlos/platform"
)

// A stop that runs out of time makes fx skip the remaining stop hooks; the
// teardown (which stops the managed PostgreSQL) runs anyway. Before it, a
// SIGTERM while PostgreSQL was busy with crash recovery left the server
// running and holding its port.
func TestTeardownRunsWhenTheStopRunsOutOfTime(t *testing.T) {
	cfg := &platform.Config{Catalogue: catalogue, Version: "test", DataDir: t.TempDir(), Modules: []string{platform.Gateway}}
	require.NoError(t, cfg.Validate())
	var skipped, tornDown bool
	app := platform.NewApp(context.Background(), cfg, slog.New(slog.DiscardHandler), fx.Invoke(
		func(lc fx.Lifecycle, td *platform.Teardown) {
			// Registered first, so stopped last: fx never gets to it.
			lc.Append(fx.StopHook(func() { skipped = false }))
			td.Add(func(context.Context) { tornDown = true })
			// Stopped first: uses up the whole stop.
			lc.Append(fx.StopHook(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }))
		}))
	require.NoError(t, app.Err())
	require.NoError(t, app.Start(t.Context()))
	skipped = true
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	assert.Error(t, app.Stop(ctx))
	assert.True(t, skipped, "fx skipped the hook after the one that used the time up")
	assert.True(t, tornDown, "the teardown ran anyway")
}
