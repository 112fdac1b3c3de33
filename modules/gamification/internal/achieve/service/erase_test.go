package service

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// A record or a completed challenge of a user erased before the event
// arrives makes no state row, unlocks nothing and publishes nothing; the
// same events of a user not erased unlock.
func TestLateCountsOfAnErasedUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s := newService(pool)
	at := time.Date(2026, 5, 4, 7, 0, 0, 0, time.UTC)
	gone, kept := uuid.New(), uuid.New()
	counts := func(u uuid.UUID) error {
		return storage.InTx(ctx, pool, func(tx pgx.Tx) error {
			if err := s.AddRecords(ctx, tx, u, 1, uuid.New(), at); err != nil {
				return err
			}
			return s.AddChallenge(ctx, tx, u, at)
		})
	}
	require.NoError(t, counts(gone))
	require.Equal(t, 2, count(t, pool, `SELECT count(*) FROM gamification.user_achievements WHERE user_id = $1`, gone))
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		return activity.EraseUser(ctx, tx, gone, at, []activity.Eraser{s})
	}))
	published := func(u uuid.UUID) int {
		return count(t, pool, `SELECT count(*) FROM gamification.outbox
			WHERE subject = 'evt.gamification.achievement.unlocked' AND convert_from(payload, 'UTF8')::jsonb->>'user_id' = $1`, u.String())
	}
	before := published(gone)

	require.NoError(t, counts(gone), "late events are dropped, not errors")
	assert.Zero(t, count(t, pool, `SELECT count(*) FROM gamification.achievement_users WHERE user_id = $1`, gone), "no state made again")
	assert.Zero(t, count(t, pool, `SELECT count(*) FROM gamification.user_achievements WHERE user_id = $1`, gone))
	assert.Equal(t, before, published(gone), "no unlock published")

	require.NoError(t, counts(kept))
	assert.Equal(t, 2, count(t, pool, `SELECT count(*) FROM gamification.user_achievements WHERE user_id = $1`, kept))
	assert.Equal(t, 2, published(kept))
}
