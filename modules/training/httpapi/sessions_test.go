package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
)

// run makes n points one second apart at 3 m/s northwards, the last one at
// end, with heart rate.
func run(n int, end time.Time) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{
			"t":   end.Add(time.Duration(i-n+1) * time.Second).UTC().Format(time.RFC3339),
			"lat": 52.5 + float64(i)*3/111_257.0, "lon": 13.4, "ele": 34.0, "hr": 140 + i%20,
		}
	}
	return out
}

func TestLiveSessionEndToEnd(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken

	r := a.Do(http.MethodPost, "/v1/me/gear", ana, map[string]any{"type": "shoes", "brand": "Brooks"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var shoes struct {
		ID string `json:"id"`
	}
	r.JSON(t, &shoes)

	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "gear_ids": []string{shoes.ID}, "title": "Morning run"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s api.Session
	r.JSON(t, &s)
	assert.Equal(t, "active", s.State)
	assert.Equal(t, []string{shoes.ID}, s.GearIDs)

	// Nine minutes of points up to the start (the app began recording
	// before it told the server), plus four impossible ones.
	points := run(540, s.StartedAt)
	points = append(points,
		map[string]any{"t": s.StartedAt.Format(time.RFC3339), "lat": 95.0, "lon": 13.4},
		map[string]any{"t": s.StartedAt.Add(-2 * time.Hour).Format(time.RFC3339), "lat": 52.5, "lon": 13.4},
		map[string]any{"t": s.StartedAt.Add(-5 * time.Minute).Format(time.RFC3339), "lat": 52.5, "lon": 13.4, "hr": 400},
		map[string]any{"t": s.StartedAt.Add(-4 * time.Minute).Format(time.RFC3339), "lat": 52.5, "hr": 120}, // half a position
	)
	send := func(token string, body any) apptest.Response {
		return a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", token, body)
	}
	r = send(ana, map[string]any{"points": points})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var res api.PointsResult
	r.JSON(t, &res)
	assert.Equal(t, 540, res.Accepted)
	assert.Equal(t, int64(540), res.Stored)
	assert.Equal(t, map[string]int{"coordinates_out_of_range": 1, "time_outside_session": 1, "sensor_value_out_of_range": 1,
		"partial_position": 1}, res.Dropped)

	// The same batch again (a retry after a lost answer): nothing is stored twice.
	send(ana, map[string]any{"points": points[:540]}).JSON(t, &res)
	assert.Zero(t, res.Stored)

	action := func(token, what string) apptest.Response {
		return a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/"+what, token, nil)
	}
	require.Equal(t, http.StatusOK, action(ana, "pause").Status)
	r = action(ana, "pause")
	assert.Equal(t, http.StatusConflict, r.Status, "a paused session cannot pause")
	assert.Equal(t, "conflict", r.Problem(t).Code)
	require.Equal(t, http.StatusOK, action(ana, "resume").Status)
	for _, what := range []string{"pause", "resume", "finish", "share", "watch"} {
		assert.Equal(t, http.StatusNotFound, action(bob, what).Status, "another user's session is not found: %s", what)
		r := a.Do(http.MethodPost, "/v1/sessions/01a218c9-95e8-7859-a437-7b9381224e73/"+what, ana, nil)
		assert.Equal(t, http.StatusNotFound, r.Status, "unknown session: %s", what)
		assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, "/v1/sessions/nope/"+what, ana, nil).Status, "malformed id: %s", what)
	}
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, "/v1/sessions/"+s.ID+"/share", bob, nil).Status)

	r = action(ana, "finish")
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &s)
	assert.Equal(t, "finished", s.State)
	require.NotNil(t, s.Summary)
	assert.InDelta(t, 539*3, s.Summary.DistanceM, 539*3*0.01)
	assert.Equal(t, 539.0, s.Summary.ElapsedTimeS)
	assert.Equal(t, 540, s.Summary.Points)
	require.NotNil(t, s.Summary.MaxHRBpm)
	assert.Equal(t, 159, *s.Summary.MaxHRBpm)
	assert.Equal(t, http.StatusConflict, action(ana, "resume").Status, "finished is final")

	// Points recorded before the finish that arrive after it (the app
	// finished over HTTP while its last telemetry was on its way) are
	// still stored and counted; a point sent again changes nothing.
	lastPoint := points[539] // the last of the run (impossible points follow)
	late := []map[string]any{{"t": s.StartedAt.Add(time.Second).UTC().Format(time.RFC3339), "lat": lastPoint["lat"].(float64) + 3/111_257.0,
		"lon": 13.4, "ele": 34.0, "hr": 150}}
	r = send(ana, map[string]any{"points": late})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	res = api.PointsResult{}
	r.JSON(t, &res)
	assert.Equal(t, int64(1), res.Stored)
	r = send(ana, map[string]any{"points": points[:1]})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	res = api.PointsResult{}
	r.JSON(t, &res)
	assert.Zero(t, res.Stored)
	r = a.Do(http.MethodGet, "/v1/sessions/"+s.ID, ana, nil)
	s = api.Session{}
	r.JSON(t, &s)
	assert.Equal(t, 541, s.Summary.Points, "the late point is in the figures")
	assert.InDelta(t, 540*3, s.Summary.DistanceM, 540*3*0.01)
	// The figures were computed again once: for the new point, not for the
	// one sent again.
	require.Eventually(t, func() bool { return eventCount(t, a, "EVT_TRAINING", api.EventSessionUpdated) == 1 }, 10*time.Second, 20*time.Millisecond)

	// The client module counted the run on the shoes (evt.training.session.completed).
	require.Eventually(t, func() bool {
		var g struct {
			DistanceM float64 `json:"distance_m"`
			Sessions  int     `json:"sessions"`
		}
		r := a.Do(http.MethodGet, "/v1/me/gear/"+shoes.ID, ana, nil)
		if r.Status != http.StatusOK || json.Unmarshal(r.Body, &g) != nil {
			return false
		}
		return g.Sessions == 1 && g.DistanceM > 1500
	}, 20*time.Second, 50*time.Millisecond)
	shoesCount := func() (int, float64) {
		var g struct {
			DistanceM float64 `json:"distance_m"`
			Sessions  int     `json:"sessions"`
		}
		a.Do(http.MethodGet, "/v1/me/gear/"+shoes.ID, ana, nil).JSON(t, &g)
		return g.Sessions, g.DistanceM
	}
	assert.Equal(t, uint64(1), eventCount(t, a, "EVT_TRAINING", api.EventSessionUpdated), "still one: the point sent again made none")

	// Taking the shoes off the session takes the run back off them
	// (evt.training.session.updated); putting them back counts it again.
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, map[string]any{"gear_ids": []string{}}).Status)
	require.Eventually(t, func() bool { n, d := shoesCount(); return n == 0 && d == 0 }, 20*time.Second, 50*time.Millisecond)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, map[string]any{"gear_ids": []string{shoes.ID}}).Status)
	require.Eventually(t, func() bool { n, d := shoesCount(); return n == 1 && d > 1500 }, 20*time.Second, 50*time.Millisecond)

	r = a.Do(http.MethodGet, "/v1/sessions/"+s.ID, ana, nil)
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/"+s.ID, bob, nil).Status)
	assert.Equal(t, http.StatusNotFound, send(bob, map[string]any{"points": points[:1]}).Status)

	// Deleting the session takes it back off the shoes
	// (evt.training.session.deleted).
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/sessions/"+s.ID, ana, nil).Status)
	require.Eventually(t, func() bool { n, d := shoesCount(); return n == 0 && d == 0 }, 20*time.Second, 50*time.Millisecond)
}

