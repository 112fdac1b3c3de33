package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// MarkUserDeleted records a deleted account and forgets its gear.
func MarkUserDeleted(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `INSERT INTO training.deleted_users (user_id) VALUES ($1) ON CONFLICT DO NOTHING`, user); err != nil {
		return fmt.Errorf("store: mark user deleted: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM training.gear WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("store: forget gear: %w", err)
	}
	return nil
}

// UserDeleted reports whether an account was deleted.
func UserDeleted(ctx context.Context, q storage.Querier, user uuid.UUID) (bool, error) {
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM training.deleted_users WHERE user_id = $1`, user).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: user deleted: %w", err)
	}
	return true, nil
}
