package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/importer"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

var allDays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// day is the date today+days in UTC (the zone of a user without one).
func day(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format(time.DateOnly) }

// dayLeft is how much of the day a test that reads "today" needs: more
// than such a test takes, even on a loaded runner.
const dayLeft = 3 * time.Minute

// sameDay waits, when the day in zone ends within dayLeft, until it has
// ended: the test compares the day the server went by (a plan's start,
// the day of a session) with the day it reads afterwards, and across a
// midnight (a week's or a month's end too) these differ.
func sameDay(t *testing.T, zone *time.Location) {
	t.Helper()
	now := time.Now().In(zone)
	y, m, d := now.Date()
	if left := time.Date(y, m, d+1, 0, 0, 0, 0, zone).Sub(now); left < dayLeft {
		t.Logf("waiting %v for the day to end in %s", left.Round(time.Second), zone)
		time.Sleep(left + time.Second)
	}
}

// TestPlansForSeveralGoals makes plans for a race, a weekly volume and
// general fitness, reads them back as calendars, pages them, exports one as
// iCalendar (parsed with a standard parser) and deletes one; a new plan
// replaces the active one.
func TestPlansForSeveralGoals(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken

	// Today as the server sees it may change while the test runs (it may
	// run across midnight UTC): a plan starts the day it is made, one of
	// the days seen around the requests.
	firstDay, raceDay := day(0), day(84)
	goals := []map[string]any{
		{"sport": "run", "goal": map[string]any{"kind": "race", "distance": "5k", "date": raceDay},
			"health":   map[string]any{"feeling": "good"},
			"schedule": map[string]any{"days": []string{"tuesday", "thursday", "saturday", "sunday"}, "max_minutes": 90, "long_day": "sunday"}},
		{"sport": "ride", "goal": map[string]any{"kind": "volume", "weekly_minutes": 150, "weeks": 16},
			"schedule": map[string]any{"days": []string{"monday", "wednesday", "friday", "saturday"}, "max_minutes": 60}},
		{"goal": map[string]any{"kind": "fitness"}, "health": map[string]any{"limitations": []string{"knee"}, "feeling": "tired", "resting_hr_bpm": 55},
			"schedule": map[string]any{"days": allDays, "max_minutes": 45}},
	}
	var plans []api.Plan
	for _, g := range goals {
		r := a.Do(http.MethodPost, "/v1/plans", ana, g)
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var p api.Plan
		r.JSON(t, &p)
		assert.Equal(t, "active", p.State)
		assert.Contains(t, []string{firstDay, day(0)}, p.Start)
		assert.NotEmpty(t, p.Weeks)
		assert.Equal(t, "UTC", p.TimeZone)
		for _, w := range p.Weeks {
			for _, x := range w.Workouts {
				assert.GreaterOrEqual(t, x.Date, p.Start)
				assert.LessOrEqual(t, x.Date, p.End)
				assert.Nil(t, x.SessionID)
			}
		}
		plans = append(plans, p)
	}
	race, volume, fitness := plans[0], plans[1], plans[2]
	assert.Equal(t, raceDay, race.End)
	last := race.Weeks[len(race.Weeks)-1]
	assert.Equal(t, "taper", last.Phase)
	assert.Equal(t, "race", last.Workouts[len(last.Workouts)-1].Kind)
	assert.Equal(t, "ride", volume.Sport)
	assert.Len(t, volume.Weeks, 16, "16 ISO weeks, the current one included (whatever the weekday)")
	// The planner's end: the start's Monday plus 16 weeks less a day.
	start, err := time.Parse(time.DateOnly, volume.Start)
	require.NoError(t, err)
	monday := start.AddDate(0, 0, -(int(start.Weekday())+6)%7)
	assert.Equal(t, monday.AddDate(0, 0, 16*7-1).Format(time.DateOnly), volume.End)
	assert.Equal(t, "run", fitness.Sport)
	require.NotNil(t, fitness.Athlete.RestingHRBpm)
	assert.Equal(t, 55, *fitness.Athlete.RestingHRBpm)

	// One active plan: the newest; the others were replaced.
	var list api.PlanList
	r := a.Do(http.MethodGet, "/v1/plans?limit=2", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &list)
	require.Len(t, list.Items, 2)
	require.NotNil(t, list.NextCursor)
	assert.Equal(t, fitness.ID, list.Items[0].ID)
	assert.Equal(t, "active", list.Items[0].State)
	assert.Equal(t, "replaced", list.Items[1].State)
	r = a.Do(http.MethodGet, "/v1/plans?limit=2&cursor="+*list.NextCursor, ana, nil)
	r.JSON(t, &list)
	require.Len(t, list.Items, 1)
	assert.Equal(t, race.ID, list.Items[0].ID)
	assert.Nil(t, list.NextCursor)

	// The calendar of some weeks.
	var part api.Plan
	r = a.Do(http.MethodGet, fmt.Sprintf("/v1/plans/%s?from=%s&to=%s", race.ID, day(14), day(20)), ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &part)
	assert.True(t, len(part.Weeks) == 1 || len(part.Weeks) == 2, "a 7-day window overlaps one or two weeks")
	r = a.Do(http.MethodGet, fmt.Sprintf("/v1/plans/%s?from=%s&to=%s", race.ID, day(20), day(14)), ana, nil)
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, []string{"query.to"}, r.Problem(t).Fields())

	// iCalendar: one event per workout that is not a rest day.
	r = a.Do(http.MethodGet, "/v1/plans/"+race.ID+".ics", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar"), r.Header.Get("Content-Type"))
	cal, err := goical.NewDecoder(bytes.NewReader(r.Body)).Decode()
	require.NoError(t, err)
	events := cal.Events()
	n := 0
	for _, w := range race.Weeks {
		for _, x := range w.Workouts {
			if x.Kind != "rest" {
				n++
			}
		}
	}
	assert.Len(t, events, n)
	uid, err := events[0].Props.Text(goical.PropUID)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(uid, race.ID+"/"), uid)
	// The same with Accept: text/calendar on the plan; JSON when preferred.
	for accept, calendar := range map[string]bool{
		"text/calendar": true, "text/calendar, application/json;q=0.5": true, "application/json, text/calendar": false,
		"application/json;q=0.4, text/calendar;q=0.5": true, "*/*": false, "": false, "text/calendar;q=0": false,
	} {
		r := a.DoWith(http.MethodGet, "/v1/plans/"+race.ID, ana, nil, http.Header{"Accept": []string{accept}})
		require.Equal(t, http.StatusOK, r.Status, accept)
		if calendar {
			assert.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar"), accept)
			again, err := goical.NewDecoder(bytes.NewReader(r.Body)).Decode()
			require.NoError(t, err, accept)
			assert.Len(t, again.Events(), n)
		} else {
			assert.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"), accept)
		}
	}

	// A replaced plan no longer changes.
	r = a.Do(http.MethodPatch, "/v1/plans/"+race.ID, ana, map[string]any{"schedule": map[string]any{"days": allDays, "max_minutes": 60}})
	assert.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	assert.Equal(t, []string{"path.id"}, r.Problem(t).Fields())

	// With an Idempotency-Key, a retry gets the first plan, not a second one.
	key := http.Header{"Idempotency-Key": []string{"plan-once-1"}}
	r = a.DoWith(http.MethodPost, "/v1/plans", ana, goals[1], key)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var once, twice api.Plan
	r.JSON(t, &once)
	r = a.DoWith(http.MethodPost, "/v1/plans", ana, goals[1], key)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.JSON(t, &twice)
	assert.Equal(t, once.ID, twice.ID)
	a.Do(http.MethodGet, "/v1/plans", ana, nil).JSON(t, &list)
	assert.Len(t, list.Items, 4)

	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/plans/"+volume.ID, ana, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/plans/"+volume.ID, ana, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, "/v1/plans/"+volume.ID, ana, nil).Status)
}

