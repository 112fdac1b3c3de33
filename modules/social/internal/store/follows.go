package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/social/internal/group"
)

// Follow states, as stored in social.follows.state.
const (
	FollowActive  = "active"
	FollowPending = "pending"
)

// LockUsers serialises the follow and block changes that touch any of
// users until tx ends (a transaction-scoped advisory lock per user, taken
// in one order so two never wait on each other).
func LockUsers(ctx context.Context, tx pgx.Tx, users ...uuid.UUID) error {
	sorted := slices.Clone(users)
	slices.SortFunc(sorted, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	for _, u := range slices.Compact(sorted) {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('social.follow:' || $1::text, 0))`, u); err != nil {
			return fmt.Errorf("store: lock users: %w", err)
		}
	}
	return nil
}

// UserKnown reports whether user is a registered account the names read
// model knows and that was not deleted.
func UserKnown(ctx context.Context, q Querier, user uuid.UUID) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM social.users WHERE user_id = $1 AND NOT deleted)`, user).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: user known: %w", err)
	}
	return ok, nil
}

// FollowState is follower's follow of followee: FollowActive,
// FollowPending, or "" when there is none.
func FollowState(ctx context.Context, q Querier, follower, followee uuid.UUID) (string, error) {
	var state string
	err := q.QueryRow(ctx, `SELECT state FROM social.follows WHERE follower_id = $1 AND followee_id = $2`, follower, followee).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: follow state: %w", err)
	}
	return state, nil
}

// SetFollow makes (or turns) follower's follow of followee into state,
// dated now.
func SetFollow(ctx context.Context, tx pgx.Tx, follower, followee uuid.UUID, state string) error {
	_, err := tx.Exec(ctx, `INSERT INTO social.follows (follower_id, followee_id, state) VALUES ($1, $2, $3)
		ON CONFLICT (follower_id, followee_id) DO UPDATE SET state = excluded.state, created_at = now()`, follower, followee, state)
	if err != nil {
		return fmt.Errorf("store: set follow: %w", err)
	}
	return nil
}

// DeleteFollow ends follower's follow (or request) of followee and
// returns the state it had ("" when there was none).
func DeleteFollow(ctx context.Context, tx pgx.Tx, follower, followee uuid.UUID) (string, error) {
	var state string
	err := tx.QueryRow(ctx, `DELETE FROM social.follows WHERE follower_id = $1 AND followee_id = $2 RETURNING state`,
		follower, followee).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: delete follow: %w", err)
	}
	return state, nil
}

// FollowRow is one follow: the other user with its name.
type FollowRow struct {
	UserID      uuid.UUID
	DisplayName string
	Since       time.Time
}

// GetFollow reads follower's follow of followee, with the follower's
// name. ErrNotFound when there is none.
func GetFollow(ctx context.Context, q Querier, follower, followee uuid.UUID) (FollowRow, error) {
	var f FollowRow
	err := q.QueryRow(ctx, `SELECT f.follower_id, coalesce(u.display_name, ''), f.created_at FROM social.follows f
		LEFT JOIN social.users u ON u.user_id = f.follower_id WHERE f.follower_id = $1 AND f.followee_id = $2`,
		follower, followee).Scan(&f.UserID, &f.DisplayName, &f.Since)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, ErrNotFound
	}
	if err != nil {
		return f, fmt.Errorf("store: get follow: %w", err)
	}
	return f, nil
}

// Followers returns up to limit of user's followers in state (or its
// requests: FollowPending), newest first, after the cursor.
func Followers(ctx context.Context, q Querier, user uuid.UUID, state string, after *group.TimeCursor, limit int) ([]FollowRow, error) {
	return follows(ctx, q, `SELECT f.follower_id, coalesce(u.display_name, ''), f.created_at FROM social.follows f
		LEFT JOIN social.users u ON u.user_id = f.follower_id
		WHERE f.followee_id = $1 AND f.state = $2 AND ($3::timestamptz IS NULL OR (f.created_at, f.follower_id) < ($3, $4))
		ORDER BY f.created_at DESC, f.follower_id DESC LIMIT $5`, user, state, after, limit)
}

