package service

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/storage/pgtest"
)

func newService(pool *pgxpool.Pool) *Service {
	s := New(pool, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	s.backfillBatch = 2
	return s
}

func count(t *testing.T, pool *pgxpool.Pool, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

// A backfill goes through the users in batches; one that stopped halfway
// (the process died after a batch) is picked up where it stopped by
// another process, and a request while it runs gets the same run; a
// second run unlocks nothing again, and each unlock is published once.
func TestBackfillResumesAndUnlocksOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	first := newService(pool)
	start := time.Date(2026, 5, 4, 7, 0, 0, 0, time.UTC)
	var ids []string
	var events []activity.Event
	for range 5 {
		user, session := uuid.New(), uuid.New()
		events = append(events, activity.Event{SessionID: session, UserID: user, Revision: 1, Session: &activity.Session{ID: session,
			UserID: user, Sport: "ride", StartedAt: start, CompletedAt: start.Add(time.Hour), DistanceM: 20_000, Plausible: true}})
		ids = append(ids, uuid.NewString())
	}
	require.NoError(t, activity.ApplyOnce(ctx, pool, ids, events, []activity.Applier{first}))

	_, err := first.Create(ctx, api.AchievementDefinition{ID: "ride_15k_total", Name: "15 km of rides",
		Rule: api.AchievementRule{Metric: "distance_m", Sport: "ride", Tiers: []api.AchievementTier{{Name: "bronze", Threshold: 15_000, Points: 5}}}})
	require.NoError(t, err)
	unlocks := func() int {
		return count(t, pool, `SELECT count(*) FROM gamification.user_achievements WHERE achievement_id = 'ride_15k_total'`)
	}
	assert.Zero(t, unlocks(), "history needs the backfill")

	admin := uuid.New()
	run, err := first.StartBackfill(ctx, admin, "ride_15k_total")
	require.NoError(t, err)
	worked, err := first.BackfillStep(ctx)
	require.NoError(t, err)
	require.True(t, worked)
	assert.Equal(t, 2, unlocks(), "one batch, then the process died")

	again, err := first.StartBackfill(ctx, admin, "ride_15k_total")
	require.NoError(t, err)
	assert.Equal(t, run.ID, again.ID, "the run going on")

	second := newService(pool)
	for {
		worked, err := second.BackfillStep(ctx)
		require.NoError(t, err)
		if !worked {
			break
		}
	}
	assert.Equal(t, 5, unlocks())
	list, err := second.AdminGet(ctx, "ride_15k_total")
	require.NoError(t, err)
	require.NotNil(t, list.Backfill)
	assert.Equal(t, "done", list.Backfill.State)
	assert.Equal(t, 5, list.Backfill.Users)
	assert.Equal(t, 5, list.Backfill.Unlocked)
	assert.Equal(t, 5, list.Unlocks)

	rerun, err := second.StartBackfill(ctx, admin, "ride_15k_total")
	require.NoError(t, err)
	assert.NotEqual(t, run.ID, rerun.ID)
	for {
		worked, err := second.BackfillStep(ctx)
		require.NoError(t, err)
		if !worked {
			break
		}
	}
	list, err = second.AdminGet(ctx, "ride_15k_total")
	require.NoError(t, err)
	assert.Equal(t, 0, list.Backfill.Unlocked)
	assert.Equal(t, 5, unlocks())
	assert.Equal(t, 5, count(t, pool, `SELECT count(*) FROM gamification.outbox WHERE subject = $1
		AND convert_from(payload, 'UTF8')::jsonb->>'achievement_id' = 'ride_15k_total'`, api.EventAchievementUnlocked))
	assert.Equal(t, 5*5, count(t, pool, `SELECT coalesce(sum(points), 0) FROM gamification.user_achievements WHERE achievement_id = 'ride_15k_total'`))
	// Each user's points are their unlocks' (the default catalogue's too).
	assert.Zero(t, count(t, pool, `SELECT count(*) FROM gamification.achievement_users u
		WHERE points <> (SELECT coalesce(sum(points), 0) FROM gamification.user_achievements a WHERE a.user_id = u.user_id)`))
}
