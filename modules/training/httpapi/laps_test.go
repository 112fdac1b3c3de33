package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/stats"
)

// Laps from the live stream's lap markers and from an imported TCX file's
// laps; only the owner sees them.
func TestLaps(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken

	r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s api.Session
	r.JSON(t, &s)
	points := run(300, s.StartedAt)
	points[100]["lap"] = true
	points[200]["lap"] = true
	// Sent in two batches, the second one twice (a retry): a lap is marked once.
	for _, batch := range [][]map[string]any{points[:150], points[150:], points[150:]} {
		r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, map[string]any{"points": batch})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	}
	var laps api.LapList
	a.Do(http.MethodGet, "/v1/sessions/"+s.ID+"/laps", ana, nil).JSON(t, &laps)
	assert.Empty(t, laps.Items, "laps are computed when the session finishes")
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/finish", ana, nil).Status)
	r = a.Do(http.MethodGet, "/v1/sessions/"+s.ID+"/laps", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &laps)
	require.Len(t, laps.Items, 3)
	var dist, elapsed float64
	for i, l := range laps.Items {
		assert.Equal(t, i, l.Index)
		dist += l.DistanceM
		elapsed += l.ElapsedTimeS
		assert.InDelta(t, 3, l.AvgSpeedMps, 0.05)
		require.NotNil(t, l.MaxHRBpm)
	}
	assert.Equal(t, 100.0, laps.Items[0].ElapsedTimeS)
	marked, err := time.Parse(time.RFC3339, points[100]["t"].(string))
	require.NoError(t, err)
	assert.True(t, laps.Items[1].StartedAt.Equal(marked), "the marked point")
	r = a.Do(http.MethodGet, "/v1/sessions/"+s.ID, ana, nil)
	r.JSON(t, &s)
	assert.InDelta(t, s.Summary.DistanceM, dist, 1e-6, "the laps add up to the session")
	assert.InDelta(t, s.Summary.ElapsedTimeS, elapsed, 1e-9)

	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/"+s.ID+"/laps", bob, nil).Status, "another user's session")
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/01a218c9-95e8-7859-a437-7b9381224e73/laps", ana, nil).Status)
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodGet, "/v1/sessions/nope/laps", ana, nil).Status)
	// A lap marker that is not a boolean makes the message malformed.
	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run"})
	var open api.Session
	r.JSON(t, &open)
	bad := run(2, open.StartedAt)
	bad[1]["lap"] = "yes"
	r = a.Do(http.MethodPost, "/v1/sessions/"+open.ID+"/points", ana, map[string]any{"points": bad})
	assert.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))

	// An imported TCX file's three laps.
	r = a.Upload("/v1/sessions/import", ana, nil, "file", "laps.tcx", workoutFile(t, "tcxparser__run-hr-3laps__test.tcx"))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var res api.ImportResult
	r.JSON(t, &res)
	laps = api.LapList{}
	a.Do(http.MethodGet, "/v1/sessions/"+res.Session.ID+"/laps", ana, nil).JSON(t, &laps)
	require.Len(t, laps.Items, 3)
	assert.True(t, laps.Items[1].StartedAt.Equal(time.Date(2012, 12, 26, 21, 40, 2, 0, time.UTC)), laps.Items[1].StartedAt.String())
	dist = 0
	for _, l := range laps.Items {
		dist += l.DistanceM
		require.Positive(t, l.DistanceM)
		assert.InDelta(t, l.MovingTimeS/(l.DistanceM/1000), l.AvgPaceSPerKm, 1e-6, "the lap's pace")
		assert.LessOrEqual(t, l.ElevationGainM, res.Session.Summary.ElevationGainM+stats.ElevationThreshold)
	}
	assert.InDelta(t, res.Session.Summary.DistanceM, dist, 1e-6)
}

// A lap marker over NATS (live.telemetry, the app's JetStream publish)
// makes a lap like one over HTTP: the one format for both.
func TestLapMarkerOverNATS(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := signInApp(t, a, "ana@example.com")
	s := startSession(t, a, ana.token())
	subject := api.TelemetrySubject(ana.userID(), s.ID)
	tr := newTrack()
	app := connectAsDocumented(t, ana)
	js, err := jetstream.New(app.Conn)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	first := tr.message(t, 30)
	var second api.TelemetryMessage
	require.NoError(t, json.Unmarshal(tr.message(t, 30), &second))
	second.Points[0].Lap = true
	data, err := json.Marshal(second)
	require.NoError(t, err)
	for i, m := range [][]byte{first, data} {
		_, err := js.PublishMsg(ctx, msgWithID(subject, fmt.Sprintf("lap-%d", i), m))
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return getSession(t, a, ana.token(), s.ID).PointsStored == 60 }, 10*time.Second, 50*time.Millisecond)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/finish", ana.token(), nil).Status)
	var laps api.LapList
	a.Do(http.MethodGet, "/v1/sessions/"+s.ID+"/laps", ana.token(), nil).JSON(t, &laps)
	require.Len(t, laps.Items, 2)
	assert.True(t, laps.Items[1].StartedAt.Equal(second.Points[0].T), "the marked point starts the second lap")
}
