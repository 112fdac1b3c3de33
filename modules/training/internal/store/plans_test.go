package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func testPlan(user uuid.UUID) store.Plan {
	long := 0
	return store.Plan{ID: uuid.Must(uuid.NewV7()), User: user, Sport: "run", TimeZone: "Europe/Berlin",
		Request: store.PlanRequest{Sport: "run", Goal: store.PlanGoal{Kind: "race", Distance: "10k", Date: "2027-01-31", TargetTimeS: 2700},
			Health:   store.PlanHealth{RestingHR: 50, Limitations: []string{"knee"}, Feeling: "tired"},
			Schedule: store.PlanSchedule{Days: []int{0, 2, 4}, MaxMinutes: 75, LongDay: &long}},
		Athlete: store.PlanAthlete{VDOT: 45.2, MaxHR: 190, WeeklyMinutes: 120, LongestMinutes: 55, LongestDate: "2026-11-20"},
		Start:   date(2026, 11, 26), From: date(2026, 11, 26), End: date(2027, 1, 31),
		Weeks: []store.PlanWeek{{Year: 2026, Number: 48, Monday: "2026-11-23", Phase: "base", Minutes: 100}},
		Notes: []store.Explanation{{Key: "plan.note.no_vdot", Params: map[string]any{"x": 1.0}}}}
}

