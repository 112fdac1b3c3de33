package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/storage/pgtest"
)

// Sessions left open with no point for the idle time are closed: finished
// at their last point with their figures (and the completed event), or
// discarded when they have none; others are left alone, and a second
// sweep changes nothing.
func TestCloseIdleSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s := service.New(pool, nil, nil, nil, nil)
	user := uuid.Must(uuid.NewV7())
	now := time.Now().UTC().Truncate(time.Second)
	newSession := func(startedAt time.Time, points []telemetry.Point) uuid.UUID {
		return openSession(t, pool, user, startedAt, points, func(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
			if len(points) == 0 {
				return nil
			}
			_, err := tx.Exec(ctx, `UPDATE training.sessions SET last_point_at = $2 WHERE id = $1`, id, points[len(points)-1].T)
			return err
		})
	}
	track := func(end time.Time, n int) []telemetry.Point {
		out := make([]telemetry.Point, n)
		for i := range out {
			out[i] = telemetry.Point{T: end.Add(time.Duration(i-n+1) * time.Second), Lat: 52.5 + float64(i)*3/111_257.0, Lon: 13.4}
		}
		return out
	}
	forgotten := newSession(now.Add(-5*time.Hour), track(now.Add(-3*time.Hour), 600))
	empty := newSession(now.Add(-5*time.Hour), nil)
	running := newSession(now.Add(-5*time.Hour), track(now.Add(-time.Minute), 600))
	fresh := newSession(now.Add(-time.Minute), nil)

	n, err := s.CloseIdleSessions(ctx, 2*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	state := func(id uuid.UUID) (string, *time.Time) {
		row, err := store.Session(ctx, pool, user, id)
		require.NoError(t, err)
		return row.State, row.FinishedAt
	}
	st, finishedAt := state(forgotten)
	assert.Equal(t, "finished", st)
	require.NotNil(t, finishedAt)
	assert.Equal(t, now.Add(-3*time.Hour), finishedAt.UTC(), "finished at its last point")
	row, err := store.Session(ctx, pool, user, forgotten)
	require.NoError(t, err)
	require.NotNil(t, row.Summary)
	assert.InDelta(t, 599*3, row.Summary.DistanceM, 599*3*0.005)
	st, _ = state(empty)
	assert.Equal(t, "discarded", st)
	st, _ = state(running)
	assert.Equal(t, "active", st)
	st, _ = state(fresh)
	assert.Equal(t, "active", st)
	var events int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM training.outbox WHERE subject = 'evt.training.session.completed'`).Scan(&events))
	assert.Equal(t, 1, events)

	n, err = s.CloseIdleSessions(ctx, 2*time.Hour)
	require.NoError(t, err)
	assert.Zero(t, n)
}
