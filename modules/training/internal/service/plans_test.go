package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/plan"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/storage/pgtest"
)

// The daily adaptation reshapes a plan whose workouts were missed without
// any session recorded (no event comes then), looks at each plan once a
// day, and makes an adaptation once for its cause.
func TestDailyPlanAdaptation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s := service.New(pool, nil, nil, nil, nil)
	ana, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	req := plan.Request{Sport: "run", Goal: plan.Goal{Kind: plan.GoalVolume, WeeklyMinutes: 90, Weeks: 10},
		Schedule: plan.Schedule{Days: []time.Weekday{time.Monday, time.Wednesday, time.Friday, time.Saturday}, MaxMinutes: 60}}
	p, err := s.CreatePlan(ctx, ana, req)
	require.NoError(t, err)
	_, err = s.CreatePlan(ctx, bob, req)
	require.NoError(t, err)
	// Ana's plan began two weeks ago (workout ids are their dates and
	// places): every workout of those weeks was missed.
	_, err = pool.Exec(ctx, `UPDATE training.plans SET start_day = start_day - 14, from_day = from_day - 14, end_day = end_day - 14,
		weeks = (SELECT jsonb_agg(w || jsonb_build_object('monday', ((w->>'monday')::date - 14)::text)) FROM jsonb_array_elements(weeks) w)
		WHERE id = $1`, p.ID)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE training.plan_workouts SET day = day - 14, id = to_char(day - 14, 'YYYY-MM-DD') || substr(id, 11) WHERE plan_id = $1`, p.ID)
	require.NoError(t, err)

	n, err := s.AdaptPlans(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "both active plans looked at")
	got, err := s.GetPlan(ctx, ana, uuid.MustParse(p.ID), plan.Date{}, plan.Date{})
	require.NoError(t, err)
	require.Len(t, got.Changes, 1)
	assert.Equal(t, "plan.adapt.missed", got.Changes[0].Explanations[0].Key)
	bobs, err := s.ListPlans(ctx, bob, 0, "")
	require.NoError(t, err)
	bobPlan, err := s.GetPlan(ctx, bob, uuid.MustParse(bobs.Items[0].ID), plan.Date{}, plan.Date{})
	require.NoError(t, err)
	assert.Empty(t, bobPlan.Changes, "nothing to adapt in a plan that starts today")

	n, err = s.AdaptPlans(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "once a day")

	// Looked at again (another day, the same missed workouts): no second change.
	_, err = pool.Exec(ctx, `UPDATE training.plans SET checked_on = NULL`)
	require.NoError(t, err)
	n, err = s.AdaptPlans(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	again, err := s.GetPlan(ctx, ana, uuid.MustParse(p.ID), plan.Date{}, plan.Date{})
	require.NoError(t, err)
	assert.Len(t, again.Changes, 1)
	assert.Equal(t, got.Weeks, again.Weeks)

	// Not another user's plan: GetPlan is not_found for bob.
	_, err = s.GetPlan(ctx, bob, uuid.MustParse(p.ID), plan.Date{}, plan.Date{})
	require.Error(t, err)
}
