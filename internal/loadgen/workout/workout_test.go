package workout_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen/workout"
)

// logWriter sends progress lines to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestRunEndToEnd runs the load generator against a running Athlos: every
// point the TELEMETRY stream acknowledged is stored, and the athletes
// receive their sessions' live figures.
func TestRunEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Athlos and streams for seconds")
	}
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := workout.Run(ctx, workout.Config{
		BaseURL: a.BaseURL, Athletes: 3, Duration: 4 * time.Second, Rate: 2, PointsPerMsg: 2,
		Progress: logWriter{t}, ProgressEvery: time.Second,
	})
	require.NoError(t, err)
	var text strings.Builder
	require.NoError(t, rep.WriteText(&text))
	t.Log("\n" + text.String())

	assert.Equal(t, 3, rep.Ready)
	assert.Positive(t, rep.PointsAccepted)
	assert.Equal(t, rep.PointsPublished, rep.PointsAccepted)
	for _, kind := range []string{workout.ErrRegister, workout.ErrStart, workout.ErrRealtime, workout.ErrConnect,
		workout.ErrSubscribe, workout.ErrPermission, workout.ErrPublish, workout.ErrSettle, workout.ErrFinish} {
		assert.Zero(t, rep.Errors[kind], "%s errors: %s", kind, rep.FirstErrors[kind])
	}
	assert.Equal(t, 3, rep.SessionsFinished)
	assert.Equal(t, int64(rep.PointsAccepted), rep.PointsPersisted, "every acknowledged point is stored")
	assert.Equal(t, rep.MessagesAcked, rep.Ack.Count)

	// Live figures: the owner may watch its own open session.
	assert.Equal(t, 3, rep.Watching)
	assert.Positive(t, rep.Stored.Count)
	assert.Positive(t, rep.Watch.Count)
	assert.Zero(t, rep.Unmatched)
	assert.Equal(t, rep.MessagesAcked, rep.Watch.Count, "every message is matched with live figures")
}

// When the finishes fail, the points persisted are still those the
// server stored, read from the open sessions (they once printed
// "persisted -95,883" when finishes failed though every point was stored).
func TestPersistedCountsWhatIsStoredWhenFinishesFail(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Athlos and streams for seconds")
	}
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	target, err := url.Parse(a.BaseURL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/finish") {
			http.Error(w, `{"status":500,"code":"internal","detail":"internal error"}`, http.StatusInternalServerError)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	rep, err := workout.Run(context.Background(), workout.Config{
		BaseURL: front.URL, Athletes: 3, Duration: 3 * time.Second, Rate: 2, PointsPerMsg: 2,
	})
	require.NoError(t, err)
	assert.Equal(t, uint64(3), rep.Errors[workout.ErrFinish])
	assert.Zero(t, rep.SessionsFinished)
	assert.Equal(t, 3, rep.SessionsCounted)
	assert.Positive(t, rep.PointsAccepted)
	assert.Equal(t, int64(rep.PointsAccepted), rep.PointsPersisted, "every acknowledged point is stored")
}

// A rerun with the same run id logs in to the accounts it registered.
func TestRunReusesAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Athlos")
	}
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	cfg := workout.Config{BaseURL: a.BaseURL, Athletes: 2, Duration: time.Second, Rate: 2, PointsPerMsg: 1, RunID: "again"}
	for range 2 {
		rep, err := workout.Run(context.Background(), cfg)
		require.NoError(t, err)
		assert.Equal(t, 2, rep.Ready)
		assert.Zero(t, rep.ErrorCount(), rep.FirstErrors)
		assert.Equal(t, int64(rep.PointsAccepted), rep.PointsPersisted)
	}
}

func TestRunFailsWhenNobodyCanStart(t *testing.T) {
	rep, err := workout.Run(context.Background(), workout.Config{
		BaseURL: "http://127.0.0.1:1", Athletes: 2, Duration: time.Second,
	})
	require.Error(t, err)
	assert.Equal(t, uint64(2), rep.Errors[workout.ErrRegister])
	assert.Zero(t, rep.Ready)
}

func TestConfigIsChecked(t *testing.T) {
	for _, cfg := range []workout.Config{
		{BaseURL: "ftp://x"},
		{Rate: 1000},
		{Rate: -1},
		{PointsPerMsg: -1},
		{Athletes: -3},
		{RunID: "no spaces"},
		{Duration: -time.Second},
	} {
		_, err := workout.Run(context.Background(), cfg)
		assert.Error(t, err, "%+v", cfg)
	}
}

// TestFloodEndToEnd runs the flood scenario in small: the flooding user's
// messages past its budget are refused with 429 (each answered, none
// stored past the budget), and the other user's requests keep working.
func TestFloodEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Athlos and floods it for seconds")
	}
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := workout.Flood(ctx, workout.FloodConfig{
		BaseURL: a.BaseURL, WebSocketURL: a.WebSocketURL, Rate: 1000, Duration: 2 * time.Second, DataDir: a.DataDir,
		Progress: logWriter{t},
	})
	require.NoError(t, err)
	var text strings.Builder
	require.NoError(t, rep.WriteText(&text))
	t.Log("\n" + text.String())

	assert.Positive(t, rep.Sent)
	assert.Zero(t, rep.Unanswered, "every flood message is answered, stored or refused")
	assert.Equal(t, rep.Sent, rep.Stored+rep.Refused["429"], "refusals: %v", rep.Refused)
	assert.Positive(t, rep.Refused["429"], "the flood goes past the user's budget")
	// The budget lets through its burst and its rate, no more.
	assert.LessOrEqual(t, rep.Stored, uint64(200+20*3))
	for name, p := range map[string]workout.FloodPhase{"baseline": rep.Baseline, "flood": rep.Flood} {
		assert.Zero(t, p.MeErrors, "%s: %s", name, p.FirstError)
		assert.Zero(t, p.PubAckErrors, "%s: %s", name, p.FirstError)
		assert.Positive(t, p.Me.Count, name)
		assert.Positive(t, p.PubAck.Count, name)
	}
}
