package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// SaveUserName keeps a user's display name in the names read model, if
// at is newer than the name kept (an older event changes nothing) and
// the user was not deleted.
func SaveUserName(ctx context.Context, tx pgx.Tx, user uuid.UUID, name string, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO social.users (user_id, display_name, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name, updated_at = excluded.updated_at
		WHERE NOT social.users.deleted AND social.users.updated_at < excluded.updated_at`, user, name, at)
	if err != nil {
		return fmt.Errorf("store: save user name: %w", err)
	}
	return nil
}

// LockUserFacts takes user's facts lock for the rest of tx, shared: the
// writers of what a user's own facts make (feed cards, notifications and
// their system messages in the chats) take it before they read whether
// the account was deleted, and the erasure takes it exclusive
// (MarkUserDeleted, its first step). A fact applied while the account is
// erased (separate consumers, maybe at once) either commits first and is
// erased with the rest, or waits and finds the account deleted.
func LockUserFacts(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(`+userFactsKey+`)`, user); err != nil {
		return fmt.Errorf("store: lock the user's facts: %w", err)
	}
	return nil
}

// userFactsKey is the advisory lock key of the user $1's facts.
const userFactsKey = `hashtextextended('social.user_facts:' || $1::text, 0)`

// MarkUserDeleted forgets a user's name and remembers the account is gone
// (for good: no later event brings the name back). It takes the user's
// facts lock exclusive first (LockUserFacts), for the rest of the
// erasure's transaction: call it before the erasure takes other locks.
func MarkUserDeleted(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+userFactsKey+`)`, user); err != nil {
		return fmt.Errorf("store: lock the user's facts: %w", err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO social.users (user_id, display_name, deleted) VALUES ($1, '', true)
		ON CONFLICT (user_id) DO UPDATE SET display_name = '', deleted = true`, user)
	if err != nil {
		return fmt.Errorf("store: mark user deleted: %w", err)
	}
	return nil
}

// UserDeleted reports whether the user's account was deleted.
func UserDeleted(ctx context.Context, q Querier, user uuid.UUID) (bool, error) {
	var deleted bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM social.users WHERE user_id = $1 AND deleted)`, user).Scan(&deleted)
	if err != nil {
		return false, fmt.Errorf("store: user deleted: %w", err)
	}
	return deleted, nil
}

// ForgetUser removes a deleted user's bans and requests in every group.
func ForgetUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `DELETE FROM social.join_requests WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("store: forget user: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM social.bans WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("store: forget user: %w", err)
	}
	return nil
}
