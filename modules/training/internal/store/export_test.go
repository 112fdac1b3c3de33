package store

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/storage"
)

// PointEWKB exposes pointEWKB to the tests.
var PointEWKB = pointEWKB

// InsertPoints stores points of one session in their own transaction and
// returns how many were new (see WritePoints), for the tests.
func InsertPoints(ctx context.Context, pool *pgxpool.Pool, session uuid.UUID, points []telemetry.Point) (int64, error) {
	var rows PointRows
	rows.Add(session, points)
	var n int64
	write := func(dedupe bool) error {
		return storage.InTx(ctx, pool, func(tx pgx.Tx) error {
			var err error
			n, _, err = WritePoints(ctx, tx, rows, dedupe)
			return err
		})
	}
	err := write(false)
	if errors.Is(err, ErrDuplicatePoint) {
		err = write(true)
	}
	return n, err
}
