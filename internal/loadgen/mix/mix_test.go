package mix_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen/mix"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/platform"
)

// The mix reduced to 10 athletes for 10 seconds, against an Athlos in
// this process (its memory is this process's) with a profiling listener:
// every operation runs without an error and nothing is lost. Access
// tokens live 6 s, so the athletes refresh them during the mix and the
// server closes their connections, which reconnect, as every 15 minutes
// in a long run. The figures are measured with the command, not here.
func TestMixLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Athlos and runs for seconds")
	}
	a := apptest.StartConfig(t, func(_ *platform.Config, m *modules.Configs) { m.Client.AccessTokenTTL = 6 * time.Second },
		"client", "training", "social", "gamification")
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	debug := httptest.NewServer(mux)
	defer debug.Close()

	const testdata = "../../../modules/training/internal/importer/testdata/"
	var progress strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := mix.Run(ctx, mix.Config{
		BaseURLs: []string{a.BaseURL}, Athletes: 10, Duration: 10 * time.Second, GroupSize: 5,
		LiveShare: 0.5, WatchShare: 0.4, PointsPerMsg: 2,
		Every: mix.Every{Chat: 5 * time.Second, Feed: 5 * time.Second, Leaderboard: 5 * time.Second,
			Analytics: 5 * time.Second, Import: 20 * time.Second, Login: 20 * time.Second},
		ImportFiles: []string{testdata + "tormoder-fit__edge530-power__garmin.fit",
			testdata + "fitparse__coros-pace-2-cycling-misaligned-fields.fit",
			testdata + "fitparse__2019-02-17-062644-ELEMNT-297E-195-0.fit"},
		ServerPIDs: []int{os.Getpid()}, ProfileURLs: []string{debug.URL}, ProfileSeconds: 2,
		HTTPClient: a.Client, Progress: &progress,
	})
	require.NoError(t, err, progress.String())
	var text strings.Builder
	require.NoError(t, rep.WriteText(&text))
	t.Log("\n" + text.String())

	for _, op := range []string{mix.OpRegister, mix.OpGroupCreate, mix.OpGroupJoin, mix.OpSessionStart, mix.OpWatch,
		mix.OpRealtime, mix.OpConnect, mix.OpTelemetry, mix.OpChat, mix.OpFeed, mix.OpLeaderboard, mix.OpAnalytics,
		mix.OpImport, mix.OpLogin, mix.OpRefresh, mix.OpFinish, mix.OpHistory} {
		o := rep.Op(op)
		assert.Positive(t, o.Count, "%s never ran", op)
		assert.Zero(t, o.Errors, "%s: %s", op, o.FirstError)
		assert.Zero(t, o.Unsent, op)
	}
	assert.True(t, rep.NothingLost(), "nothing lost")
	assert.Equal(t, 5, rep.Telemetry.Sessions)
	assert.Equal(t, 5, rep.Telemetry.SessionsChecked)
	assert.Positive(t, rep.Telemetry.PointsAcked)
	assert.Equal(t, rep.Telemetry.PointsPublished, rep.Telemetry.PointsAcked)
	assert.Equal(t, int64(rep.Telemetry.PointsAcked), rep.Telemetry.PointsStored)
	assert.Positive(t, rep.Chat.Answered)
	assert.Equal(t, rep.Chat.Answered, rep.Chat.InHistory)
	assert.Positive(t, rep.Chat.Delivered, "the members receive the messages (not while reconnecting)")
	assert.Equal(t, 2, rep.Watch.Sessions)
	assert.Equal(t, 2, rep.Watch.SessionsWithFigures, "every watcher received live figures")
	assert.Equal(t, int64(rep.Op(mix.OpImport).Count), rep.Imports)
	assert.Greater(t, rep.PointsImported, 8000*rep.Imports, "the files have 8,800 to 13,500 points")
	assert.Zero(t, rep.PermissionErrors)
	assert.Positive(t, rep.Reconnects, "the connections outlived their tokens and reconnected")
	require.Len(t, rep.Memory, 1)
	assert.Positive(t, rep.Memory[0].PeakMiB)
	require.Len(t, rep.Profiles, 1)
	assert.Empty(t, rep.Profiles[0].Error)
	assert.NotEmpty(t, rep.Profiles[0].Functions)
}
