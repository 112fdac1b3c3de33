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

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
)

// A manual session (elapsed_time_s on POST /v1/sessions) is finished at
// once with the figures given, published like a live one (the shoes it
// names count its distance), judged plausible, and refuses points; bad
// figures are refused naming the field, and change nothing.
func TestManualSession(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken

	r := a.Do(http.MethodPost, "/v1/me/gear", ana, map[string]any{"type": "shoes", "brand": "Brooks"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var shoes struct {
		ID string `json:"id"`
	}
	r.JSON(t, &shoes)
	gear := func() (int, float64) {
		var g struct {
			DistanceM float64 `json:"distance_m"`
			Sessions  int     `json:"sessions"`
		}
		a.Do(http.MethodGet, "/v1/me/gear/"+shoes.ID, ana, nil).JSON(t, &g)
		return g.Sessions, g.DistanceM
	}

	start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "gear_ids": []string{shoes.ID}, "title": "Treadmill",
		"started_at": start, "elapsed_time_s": 3000, "moving_time_s": 2900, "distance_m": 10_000, "elevation_gain_m": 50,
		"avg_hr_bpm": 150, "max_hr_bpm": 175, "perceived_effort": 0})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s api.Session
	r.JSON(t, &s)
	assert.Equal(t, "finished", s.State)
	assert.Equal(t, "manual", s.Source)
	assert.True(t, s.StartedAt.Equal(start))
	require.NotNil(t, s.FinishedAt)
	assert.True(t, s.FinishedAt.Equal(start.Add(3000*time.Second)))
	require.NotNil(t, s.Summary)
	assert.Equal(t, 10_000.0, s.Summary.DistanceM)
	assert.Equal(t, 3000.0, s.Summary.ElapsedTimeS)
	assert.Equal(t, 2900.0, s.Summary.MovingTimeS)
	assert.InDelta(t, 10_000/2900.0, s.Summary.AvgSpeedMps, 1e-9)
	assert.InDelta(t, 290, s.Summary.AvgPaceSPerKm, 1e-9)
	assert.Equal(t, 50.0, s.Summary.ElevationGainM)
	assert.Equal(t, 175, *s.Summary.MaxHRBpm)
	assert.Positive(t, s.Summary.CaloriesKcal, "estimated")
	assert.True(t, s.Summary.Plausible)
	assert.Empty(t, s.Summary.ImplausibleReason)
	assert.JSONEq(t, "0", string(s.Parameters["perceived_effort"]), "0 is a rating (rest) on Foster's CR-10")
	assert.Zero(t, s.PointsStored)

	var done api.SessionCompleted
	lastEvent(t, a, "EVT_TRAINING", api.EventSessionCompleted, &done)
	assert.Equal(t, s.ID, done.SessionID)
	assert.True(t, done.Manual)
	assert.False(t, done.Imported)
	assert.True(t, done.Plausible)
	assert.Equal(t, 10_000.0, done.DistanceM)
	assert.Equal(t, 2900.0, done.MovingTimeS)

	// The client module counted the run on the shoes, like a live one.
	require.Eventually(t, func() bool { n, d := gear(); return n == 1 && d == 10_000 }, 20*time.Second, 50*time.Millisecond)

	// A manual session takes no points, late or not.
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, map[string]any{"points": run(3, s.FinishedAt.Add(-time.Minute))})
	assert.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/"+s.ID, bob, nil).Status, "another user's session")

	// Changing its sport judges it again and keeps its figures (it has no
	// points to compute them from), but for the calories estimated for the
	// sport it had.
	runKcal := s.Summary.CaloriesKcal
	r = a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, map[string]any{"sport": "swim"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	s = api.Session{}
	r.JSON(t, &s)
	assert.Equal(t, 10_000.0, s.Summary.DistanceM)
	assert.Equal(t, 2900.0, s.Summary.MovingTimeS)
	assert.NotEqual(t, runKcal, s.Summary.CaloriesKcal, "estimated again for the new sport")
	assert.False(t, s.Summary.Plausible, "12.4 km/h is no swim")
	assert.Equal(t, "impossible_speed", s.Summary.ImplausibleReason)
	var upd api.SessionCompleted
	lastEvent(t, a, "EVT_TRAINING", api.EventSessionUpdated, &upd)
	assert.False(t, upd.Plausible)
	assert.Equal(t, "impossible_speed", upd.ImplausibleReason)

	// A retry with the same Idempotency-Key gets the first answer, and
	// records nothing twice.
	key := http.Header{"Idempotency-Key": []string{"manual-1"}}
	body := map[string]any{"sport": "yoga", "started_at": start, "elapsed_time_s": 1800}
	first := a.DoWith(http.MethodPost, "/v1/sessions", ana, body, key)
	require.Equal(t, http.StatusCreated, first.Status, string(first.Body))
	again := a.DoWith(http.MethodPost, "/v1/sessions", ana, body, key)
	require.Equal(t, http.StatusCreated, again.Status, string(again.Body))
	var one, two api.Session
	first.JSON(t, &one)
	again.JSON(t, &two)
	assert.Equal(t, one.ID, two.ID)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/sessions/"+one.ID, ana, nil).Status)

	// Only elapsed time and a start: a strength session, calories given.
	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "strength", "started_at": start, "elapsed_time_s": 2700,
		"calories_kcal": 320})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	s = api.Session{}
	r.JSON(t, &s)
	assert.Equal(t, 2700.0, s.Summary.MovingTimeS, "moving time is the elapsed time unless given")
	assert.Equal(t, 320.0, s.Summary.CaloriesKcal)
	assert.Equal(t, "entered", s.Summary.CaloriesMethod)

	// Bad input names the field and stores nothing.
	future := time.Now().UTC().Add(time.Hour)
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"sport": "run", "started_at": future, "elapsed_time_s": 600}, "body.started_at"},
		{map[string]any{"sport": "run", "started_at": start}, "body.elapsed_time_s"},
		{map[string]any{"sport": "run", "elapsed_time_s": 600}, "body.started_at"},
		{map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": 0}, "body.elapsed_time_s"},
		{map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": -5}, "body.elapsed_time_s"},
		{map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": 8 * 24 * 3600}, "body.elapsed_time_s"},
		{map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": 600, "moving_time_s": 700}, "body.moving_time_s"},
		{map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": 600, "distance_m": 20_000}, "body.distance_m"},
		{map[string]any{"sport": "swim", "started_at": start, "elapsed_time_s": 600, "distance_m": 3000}, "body.distance_m"},
		{map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": 600, "avg_hr_bpm": 180, "max_hr_bpm": 170}, "body.avg_hr_bpm"},
		{map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": 600, "max_hr_bpm": 300}, "body.max_hr_bpm"},
		{map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": 600, "perceived_effort": 11}, "body.perceived_effort"},
		{map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": 600, "distance_m": -1}, "body.distance_m"},
		{map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": 600, "gear_ids": []string{"01a218c9-95e8-7859-a437-7b9381224e73"}}, "body.gear_ids[0]"},
		{map[string]any{"sport": "run", "started_at": "yesterday", "elapsed_time_s": 600}, "body.started_at"},
		{map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": "long"}, "body.elapsed_time_s"},
	} {
		r := a.Do(http.MethodPost, "/v1/sessions", ana, c.body)
		require.Equal(t, http.StatusBadRequest, r.Status, "%v: %s", c.body, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), c.field, "%v: %s", c.body, r.Body)
	}
	// Bob's shoes are not Ana's.
	r = a.Do(http.MethodPost, "/v1/me/gear", bob, map[string]any{"type": "shoes"})
	require.Equal(t, http.StatusCreated, r.Status)
	var bobs struct {
		ID string `json:"id"`
	}
	r.JSON(t, &bobs)
	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": 600, "gear_ids": []string{bobs.ID}})
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, []string{"body.gear_ids[0]"}, r.Problem(t).Fields())
	// Oversized: the body limit is 256 KiB.
	r = a.Do(http.MethodPost, "/v1/sessions", ana, `{"sport": "run", "elapsed_time_s": 600, "title": "`+strings.Repeat("x", 300<<10)+`"}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status)

	var list api.SessionList
	a.Do(http.MethodGet, "/v1/sessions", ana, nil).JSON(t, &list)
	assert.Len(t, list.Items, 2, "nothing was stored for the refused ones")
	raw, _ := json.Marshal(list.Items[0])
	assert.Contains(t, string(raw), `"source":"manual"`)
}

// The threshold heart rate of the profile (client module) reaches the
// training module's athletes read model through evt.client.profile.updated,
// and null clears it there too.
func TestThresholdHeartRateReachesTraining(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com")
	db := a.DB(t)
	threshold := func() (*int, bool) {
		var v *int
		err := db.QueryRow(context.Background(), `SELECT threshold_hr FROM training.athletes WHERE user_id = $1`, ana.UserID).Scan(&v)
		return v, err == nil
	}
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me", ana.AccessToken, map[string]any{"threshold_hr_bpm": 171}).Status)
	require.Eventually(t, func() bool { v, ok := threshold(); return ok && v != nil && *v == 171 }, 20*time.Second, 50*time.Millisecond)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me", ana.AccessToken, `{"threshold_hr_bpm": null}`).Status)
	require.Eventually(t, func() bool { v, ok := threshold(); return ok && v == nil }, 20*time.Second, 50*time.Millisecond)
}

// Analytics count manual sessions: a run with heart rate and the
// profile's threshold heart rate has an hrTSS load, and a strength
// session's sets give its volume.
func TestManualSessionsInAnalytics(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com")
	db := a.DB(t)
	r := a.Do(http.MethodPatch, "/v1/me", ana.AccessToken, map[string]any{"resting_hr_bpm": 50, "max_hr_bpm": 190, "threshold_hr_bpm": 170,
		"sex": "male"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Eventually(t, func() bool {
		var v *int
		err := db.QueryRow(context.Background(), `SELECT threshold_hr FROM training.athletes WHERE user_id = $1`, ana.UserID).Scan(&v)
		return err == nil && v != nil
	}, 20*time.Second, 50*time.Millisecond)

	var squat api.ExerciseList
	a.Do(http.MethodGet, "/v1/exercises?muscle_group=quadriceps&limit=100", ana.AccessToken, nil).JSON(t, &squat)
	require.NotEmpty(t, squat.Items)
	start := time.Now().UTC().Add(-26 * time.Hour)
	r = a.Do(http.MethodPost, "/v1/sessions", ana.AccessToken, map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": 3600,
		"distance_m": 10_000, "avg_hr_bpm": 150})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r = a.Do(http.MethodPost, "/v1/sessions", ana.AccessToken, map[string]any{"sport": "strength", "started_at": start.Add(2 * time.Hour),
		"elapsed_time_s": 2400, "perceived_effort": 6, "exercises": []map[string]any{{"exercise_id": squat.Items[0].ID,
			"sets": []map[string]any{{"reps": 5, "weight_kg": 100}, {"reps": 5, "weight_kg": 100}}}}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))

	var sum struct {
		Current struct {
			Totals struct {
				Sessions         int     `json:"sessions"`
				StrengthVolumeKg float64 `json:"strength_volume_kg"`
			} `json:"totals"`
			BySport []struct {
				Sport  string `json:"sport"`
				Totals struct {
					Load float64 `json:"load"`
				} `json:"totals"`
			} `json:"by_sport"`
			LoadModels map[string]int `json:"load_models"`
		} `json:"current"`
	}
	require.Eventually(t, func() bool {
		r := a.Do(http.MethodGet, "/v1/analytics/summary?period=all", ana.AccessToken, nil)
		if r.Status != http.StatusOK {
			return false
		}
		r.JSON(t, &sum)
		return sum.Current.Totals.Sessions == 2
	}, 20*time.Second, 100*time.Millisecond)
	assert.Equal(t, map[string]int{"hrss": 1, "srpe": 1}, sum.Current.LoadModels, "heart rate with a threshold: hrTSS; effort alone: session-RPE")
	assert.Equal(t, 1000.0, sum.Current.Totals.StrengthVolumeKg)
	loads := map[string]float64{}
	for _, s := range sum.Current.BySport {
		loads[s.Sport] = s.Totals.Load
	}
	// The published value: rest 50, max 190, threshold 170, an hour
	// at 150, male: HRSS 63.3; the strength session, effort 6 × 40 min.
	assert.InDelta(t, 63.3, loads["run"], 0.1, "hrTSS of the run")
	assert.InDelta(t, 240, loads["strength"], 0.01, "session-RPE of the strength session")

	// The records answer Friel's zones from the threshold heart rate.
	var rs api.Records
	r = a.Do(http.MethodGet, "/v1/analytics/records", ana.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &rs)
	require.NotNil(t, rs.HRZones)
	assert.Equal(t, "friel_lthr", rs.HRZones.Model)
	assert.Equal(t, "bpm", rs.HRZones.Unit)
	require.Len(t, rs.HRZones.Zones, 7)
	assert.Equal(t, "Z2", rs.HRZones.Zones[1].Name)
	assert.InDelta(t, 0.85*170, rs.HRZones.Zones[1].Low, 0.5, "Z2 from 85 % of the threshold")
	assert.InDelta(t, 170, rs.HRZones.Zones[4].Low, 0.5, "Z5a from the threshold")
}

// The figures of a session entered by hand can be corrected (a merge
// patch): the summary, the times, the calories and the analytics follow,
// evt.training.session.updated says so; a figure the sport makes
// impossible, or one of a recorded session, or of another user's session,
// is refused and changes nothing.
func TestManualSessionFiguresCorrected(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	start := time.Now().UTC().Add(-5 * time.Hour).Truncate(time.Second)
	r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "started_at": start, "elapsed_time_s": 3600,
		"distance_m": 10_000})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s api.Session
	r.JSON(t, &s)
	estimated := s.Summary.CaloriesKcal
	updates := eventCount(t, a, "EVT_TRAINING", api.EventSessionUpdated)

	// A longer distance, an earlier start, a moving time: one patch.
	r = a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, map[string]any{"distance_m": 12_000, "started_at": start.Add(-time.Hour),
		"moving_time_s": 3500, "calories_kcal": 800})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var got api.Session
	r.JSON(t, &got)
	assert.Equal(t, 12_000.0, got.Summary.DistanceM)
	assert.Equal(t, 3600.0, got.Summary.ElapsedTimeS, "unchanged")
	assert.Equal(t, 3500.0, got.Summary.MovingTimeS)
	assert.InDelta(t, 12_000/3500.0, got.Summary.AvgSpeedMps, 1e-9)
	assert.True(t, got.StartedAt.Equal(start.Add(-time.Hour)))
	require.NotNil(t, got.FinishedAt)
	assert.True(t, got.FinishedAt.Equal(start), "an hour after the new start")
	assert.Equal(t, 800.0, got.Summary.CaloriesKcal)
	assert.Equal(t, "manual", got.Source)
	// The outbox publishes after the commit: the event follows the answer.
	require.Eventually(t, func() bool { return eventCount(t, a, "EVT_TRAINING", api.EventSessionUpdated) == updates+1 },
		20*time.Second, 20*time.Millisecond)
	var upd api.SessionCompleted
	lastEvent(t, a, "EVT_TRAINING", api.EventSessionUpdated, &upd)
	assert.Equal(t, 12_000.0, upd.DistanceM)
	assert.True(t, upd.StartedAt.Equal(start.Add(-time.Hour)))

	// null clears: the calories are estimated again, the moving time is the elapsed time.
	r = a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, `{"calories_kcal": null, "moving_time_s": null}`)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &got)
	assert.Equal(t, 3600.0, got.Summary.MovingTimeS)
	assert.InDelta(t, estimated*1.2, got.Summary.CaloriesKcal, estimated*0.2, "estimated again, for 12 km")
	assert.NotEqual(t, 800.0, got.Summary.CaloriesKcal)

	// The analytics follow the correction.
	require.Eventually(t, func() bool {
		var sum api.AnalyticsSummary
		r := a.Do(http.MethodGet, "/v1/analytics/summary?period=all", ana, nil)
		r.JSON(t, &sum)
		return r.Status == http.StatusOK && sum.Current.Totals.DistanceM == 12_000
	}, 20*time.Second, 50*time.Millisecond)

	// Refused, naming the field; nothing changes.
	for _, c := range []struct{ body, field string }{
		{`{"distance_m": 200000}`, "body.distance_m"},       // 200 km in an hour: no runner
		{`{"moving_time_s": 4000}`, "body.moving_time_s"},   // above the elapsed time
		{`{"elapsed_time_s": 0}`, "body.elapsed_time_s"},    // no length
		{`{"elapsed_time_s": null}`, "body.elapsed_time_s"}, // required
		{`{"avg_hr_bpm": 300}`, "body.avg_hr_bpm"},          // out of range
		{`{"started_at": "2999-01-01T00:00:00Z"}`, "body.started_at"},
		{`{"sport": "swim", "distance_m": 12500}`, "body.distance_m"}, // figures are checked for the new sport: 12.5 km in an hour is no swim
		{`{"distance_m": "far"}`, "body.distance_m"},
	} {
		r := a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, c.body)
		require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, r.Status, c.body+": "+string(r.Body))
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.body)
	}
	var same api.Session
	a.Do(http.MethodGet, "/v1/sessions/"+s.ID, ana, nil).JSON(t, &same)
	assert.Equal(t, got.Summary, same.Summary)
	assert.Equal(t, "run", same.Sport)

	// Another user's session is not found; a recorded session's figures come from its points.
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, bob, map[string]any{"distance_m": 1}).Status)
	live := startRun(t, a, ana)
	finish(t, a, ana, live.ID)
	r = a.Do(http.MethodPatch, "/v1/sessions/"+live.ID, ana, map[string]any{"distance_m": 5000})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	assert.Contains(t, r.Problem(t).Fields(), "body.distance_m")
	assert.Contains(t, string(r.Body), "entered by hand")
}

// Back after months: a user whose last session was 100 days ago is told of
// the break (its session is older than the rules' 60-day window), and the
// first session back says it was a break of that length.
func TestLongBreakBeyondTheWindow(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	enter := func(ago time.Duration) {
		t.Helper()
		r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "elapsed_time_s": 1800, "distance_m": 5000,
			"perceived_effort": 4, "started_at": time.Now().UTC().Add(-ago).Truncate(time.Second)})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	}
	breakOf := func(key string) (int, bool) {
		var list api.RecommendationList
		r := a.Do(http.MethodGet, "/v1/recommendations", ana, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r.JSON(t, &list)
		for _, rec := range list.Items {
			if rec.MessageKey == key {
				days, _ := rec.Params["days"].(float64)
				return int(days), true
			}
		}
		return 0, false
	}
	enter(100 * 24 * time.Hour)
	var days int
	require.Eventually(t, func() bool {
		var ok bool
		days, ok = breakOf("recommend.long_break.away")
		return ok
	}, 20*time.Second, 50*time.Millisecond, "away for 100 days")
	assert.Equal(t, 100, days)

	enter(2 * 24 * time.Hour)
	require.Eventually(t, func() bool {
		var ok bool
		days, ok = breakOf("recommend.long_break.returning")
		return ok
	}, 20*time.Second, 50*time.Millisecond, "back after 98 days")
	assert.Equal(t, 98, days)
	_, away := breakOf("recommend.long_break.away")
	assert.False(t, away, "back: no longer away")
}

// A strength record of the last days is celebrated like a best effort:
// squats at 110 kg beat the 100 kg of ten days before.
func TestStrengthRecordRecommended(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	var squat api.ExerciseList
	a.Do(http.MethodGet, "/v1/exercises?muscle_group=quadriceps&limit=100", ana, nil).JSON(t, &squat)
	require.NotEmpty(t, squat.Items)
	lift := func(ago time.Duration, kg float64) {
		t.Helper()
		r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "strength", "elapsed_time_s": 2400, "perceived_effort": 6,
			"started_at": time.Now().UTC().Add(-ago).Truncate(time.Second),
			"exercises":  []map[string]any{{"exercise_id": squat.Items[0].ID, "sets": []map[string]any{{"reps": 5, "weight_kg": kg}}}}})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	}
	lift(10*24*time.Hour, 100)
	lift(24*time.Hour, 110)
	var found map[string]any
	require.Eventually(t, func() bool {
		var list api.RecommendationList
		a.Do(http.MethodGet, "/v1/recommendations", ana, nil).JSON(t, &list)
		for _, rec := range list.Items {
			if rec.MessageKey == "recommend.new_record.max_weight" {
				found = rec.Params
				return true
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond)
	assert.Equal(t, 110.0, found["value"])
	assert.Equal(t, 100.0, found["previous"])
}
