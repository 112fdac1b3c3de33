package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
)

// runAt makes n points one second apart at speed m/s northwards, the
// last one at end, with heart rate.
func runAt(n int, speed float64, end time.Time) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{
			"t":   end.Add(time.Duration(i-n+1) * time.Second).UTC().Format(time.RFC3339),
			"lat": 52.5 + float64(i)*speed/111_257.0, "lon": 13.4, "ele": 34.0, "hr": 140 + i%20,
		}
	}
	return out
}

// startRun starts a live run for token.
func startRun(t *testing.T, a *apptest.App, token string) api.Session {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/sessions", token, map[string]any{"sport": "run"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s api.Session
	r.JSON(t, &s)
	return s
}

func sendPoints(t *testing.T, a *apptest.App, token, id string, points []map[string]any) {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/sessions/"+id+"/points", token, map[string]any{"points": points})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
}

func finish(t *testing.T, a *apptest.App, token, id string) {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/sessions/"+id+"/finish", token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
}

func getJSON(t *testing.T, a *apptest.App, token, path string, v any) {
	t.Helper()
	r := a.Do(http.MethodGet, path, token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, v)
}

// effortOf is the record over distance, nil without one.
func effortOf(rs api.Records, distance float64) *api.EffortRecord {
	for _, e := range rs.BestEfforts {
		if e.DistanceM == distance {
			return &e
		}
	}
	return nil
}