func TestSessionBadInput(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	r := a.Do(http.MethodPost, "/v1/me/devices", bob, map[string]any{"kind": "watch"})
	require.Equal(t, http.StatusCreated, r.Status)
	var bobsWatch api.Device
	r.JSON(t, &bobsWatch)

	for _, c := range []struct{ body, field string }{
		{`{"sport": "chess"}`, "body.sport"},
		{`{}`, "body.sport"},
		{`{"sport": "run", "visibility": "everyone"}`, "body.visibility"},
		{`{"sport": "run", "device_id": "` + bobsWatch.ID + `"}`, "body.device_id"},
		{`{"sport": "run", "gear_ids": ["nope"]}`, "body.gear_ids[0]"},
		{`{"sport": "run", "title": "` + strings.Repeat("t", 201) + `"}`, "body.title"},
		{`{"sport": `, "body"},
	} {
		r := a.Do(http.MethodPost, "/v1/sessions", ana, c.body)
		assert.Equal(t, http.StatusBadRequest, r.Status, c.body+": "+string(r.Body))
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.body)
	}
	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "ride"})
	require.Equal(t, http.StatusCreated, r.Status)
	var s api.Session
	r.JSON(t, &s)
	for _, body := range []string{`{"points": "many"}`, `{"points": [{"t": "yesterday", "lat": 1, "lon": 2}]}`, `{"points": [1, 2]}`} {
		r := a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, body)
		assert.Equal(t, http.StatusBadRequest, r.Status, body)
	}
	var many strings.Builder
	many.WriteString(`{"points": [`)
	for i := 0; i < 10_001; i++ {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `{"t":"%s","lat":1,"lon":2}`, s.StartedAt.Format(time.RFC3339))
	}
	many.WriteString("]}")
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, many.String())
	assert.Contains(t, []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge}, r.Status, "too many points")
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodGet, "/v1/sessions/not-a-uuid", ana, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/01a218c9-95e8-7859-a437-7b9381224e73", ana, nil).Status)
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodPost, "/v1/sessions", "", `{"sport":"run"}`).Status)
}

