package store_test

import (
	"context"
	"crypto/md5"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage/pgtest"
)

func TestExercisesContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())

	// The catalogue: stable ids (md5 of the key) and keys, for everyone.
	squatID := uuid.UUID(md5.Sum([]byte("athlos/exercise/back_squat")))
	squat, err := store.Exercise(ctx, pool, bob, squatID)
	require.NoError(t, err)
	require.NotNil(t, squat.Key)
	assert.Equal(t, "back_squat", *squat.Key)
	assert.Nil(t, squat.User)
	catalogue, err := store.Exercises(ctx, pool, ana, uuid.Nil, false, "", 100)
	require.NoError(t, err)
	assert.Len(t, catalogue, 59)
	for i := 1; i < len(catalogue); i++ {
		assert.Less(t, catalogue[i-1].ID.String(), catalogue[i].ID.String(), "by id")
	}
	after, err := store.Exercises(ctx, pool, ana, catalogue[9].ID, false, "", 100)
	require.NoError(t, err)
	assert.Equal(t, catalogue[10:], after, "after a cursor")
	calves, err := store.Exercises(ctx, pool, ana, uuid.Nil, false, "calves", 100)
	require.NoError(t, err)
	assert.NotEmpty(t, calves)
	for _, e := range calves {
		assert.Contains(t, e.MuscleGroups, "calves")
	}

	// Own exercises: the owner's only.
	mine := store.ExerciseRow{ID: uuid.Must(uuid.NewV7()), User: &ana, Name: "Zercher squat", MuscleGroups: []string{"quadriceps"},
		Equipment: "barbell", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	require.NoError(t, store.InsertExercise(ctx, pool, mine))
	got, err := store.Exercise(ctx, pool, ana, mine.ID)
	require.NoError(t, err)
	assert.Equal(t, mine.Name, got.Name)
	_, err = store.Exercise(ctx, pool, bob, mine.ID)
	assert.ErrorIs(t, err, store.ErrNotFound)
	own, err := store.Exercises(ctx, pool, ana, uuid.Nil, true, "", 100)
	require.NoError(t, err)
	require.Len(t, own, 1)
	n, err := store.CountOwnExercises(ctx, pool, ana)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	usable, err := store.UsableExercises(ctx, pool, bob, []uuid.UUID{mine.ID, squatID})
	require.NoError(t, err)
	assert.Equal(t, map[uuid.UUID]bool{squatID: true}, usable)

	name := "Zercher"
	_, err = store.UpdateExercise(ctx, pool, bob, mine.ID, store.ExerciseChange{Name: &name})
	assert.ErrorIs(t, err, store.ErrNotFound, "another user's")
	_, err = store.UpdateExercise(ctx, pool, ana, squatID, store.ExerciseChange{Name: &name})
	assert.ErrorIs(t, err, store.ErrNotFound, "the catalogue's")
	got, err = store.UpdateExercise(ctx, pool, ana, mine.ID, store.ExerciseChange{Name: &name})
	require.NoError(t, err)
	assert.Equal(t, "Zercher", got.Name)
	assert.Equal(t, []string{"quadriceps"}, got.MuscleGroups)

	// A session's exercises and sets, read back with the session.
	session := newSession(t, pool, store.NewSession{User: ana, Sport: "strength"})
	reps, kg, rest := 5, 100.0, 120.0
	list := []store.SessionExercise{
		{ExerciseID: squatID, Notes: "deep", Sets: []store.SessionSet{{Reps: &reps, WeightKg: &kg, RestS: &rest}, {Warmup: true}}},
		{ExerciseID: mine.ID, Sets: []store.SessionSet{}},
	}
	inTx(t, pool, func(tx pgx.Tx) error { return store.ReplaceSessionExercises(ctx, tx, session, list) })
	row, err := store.Session(ctx, pool, ana, session)
	require.NoError(t, err)
	assert.Equal(t, list, row.Exercises)
	assert.ErrorIs(t, store.DeleteExercise(ctx, pool, ana, mine.ID), store.ErrInUse)
	inTx(t, pool, func(tx pgx.Tx) error { return store.ReplaceSessionExercises(ctx, tx, session, list[:1]) })
	row, err = store.Session(ctx, pool, ana, session)
	require.NoError(t, err)
	assert.Equal(t, list[:1], row.Exercises, "replaced")

	assert.ErrorIs(t, store.DeleteExercise(ctx, pool, bob, mine.ID), store.ErrNotFound)
	assert.ErrorIs(t, store.DeleteExercise(ctx, pool, ana, squatID), store.ErrNotFound)
	require.NoError(t, store.DeleteExercise(ctx, pool, ana, mine.ID))
	require.NoError(t, store.InsertExercise(ctx, pool, store.ExerciseRow{ID: uuid.Must(uuid.NewV7()), User: &ana, Name: "x",
		MuscleGroups: []string{"core"}, Equipment: "other", CreatedAt: time.Now()}))
	require.NoError(t, store.DeleteUserSessions(ctx, pool, ana))
	require.NoError(t, store.DeleteUserExercises(ctx, pool, ana))
	n, err = store.CountOwnExercises(ctx, pool, ana)
	require.NoError(t, err)
	assert.Zero(t, n)
	_, err = store.Exercise(ctx, pool, ana, squatID)
	assert.NoError(t, err, "the catalogue stays")
}

func TestVerdictContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := uuid.Must(uuid.NewV7())
	id := newSession(t, pool, store.NewSession{User: ana})
	row, err := store.Session(ctx, pool, ana, id)
	require.NoError(t, err)
	assert.True(t, row.Plausible, "plausible until judged")
	inTx(t, pool, func(tx pgx.Tx) error { return store.SetVerdict(ctx, tx, id, false, "impossible_speed") })
	row, err = store.Session(ctx, pool, ana, id)
	require.NoError(t, err)
	assert.False(t, row.Plausible)
	assert.Equal(t, "impossible_speed", row.ImplausibleReason)
	inTx(t, pool, func(tx pgx.Tx) error { return store.SetVerdict(ctx, tx, id, true, "") })
	row, err = store.Session(ctx, pool, ana, id)
	require.NoError(t, err)
	assert.True(t, row.Plausible)
	assert.Empty(t, row.ImplausibleReason)
}