// Following returns up to limit of the users user follows (in force),
// newest first, after the cursor.
func Following(ctx context.Context, q Querier, user uuid.UUID, after *group.TimeCursor, limit int) ([]FollowRow, error) {
	return follows(ctx, q, `SELECT f.followee_id, coalesce(u.display_name, ''), f.created_at FROM social.follows f
		LEFT JOIN social.users u ON u.user_id = f.followee_id
		WHERE f.follower_id = $1 AND f.state = $2 AND ($3::timestamptz IS NULL OR (f.created_at, f.followee_id) < ($3, $4))
		ORDER BY f.created_at DESC, f.followee_id DESC LIMIT $5`, user, FollowActive, after, limit)
}

func follows(ctx context.Context, q Querier, sql string, user uuid.UUID, state string, after *group.TimeCursor, limit int) ([]FollowRow, error) {
	at, from := afterArgs(after)
	rows, err := q.Query(ctx, sql, user, state, at, from, limit)
	if err != nil {
		return nil, fmt.Errorf("store: follows: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FollowRow, error) {
		var f FollowRow
		return f, r.Scan(&f.UserID, &f.DisplayName, &f.Since)
	})
	if err != nil {
		return nil, fmt.Errorf("store: follows: %w", err)
	}
	return out, nil
}

// PendingFollowers returns every user waiting for user's approval.
func PendingFollowers(ctx context.Context, tx pgx.Tx, user uuid.UUID) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `SELECT follower_id FROM social.follows WHERE followee_id = $1 AND state = 'pending'
		ORDER BY created_at, follower_id`, user)
	if err != nil {
		return nil, fmt.Errorf("store: pending followers: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// FollowPair is one follow, either way.
type FollowPair struct {
	Follower, Followee uuid.UUID
	State              string
}

// FollowsOf returns every follow and request user is in, either way.
func FollowsOf(ctx context.Context, tx pgx.Tx, user uuid.UUID) ([]FollowPair, error) {
	rows, err := tx.Query(ctx, `SELECT follower_id, followee_id, state FROM social.follows WHERE follower_id = $1 OR followee_id = $1
		ORDER BY follower_id, followee_id`, user)
	if err != nil {
		return nil, fmt.Errorf("store: follows of: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (FollowPair, error) {
		var p FollowPair
		return p, r.Scan(&p.Follower, &p.Followee, &p.State)
	})
}

// ApproveFollowers reads user's setting (false when it has never set it).
func ApproveFollowers(ctx context.Context, q Querier, user uuid.UUID) (bool, error) {
	var on bool
	err := q.QueryRow(ctx, `SELECT coalesce((SELECT approve_followers FROM social.settings WHERE user_id = $1), false)`, user).Scan(&on)
	if err != nil {
		return false, fmt.Errorf("store: approve followers: %w", err)
	}
	return on, nil
}

// SetApproveFollowers keeps user's setting.
func SetApproveFollowers(ctx context.Context, tx pgx.Tx, user uuid.UUID, on bool) error {
	_, err := tx.Exec(ctx, `INSERT INTO social.settings (user_id, approve_followers) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET approve_followers = excluded.approve_followers`, user, on)
	if err != nil {
		return fmt.Errorf("store: set approve followers: %w", err)
	}
	return nil
}

// ForgetSettings removes a deleted user's settings.
func ForgetSettings(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `DELETE FROM social.settings WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("store: forget settings: %w", err)
	}
	return nil
}

// NextFollowSeq numbers a follow or block event.
func NextFollowSeq(ctx context.Context, tx pgx.Tx) (int64, error) {
	var n int64
	if err := tx.QueryRow(ctx, `SELECT nextval('social.follow_seq')`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: follow seq: %w", err)
	}
	return n, nil
}