// TestTelemetryOverNATS publishes points on live.telemetry.<user>.<session>
// as the app does over its WebSocket connection: they are stored like
// HTTP's; a message naming another user's session stores nothing.
func TestTelemetryOverNATS(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	userID := func(token string) string {
		var me struct {
			UserID string `json:"user_id"`
		}
		a.Do(http.MethodGet, "/v1/me", token, nil).JSON(t, &me)
		return me.UserID
	}
	anaID, bobID := userID(ana), userID(bob)
	r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run"})
	require.Equal(t, http.StatusCreated, r.Status)
	var s api.Session
	r.JSON(t, &s)

	ctx := context.Background()
	conn, err := bus.Connect(ctx, bus.ConnConfig{Name: "app-stand-in", Embedded: a.NATS}, bustest.Logger(t))
	require.NoError(t, err)
	defer conn.NC.Close()
	publish := func(user string, pts []map[string]any) {
		data, err := json.Marshal(map[string]any{"points": pts})
		require.NoError(t, err)
		_, err = conn.JS.Publish(ctx, api.TelemetrySubject(user, s.ID), data)
		require.NoError(t, err)
	}
	pts := run(300, s.StartedAt)
	publish(anaID, pts[:150])
	publish(anaID, pts[100:]) // overlapping: stored once
	publish(bobID, run(50, s.StartedAt.Add(-8*time.Minute)))
	publish(anaID, pts[:150]) // a redelivery

	db := a.DB(t)
	count := func() int {
		var n int
		require.NoError(t, db.QueryRow(ctx, "SELECT count(*) FROM training.points").Scan(&n))
		return n
	}
	require.Eventually(t, func() bool { return count() == 300 }, 20*time.Second, 50*time.Millisecond)
	// Let the consumer drain what is left, then check nothing more came.
	require.Eventually(t, func() bool {
		c, err := conn.JS.Consumer(ctx, bus.StreamTelemetry, "training__live_telemetry")
		require.NoError(t, err)
		info, err := c.Info(ctx)
		require.NoError(t, err)
		return info.NumPending == 0 && info.NumAckPending == 0
	}, 20*time.Second, 50*time.Millisecond)
	assert.Equal(t, 300, count(), "bob's message for ana's session stored nothing")
	// What the ingest did, in /metrics: 150 + 200 + 150 points passed the
	// rules, 300 were new, bob's message was refused.
	r = a.Do(http.MethodGet, "/metrics", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	metrics := map[string]bool{}
	for _, line := range strings.Split(string(r.Body), "\n") {
		metrics[line] = true
	}
	for _, want := range []string{"athlos_training_points_accepted_total 500", "athlos_training_points_stored_total 300",
		"athlos_training_messages_refused_total 1", "athlos_training_ingest_batch_messages_sum 4"} {
		assert.True(t, metrics[want], want)
	}

	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/finish", ana, nil)
	require.Equal(t, http.StatusOK, r.Status)
	r.JSON(t, &s)
	assert.Equal(t, 300, s.Summary.Points)
}

func TestListSessionsAndExportGPX(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	var ids []string
	for _, sport := range []string{"run", "ride", "run"} {
		r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": sport, "title": sport + " & more"})
		require.Equal(t, http.StatusCreated, r.Status)
		var s api.Session
		r.JSON(t, &s)
		ids = append(ids, s.ID)
	}
	var page api.SessionList
	r := a.Do(http.MethodGet, "/v1/sessions?limit=2", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &page)
	require.Len(t, page.Items, 2)
	assert.Equal(t, ids[2], page.Items[0].ID, "newest first")
	require.NotNil(t, page.NextCursor)
	a.Do(http.MethodGet, "/v1/sessions?limit=2&cursor="+*page.NextCursor, ana, nil).JSON(t, &page)
	require.Len(t, page.Items, 1)
	assert.Equal(t, ids[0], page.Items[0].ID)
	assert.Nil(t, page.NextCursor)

	a.Do(http.MethodGet, "/v1/sessions?sport=ride", ana, nil).JSON(t, &page)
	require.Len(t, page.Items, 1)
	assert.Equal(t, ids[1], page.Items[0].ID)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	a.Do(http.MethodGet, "/v1/sessions?from="+future, ana, nil).JSON(t, &page)
	assert.Empty(t, page.Items)
	a.Do(http.MethodGet, "/v1/sessions", bob, nil).JSON(t, &page)
	assert.Empty(t, page.Items, "only the caller's sessions")
	for _, q := range []string{"sport=chess", "limit=0", "cursor=***", "from=yesterday", "from=" + future + "&to=2000-01-01T00:00:00Z"} {
		assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodGet, "/v1/sessions?"+q, ana, nil).Status, q)
	}

	// GPX of a session with points: it reads back with the same points.
	var s api.Session
	a.Do(http.MethodGet, "/v1/sessions/"+ids[0], ana, nil).JSON(t, &s)
	r = a.Do(http.MethodPost, "/v1/sessions/"+ids[0]+"/points", ana, map[string]any{"points": run(120, s.StartedAt)})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = a.Do(http.MethodGet, "/v1/sessions/"+ids[0]+"/gpx", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Equal(t, "application/gpx+xml", r.Header.Get("Content-Type"))
	assert.Contains(t, string(r.Body), "<name>run &amp; more</name>")
	assert.Equal(t, 120, strings.Count(string(r.Body), "<trkpt "))
	assert.Contains(t, string(r.Body), "<gpxtpx:hr>")
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/"+ids[0]+"/gpx", bob, nil).Status)
}
