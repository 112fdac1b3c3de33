package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
)

// The catalogue is there for everyone; own exercises are private; a
// session's exercises and sets give its volume and bests.
func TestExercises(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken

	// The catalogue, page by page.
	var all []api.Exercise
	cursor := ""
	for range 10 {
		var page api.ExerciseList
		r := a.Do(http.MethodGet, "/v1/exercises?limit=25&cursor="+cursor, ana, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r.JSON(t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	assert.Len(t, all, 59)
	byKey := map[string]api.Exercise{}
	for _, e := range all {
		require.NotNil(t, e.Key)
		assert.False(t, e.Own)
		byKey[*e.Key] = e
	}
	squat, bench := byKey["back_squat"], byKey["bench_press"]
	assert.Equal(t, "Back squat", squat.Name)
	assert.Equal(t, "barbell", squat.Equipment)
	assert.Contains(t, squat.MuscleGroups, "quadriceps")
	var core api.ExerciseList
	a.Do(http.MethodGet, "/v1/exercises?muscle_group=core&limit=100", ana, nil).JSON(t, &core)
	assert.NotEmpty(t, core.Items)
	for _, e := range core.Items {
		assert.Contains(t, e.MuscleGroups, "core")
	}

	// Own exercises: Ana's, invisible to Bob.
	r := a.Do(http.MethodPost, "/v1/exercises", ana, map[string]any{"name": "Zercher squat", "muscle_groups": []string{"quadriceps", "core"},
		"equipment": "barbell"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var zercher api.Exercise
	r.JSON(t, &zercher)
	assert.True(t, zercher.Own)
	assert.Nil(t, zercher.Key)
	var own api.ExerciseList
	a.Do(http.MethodGet, "/v1/exercises?own=true", ana, nil).JSON(t, &own)
	require.Len(t, own.Items, 1)
	assert.Equal(t, zercher.ID, own.Items[0].ID)
	a.Do(http.MethodGet, "/v1/exercises?own=true", bob, nil).JSON(t, &own)
	assert.Empty(t, own.Items)
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/exercises/"+zercher.ID, ana, nil).Status)
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/exercises/"+squat.ID, bob, nil).Status, "the catalogue is everyone's")
	unknown := "01a218c9-95e8-7859-a437-7b9381224e73"
	for _, path := range []string{"/v1/exercises/" + zercher.ID, "/v1/exercises/" + unknown} {
		assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, path, bob, nil).Status, path)
		assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPatch, path, bob, map[string]any{"name": "Mine"}).Status, path)
		assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, path, bob, nil).Status, path)
	}
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPatch, "/v1/exercises/"+squat.ID, ana, map[string]any{"name": "Mine"}).Status,
		"the catalogue is not yours to change")
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, "/v1/exercises/"+squat.ID, ana, nil).Status)
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodGet, "/v1/exercises/nope", ana, nil).Status)
	r = a.Do(http.MethodPatch, "/v1/exercises/"+zercher.ID, ana, map[string]any{"name": "Zercher squat (pause)"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &zercher)
	assert.Equal(t, "Zercher squat (pause)", zercher.Name)
	assert.Equal(t, []string{"quadriceps", "core"}, zercher.MuscleGroups, "absent fields stay")

	for _, c := range []struct {
		method, path, body, field string
	}{
		{http.MethodPost, "/v1/exercises", `{"name": "", "muscle_groups": ["core"], "equipment": "other"}`, "body.name"},
		{http.MethodPost, "/v1/exercises", `{"name": "   ", "muscle_groups": ["core"], "equipment": "other"}`, "body.name"},
		{http.MethodPost, "/v1/exercises", `{"name": "x", "muscle_groups": ["ears"], "equipment": "other"}`, "body.muscle_groups[0]"},
		{http.MethodPost, "/v1/exercises", `{"name": "x", "muscle_groups": ["core", "core"], "equipment": "other"}`, "body.muscle_groups[1]"},
		{http.MethodPost, "/v1/exercises", `{"name": "x", "muscle_groups": [], "equipment": "other"}`, "body.muscle_groups"},
		{http.MethodPost, "/v1/exercises", `{"name": "x", "muscle_groups": ["core"], "equipment": "sofa"}`, "body.equipment"},
		{http.MethodPost, "/v1/exercises", `{"name": "x", "muscle_groups": ["core"], "equipment": "other", "colour": "red"}`, "body.colour"},
		{http.MethodPost, "/v1/exercises", `{"name": "` + strings.Repeat("x", 101) + `", "muscle_groups": ["core"], "equipment": "other"}`, "body.name"},
		{http.MethodPost, "/v1/exercises", `{"name": `, "body"},
		{http.MethodPatch, "/v1/exercises/" + zercher.ID, `{"equipment": "sofa"}`, "body.equipment"},
		{http.MethodPatch, "/v1/exercises/" + zercher.ID, `{"name": "a\u0007b"}`, "body.name"},
		{http.MethodGet, "/v1/exercises?muscle_group=ears", ``, "query.muscle_group"},
		{http.MethodGet, "/v1/exercises?cursor=nope", ``, "query.cursor"},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := a.Do(c.method, c.path, ana, body)
		require.Equal(t, http.StatusBadRequest, r.Status, c.body+": "+string(r.Body))
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.body)
	}
	r = a.Do(http.MethodPost, "/v1/exercises", ana, `{"name": "`+strings.Repeat("x", 20<<10)+`", "muscle_groups": ["core"], "equipment": "other"}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status)

	// Sent again with its Idempotency-Key: the first answer, one exercise.
	key := http.Header{"Idempotency-Key": []string{"ex-1"}}
	lunge := map[string]any{"name": "Curtsy lunge", "muscle_groups": []string{"glutes"}, "equipment": "bodyweight"}
	e1 := a.DoWith(http.MethodPost, "/v1/exercises", ana, lunge, key)
	require.Equal(t, http.StatusCreated, e1.Status, string(e1.Body))
	e2 := a.DoWith(http.MethodPost, "/v1/exercises", ana, lunge, key)
	assert.Equal(t, e1.Body, e2.Body)
	a.Do(http.MethodGet, "/v1/exercises?own=true", ana, nil).JSON(t, &own)
	assert.Len(t, own.Items, 2)
	var curtsy api.Exercise
	e1.JSON(t, &curtsy)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/exercises/"+curtsy.ID, ana, nil).Status)

	// A session's exercises: volume load and bests (Epley).
	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "strength", "started_at": time.Now().Add(-2 * time.Hour),
		"elapsed_time_s": 3600, "perceived_effort": 7, "exercises": []map[string]any{
			{"exercise_id": squat.ID, "sets": []map[string]any{
				{"reps": 5, "weight_kg": 60, "warmup": true, "rest_s": 90},
				{"reps": 5, "weight_kg": 100, "rest_s": 180, "rpe": 8},
				{"reps": 3, "weight_kg": 110, "rpe": 9.5}}},
			{"exercise_id": zercher.ID, "notes": "slow", "sets": []map[string]any{{"reps": 8, "weight_kg": 60}}},
			{"exercise_id": byKey["plank"].ID, "sets": []map[string]any{{"duration_s": 60}}},
		}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s api.Session
	r.JSON(t, &s)
	require.Len(t, s.Exercises, 3)
	assert.Equal(t, "slow", s.Exercises[1].Notes)
	require.NotNil(t, s.Exercises[0].Sets[0].RestS)
	assert.Equal(t, 90.0, *s.Exercises[0].Sets[0].RestS)
	assert.Equal(t, 60.0, s.Exercises[2].Sets[0].DurationS)
	require.NotNil(t, s.Strength)
	assert.Equal(t, 5*60+5*100+3*110+8*60.0, s.Strength.VolumeKg)
	assert.Equal(t, 5, s.Strength.Sets)
	require.Len(t, s.Strength.Bests, 3)
	assert.Equal(t, squat.ID, s.Strength.Bests[0].ExerciseID)
	assert.InDelta(t, 110*(1+3/30.0), s.Strength.Bests[0].E1RMKg, 1e-9, "Epley, the best working set")
	assert.Equal(t, 2, s.Strength.Bests[0].E1RMSet)
	assert.Equal(t, "epley", s.Strength.Bests[0].Formula)
	assert.Equal(t, 110.0, s.Strength.Bests[0].MaxWeightKg)
	var done api.SessionCompleted
	lastEvent(t, a, "EVT_TRAINING", api.EventSessionCompleted, &done)
	assert.Equal(t, s.ID, done.SessionID)
	assert.Equal(t, s.Strength.VolumeKg, done.StrengthVolumeKg)

	// An exercise in use cannot go; replacing the list frees it, and
	// publishes the finished session's new figures.
	r = a.Do(http.MethodDelete, "/v1/exercises/"+zercher.ID, ana, nil)
	assert.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	r = a.Do(http.MethodPut, "/v1/sessions/"+s.ID+"/exercises", ana, map[string]any{"exercises": []map[string]any{
		{"exercise_id": bench.ID, "sets": []map[string]any{{"reps": 10, "weight_kg": 80}}}}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	s = api.Session{}
	r.JSON(t, &s)
	require.Len(t, s.Exercises, 1)
	assert.Equal(t, 800.0, s.Strength.VolumeKg)
	var upd api.SessionCompleted
	lastEvent(t, a, "EVT_TRAINING", api.EventSessionUpdated, &upd)
	assert.Equal(t, 800.0, upd.StrengthVolumeKg)
	assert.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/exercises/"+zercher.ID, ana, nil).Status)
	r = a.Do(http.MethodGet, "/v1/sessions/"+s.ID, ana, nil)
	s = api.Session{}
	r.JSON(t, &s)
	assert.Equal(t, 800.0, s.Strength.VolumeKg)

	// Another user's session and exercise, unknown ids, bad sets.
	put := func(token, id string, body any) apptest.Response {
		return a.Do(http.MethodPut, "/v1/sessions/"+id+"/exercises", token, body)
	}
	one := func(id string, set map[string]any) map[string]any {
		return map[string]any{"exercises": []map[string]any{{"exercise_id": id, "sets": []map[string]any{set}}}}
	}
	assert.Equal(t, http.StatusNotFound, put(bob, s.ID, one(squat.ID, map[string]any{"reps": 1})).Status)
	assert.Equal(t, http.StatusNotFound, put(ana, unknown, one(squat.ID, map[string]any{"reps": 1})).Status)
	assert.Equal(t, http.StatusBadRequest, put(ana, "nope", one(squat.ID, map[string]any{"reps": 1})).Status)
	r = a.Do(http.MethodPost, "/v1/exercises", bob, map[string]any{"name": "Bob's move", "muscle_groups": []string{"core"}, "equipment": "other"})
	require.Equal(t, http.StatusCreated, r.Status)
	var bobs api.Exercise
	r.JSON(t, &bobs)
	for _, c := range []struct {
		body  any
		field string
	}{
		{one(bobs.ID, map[string]any{"reps": 5}), "body.exercises[0].exercise_id"},
		{one(unknown, map[string]any{"reps": 5}), "body.exercises[0].exercise_id"},
		{one("nope", map[string]any{"reps": 5}), "body.exercises[0].exercise_id"},
		{one(squat.ID, map[string]any{"reps": -1}), "body.exercises[0].sets[0].reps"},
		{one(squat.ID, map[string]any{"weight_kg": 1001}), "body.exercises[0].sets[0].weight_kg"},
		{one(squat.ID, map[string]any{"rpe": 11}), "body.exercises[0].sets[0].rpe"},
		{one(squat.ID, map[string]any{"rest_s": 4000}), "body.exercises[0].sets[0].rest_s"},
		{one(squat.ID, map[string]any{"reps": 5, "tempo": "3-1-1"}), "body.exercises[0].sets[0].tempo"},
	} {
		r := put(ana, s.ID, c.body)
		require.Equal(t, http.StatusBadRequest, r.Status, "%v: %s", c.body, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), c.field, "%v: %s", c.body, r.Body)
	}
	many := make([]map[string]any, 51)
	for i := range many {
		many[i] = map[string]any{"exercise_id": squat.ID, "sets": []map[string]any{}}
	}
	r = put(ana, s.ID, map[string]any{"exercises": many})
	assert.Equal(t, http.StatusBadRequest, r.Status)
	r = put(ana, s.ID, fmt.Sprintf(`{"exercises": [{"exercise_id": "%s", "notes": "%s", "sets": []}]}`, squat.ID, strings.Repeat("n", 300<<10)))
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
	r = a.Do(http.MethodGet, "/v1/sessions/"+s.ID, ana, nil)
	s = api.Session{}
	r.JSON(t, &s)
	assert.Equal(t, 800.0, s.Strength.VolumeKg, "refused lists changed nothing")

	// [] removes them.
	r = put(ana, s.ID, map[string]any{"exercises": []any{}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	s = api.Session{}
	r.JSON(t, &s)
	assert.Empty(t, s.Exercises)
	assert.Nil(t, s.Strength)
}