// Analytics follow the sessions through their events: late points, a
// faster run (a record, with its event), an event applied twice, an edit
// and a deletion; the figures are the user's own; bad parameters are
// problems naming them.
func TestAnalyticsEndToEnd(t *testing.T) {
	t.Parallel()
	sameDay(t, mustZone(t, "Europe/Berlin")) // Ana's week and today
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	ctx := context.Background()
	db := a.DB(t)

	r := a.Do(http.MethodPatch, "/v1/me", ana, map[string]any{"time_zone": "Europe/Berlin", "resting_hr_bpm": 50, "max_hr_bpm": 190,
		"birth_date": "1990-05-01", "sex": "female"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, db.QueryRow(ctx, "SELECT count(*) FROM training.athletes WHERE time_zone = 'Europe/Berlin' AND max_hr_bpm = 190").Scan(&n))
		return n == 1
	}, 10*time.Second, 20*time.Millisecond, "the profile reaches training")

	// A first run at 3 m/s: half its points before the finish (810 m, no
	// kilometre), the rest late (1,620 m): the late points' updated event
	// gives it a kilometre.
	s1 := startRun(t, a, ana)
	points := runAt(540, 3, s1.StartedAt)
	sendPoints(t, a, ana, s1.ID, points[:270])
	finish(t, a, ana, s1.ID)
	require.Eventually(t, func() bool {
		var rs api.Records
		getJSON(t, a, ana, "/v1/analytics/records", &rs)
		return effortOf(rs, 400) != nil
	}, 10*time.Second, 20*time.Millisecond, "the first run's figures")
	var rs api.Records
	getJSON(t, a, ana, "/v1/analytics/records", &rs)
	assert.Nil(t, effortOf(rs, 1000), "810 m: no kilometre yet")
	sendPoints(t, a, ana, s1.ID, points[270:])
	require.Eventually(t, func() bool {
		getJSON(t, a, ana, "/v1/analytics/records", &rs)
		return effortOf(rs, 1000) != nil
	}, 10*time.Second, 20*time.Millisecond, "the late points reach the records")
	km := effortOf(rs, 1000)
	assert.Equal(t, s1.ID, km.SessionID)
	assert.InDelta(t, 1000/3.0, km.TimeS, 2)
	assert.Equal(t, "trimp", km.LoadModel, "heart rate and the profile's heart rates: Banister's TRIMP")
	assert.Zero(t, eventCount(t, a, "EVT_TRAINING", api.EventRecordSet), "a first kilometre beats nothing")
	require.NotNil(t, rs.HRZones)
	assert.Equal(t, "karvonen_hrr", rs.HRZones.Model)
	require.NotNil(t, rs.VDOT, "a 1,609 m effort gives a VDOT")
	assert.NotEmpty(t, rs.Predictions)
	require.NotNil(t, rs.PaceZones)

	// A faster run: records move to it, and evt.training.record.set says so.
	s2 := startRun(t, a, ana)
	sendPoints(t, a, ana, s2.ID, runAt(540, 4, s2.StartedAt))
	finish(t, a, ana, s2.ID)
	var set api.RecordSet
	lastEvent(t, a, "EVT_TRAINING", api.EventRecordSet, &set)
	assert.Equal(t, s2.ID, set.SessionID)
	require.NotEmpty(t, set.Records)
	var kmRecord *api.RecordNew
	for i, rec := range set.Records {
		if rec.Kind == "best_effort" && rec.DistanceM == 1000 {
			kmRecord = &set.Records[i]
		}
	}
	require.NotNil(t, kmRecord, "%+v", set.Records)
	assert.InDelta(t, 250, kmRecord.Value, 2)
	assert.InDelta(t, 1000/3.0, kmRecord.Previous, 2)
	assert.Equal(t, s1.ID, kmRecord.PreviousSessionID)
	getJSON(t, a, ana, "/v1/analytics/records", &rs)
	assert.Equal(t, s2.ID, effortOf(rs, 1000).SessionID)

	// The same completed event again, as a new message: nothing changes,
	// no second record event.
	var figuresBefore string
	figures := func() string {
		var f string
		require.NoError(t, db.QueryRow(ctx, `SELECT string_agg(session_id || ':' || load || ':' || revision, ',' ORDER BY session_id)
			FROM training.session_figures`).Scan(&f))
		return f
	}
	figuresBefore = figures()
	var completed api.SessionCompleted
	lastEvent(t, a, "EVT_TRAINING", api.EventSessionCompleted, &completed)
	require.Equal(t, s2.ID, completed.SessionID)
	processed := func() int {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM training.processed_messages WHERE consumer = 'training__evt_training_session'`).Scan(&n))
		return n
	}
	before := processed()
	conn, err := bus.Connect(ctx, bus.ConnConfig{Name: "redeliver", Embedded: a.NATS}, bustest.Logger(t))
	require.NoError(t, err)
	defer conn.NC.Close()
	data, err := json.Marshal(completed)
	require.NoError(t, err)
	_, err = conn.JS.PublishMsg(ctx, &nats.Msg{Subject: api.EventSessionCompleted, Data: data, Header: nats.Header{"Nats-Msg-Id": []string{"again-" + s2.ID}}})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return processed() > before }, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, figuresBefore, figures())
	assert.Equal(t, uint64(1), eventCount(t, a, "EVT_TRAINING", api.EventRecordSet))

	// The week's summary, in Berlin's days.
	var sum api.AnalyticsSummary
	getJSON(t, a, ana, "/v1/analytics/summary?period=week", &sum)
	assert.Equal(t, "Europe/Berlin", sum.TimeZone)
	assert.Equal(t, 2, sum.Current.Totals.Sessions)
	assert.InDelta(t, 1620+2160, sum.Current.Totals.DistanceM, 40)
	assert.Positive(t, sum.Current.Totals.Load)
	require.Len(t, sum.Current.BySport, 1)
	assert.Equal(t, "run", sum.Current.BySport[0].Sport)
	assert.Equal(t, map[string]int{"trimp": 2}, sum.Current.LoadModels)
	require.NotNil(t, sum.Previous)
	assert.Zero(t, sum.Previous.Totals.Sessions)
	require.NotNil(t, sum.Current.From)
	assert.Equal(t, time.Monday, sum.Current.From.In(mustZone(t, "Europe/Berlin")).Weekday())
	assert.Equal(t, 7*24*time.Hour, sum.Current.To.Sub(*sum.Current.From).Round(time.Hour))

	// Fitness: 90 days by default, today's load is the two runs'.
	var fit api.FitnessSeries
	getJSON(t, a, ana, "/v1/analytics/fitness", &fit)
	assert.Equal(t, "exponential", fit.Model)
	require.Len(t, fit.Days, 90)
	last := fit.Days[89]
	assert.InDelta(t, sum.Current.Totals.Load, last.Load, 0.005, "rounded to 0.01")
	assert.Positive(t, last.CTL)
	getJSON(t, a, ana, "/v1/analytics/fitness?model=ema&from="+last.Date+"&to="+last.Date, &fit)
	assert.Equal(t, "ema", fit.Model)
	require.Len(t, fit.Days, 1)

	// The new record is advice; dismissed, it is gone; bob cannot dismiss it.
	var recs api.RecommendationList
	getJSON(t, a, ana, "/v1/recommendations", &recs)
	var recordID string
	for _, rec := range recs.Items {
		if rec.Type == "new_record" && strings.HasSuffix(rec.ID, s2.ID) {
			recordID = rec.ID
		}
	}
	require.NotEmpty(t, recordID, "%+v", recs.Items)
	r = a.Do(http.MethodPost, "/v1/recommendations/"+url.PathEscape(recordID)+"/dismiss", bob, nil)
	assert.Equal(t, http.StatusNotFound, r.Status, string(r.Body))
	r = a.Do(http.MethodPost, "/v1/recommendations/"+url.PathEscape(recordID)+"/dismiss", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	getJSON(t, a, ana, "/v1/recommendations", &recs)
	for _, rec := range recs.Items {
		assert.NotEqual(t, recordID, rec.ID)
	}
	r = a.Do(http.MethodPost, "/v1/recommendations/nothing:like:this/dismiss", ana, nil)
	assert.Equal(t, http.StatusNotFound, r.Status, string(r.Body))

	// Bob sees nothing of ana's.
	var bobRecords api.Records
	getJSON(t, a, bob, "/v1/analytics/records", &bobRecords)
	assert.Empty(t, bobRecords.BestEfforts)
	assert.Nil(t, bobRecords.VDOT)
	var bobSum api.AnalyticsSummary
	getJSON(t, a, bob, "/v1/analytics/summary?period=all", &bobSum)
	assert.Zero(t, bobSum.Current.Totals.Sessions)
	assert.Equal(t, "UTC", bobSum.TimeZone)
	var bobFit api.FitnessSeries
	getJSON(t, a, bob, "/v1/analytics/fitness", &bobFit)
	for _, d := range bobFit.Days {
		assert.Zero(t, d.Load)
	}
	var bobRecs api.RecommendationList
	getJSON(t, a, bob, "/v1/recommendations", &bobRecs)
	assert.Empty(t, bobRecs.Items)

	// An edit: the faster run was a ride; the records go back to the
	// first run, the summary counts a ride.
	r = a.Do(http.MethodPatch, "/v1/sessions/"+s2.ID, ana, map[string]any{"sport": "ride"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Eventually(t, func() bool {
		getJSON(t, a, ana, "/v1/analytics/records", &rs)
		return effortOf(rs, 1000) != nil && effortOf(rs, 1000).SessionID == s1.ID
	}, 10*time.Second, 20*time.Millisecond, "the edit reaches the records")
	getJSON(t, a, ana, "/v1/analytics/summary?period=month&sport=ride", &sum)
	assert.Equal(t, 1, sum.Current.Totals.Sessions)
	assert.Equal(t, uint64(1), eventCount(t, a, "EVT_TRAINING", api.EventRecordSet), "an edit sets no record")

	// A deletion: the first run's records go, the totals drop.
	r = a.Do(http.MethodDelete, "/v1/sessions/"+s1.ID, ana, nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	getJSON(t, a, ana, "/v1/analytics/records", &rs)
	assert.Empty(t, rs.BestEfforts)
	getJSON(t, a, ana, "/v1/analytics/summary?period=year", &sum)
	assert.Equal(t, 1, sum.Current.Totals.Sessions)
	getJSON(t, a, ana, "/v1/analytics/fitness", &fit)
	assert.InDelta(t, sum.Current.Totals.Load, fit.Days[89].Load, 0.005)
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// Bad query parameters are problems naming the parameter, and change
// nothing.
func TestAnalyticsBadParameters(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	for _, c := range []struct{ path, field string }{
		{"/v1/analytics/summary", "query.period"},
		{"/v1/analytics/summary?period=day", "query.period"},
		{"/v1/analytics/summary?period=week&sport=chess", "query.sport"},
		{"/v1/analytics/fitness?model=banister", "query.model"},
		{"/v1/analytics/fitness?from=2026-13-01", "query.from"},
		{"/v1/analytics/fitness?to=yesterday", "query.to"},
		{"/v1/analytics/fitness?from=2026-02-01&to=2026-01-01", "query.to"},
		{"/v1/analytics/fitness?from=2020-01-01&to=2026-01-01", "query.from"},
		{"/v1/analytics/fitness?from=2199-01-01&to=2199-02-01", "query.to"},
		{"/v1/analytics/fitness?from=" + strings.Repeat("9", 11), "query.from"},
	} {
		r := a.Do(http.MethodGet, c.path, ana, nil)
		assert.Equal(t, http.StatusBadRequest, r.Status, c.path+": "+string(r.Body))
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.path)
	}
	r := a.Do(http.MethodGet, "/v1/analytics/fitness?from=2023-01-01&to=2026-01-01", ana, nil)
	assert.Equal(t, http.StatusOK, r.Status, "three years are allowed: "+string(r.Body))
	r = a.Do(http.MethodPost, "/v1/recommendations/"+strings.Repeat("x", 300)+"/dismiss", ana, nil)
	assert.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	for _, path := range []string{"/v1/analytics/summary?period=week", "/v1/analytics/fitness", "/v1/analytics/records", "/v1/recommendations"} {
		assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodGet, path, "", nil).Status, path)
	}
}

// Gear past its replacement distance is advice: the distance is the
// item's starting distance (from the client module's events) and the
// sessions training recorded with it.
func TestGearReplacementRecommendation(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	r := a.Do(http.MethodPost, "/v1/me/gear", ana, map[string]any{"type": "shoes", "nickname": "Old pair",
		"starting_distance_m": 1000, "replacement_threshold_m": 2000})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var shoes struct {
		ID string `json:"id"`
	}
	r.JSON(t, &shoes)
	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "gear_ids": []string{shoes.ID}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s api.Session
	r.JSON(t, &s)
	sendPoints(t, a, ana, s.ID, runAt(540, 3, s.StartedAt)) // 1,620 m
	finish(t, a, ana, s.ID)
	var gear *api.Recommendation
	require.Eventually(t, func() bool {
		var recs api.RecommendationList
		getJSON(t, a, ana, "/v1/recommendations", &recs)
		for i, rec := range recs.Items {
			if rec.Type == "gear_replacement" {
				gear = &recs.Items[i]
			}
		}
		return gear != nil
	}, 10*time.Second, 20*time.Millisecond, "no gear advice")
	assert.Equal(t, "gear_replacement:"+shoes.ID, gear.ID)
	assert.Equal(t, "warning", gear.Severity, "past the limit")
	assert.InDelta(t, 2620, gear.Trigger["distance_m"], 40)
	assert.Equal(t, 2000.0, gear.Trigger["limit_m"])
	assert.Equal(t, "Old pair", gear.Params["name"])
}

// Strength sessions entered by hand: their load is session-RPE, their
// volume adds up, and a heavier set is a strength record with its event.
func TestStrengthRecords(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	var exercises struct {
		Items []api.Exercise `json:"items"`
	}
	getJSON(t, a, ana, "/v1/exercises?limit=100", &exercises)
	var squat string
	for _, e := range exercises.Items {
		if e.Key != nil && *e.Key == "back_squat" {
			squat = e.ID
		}
	}
	require.NotEmpty(t, squat)
	lift := func(at time.Time, kg float64) string {
		t.Helper()
		sets := []map[string]any{{"reps": 10, "weight_kg": 40, "warmup": true}}
		for range 5 {
			sets = append(sets, map[string]any{"reps": 5, "weight_kg": kg})
		}
		r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "strength", "started_at": at.Format(time.RFC3339),
			"elapsed_time_s": 3000, "perceived_effort": 7, "exercises": []map[string]any{{"exercise_id": squat, "sets": sets}}})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var s api.Session
		r.JSON(t, &s)
		return s.ID
	}
	first := lift(time.Now().Add(-26*time.Hour), 100)
	var rs api.Records
	require.Eventually(t, func() bool {
		getJSON(t, a, ana, "/v1/analytics/records", &rs)
		return len(rs.Strength) == 2
	}, 10*time.Second, 20*time.Millisecond, "the first session's strength bests")
	assert.Zero(t, eventCount(t, a, "EVT_TRAINING", api.EventRecordSet), "a first session beats nothing")
	second := lift(time.Now().Add(-2*time.Hour), 110)
	var set api.RecordSet
	lastEvent(t, a, "EVT_TRAINING", api.EventRecordSet, &set)
	assert.Equal(t, second, set.SessionID)
	kinds := map[string]api.RecordNew{}
	for _, r := range set.Records {
		kinds[r.Kind] = r
	}
	require.Contains(t, kinds, "max_weight")
	assert.Equal(t, 110.0, kinds["max_weight"].Value)
	assert.Equal(t, 100.0, kinds["max_weight"].Previous)
	require.Contains(t, kinds, "e1rm")
	assert.Equal(t, squat, kinds["e1rm"].Exercise)

	getJSON(t, a, ana, "/v1/analytics/records", &rs)
	for _, r := range rs.Strength {
		assert.Equal(t, second, r.SessionID, "%+v", r)
	}
	var sum api.AnalyticsSummary
	getJSON(t, a, ana, "/v1/analytics/summary?period=all&sport=strength", &sum)
	assert.Equal(t, 2, sum.Current.Totals.Sessions)
	assert.Equal(t, 2*400+5*5*100.0+5*5*110, sum.Current.Totals.StrengthVolumeKg, "warm-ups count in the volume")
	assert.Equal(t, map[string]int{"srpe": 2}, sum.Current.LoadModels)
	assert.InDelta(t, 2*7*50.0, sum.Current.Totals.Load, 1e-6, "effort × minutes")

	// Deleting the heavier session gives the record back to the first.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/sessions/"+second, ana, nil).Status)
	getJSON(t, a, ana, "/v1/analytics/records", &rs)
	require.NotEmpty(t, rs.Strength)
	for _, r := range rs.Strength {
		assert.Equal(t, first, r.SessionID)
	}
	assert.Equal(t, uint64(1), eventCount(t, a, "EVT_TRAINING", api.EventRecordSet))
}

// With an active plan, the next workout advised is the plan's next one
// not done yet.
func TestNextPlannedWorkoutRecommendation(t *testing.T) {
	t.Parallel()
	sameDay(t, time.UTC)
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	r := a.Do(http.MethodPost, "/v1/plans", ana, map[string]any{"goal": map[string]any{"kind": "fitness"},
		"schedule": map[string]any{"days": []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}, "max_minutes": 45}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var p api.Plan
	r.JSON(t, &p)
	var next string
	for _, w := range p.Weeks {
		for _, x := range w.Workouts {
			if next == "" && x.Kind != "rest" && x.Date >= time.Now().UTC().Format(time.DateOnly) {
				next = x.ID
			}
		}
	}
	require.NotEmpty(t, next)
	var recs api.RecommendationList
	getJSON(t, a, ana, "/v1/recommendations", &recs)
	var ids []string
	for _, rec := range recs.Items {
		ids = append(ids, rec.ID)
	}
	assert.Contains(t, ids, "next_workout:"+next)
}
