package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/lap"
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
	pwr, cad := 251.5, 88.0
	laps := []lap.Lap{
		{Index: 0, Start: t0, ElapsedS: 300, MovingS: 290, DistanceM: 1000, AvgHRBpm: &hr, MaxHRBpm: &max, AvgSpeedMps: 1000 / 290.0,
			ElevationGainM: 12.5, ElevationLossM: 3, AvgPowerW: &pwr, AvgCadence: &cad},
		{Index: 1, Start: earlier, ElapsedS: 300, MovingS: 300, DistanceM: 900, AvgSpeedMps: 3},
	}
	inTx(t, pool, func(tx pgx.Tx) error { return store.ReplaceLaps(ctx, tx, id, laps) })
	got, err := store.Laps(ctx, pool, id)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.True(t, got[0].Start.Equal(t0))
	got[0].Start, got[1].Start = laps[0].Start, laps[1].Start
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
