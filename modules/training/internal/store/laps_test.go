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
	"github.com/athlos/athlos/storage/pgtest"
)

func TestLapsContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := uuid.Must(uuid.NewV7())
	id := newSession(t, pool, store.NewSession{User: ana})

	marks, err := store.LapMarks(ctx, pool, id)
	require.NoError(t, err)
	assert.Empty(t, marks)
	later, earlier := t0.Add(10*time.Minute), t0.Add(5*time.Minute)
	inTx(t, pool, func(tx pgx.Tx) error { return store.AddLapMarks(ctx, tx, id, []time.Time{later, earlier}) })
	inTx(t, pool, func(tx pgx.Tx) error { return store.AddLapMarks(ctx, tx, id, []time.Time{later}) }) // again: nothing changes
	inTx(t, pool, func(tx pgx.Tx) error { return store.AddLapMarks(ctx, tx, id, nil) })
	marks, err = store.LapMarks(ctx, pool, id)
	require.NoError(t, err)
	require.Len(t, marks, 2)
	assert.True(t, marks[0].Equal(earlier), "in time order")

	hr, max := 150.5, 171
	laps := []store.LapRow{
		{Index: 0, StartedAt: t0, ElapsedS: 300, MovingS: 290, DistanceM: 1000, AvgHRBpm: &hr, MaxHRBpm: &max, AvgSpeedMps: 1000 / 290.0},
		{Index: 1, StartedAt: earlier, ElapsedS: 300, MovingS: 300, DistanceM: 900, AvgSpeedMps: 3},
	}
	inTx(t, pool, func(tx pgx.Tx) error { return store.ReplaceLaps(ctx, tx, id, laps) })
	got, err := store.Laps(ctx, pool, id)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.True(t, got[0].StartedAt.Equal(t0))
	got[0].StartedAt, got[1].StartedAt = laps[0].StartedAt, laps[1].StartedAt
	assert.Equal(t, laps, got)
	inTx(t, pool, func(tx pgx.Tx) error { return store.ReplaceLaps(ctx, tx, id, laps[:1]) })
	got, err = store.Laps(ctx, pool, id)
	require.NoError(t, err)
	assert.Len(t, got, 1, "replaced")

	inTx(t, pool, func(tx pgx.Tx) error { return store.DeleteSession(ctx, tx, id) })
	got, err = store.Laps(ctx, pool, id)
	require.NoError(t, err)
	assert.Empty(t, got, "they go with the session")
	marks, err = store.LapMarks(ctx, pool, id)
	require.NoError(t, err)
	assert.Empty(t, marks)
}