// TestPlansContract: plans, their workouts and changes, one active plan per
// user, another user's plans out of reach, and the finished sessions plans
// read.
func TestPlansContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())

	first := testPlan(ana)
	var stored store.Plan
	inTx(t, pool, func(tx pgx.Tx) error {
		require.NoError(t, store.LockUserPlans(ctx, tx, ana))
		var err error
		stored, err = store.InsertPlan(ctx, tx, first)
		return err
	})
	assert.Equal(t, "active", stored.State)
	assert.Equal(t, first.Request, stored.Request, "the request reads back as written")
	assert.Equal(t, first.Athlete, stored.Athlete)
	assert.Equal(t, first.Weeks, stored.Weeks)
	assert.Equal(t, first.Notes, stored.Notes)
	assert.True(t, first.End.Equal(stored.End))

	// A second active plan of the same user is refused; replacing first works.
	second := testPlan(ana)
	err := storage.InTx(ctx, pool, func(tx pgx.Tx) error { _, err := store.InsertPlan(ctx, tx, second); return err })
	require.Error(t, err, "one active plan per user")
	inTx(t, pool, func(tx pgx.Tx) error {
		require.NoError(t, store.ReplaceActivePlan(ctx, tx, ana))
		_, err := store.InsertPlan(ctx, tx, second)
		return err
	})
	got, ok, err := store.GetPlan(ctx, pool, ana, first.ID, false)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "replaced", got.State)
	inTx(t, pool, func(tx pgx.Tx) error {
		active, ok, err := store.ActivePlan(ctx, tx, ana)
		require.True(t, ok)
		assert.Equal(t, second.ID, active.ID)
		_, ok, _ = store.ActivePlan(ctx, tx, bob)
		assert.False(t, ok, "bob has none")
		return err
	})

	// Bob reaches none of Ana's plans.
	_, ok, err = store.GetPlan(ctx, pool, bob, first.ID, false)
	require.NoError(t, err)
	assert.False(t, ok)
	deleted, err := store.DeletePlan(ctx, pool, bob, first.ID)
	require.NoError(t, err)
	assert.False(t, deleted)
	list, err := store.Plans(ctx, pool, bob, uuid.Nil, 10)
	require.NoError(t, err)
	assert.Empty(t, list)

	// Pages, newest first.
	list, err = store.Plans(ctx, pool, ana, uuid.Nil, 1)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, second.ID, list[0].ID)
	list, err = store.Plans(ctx, pool, ana, second.ID, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, first.ID, list[0].ID)

	// Workouts: replaced whole, read by day range, matched to sessions.
	session := uuid.Must(uuid.NewV7())
	ws := []store.PlanWorkout{
		{ID: "2026-11-26/0", Day: date(2026, 11, 26), Kind: "easy", Sport: "run", Minutes: 40,
			Targets: store.WorkoutTargets{Intensity: "E", DistanceKm: 7.1, PaceFastS: 330, PaceSlowS: 370, HRLow: 120, HRHigh: 150}},
		{ID: "2026-11-28/0", Day: date(2026, 11, 28), Kind: "tempo", Sport: "run", Minutes: 50, Targets: store.WorkoutTargets{WorkMinutes: 20, Reps: 2, RepMinutes: 10, Intensity: "T"}},
		{ID: "2026-11-29/0", Day: date(2026, 11, 29), Kind: "rest", Sport: "run"},
	}
	inTx(t, pool, func(tx pgx.Tx) error {
		require.NoError(t, store.ReplaceWorkouts(ctx, tx, second.ID, ws[:1]))
		return store.ReplaceWorkouts(ctx, tx, second.ID, ws)
	})
	all, err := store.PlanWorkouts(ctx, pool, second.ID, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, all, 3)
	assert.Equal(t, ws[0].Targets, all[0].Targets)
	assert.Nil(t, all[0].SessionID)
	some, err := store.PlanWorkouts(ctx, pool, second.ID, date(2026, 11, 27), date(2026, 11, 28))
	require.NoError(t, err)
	require.Len(t, some, 1)
	assert.Equal(t, "2026-11-28/0", some[0].ID)
	inTx(t, pool, func(tx pgx.Tx) error {
		return store.SetWorkoutSessions(ctx, tx, second.ID, map[string]uuid.UUID{"2026-11-26/0": session})
	})
	all, _ = store.PlanWorkouts(ctx, pool, second.ID, time.Time{}, time.Time{})
	require.NotNil(t, all[0].SessionID)
	assert.Equal(t, session, *all[0].SessionID)
	inTx(t, pool, func(tx pgx.Tx) error {
		return store.SetWorkoutSessions(ctx, tx, second.ID, map[string]uuid.UUID{"2026-11-28/0": session})
	})
	all, _ = store.PlanWorkouts(ctx, pool, second.ID, time.Time{}, time.Time{})
	assert.Nil(t, all[0].SessionID, "a match not given again is cleared")
	require.NotNil(t, all[1].SessionID)

	// Changes, in order; a new shape.
	inTx(t, pool, func(tx pgx.Tx) error {
		require.NoError(t, store.AddPlanChange(ctx, tx, second.ID, []store.Explanation{{Key: "plan.adapt.missed", Params: map[string]any{"missed": 3.0}}}))
		require.NoError(t, store.AddPlanChange(ctx, tx, second.ID, []store.Explanation{{Key: "plan.adapt.schedule"}}))
		shape := second
		shape.From, shape.End = date(2026, 12, 3), date(2027, 2, 7)
		shape.Weeks = append(shape.Weeks, store.PlanWeek{Year: 2026, Number: 49, Monday: "2026-11-30", Phase: "build", Recovery: true, Minutes: 80})
		return store.UpdatePlanShape(ctx, tx, shape)
	})
	changes, err := store.PlanChanges(ctx, pool, second.ID)
	require.NoError(t, err)
	require.Len(t, changes, 2)
	assert.Equal(t, []int{1, 2}, []int{changes[0].Seq, changes[1].Seq})
	assert.Equal(t, "plan.adapt.missed", changes[0].Explanations[0].Key)
	assert.Equal(t, 3.0, changes[0].Explanations[0].Params["missed"])
	got, _, _ = store.GetPlan(ctx, pool, ana, second.ID, false)
	assert.Len(t, got.Weeks, 2)
	assert.True(t, date(2027, 2, 7).Equal(got.End))
	assert.True(t, date(2026, 11, 26).Equal(got.Start), "the start stays")

	// Deleting a plan takes its workouts and changes.
	deleted, err = store.DeletePlan(ctx, pool, ana, second.ID)
	require.NoError(t, err)
	assert.True(t, deleted)
	all, _ = store.PlanWorkouts(ctx, pool, second.ID, time.Time{}, time.Time{})
	assert.Empty(t, all)
	changes, _ = store.PlanChanges(ctx, pool, second.ID)
	assert.Empty(t, changes)
	require.NoError(t, store.DeleteUserPlans(ctx, pool, ana))
	list, _ = store.Plans(ctx, pool, ana, uuid.Nil, 10)
	assert.Empty(t, list)
}

