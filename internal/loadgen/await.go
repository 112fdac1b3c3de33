package loadgen

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Counter runs a query that answers one row: a pool or a connection.
type Counter interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// AwaitCount waits (up to a minute) until count, a query that counts the
// rows of ids ($1), counts every one of them: a module (named in errors as
// what) has applied the events that made them, e.g. the readers'
// registrations in its read model.
func AwaitCount(ctx context.Context, db Counter, what, count string, ids []uuid.UUID) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		var n int
		err := db.QueryRow(ctx, count, ids).Scan(&n)
		switch {
		case err != nil:
			return fmt.Errorf("%s: %w", what, err)
		case n == len(ids):
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %d of %d: %w", what, n, len(ids), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