// TestPlansAreTheirOwners: another user's plan is 404 on every operation,
// like an unknown one; ids that are not UUIDs name the field.
func TestPlansAreTheirOwners(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	r := a.Do(http.MethodPost, "/v1/plans", ana, map[string]any{"goal": map[string]any{"kind": "fitness", "weeks": 4},
		"schedule": map[string]any{"days": allDays, "max_minutes": 60}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var p api.Plan
	r.JSON(t, &p)
	patch := map[string]any{"schedule": map[string]any{"days": []string{"monday", "wednesday", "friday", "sunday"}, "max_minutes": 60}}
	for _, id := range []string{p.ID, "01a218c9-95e8-7859-a437-7b9381224e73"} {
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{http.MethodGet, "/v1/plans/" + id, nil},
			{http.MethodGet, "/v1/plans/" + id + ".ics", nil},
			{http.MethodPatch, "/v1/plans/" + id, patch},
			{http.MethodDelete, "/v1/plans/" + id, nil},
		} {
			r := a.Do(c.method, c.path, bob, c.body)
			assert.Equal(t, http.StatusNotFound, r.Status, c.method+" "+c.path+": "+string(r.Body))
			assert.Equal(t, "not_found", r.Problem(t).Code)
		}
	}
	var list api.PlanList
	a.Do(http.MethodGet, "/v1/plans", bob, nil).JSON(t, &list)
	assert.Empty(t, list.Items)
	for _, path := range []string{"/v1/plans/not-a-uuid", "/v1/plans/not-a-uuid.ics"} {
		r := a.Do(http.MethodGet, path, ana, nil)
		assert.Equal(t, http.StatusBadRequest, r.Status, path)
		assert.Equal(t, []string{"path.id"}, r.Problem(t).Fields(), path)
	}
	// Ana's plan is intact.
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/plans/"+p.ID, ana, nil).Status)
}

// TestPlanBadInput: malformed, oversized and out-of-range requests are
// refused naming the field, and make no plan; an unreachable goal is 422
// with the reason and what would work.
func TestPlanBadInput(t *testing.T) {
	t.Parallel()
	sameDay(t, time.UTC)
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	sched := map[string]any{"days": []string{"tuesday", "thursday", "sunday"}, "max_minutes": 60}
	bad := []struct {
		body  string
		field string
	}{
		{`{"goal": {"kind": "race", "distance": "10k", "date": "` + day(-3) + `"}, "schedule": {"days": ["monday"], "max_minutes": 60}}`, "body.goal.date"},
		{`{"goal": {"kind": "race", "distance": "10k", "date": "` + day(0) + `"}, "schedule": {"days": ["monday"], "max_minutes": 60}}`, "body.goal.date"},
		{`{"goal": {"kind": "race", "distance": "10k", "date": "2027-02-30"}, "schedule": {"days": ["monday"], "max_minutes": 60}}`, "body.goal.date"},
		{`{"goal": {"kind": "race", "distance": "15k", "date": "` + day(60) + `"}, "schedule": {"days": ["monday"], "max_minutes": 60}}`, "body.goal.distance"},
		{`{"goal": {"kind": "race", "distance": "10k"}, "schedule": {"days": ["monday"], "max_minutes": 60}}`, "body.goal.date"},
		{`{"goal": {"kind": "race", "distance": "10k", "date": "` + day(60) + `", "target_time_s": 600}, "schedule": {"days": ["monday"], "max_minutes": 60}}`, "body.goal.target_time_s"},
		{`{"sport": "curling", "goal": {"kind": "fitness"}, "schedule": {"days": ["monday"], "max_minutes": 60}}`, "body.sport"},
		{`{"sport": "ride", "goal": {"kind": "race", "distance": "10k", "date": "` + day(60) + `"}, "schedule": {"days": ["monday"], "max_minutes": 60}}`, "body.goal.kind"},
		{`{"goal": {"kind": "lose_weight"}, "schedule": {"days": ["monday"], "max_minutes": 60}}`, "body.goal.kind"},
		{`{"goal": {"kind": "fitness"}, "schedule": {"days": [], "max_minutes": 60}}`, "body.schedule.days"},
		{`{"goal": {"kind": "fitness"}, "schedule": {"days": ["someday"], "max_minutes": 60}}`, "body.schedule.days[0]"},
		{`{"goal": {"kind": "fitness"}, "schedule": {"days": ["monday", "monday"], "max_minutes": 60}}`, "body.schedule.days[1]"},
		{`{"goal": {"kind": "fitness"}, "schedule": {"days": ["monday"], "max_minutes": 10}}`, "body.schedule.max_minutes"},
		{`{"goal": {"kind": "fitness"}, "schedule": {"days": ["monday"], "max_minutes": 60, "long_day": "friday"}}`, "body.schedule.long_day"},
		{`{"goal": {"kind": "fitness"}, "health": {"resting_hr_bpm": 10}, "schedule": {"days": ["monday"], "max_minutes": 60}}`, "body.health.resting_hr_bpm"},
		{`{"goal": {"kind": "fitness"}, "health": {"limitations": ["elbow"]}, "schedule": {"days": ["monday"], "max_minutes": 60}}`, "body.health.limitations[0]"},
		{`{"goal": {"kind": "volume", "weekly_minutes": 5}, "schedule": {"days": ["monday"], "max_minutes": 60}}`, "body.goal.weekly_minutes"},
		{`{"goal": {"kind": "fitness", "weeks": 1}, "schedule": {"days": ["monday"], "max_minutes": 60}}`, "body.goal.weeks"},
		{`{"goal": {"kind": "fitness"}}`, "body.schedule"},
	}
	for _, c := range bad {
		r := a.Do(http.MethodPost, "/v1/plans", ana, c.body)
		require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, r.Status, c.body+": "+string(r.Body))
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.body)
	}
	r := a.Do(http.MethodPost, "/v1/plans", ana, `{"goal": {"kind": "fitness"}, "schedule": `)
	assert.Equal(t, http.StatusBadRequest, r.Status, "malformed")
	r = a.Do(http.MethodPost, "/v1/plans", ana, `{"goal": {"kind": "fitness"}, "schedule": {"days": ["monday"], "max_minutes": 60}, "x": "`+strings.Repeat("a", 20<<10)+`"}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status, "oversized")

	// A 10 km in four weeks from nothing cannot be built up safely.
	r = a.Do(http.MethodPost, "/v1/plans", ana, map[string]any{"goal": map[string]any{"kind": "race", "distance": "10k", "date": day(28)}, "schedule": sched})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
	var problem struct {
		Code    string             `json:"code"`
		Detail  string             `json:"detail"`
		Details api.PlanInfeasible `json:"details"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &problem))
	assert.Equal(t, "infeasible", problem.Code)
	assert.Contains(t, []string{"plan.infeasible.time", "plan.infeasible.time_and_schedule"}, problem.Details.Key)
	assert.NotEmpty(t, problem.Details.Reason)
	assert.Equal(t, problem.Detail, problem.Details.Reason)
	require.NotEmpty(t, problem.Details.Options, "what would work")
	tenK := problem.Details

	// A marathon on one 30-minute day a week, from nothing, in six months:
	// the schedule cannot hold it, and six months are too few to build
	// up to it safely.
	r = a.Do(http.MethodPost, "/v1/plans", ana, map[string]any{"goal": map[string]any{"kind": "race", "distance": "marathon", "date": day(180)},
		"schedule": map[string]any{"days": []string{"sunday"}, "max_minutes": 30}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
	require.NoError(t, json.Unmarshal(r.Body, &problem))
	assert.Equal(t, "plan.infeasible.time_and_schedule", problem.Details.Key, problem.Details.Reason)
	require.NotEmpty(t, problem.Details.Options)
	assert.Equal(t, "combined", problem.Details.Options[0].Key)
	assert.Contains(t, problem.Details.Options[0].Changes, "later_date")

	// None of it made a plan.
	var list api.PlanList
	a.Do(http.MethodGet, "/v1/plans", ana, nil).JSON(t, &list)
	assert.Empty(t, list.Items)

	// Each option, applied as the app would, makes one.
	for _, o := range tenK.Options {
		goal := map[string]any{"kind": "race", "distance": "10k", "date": day(28)}
		s := map[string]any{"days": sched["days"], "max_minutes": sched["max_minutes"]}
		require.NotEmpty(t, o.Changes, o.Key)
		for _, c := range o.Changes {
			switch c {
			case "later_date":
				goal["date"] = o.Date
			case "shorter_distance":
				goal["distance"] = o.Distance
			case "more_minutes":
				s["max_minutes"] = o.MaxMinutes
			case "more_days":
				s["days"] = o.Weekdays
			default:
				t.Fatalf("%s for a race without a target", c)
			}
		}
		r := a.Do(http.MethodPost, "/v1/plans", ana, map[string]any{"goal": goal, "schedule": s})
		require.Equal(t, http.StatusCreated, r.Status, "option %+v: %s", o, r.Body)
		var made api.Plan
		r.JSON(t, &made)
		assert.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/plans/"+made.ID, ana, nil).Status)
	}

	// A plan's schedule change is checked alike.
	r = a.Do(http.MethodPost, "/v1/plans", ana, map[string]any{"goal": map[string]any{"kind": "fitness"}, "schedule": sched})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var p api.Plan
	r.JSON(t, &p)
	for _, c := range []struct{ body, field string }{
		{`{}`, "body.schedule"},
		{`{"schedule": {"days": ["monday"], "max_minutes": 5}}`, "body.schedule.max_minutes"},
		{`{"schedule": {"days": ["noday"], "max_minutes": 60}}`, "body.schedule.days[0]"},
	} {
		r := a.Do(http.MethodPatch, "/v1/plans/"+p.ID, ana, c.body)
		require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, r.Status, c.body+": "+string(r.Body))
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.body)
	}
	var same api.Plan
	a.Do(http.MethodGet, "/v1/plans/"+p.ID, ana, nil).JSON(t, &same)
	assert.Empty(t, same.Changes)
	assert.Equal(t, p.Weeks, same.Weeks)
}

