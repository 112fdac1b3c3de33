package plan

import (
	"errors"
	"testing"
	"time"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// halfPlan is a half-marathon plan on five days built on Monday 2 March 2026
// in Paris (the clocks change on 29 March).
func halfPlan(t testing.TB) Plan {
	req := race(RaceHalf, "2026-06-14", []time.Weekday{tue, wed, thu, sat, sun}, 120)
	p, err := Build(req, Athlete{VDOT: 45, WeeklyMinutes: 200, LongestMinutes: 75, MaxHR: 190}, day(t, "2026-03-02"), paris(t))
	require.NoError(t, err)
	return p
}

// done makes the sessions of the plan's workouts from from to before to, at
// 18:00 local time, skipping skip, the duration scaled by scale[id].
func done(p Plan, from, to Date, skip map[string]bool, scale map[string]float64) []Session {
	var out []Session
	for _, w := range p.Workouts() {
		if w.Kind == KindRest || w.Kind == KindRace || w.Date.Before(from) || !w.Date.Before(to) || skip[w.ID] {
			continue
		}
		f := 1.0
		if x, ok := scale[w.ID]; ok {
			f = x
		}
		d := w.Date.In(p.Location).Add(18 * time.Hour)
		out = append(out, Session{ID: "s-" + w.ID, Sport: w.Sport, Start: d, Minutes: float64(w.Minutes) * f, DistanceKm: w.DistanceKm * f})
	}
	return out
}

func find(t testing.TB, p Plan, k Kind, after Date) Workout {
	for _, w := range p.Workouts() {
		if w.Kind == k && !w.Date.Before(after) {
			return w
		}
	}
	t.Fatalf("no %s after %s", k, after)
	return Workout{}
}

func TestMatch(t *testing.T) {
	p := halfPlan(t)
	loc := p.Location
	week := p.Weeks[1] // 9–15 March
	var ws []Workout
	for _, w := range week.Workouts {
		if w.Kind != KindRest {
			ws = append(ws, w)
		}
	}
	// The plan's week 2: Tue easy(+strength), Wed easy, Thu easy, Sat easy, Sun long.
	require.Equal(t, KindLong, ws[len(ws)-1].Kind)
	long := ws[len(ws)-1]
	sat := ws[len(ws)-2]
	at := func(d Date, h int) time.Time { return d.In(loc).Add(time.Duration(h) * time.Hour) }
	sessions := []Session{
		// The long run done on Saturday: it matches the long (a day early), not Saturday's easy run.
		{ID: "long-early", Sport: "run", Start: at(sat.Date, 9), Minutes: float64(long.Minutes) + 3},
		// Saturday's easy run done on Sunday on a trail.
		{ID: "easy-late", Sport: "trail_run", Start: at(long.Date, 9), Minutes: float64(sat.Minutes)},
		// Tuesday's run and strength.
		{ID: "tue", Sport: "run", Start: at(ws[0].Date, 7), Minutes: float64(ws[0].Minutes)},
		{ID: "tue-gym", Sport: "strength", Start: at(ws[0].Date, 19), Minutes: 35},
		// A ride nobody planned.
		{ID: "ride", Sport: "ride", Start: at(ws[2].Date, 12), Minutes: 60},
		// A swim: the plan has no swimming.
		{ID: "swim", Sport: "swim", Start: at(ws[1].Date, 12), Minutes: 30},
	}
	m := Match(p, sessions)
	pairs := map[string]Pair{}
	for _, pr := range m.Pairs {
		pairs[pr.SessionID] = pr
	}
	assert.Equal(t, Pair{WorkoutID: long.ID, SessionID: "long-early", Days: -1}, pairs["long-early"])
	assert.Equal(t, Pair{WorkoutID: sat.ID, SessionID: "easy-late", Days: 1}, pairs["easy-late"])
	assert.Equal(t, ws[0].ID, pairs["tue"].WorkoutID)
	assert.Equal(t, KindStrength, workoutByID(p, pairs["tue-gym"].WorkoutID).Kind)
	assert.ElementsMatch(t, []string{"ride", "swim"}, m.Extra)

	a := m.Weeks[1]
	assert.Equal(t, len(ws), a.Planned)
	assert.Equal(t, 4, a.Done)
	assert.InDelta(t, 4/float64(len(ws)), a.Rate, 1e-9)
	assert.Equal(t, 90, a.ExtraMinutes)
	assert.Zero(t, m.Weeks[0].Rate, "nothing done in week 1")

	// Everything done: every week before the race at 100 %.
	all := done(p, p.From, p.End, nil, nil)
	m = Match(p, all)
	assert.Empty(t, m.Extra)
	for _, a := range m.Weeks {
		assert.Equal(t, 1.0, a.Rate, "%d-W%d", a.Year, a.Number)
	}
}

// TestMatchAcrossDaylightSaving: a session at 00:30 on the night Paris
// springs forward (23:30 UTC the day before) is on the user's Sunday.
func TestMatchAcrossDaylightSaving(t *testing.T) {
	p := halfPlan(t)
	sunday := Date{2026, 3, 29}
	long := find(t, p, KindLong, sunday)
	require.Equal(t, sunday, long.Date)
	s := Session{ID: "night", Sport: "run", Start: time.Date(2026, 3, 29, 0, 30, 0, 0, p.Location), Minutes: float64(long.Minutes)}
	require.Equal(t, 28, s.Start.UTC().Day())
	m := Match(p, []Session{s})
	require.Len(t, m.Pairs, 1)
	assert.Equal(t, Pair{WorkoutID: long.ID, SessionID: "night", Days: 0}, m.Pairs[0])
}

func workoutByID(p Plan, id string) Workout {
	for _, w := range p.Workouts() {
		if w.ID == id {
			return w
		}
	}
	return Workout{}
}

func TestAdaptLeavesAPlanOnTrackAlone(t *testing.T) {
	p := halfPlan(t)
	today := day(t, "2026-03-19")
	q, changes, err := Adapt(p, done(p, p.From, today, nil, nil), today)
	require.NoError(t, err)
	assert.Empty(t, changes)
	assert.Equal(t, summary(p), summary(q))
	assert.Equal(t, p.From, q.From)
	// Two missed workouts are not enough.
	skip := map[string]bool{}
	for _, w := range p.Weeks[2].Workouts[:4] {
		if w.Kind != KindRest && len(skip) < 2 {
			skip[w.ID] = true
		}
	}
	q, changes, err = Adapt(p, done(p, p.From, today, skip, nil), today)
	require.NoError(t, err)
	assert.Empty(t, changes)
	assert.Equal(t, summary(p), summary(q))
	assert.Equal(t, p.From, q.From)
	// Missed strength sessions do not reshape the running.
	skip = map[string]bool{}
	for _, w := range p.Workouts() {
		if w.Kind == KindStrength && w.Date.Before(today) {
			skip[w.ID] = true
		}
	}
	require.GreaterOrEqual(t, len(skip), 3)
	_, changes, err = Adapt(p, done(p, p.From, today, skip, nil), today)
	require.NoError(t, err)
	assert.Empty(t, changes)
}

func TestAdaptAfterMissedWorkouts(t *testing.T) {
	p := halfPlan(t)
	today := day(t, "2026-03-23") // Monday of week 4
	// Week 3 (16–22 March): only the long run done.
	skip := map[string]bool{}
	for _, w := range p.Weeks[2].Workouts {
		if w.Kind != KindLong && w.Kind != KindRest {
			skip[w.ID] = true
		}
	}
	sessions := done(p, p.From, today, skip, nil)
	q, changes, err := Adapt(p, sessions, today)
	require.NoError(t, err)
	require.NotEmpty(t, changes)
	assert.Equal(t, "plan.adapt.missed", changes[0].Key)
	runs := 0
	for id := range skip {
		if isSport(workoutByID(p, id).Kind) {
			runs++
		}
	}
	assert.Equal(t, runs, changes[0].Params["missed"], "strength is not counted")
	assert.Equal(t, today, q.From)
	assert.Equal(t, p.Created, q.Created)
	requireSafe(t, q)
	// The weeks before today are kept; the rest restarts lower.
	assert.Equal(t, p.Weeks[:3], q.Weeks[:3])
	assert.Less(t, q.Weeks[3].Minutes, p.Weeks[3].Minutes)
	want := (sessionMinutes(sessions, p, day(t, "2026-03-09"), today)) / 2
	assert.InDelta(t, want, q.Athlete.WeeklyMinutes, 0.01)
	assert.Equal(t, p.End, q.End)
}

func sessionMinutes(ss []Session, p Plan, from, to Date) float64 {
	t := 0.0
	for _, s := range ss {
		d := DateOf(s.Start, p.Location)
		if !d.Before(from) && d.Before(to) && s.Sport == "run" {
			t += s.Minutes
		}
	}
	return t
}

func TestAdaptAfterALoadSpike(t *testing.T) {
	p := halfPlan(t)
	today := day(t, "2026-03-23")
	long := find(t, p, KindLong, day(t, "2026-03-16"))
	sessions := done(p, p.From, today, nil, map[string]float64{long.ID: 1.6})
	q, changes, err := Adapt(p, sessions, today)
	require.NoError(t, err)
	require.NotEmpty(t, changes)
	c := changes[0]
	assert.Equal(t, "plan.adapt.spike", c.Key)
	assert.Equal(t, "session", c.Params["kind"])
	assert.Equal(t, "s-"+long.ID, c.Params["session"])
	assert.Greater(t, c.Params["ratio"], 1.10)
	assert.True(t, q.Weeks[3].Recovery, "the week after the spike is lighter")
	assert.LessOrEqual(t, q.Weeks[3].Minutes, p.Weeks[3].Minutes)
	// The spike does not raise the session reference.
	assert.Less(t, q.Athlete.LongestMinutes, 1.6*float64(long.Minutes))
	requireSafe(t, q)
}

func TestAdaptAfterExtraSessions(t *testing.T) {
	p := halfPlan(t)
	today := day(t, "2026-03-23")
	sessions := done(p, p.From, today, nil, nil)
	// A modest extra run: counted, nothing changes.
	extra := Session{ID: "extra", Sport: "run", Start: day(t, "2026-03-20").In(p.Location).Add(7 * time.Hour), Minutes: 25}
	q, changes, err := Adapt(p, append(sessions, extra), today)
	require.NoError(t, err)
	assert.Empty(t, changes)
	assert.Equal(t, summary(p), summary(q))
	assert.Equal(t, p.From, q.From)
	assert.Contains(t, Match(p, append(sessions, extra)).Extra, "extra")
	// Extra runs every morning: the week's volume spikes.
	more := sessions
	for d := day(t, "2026-03-16"); d.Before(today); d = d.AddDays(1) {
		more = append(more, Session{ID: "x" + d.String(), Sport: "run", Start: d.In(p.Location).Add(6 * time.Hour), Minutes: 45})
	}
	q, changes, err = Adapt(p, more, today)
	require.NoError(t, err)
	require.NotEmpty(t, changes)
	assert.Equal(t, "plan.adapt.spike", changes[0].Key)
	assert.Equal(t, "week", changes[0].Params["kind"])
	assert.True(t, q.Weeks[3].Recovery)
	requireSafe(t, q)
}

func TestReschedule(t *testing.T) {
	p := halfPlan(t)
	today := day(t, "2026-03-25") // a Wednesday
	sessions := done(p, p.From, today, nil, nil)
	s := Schedule{Days: []time.Weekday{mon, thu, sat}, MaxMinutes: 100}
	q, changes, err := Reschedule(p, s, sessions, today)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	assert.Equal(t, "plan.adapt.schedule", changes[0].Key)
	assert.Equal(t, []string{"Monday", "Thursday", "Saturday"}, changes[0].Params["days"])
	assert.Equal(t, today, q.From)
	requireSafe(t, q)
	for _, w := range q.Workouts() {
		switch {
		case w.Date.Before(today):
			assert.Equal(t, workoutByID(p, w.ID), w, "kept")
		case w.Kind != KindRest && w.Kind != KindRace:
			assert.Contains(t, s.Days, w.Date.Weekday(), w.ID)
		}
	}
	// This week's Tuesday is kept as it was, with today's new shape after it.
	assert.Equal(t, p.Weeks[3].Workouts[1], q.Weeks[3].Workouts[1])

	// A schedule that cannot hold the goal, and one that is invalid.
	_, _, err = Reschedule(p, Schedule{Days: []time.Weekday{sun}, MaxMinutes: 30}, sessions, today)
	var inf *InfeasibleError
	require.ErrorAs(t, err, &inf)
	_, _, err = Reschedule(p, Schedule{Days: nil, MaxMinutes: 60}, sessions, today)
	var fe *fielderr.Error
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, "schedule.days", fe.Field)
}

func TestAdaptBadDay(t *testing.T) {
	p := halfPlan(t)
	for _, d := range []Date{{}, p.Created.AddDays(-1), p.End.AddDays(1)} {
		_, _, err := Adapt(p, nil, d)
		var fe *fielderr.Error
		require.True(t, errors.As(err, &fe), "%s", d)
		assert.Equal(t, "today", fe.Field)
	}
}
