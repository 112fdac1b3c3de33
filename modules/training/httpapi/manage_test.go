package httpapi_test

import (
	"context"
	"encoding/json"
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

// lastEvent returns the latest event of a subject in a stream.
func lastEvent(t *testing.T, a *apptest.App, stream, subject string, v any) {
	t.Helper()
	ctx := context.Background()
	conn, err := bus.Connect(ctx, bus.ConnConfig{Name: "events", Embedded: a.NATS}, bustest.Logger(t))
	require.NoError(t, err)
	defer conn.NC.Close()
	require.Eventually(t, func() bool {
		s, err := conn.JS.Stream(ctx, stream)
		require.NoError(t, err)
		m, err := s.GetLastMsgForSubject(ctx, subject)
		if err != nil {
			return false
		}
		require.NoError(t, json.Unmarshal(m.Data, v))
		return true
	}, 10*time.Second, 20*time.Millisecond, "no %s event", subject)
}

// eventCount counts the events of a subject in a stream.
func eventCount(t *testing.T, a *apptest.App, stream, subject string) uint64 {
	return a.EventCount(t, stream, subject)
}

// A finished session has its route in PostGIS, calories from the
// athlete's profile, splits and best efforts; it can be changed (figures
// computed again for a new sport) and deleted, each with its event; nobody
// else can read, change or delete it.
func TestFinishedSessionRouteChangeAndDelete(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	ctx := context.Background()
	db := a.DB(t)

	r := a.Do(http.MethodPatch, "/v1/me", ana, map[string]any{"weight_kg": 60, "birth_date": "1990-05-01", "sex": "female"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, db.QueryRow(ctx, "SELECT count(*) FROM training.athletes WHERE weight_kg = 60").Scan(&n))
		return n == 1
	}, 10*time.Second, 20*time.Millisecond, "the profile reaches training")

	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run"})
	require.Equal(t, http.StatusCreated, r.Status)
	var s api.Session
	r.JSON(t, &s)
	// Ten minutes at 3 m/s northwards: 1.8 km.
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, map[string]any{"points": run(600, s.StartedAt)})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/finish", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &s)
	sum := s.Summary
	require.NotNil(t, sum)
	assert.InDelta(t, 599*3, sum.DistanceM, 599*3*0.005)
	assert.Equal(t, "heart_rate", sum.CaloriesMethod, "heart rate, weight, age and sex are known")
	assert.Greater(t, sum.CaloriesKcal, 50.0)
	assert.Less(t, sum.CaloriesKcal, 200.0)
	require.Len(t, sum.SplitsKm, 2)
	assert.InDelta(t, 1000/3.0, sum.SplitsKm[0].ElapsedS, 1)
	var names []string
	for _, b := range sum.BestEfforts {
		names = append(names, b.Name)
	}
	assert.Equal(t, []string{"400m", "1k", "1mile"}, names)
	assert.NotEmpty(t, sum.MapPolyline)
	assert.Equal(t, "live", s.Source)

	var completed api.SessionCompleted
	lastEvent(t, a, "EVT_TRAINING", api.EventSessionCompleted, &completed)
	assert.Equal(t, s.ID, completed.SessionID)
	assert.InDelta(t, sum.CaloriesKcal, completed.CaloriesKcal, 1e-9)

	// The route, every point and simplified, from PostGIS.
	var feature struct {
		Type     string `json:"type"`
		Geometry struct {
			Type        string      `json:"type"`
			Coordinates [][]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties struct {
			DistanceM float64 `json:"distance_m"`
		} `json:"properties"`
	}
	r = a.Do(http.MethodGet, "/v1/sessions/"+s.ID+"/route", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Equal(t, "application/geo+json", r.Header.Get("Content-Type"))
	r.JSON(t, &feature)
	assert.Equal(t, "Feature", feature.Type)
	assert.Equal(t, "LineString", feature.Geometry.Type)
	require.Len(t, feature.Geometry.Coordinates, 600)
	assert.InDelta(t, 13.4, feature.Geometry.Coordinates[0][0], 1e-9, "[lon, lat]")
	assert.InDelta(t, sum.DistanceM, feature.Properties.DistanceM, sum.DistanceM*0.001, "PostGIS agrees with the ellipsoid distance")
	r = a.Do(http.MethodGet, "/v1/sessions/"+s.ID+"/route?simplified=true", ana, nil)
	require.Equal(t, http.StatusOK, r.Status)
	r.JSON(t, &feature)
	assert.Len(t, feature.Geometry.Coordinates, 2, "a straight line needs two points")

	// Changes.
	r = a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, map[string]any{"title": "Easy", "notes": "felt good", "perceived_effort": 7})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &s)
	assert.Equal(t, "Easy", s.Title)
	assert.Equal(t, "felt good", s.Notes)
	assert.JSONEq(t, "7", string(s.Parameters["perceived_effort"]))
	r = a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, map[string]any{"sport": "walk", "perceived_effort": 0})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	s = api.Session{}
	r.JSON(t, &s)
	assert.Equal(t, "walk", s.Sport)
	assert.Empty(t, s.Summary.BestEfforts, "best efforts are for runs")
	assert.JSONEq(t, "0", string(s.Parameters["perceived_effort"]), "0 is a rating on Foster's CR-10 (rest), not a removal")
	// The effort's change published an updated event too (a load input):
	// the last one is the sport's.
	var updated api.SessionCompleted
	require.Eventually(t, func() bool {
		lastEvent(t, a, "EVT_TRAINING", api.EventSessionUpdated, &updated)
		return updated.Sport == "walk"
	}, 10*time.Second, 20*time.Millisecond, "the updated event of the sport")
	// A JSON merge patch: null removes the effort, an absent field stays.
	for _, c := range []struct {
		body string
		kept bool
	}{{`{"perceived_effort": 4}`, true}, {`{"notes": "felt good"}`, true}, {`{"perceived_effort": null}`, false}} {
		r = a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, c.body)
		require.Equal(t, http.StatusOK, r.Status, c.body+": "+string(r.Body))
		s = api.Session{}
		r.JSON(t, &s)
		if c.kept {
			assert.JSONEq(t, "4", string(s.Parameters["perceived_effort"]), c.body)
		} else {
			assert.NotContains(t, s.Parameters, "perceived_effort", c.body)
		}
	}

	for _, c := range []struct{ body, field string }{
		{`{"sport": "chess"}`, "body.sport"},
		{`{"perceived_effort": 11}`, "body.perceived_effort"},
		{`{"perceived_effort": -1}`, "body.perceived_effort"},
		{`{"visibility": "everyone"}`, "body.visibility"},
		{`{"gear_ids": ["nope"]}`, "body.gear_ids[0]"},
		{`{"title": "` + strings.Repeat("t", 201) + `"}`, "body.title"},
		{`{"colour": "red"}`, "body.colour"},
		{`{"title": `, "body"},
	} {
		r := a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, c.body)
		assert.Equal(t, http.StatusBadRequest, r.Status, c.body+": "+string(r.Body))
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.body)
	}
	r = a.Do(http.MethodGet, "/v1/sessions/"+s.ID, ana, nil)
	r.JSON(t, &s)
	assert.Equal(t, "Easy", s.Title, "refused changes changed nothing")

	// Nobody else sees, changes or deletes it; unknown and malformed ids.
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/v1/sessions/" + s.ID + "/route"},
		{http.MethodPatch, "/v1/sessions/" + s.ID},
		{http.MethodDelete, "/v1/sessions/" + s.ID},
		{http.MethodGet, "/v1/sessions/" + s.ID + "/gpx"},
	} {
		var body any
		if c.method == http.MethodPatch {
			body = map[string]any{"title": "mine"}
		}
		assert.Equal(t, http.StatusNotFound, a.Do(c.method, c.path, bob, body).Status, "bob: %s %s", c.method, c.path)
		unknown := strings.Replace(c.path, s.ID, "01a218c9-95e8-7859-a437-7b9381224e73", 1)
		assert.Equal(t, http.StatusNotFound, a.Do(c.method, unknown, ana, body).Status, "unknown: %s %s", c.method, c.path)
		bad := strings.Replace(c.path, s.ID, "nope", 1)
		assert.Equal(t, http.StatusBadRequest, a.Do(c.method, bad, ana, body).Status, "malformed: %s %s", c.method, c.path)
	}

	// An open session has no route yet.
	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "ride"})
	var open api.Session
	r.JSON(t, &open)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/"+open.ID+"/route", ana, nil).Status)

	// Delete.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/sessions/"+s.ID, ana, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/"+s.ID, ana, nil).Status)
	var deleted api.SessionDeleted
	lastEvent(t, a, "EVT_TRAINING", api.EventSessionDeleted, &deleted)
	assert.Equal(t, s.ID, deleted.SessionID)
	assert.True(t, deleted.Finished)
	var left int
	require.NoError(t, db.QueryRow(ctx, `SELECT (SELECT count(*) FROM training.points WHERE session_id = $1)
		+ (SELECT count(*) FROM training.routes WHERE session_id = $1)`, s.ID).Scan(&left))
	assert.Zero(t, left)
}