// TestPlanFollowsSessions: a live session recorded and finished is
// matched to the day's workout (in the answer, and kept with the workout
// by the consumer of the module's session events); a redelivered event
// changes nothing; a new schedule re-plans from today and says so.
func TestPlanFollowsSessions(t *testing.T) {
	t.Parallel()
	sameDay(t, time.UTC)
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	ctx := context.Background()
	db := a.DB(t)

	r := a.Do(http.MethodPost, "/v1/plans", ana, map[string]any{"goal": map[string]any{"kind": "volume", "weekly_minutes": 80, "weeks": 6},
		"schedule": map[string]any{"days": allDays, "max_minutes": 60}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var p api.Plan
	r.JSON(t, &p)
	var target *api.PlanWorkout
	for _, w := range p.Weeks {
		for i, x := range w.Workouts {
			if x.Sport == "run" && x.Kind != "rest" && x.Kind != "strength" && x.Kind != "cross_training" && (x.Date == day(0) || x.Date == day(1)) && target == nil {
				target = &w.Workouts[i]
			}
		}
	}
	require.NotNil(t, target, "a run today or tomorrow in a plan of seven days a week")

	// Two minutes of running, live (points up to the start are taken), finished.
	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s api.Session
	r.JSON(t, &s)
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, map[string]any{"points": run(120, s.StartedAt)})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/finish", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	var got api.Plan
	a.Do(http.MethodGet, "/v1/plans/"+p.ID, ana, nil).JSON(t, &got)
	var matched *api.PlanWorkout
	var week api.PlanWeek
	for _, w := range got.Weeks {
		for i, x := range w.Workouts {
			if x.SessionID != nil {
				matched, week = &w.Workouts[i], w
			}
		}
	}
	require.NotNil(t, matched, "the session matched a workout")
	assert.Equal(t, s.ID, *matched.SessionID)
	assert.Equal(t, 1, week.Adherence.Done)

	// The consumer of evt.training.session.* keeps the match with the workout.
	stored := func() string {
		var id *string
		require.NoError(t, db.QueryRow(ctx, `SELECT session_id::text FROM training.plan_workouts WHERE plan_id = $1 AND id = $2`, p.ID, matched.ID).Scan(&id))
		if id == nil {
			return ""
		}
		return *id
	}
	require.Eventually(t, func() bool { return stored() == s.ID }, 20*time.Second, 50*time.Millisecond)

	// The same event again (another message id) changes nothing.
	state := func() string {
		var st string
		require.NoError(t, db.QueryRow(ctx, `SELECT p.updated_at::text || (SELECT count(*) FROM training.plan_changes c WHERE c.plan_id = p.id)::text
			|| (SELECT string_agg(w.id || coalesce(w.session_id::text, '-'), ',' ORDER BY w.id) FROM training.plan_workouts w WHERE w.plan_id = p.id)
			FROM training.plans p WHERE p.id = $1`, p.ID).Scan(&st))
		return st
	}
	before := state()
	var payload []byte
	require.NoError(t, db.QueryRow(ctx, `SELECT to_jsonb(x) FROM (SELECT $1::text AS session_id, user_id::text AS user_id, sport, 1 AS revision FROM training.sessions WHERE id = $1::uuid) x`, s.ID).Scan(&payload))
	conn, err := bus.Connect(ctx, bus.ConnConfig{Name: "redelivery", Embedded: a.NATS}, bustest.Logger(t))
	require.NoError(t, err)
	defer conn.NC.Close()
	processed := func() int {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM training.processed_messages WHERE consumer = 'training__evt_training_session'`).Scan(&n))
		return n
	}
	n := processed()
	_, err = conn.JS.Publish(ctx, api.EventSessionUpdated, payload)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return processed() == n+1 }, 20*time.Second, 50*time.Millisecond)
	assert.Equal(t, before, state())

	// A new schedule re-plans from today and explains it.
	r = a.Do(http.MethodPatch, "/v1/plans/"+p.ID, ana, map[string]any{"schedule": map[string]any{"days": []string{"tuesday", "thursday", "saturday", "sunday"}, "max_minutes": 50, "long_day": "saturday"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var changed api.Plan
	r.JSON(t, &changed)
	require.Len(t, changed.Changes, 1)
	assert.Equal(t, "plan.adapt.schedule", changed.Changes[0].Explanations[0].Key)
	assert.Equal(t, []string{"tuesday", "thursday", "saturday", "sunday"}, changed.Schedule.Days)
	for _, w := range changed.Weeks {
		for _, x := range w.Workouts {
			if x.Date > day(0) && x.Kind != "rest" {
				d, err := time.Parse(time.DateOnly, x.Date)
				require.NoError(t, err)
				assert.Contains(t, []time.Weekday{time.Tuesday, time.Thursday, time.Saturday, time.Sunday}, d.Weekday(), x.Date)
				assert.LessOrEqual(t, x.Minutes, 50)
			}
		}
	}
	// The finished session still counts.
	found := false
	for _, w := range changed.Weeks {
		for _, x := range w.Workouts {
			found = found || (x.SessionID != nil && *x.SessionID == s.ID)
		}
	}
	assert.True(t, found, "the session is still matched after the re-plan")

	// A deleted session no longer counts: not in the answer, and the
	// consumer takes the match back from the workout.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/sessions/"+s.ID, ana, nil).Status)
	var gone api.Plan
	a.Do(http.MethodGet, "/v1/plans/"+p.ID, ana, nil).JSON(t, &gone)
	for _, w := range gone.Weeks {
		assert.Zero(t, w.Adherence.Done, w.Monday)
		for _, x := range w.Workouts {
			assert.Nil(t, x.SessionID, x.ID)
		}
	}
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM training.plan_workouts WHERE plan_id = $1 AND session_id IS NOT NULL`, p.ID).Scan(&n))
		return n == 0
	}, 20*time.Second, 50*time.Millisecond)
}

