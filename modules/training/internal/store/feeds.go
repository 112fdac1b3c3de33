package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// SetPlanFeed keeps the hash of a plan's new calendar feed token,
// replacing the old one.
func SetPlanFeed(ctx context.Context, q storage.Querier, user, plan uuid.UUID, tokenHash []byte) error {
	if _, err := q.Exec(ctx, `INSERT INTO training.plan_feeds (plan_id, user_id, token_hash) VALUES ($1, $2, $3)
		ON CONFLICT (plan_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now()`, plan, user, tokenHash); err != nil {
		return fmt.Errorf("store: set plan feed: %w", err)
	}
	return nil
}

// DeletePlanFeed forgets a plan's calendar feed; false when it had none.
func DeletePlanFeed(ctx context.Context, q storage.Querier, user, plan uuid.UUID) (bool, error) {
	tag, err := q.Exec(ctx, `DELETE FROM training.plan_feeds WHERE plan_id = $1 AND user_id = $2`, plan, user)
	if err != nil {
		return false, fmt.Errorf("store: delete plan feed: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// PlanOfFeed finds the plan and its owner of a feed token's hash; ok is
// false for an unknown one.
func PlanOfFeed(ctx context.Context, q storage.Querier, tokenHash []byte) (user, plan uuid.UUID, ok bool, err error) {
	err = q.QueryRow(ctx, `SELECT user_id, plan_id FROM training.plan_feeds WHERE token_hash = $1`, tokenHash).Scan(&user, &plan)
	if errors.Is(err, pgx.ErrNoRows) {
		return user, plan, false, nil
	}
	if err != nil {
		return user, plan, false, fmt.Errorf("store: plan of feed: %w", err)
	}
	return user, plan, true, nil
}
