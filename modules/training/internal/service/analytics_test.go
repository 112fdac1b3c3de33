package service_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// finishedRun stores a finished run of n points at speed m/s, with its
// summary and points but no analytics figures (as before the read model).
func finishedRun(t *testing.T, pool *pgxpool.Pool, user uuid.UUID, start time.Time, n int, speed float64) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	id := uuid.Must(uuid.NewV7())
	hr := 150
	pts := make([]telemetry.Point, n)
	for i := range pts {
		pts[i] = telemetry.Point{T: start.Add(time.Duration(i) * time.Second), Lat: 52.5 + float64(i)*speed/111_257.0, Lon: 13.4, HR: &hr}
	}
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		return store.InsertSession(ctx, tx, store.NewSession{ID: id, User: user, Sport: "run", Visibility: "private", StartedAt: start})
	}))
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		var rows store.PointRows
		rows.Add(id, pts)
		if _, _, err := store.WritePoints(ctx, tx, rows, false); err != nil {
			return err
		}
		end := pts[n-1].T
		if err := store.SetState(ctx, tx, id, session.Finished, &end); err != nil {
			return err
		}
		avg := 150.0
		return store.SetSummary(ctx, tx, id, store.Summary{DistanceM: float64(n-1) * speed, ElapsedTimeS: float64(n - 1),
			MovingTimeS: float64(n - 1), AvgHRBpm: &avg})
	}))
	return id
}

// Sessions finished before the read model existed get their figures at
// the next start, without record events (their records are history); a
// second run finds nothing to do.
func TestBackfillAnalytics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s := service.New(pool, nil, nil, nil, nil)
	ana := uuid.New()
	slow := finishedRun(t, pool, ana, time.Now().Add(-50*time.Hour).UTC().Truncate(time.Second), 600, 3)
	fast := finishedRun(t, pool, ana, time.Now().Add(-26*time.Hour).UTC().Truncate(time.Second), 600, 4)
	s.BackfillAnalytics(slog.New(slog.DiscardHandler))(ctx)
	for _, id := range []uuid.UUID{slow, fast} {
		rev, ok, err := store.FiguresRevision(ctx, pool, id)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, int64(1), rev)
	}
	records, err := store.Records(ctx, pool, ana, uuid.Nil, []float64{1000})
	require.NoError(t, err)
	require.Len(t, records, 1)
	assert.Equal(t, fast, records[0].SessionID)
	var events int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM training.outbox WHERE subject = 'evt.training.record.set'`).Scan(&events))
	assert.Zero(t, events, "a backfill announces no record")

	// An event newer than the backfill computes again; an old one (a
	// consumer catching up) sets the record without an event.
	faster := finishedRun(t, pool, ana, time.Now().Add(-3*time.Hour).UTC().Truncate(time.Second), 600, 5)
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		return s.ApplySessionEvent(ctx, tx, service.SessionEvent{Kind: service.SessionCompleted, Session: faster, User: ana,
			Revision: time.Now().UnixNano(), Published: time.Now().Add(-2 * time.Hour)})
	}))
	records, err = store.Records(ctx, pool, ana, uuid.Nil, []float64{1000})
	require.NoError(t, err)
	assert.Equal(t, faster, records[0].SessionID)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM training.outbox WHERE subject = 'evt.training.record.set'`).Scan(&events))
	assert.Zero(t, events, "an event two hours old")
	fastest := finishedRun(t, pool, ana, time.Now().Add(-2*time.Hour).UTC().Truncate(time.Second), 600, 6)
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		return s.ApplySessionEvent(ctx, tx, service.SessionEvent{Kind: service.SessionCompleted, Session: fastest, User: ana,
			Revision: time.Now().UnixNano(), Published: time.Now()})
	}))
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM training.outbox WHERE subject = 'evt.training.record.set'`).Scan(&events))
	assert.Equal(t, 1, events, "a new event")
	s.BackfillAnalytics(slog.New(slog.DiscardHandler))(ctx)
	rev, _, err := store.FiguresRevision(ctx, pool, fastest)
	require.NoError(t, err)
	assert.Greater(t, rev, int64(1), "the backfill leaves computed sessions alone")
}