// TestPlanAdaptsAfterMissedWorkouts: a plan made two weeks ago (its days
// moved back in the database) whose workouts were all missed is reshaped
// when the next session is recorded, and says why; the same event again
// changes nothing more.
func TestPlanAdaptsAfterMissedWorkouts(t *testing.T) {
	t.Parallel()
	sameDay(t, time.UTC)
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	ctx := context.Background()
	db := a.DB(t)

	r := a.Do(http.MethodPost, "/v1/plans", ana, map[string]any{"goal": map[string]any{"kind": "volume", "weekly_minutes": 90, "weeks": 10},
		"schedule": map[string]any{"days": []string{"monday", "wednesday", "friday", "saturday"}, "max_minutes": 60}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var p api.Plan
	r.JSON(t, &p)
	// Two weeks earlier (workout ids are their dates and places): every
	// workout of those two weeks was missed.
	_, err := db.Exec(ctx, `UPDATE training.plans SET start_day = start_day - 14, from_day = from_day - 14, end_day = end_day - 14,
		weeks = (SELECT jsonb_agg(w || jsonb_build_object('monday', ((w->>'monday')::date - 14)::text)) FROM jsonb_array_elements(weeks) w)
		WHERE id = $1`, p.ID)
	require.NoError(t, err)
	_, err = db.Exec(ctx, `UPDATE training.plan_workouts SET day = day - 14, id = to_char(day - 14, 'YYYY-MM-DD') || substr(id, 11) WHERE plan_id = $1`, p.ID)
	require.NoError(t, err)
	var before api.Plan
	a.Do(http.MethodGet, "/v1/plans/"+p.ID, ana, nil).JSON(t, &before)
	missed := 0
	for _, w := range before.Weeks {
		missed += w.Adherence.Planned - w.Adherence.Done
		if w.Monday >= day(-6) {
			break
		}
	}
	require.GreaterOrEqual(t, missed, 3)

	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s api.Session
	r.JSON(t, &s)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, map[string]any{"points": run(120, s.StartedAt)}).Status)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/finish", ana, nil).Status)

	var after api.Plan
	require.Eventually(t, func() bool {
		after = api.Plan{} // decode afresh: absent fields must not keep an earlier answer's values
		a.Do(http.MethodGet, "/v1/plans/"+p.ID, ana, nil).JSON(t, &after)
		return len(after.Changes) > 0
	}, 20*time.Second, 50*time.Millisecond, "the plan adapts")
	require.Len(t, after.Changes, 1)
	ex := after.Changes[0].Explanations[0]
	assert.Equal(t, "plan.adapt.missed", ex.Key)
	assert.GreaterOrEqual(t, ex.Params["missed"], float64(3))
	assert.Equal(t, before.Start, after.Start)

	// The same event again: nothing more.
	conn, err := bus.Connect(ctx, bus.ConnConfig{Name: "redelivery", Embedded: a.NATS}, bustest.Logger(t))
	require.NoError(t, err)
	defer conn.NC.Close()
	var payload []byte
	require.NoError(t, db.QueryRow(ctx, `SELECT to_jsonb(x) FROM (SELECT $1::text AS session_id, user_id::text AS user_id, sport, 1 AS revision FROM training.sessions WHERE id = $1::uuid) x`, s.ID).Scan(&payload))
	processed := func() int {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM training.processed_messages WHERE consumer = 'training__evt_training_session'`).Scan(&n))
		return n
	}
	n := processed()
	_, err = conn.JS.Publish(ctx, api.EventSessionCompleted, payload)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return processed() == n+1 }, 20*time.Second, 50*time.Millisecond)
	var again api.Plan
	a.Do(http.MethodGet, "/v1/plans/"+p.ID, ana, nil).JSON(t, &again)
	assert.Len(t, again.Changes, 1, "a redelivered event adapts nothing more")
	assert.Equal(t, after.Weeks, again.Weeks)
}

// TestPlanUsesTheUsersOwnData: the profile's time zone and heart rates
// (from the client module's events) and the user's finished sessions (VDOT
// of the best effort, weekly volume, longest session) make the plan's
// athlete, its paces and heart rates.
func TestPlanUsesTheUsersOwnData(t *testing.T) {
	t.Parallel()
	sameDay(t, time.UTC)
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	ctx := context.Background()
	db := a.DB(t)

	r := a.Do(http.MethodPatch, "/v1/me", ana, map[string]any{"time_zone": "Pacific/Auckland", "resting_hr_bpm": 52, "max_hr_bpm": 188})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, db.QueryRow(ctx, "SELECT count(*) FROM training.athletes WHERE time_zone = 'Pacific/Auckland' AND max_hr_bpm = 188").Scan(&n))
		return n == 1
	}, 10*time.Second, 20*time.Millisecond, "the profile reaches training")
	var me struct {
		UserID string `json:"user_id"`
	}
	a.Do(http.MethodGet, "/v1/me", ana, nil).JSON(t, &me)
	// Four weeks of running: 45 minutes on four days, a 70-minute long run
	// ten days ago, and a 5 km in 22:30 among the best efforts (VDOT 43.5).
	_, err := db.Exec(ctx, `INSERT INTO training.sessions (id, user_id, sport, state, visibility, started_at, finished_at, summary)
		SELECT gen_random_uuid(), $1, 'run', 'finished', 'private', now() - make_interval(days => d) - interval '2 hours',
		       now() - make_interval(days => d) - interval '1 hour',
		       jsonb_build_object('distance_m', CASE WHEN d = 10 THEN 12000 ELSE 8000 END,
		                          'moving_time_s', CASE WHEN d = 10 THEN 4200 ELSE 2700 END, 'elapsed_time_s', 4300,
		                          'best_efforts', jsonb_build_array(jsonb_build_object('name', '5k', 'distance_m', 5000, 'elapsed_time_s', CASE WHEN d = 3 THEN 1350 ELSE 1500 END)))
		FROM unnest(ARRAY[1, 3, 5, 8, 10, 12, 15, 17, 19, 22, 24, 26]) AS d`, me.UserID)
	require.NoError(t, err)

	r = a.Do(http.MethodPost, "/v1/plans", ana, map[string]any{"goal": map[string]any{"kind": "race", "distance": "10k", "date": day(12 * 7)},
		"schedule": map[string]any{"days": []string{"tuesday", "thursday", "saturday", "sunday"}, "max_minutes": 90}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var p api.Plan
	r.JSON(t, &p)
	assert.Equal(t, "Pacific/Auckland", p.TimeZone)
	require.NotNil(t, p.Athlete.VDOT)
	assert.InDelta(t, 43.5, *p.Athlete.VDOT, 0.2)
	require.NotNil(t, p.Athlete.MaxHRBpm)
	assert.Equal(t, 188, *p.Athlete.MaxHRBpm)
	require.NotNil(t, p.Athlete.RestingHRBpm)
	assert.Equal(t, 52, *p.Athlete.RestingHRBpm)
	assert.InDelta(t, 70, p.Athlete.LongestMinutes, 0.1)
	assert.InDelta(t, 160, p.Athlete.WeeklyMinutes, 0.1, "the largest of the last four weeks: the long run's, 45 + 70 + 45 minutes")
	paced, withHR := 0, 0
	for _, w := range p.Weeks {
		for _, x := range w.Workouts {
			if x.Pace != nil {
				paced++
				assert.LessOrEqual(t, x.Pace.FastSPerKm, x.Pace.SlowSPerKm, x.Kind) // the race: one pace
			}
			if x.HR != nil {
				withHR++
				assert.Less(t, x.HR.LowBpm, x.HR.HighBpm)
				assert.LessOrEqual(t, x.HR.HighBpm, 188)
			}
		}
	}
	assert.Positive(t, paced, "paces from the VDOT")
	assert.Positive(t, withHR, "heart rates from the profile")
}

// TestPlanAdaptsAfterALoadSpike: a run far longer than the longest of the
// 30 days before it (Garmin-RUNSAFE), imported from a GPX file, makes the
// coming week a lighter one, and the plan says why.
func TestPlanAdaptsAfterALoadSpike(t *testing.T) {
	t.Parallel()
	sameDay(t, time.UTC)
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	ctx := context.Background()
	db := a.DB(t)
	var me struct {
		UserID string `json:"user_id"`
	}
	a.Do(http.MethodGet, "/v1/me", ana, nil).JSON(t, &me)
	// Five weeks of 30-minute runs, three a week.
	_, err := db.Exec(ctx, `INSERT INTO training.sessions (id, user_id, sport, state, visibility, started_at, finished_at, summary)
		SELECT gen_random_uuid(), $1, 'run', 'finished', 'private', now() - make_interval(days => d) - interval '3 hours',
		       now() - make_interval(days => d) - interval '150 minutes',
		       jsonb_build_object('distance_m', 5400, 'moving_time_s', 1800, 'elapsed_time_s', 1800)
		FROM generate_series(2, 35, 2) AS d WHERE d % 7 <> 0`, me.UserID)
	require.NoError(t, err)
	r := a.Do(http.MethodPost, "/v1/plans", ana, map[string]any{"goal": map[string]any{"kind": "volume", "weekly_minutes": 120, "weeks": 8},
		"schedule": map[string]any{"days": allDays, "max_minutes": 60}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var p api.Plan
	r.JSON(t, &p)
	require.Empty(t, p.Changes)

	// A 90-minute run yesterday, recorded on a watch and imported today.
	y := time.Now().UTC().AddDate(0, 0, -1)
	start := time.Date(y.Year(), y.Month(), y.Day(), 8, 0, 0, 0, time.UTC)
	points := make([]telemetry.Point, 1080)
	for i := range points {
		hr := 140 + i%10
		points[i] = telemetry.Point{T: start.Add(time.Duration(i) * 5 * time.Second), Lat: 52.5 + float64(i)*15/111_257.0, Lon: 13.4, HR: &hr}
	}
	var gpx bytes.Buffer
	require.NoError(t, importer.WriteGPX(&gpx, "long one", "run", points))
	r = a.Upload("/v1/sessions/import", ana, map[string]string{"sport": "run"}, "file", "long.gpx", gpx.Bytes())
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var res api.ImportResult
	r.JSON(t, &res)
	s := res.Session

	var after api.Plan
	require.Eventually(t, func() bool {
		after = api.Plan{}
		a.Do(http.MethodGet, "/v1/plans/"+p.ID, ana, nil).JSON(t, &after)
		return len(after.Changes) > 0
	}, 20*time.Second, 50*time.Millisecond, "the plan adapts")
	ex := after.Changes[0].Explanations[0]
	assert.Equal(t, "plan.adapt.spike", ex.Key)
	assert.Equal(t, "session", ex.Params["kind"])
	assert.Equal(t, s.ID, ex.Params["session"])
	assert.Greater(t, ex.Params["ratio"], 1.1)
	// The coming week is a lighter one.
	var current api.PlanWeek
	for _, w := range after.Weeks {
		if w.Monday <= day(0) {
			current = w
		}
	}
	assert.True(t, current.Recovery, "the week of the spike's aftermath is lighter")
}

// A plan that cannot be adapted (here, a row the module cannot read) does
// not hold the analytics back: the session still counts, and the failure
// is left to the daily adaptation.
func TestPlanFailureKeepsTheAnalytics(t *testing.T) {
	t.Parallel()
	sameDay(t, time.UTC)
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	db := a.DB(t)
	r := a.Do(http.MethodPost, "/v1/plans", ana, map[string]any{"goal": map[string]any{"kind": "fitness", "weeks": 6},
		"schedule": map[string]any{"days": allDays, "max_minutes": 60}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	_, err := db.Exec(context.Background(), `UPDATE training.plans SET weeks = '"unreadable"'`)
	require.NoError(t, err)

	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "elapsed_time_s": 1800, "distance_m": 5000,
		"started_at": time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	require.Eventually(t, func() bool {
		var sum api.AnalyticsSummary
		r := a.Do(http.MethodGet, "/v1/analytics/summary?period=all", ana, nil)
		r.JSON(t, &sum)
		return r.Status == http.StatusOK && sum.Current.Totals.Sessions == 1
	}, 20*time.Second, 50*time.Millisecond, "the session counts in the analytics")
}

// With a threshold heart rate in the profile, the plan's heart-rate ranges
// are Friel's zones, the same the records answer shows: an easy run in
// Z2, 85–90 % of 170 bpm.
func TestPlanUsesThresholdZones(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com")
	db := a.DB(t)
	r := a.Do(http.MethodPatch, "/v1/me", ana.AccessToken, map[string]any{"resting_hr_bpm": 50, "max_hr_bpm": 190, "threshold_hr_bpm": 170})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Eventually(t, func() bool {
		var v *int
		err := db.QueryRow(context.Background(), `SELECT threshold_hr FROM training.athletes WHERE user_id = $1`, ana.UserID).Scan(&v)
		return err == nil && v != nil
	}, 20*time.Second, 50*time.Millisecond)
	r = a.Do(http.MethodPost, "/v1/plans", ana.AccessToken, map[string]any{"goal": map[string]any{"kind": "fitness", "weeks": 6},
		"schedule": map[string]any{"days": allDays, "max_minutes": 60}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var p api.Plan
	r.JSON(t, &p)
	easy := 0
	for _, w := range p.Weeks {
		for _, x := range w.Workouts {
			if x.Kind == "easy" && x.HR != nil {
				easy++
				assert.Equal(t, api.PlanHR{LowBpm: 145, HighBpm: 153}, *x.HR, "Friel's Z2 of 170 bpm")
			}
		}
	}
	assert.Positive(t, easy)
	var rs api.Records
	a.Do(http.MethodGet, "/v1/analytics/records", ana.AccessToken, nil).JSON(t, &rs)
	require.NotNil(t, rs.HRZones)
	assert.InDelta(t, 145, rs.HRZones.Zones[1].Low, 0.5, "the records' Z2 is the plan's")
	assert.InDelta(t, 153, rs.HRZones.Zones[1].High, 0.5)
}

// A plan's calendar feed: a secret URL read without a token (as calendar
// apps subscribe), the same iCalendar as the plan's own; a new feed
// replaces it, DELETE stops it; another user's plan, unknown ids and
// tokens are 404, and nobody reads a plan with a token of their making.
func TestPlanCalendarFeed(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	r := a.Do(http.MethodPost, "/v1/plans", ana, map[string]any{"goal": map[string]any{"kind": "fitness", "weeks": 6},
		"schedule": map[string]any{"days": allDays, "max_minutes": 60}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var p api.Plan
	r.JSON(t, &p)

	r = a.Do(http.MethodPost, "/v1/plans/"+p.ID+"/calendar-feed", ana, nil)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var feed api.PlanFeed
	r.JSON(t, &feed)
	require.True(t, strings.HasPrefix(feed.Path, "/v1/calendar/") && strings.HasSuffix(feed.Path, ".ics"), feed.Path)
	r = a.Do(http.MethodGet, feed.Path, "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Contains(t, r.Header.Get("Content-Type"), "text/calendar")
	cal, err := goical.NewDecoder(bytes.NewReader(r.Body)).Decode()
	require.NoError(t, err, "a standard parser reads it")
	own := a.Do(http.MethodGet, "/v1/plans/"+p.ID+".ics", ana, nil)
	require.Equal(t, http.StatusOK, own.Status)
	mine, err := goical.NewDecoder(bytes.NewReader(own.Body)).Decode()
	require.NoError(t, err)
	assert.Equal(t, len(mine.Events()), len(cal.Events()), "the plan's own calendar")
	assert.NotEmpty(t, cal.Events())

	// A new feed replaces the old; DELETE stops it.
	r = a.Do(http.MethodPost, "/v1/plans/"+p.ID+"/calendar-feed", ana, nil)
	require.Equal(t, http.StatusCreated, r.Status)
	var again api.PlanFeed
	r.JSON(t, &again)
	assert.NotEqual(t, feed.Path, again.Path)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, feed.Path, "", nil).Status, "the old URL stops")
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, again.Path, "", nil).Status)
	assert.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/plans/"+p.ID+"/calendar-feed", ana, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, again.Path, "", nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, "/v1/plans/"+p.ID+"/calendar-feed", ana, nil).Status, "none left")

	// Strangers, unknown ids, made-up and malformed tokens.
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/plans/"+p.ID+"/calendar-feed", bob, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, "/v1/plans/"+p.ID+"/calendar-feed", bob, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/plans/01a218c9-95e8-7859-a437-7b9381224e73/calendar-feed", ana, nil).Status)
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, "/v1/plans/nope/calendar-feed", ana, nil).Status)
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodPost, "/v1/plans/"+p.ID+"/calendar-feed", "", nil).Status)
	for _, tok := range []string{strings.Repeat("A", 43), "short", "%00%00", strings.Repeat("x", 65)} {
		st := a.Do(http.MethodGet, "/v1/calendar/"+tok+".ics", "", nil).Status
		assert.Contains(t, []int{http.StatusNotFound, http.StatusBadRequest, http.StatusUnprocessableEntity}, st, tok)
	}
	// The feed goes with its plan.
	r = a.Do(http.MethodPost, "/v1/plans/"+p.ID+"/calendar-feed", ana, nil)
	r.JSON(t, &feed)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/plans/"+p.ID, ana, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, feed.Path, "", nil).Status)
}