// TestFinishedSessionsContract: only the user's finished, plausible
// sessions started in the window, oldest first, with their figures and
// best efforts.
func TestFinishedSessionsContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	finished := func(user uuid.UUID, start time.Time, sum store.Summary) uuid.UUID {
		id := newSession(t, pool, store.NewSession{User: user, StartedAt: start})
		inTx(t, pool, func(tx pgx.Tx) error {
			end := start.Add(time.Hour)
			require.NoError(t, store.SetState(ctx, tx, id, "finished", &end))
			return store.SetSummary(ctx, tx, id, sum)
		})
		return id
	}
	a1 := finished(ana, t0, store.Summary{DistanceM: 5000, MovingTimeS: 1500, ElapsedTimeS: 1600,
		BestEfforts: []store.BestEffort{{Name: "5k", DistanceM: 5000, ElapsedS: 1480}}})
	a2 := finished(ana, t0.Add(-48*time.Hour), store.Summary{DistanceM: 3000, ElapsedTimeS: 1200})
	finished(ana, t0.Add(-30*24*time.Hour), store.Summary{DistanceM: 1000})
	finished(bob, t0, store.Summary{DistanceM: 9000})
	newSession(t, pool, store.NewSession{User: ana, StartedAt: t0.Add(time.Hour)}) // still open
	car := finished(ana, t0.Add(-24*time.Hour), store.Summary{DistanceM: 90_000, MovingTimeS: 3600})
	inTx(t, pool, func(tx pgx.Tx) error { return store.SetVerdict(ctx, tx, car, false, "impossible_speed") }) // left out

	got, err := store.FinishedSessions(ctx, pool, ana, t0.Add(-7*24*time.Hour), t0.Add(24*time.Hour))
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []uuid.UUID{a2, a1}, []uuid.UUID{got[0].ID, got[1].ID})
	assert.Equal(t, 1500.0, got[1].MovingS)
	assert.Equal(t, 5000.0, got[1].DistanceM)
	assert.Equal(t, []store.BestEffort{{Name: "5k", DistanceM: 5000, ElapsedS: 1480}}, got[1].BestEfforts)
	assert.Equal(t, 0.0, got[0].MovingS)
	assert.Equal(t, 1200.0, got[0].ElapsedS)
}

// TestDuePlansContract: the daily adaptation takes active plans not looked
// at that day and not past their last day, one at a time, skipping those
// another transaction holds.
func TestDuePlansContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	today := date(2026, 12, 1)
	active, replaced, ended := testPlan(uuid.Must(uuid.NewV7())), testPlan(uuid.Must(uuid.NewV7())), testPlan(uuid.Must(uuid.NewV7()))
	ended.End = date(2026, 11, 29)
	inTx(t, pool, func(tx pgx.Tx) error {
		for _, p := range []store.Plan{replaced, active, ended} {
			if _, err := store.InsertPlan(ctx, tx, p); err != nil {
				return err
			}
		}
		return store.ReplaceActivePlan(ctx, tx, replaced.User)
	})
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	due, ok, err := store.NextDuePlan(ctx, tx, today)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, store.DuePlan{ID: active.ID, User: active.User}, due)
	inTx(t, pool, func(other pgx.Tx) error {
		_, ok, err := store.NextDuePlan(ctx, other, today)
		assert.False(t, ok, "held by the first transaction")
		return err
	})
	require.NoError(t, store.MarkPlanChecked(ctx, tx, due.ID, today))
	require.NoError(t, tx.Commit(ctx))
	inTx(t, pool, func(tx pgx.Tx) error {
		_, ok, err := store.NextDuePlan(ctx, tx, today)
		assert.False(t, ok, "looked at today")
		due, ok, _ = store.NextDuePlan(ctx, tx, today.AddDate(0, 0, 1))
		assert.True(t, ok, "due again the next day")
		return err
	})
}
