package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// RefreshToken is a stored refresh token.
type RefreshToken struct {
	Hash      []byte
	FamilyID  uuid.UUID
	UserID    uuid.UUID
	Role      string
	ExpiresAt time.Time
	RotatedAt *time.Time
	RevokedAt *time.Time
}

// InsertRefreshToken stores a refresh token of a family.
func InsertRefreshToken(ctx context.Context, q storage.Querier, hash []byte, family, user uuid.UUID, expires time.Time) error {
	_, err := q.Exec(ctx, `INSERT INTO client.refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES ($1, $2, $3, $4)`,
		hash, family, user, expires)
	if err != nil {
		return fmt.Errorf("store: insert refresh token: %w", err)
	}
	return nil
}

// LockRefreshToken reads a refresh token and locks its row for the
// transaction; ErrNotFound if unknown.
func LockRefreshToken(ctx context.Context, tx pgx.Tx, hash []byte) (RefreshToken, error) {
	var t RefreshToken
	err := tx.QueryRow(ctx, `SELECT r.token_hash, r.family_id, r.user_id, u.role, r.expires_at, r.rotated_at, r.revoked_at
		FROM client.refresh_tokens r JOIN client.users u ON u.id = r.user_id
		WHERE r.token_hash = $1 FOR UPDATE OF r`, hash).
		Scan(&t.Hash, &t.FamilyID, &t.UserID, &t.Role, &t.ExpiresAt, &t.RotatedAt, &t.RevokedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("store: read refresh token: %w", err)
	}
	return t, nil
}

// MarkRotated records that a refresh token was exchanged.
func MarkRotated(ctx context.Context, q storage.Querier, hash []byte, at time.Time) error {
	_, err := q.Exec(ctx, `UPDATE client.refresh_tokens SET rotated_at = $2 WHERE token_hash = $1`, hash, at)
	if err != nil {
		return fmt.Errorf("store: rotate refresh token: %w", err)
	}
	return nil
}

// RevokeFamily revokes every token of a family.
func RevokeFamily(ctx context.Context, q storage.Querier, family uuid.UUID, at time.Time) error {
	_, err := q.Exec(ctx, `UPDATE client.refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL`, family, at)
	if err != nil {
		return fmt.Errorf("store: revoke family: %w", err)
	}
	return nil
}

// RevokeUserFamilies revokes every family of a user except keep (uuid.Nil
// keeps none) and returns the families it revoked.
func RevokeUserFamilies(ctx context.Context, q storage.Querier, user, keep uuid.UUID, at time.Time) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, `UPDATE client.refresh_tokens SET revoked_at = $3
		WHERE user_id = $1 AND family_id <> $2 AND revoked_at IS NULL RETURNING family_id`, user, keep, at)
	if err != nil {
		return nil, fmt.Errorf("store: revoke families: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("store: revoke families: %w", err)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(ids), nil
}

// DeleteExpiredRefreshTokens removes tokens past their expiry (and a grace
// period, so reuse of a just-expired token is still recognised).
func DeleteExpiredRefreshTokens(ctx context.Context, q storage.Querier, before time.Time) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM client.refresh_tokens WHERE expires_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("store: delete expired refresh tokens: %w", err)
	}
	return tag.RowsAffected(), nil
}
