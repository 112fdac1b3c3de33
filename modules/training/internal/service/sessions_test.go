package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/storage"
)

// openSession stores an open private run of user started at startedAt,
// with points, as the live ingest would, and returns its id; more, when
// given, runs in the same transaction.
func openSession(t *testing.T, pool *pgxpool.Pool, user uuid.UUID, startedAt time.Time, points []telemetry.Point,
	more func(ctx context.Context, tx pgx.Tx, id uuid.UUID) error) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	id := uuid.Must(uuid.NewV7())
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := store.InsertSession(ctx, tx, store.NewSession{ID: id, User: user, Sport: "run", Visibility: "private", StartedAt: startedAt}); err != nil {
			return err
		}
		var rows store.PointRows
		rows.Add(id, points)
		if _, _, err := store.WritePoints(ctx, tx, rows, false); err != nil {
			return err
		}
		if more != nil {
			return more(ctx, tx, id)
		}
		return nil
	}))
	return id
}
