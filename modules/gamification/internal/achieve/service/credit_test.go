package service

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/storage/pgtest"
)

// A batch that rebuilds a user's state (it edits a session) names, on
// what it unlocks, the session that crossed the tier in start order (at
// its completion), not the batch's last change.
func TestRebuildCreditsTheSessionThatCrossed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s := newService(pool)
	_, err := s.Create(ctx, api.AchievementDefinition{ID: "ride_15k_total", Name: "15 km of rides",
		Rule: api.AchievementRule{Metric: "distance_m", Sport: "ride", Tiers: []api.AchievementTier{
			{Name: "bronze", Threshold: 15_000, Points: 5}, {Name: "silver", Threshold: 17_500, Points: 10}}}})
	require.NoError(t, err)
	user := uuid.New()
	day := time.Date(2026, 5, 4, 7, 0, 0, 0, time.UTC)
	ride := func(id uuid.UUID, rev int64, start time.Time, km float64) activity.Event {
		return activity.Event{SessionID: id, UserID: user, Revision: rev, Session: &activity.Session{ID: id, UserID: user,
			Sport: "ride", StartedAt: start, CompletedAt: start.Add(time.Hour), DistanceM: km * 1000, Plausible: true}}
	}
	first, mid, late := uuid.New(), uuid.New(), uuid.New()
	require.NoError(t, activity.ApplyOnce(ctx, pool, []string{uuid.NewString()}, []activity.Event{ride(first, 1, day, 10)},
		[]activity.Applier{s}))
	// One batch: a ride the day after, the first one edited (a rebuild),
	// and a short ride two days after, last. 11 km, 17 km, 18 km in start
	// order: bronze is the middle ride's, silver the last one's.
	require.NoError(t, activity.ApplyOnce(ctx, pool, []string{uuid.NewString(), uuid.NewString(), uuid.NewString()},
		[]activity.Event{ride(mid, 1, day.AddDate(0, 0, 1), 6), ride(first, 2, day, 11), ride(late, 1, day.AddDate(0, 0, 2), 1)},
		[]activity.Applier{s}))

	rows, err := pool.Query(ctx, `SELECT tier, session_id, unlocked_at FROM gamification.user_achievements
		WHERE user_id = $1 AND achievement_id = 'ride_15k_total' ORDER BY tier`, user)
	require.NoError(t, err)
	type unlock struct {
		Tier    int
		Session uuid.UUID
		At      time.Time
	}
	var got []unlock
	for rows.Next() {
		var u unlock
		require.NoError(t, rows.Scan(&u.Tier, &u.Session, &u.At))
		u.At = u.At.UTC()
		got = append(got, u)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []unlock{
		{1, mid, day.AddDate(0, 0, 1).Add(time.Hour)},
		{2, late, day.AddDate(0, 0, 2).Add(time.Hour)},
	}, got)
}
