package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// Purposes of an email token.
const (
	PurposePasswordReset = "password_reset"
	PurposeVerifyEmail   = "verify_email"
	PurposeChangeEmail   = "change_email"
)

// EmailToken is a mailed link's single-use token, by its hash.
type EmailToken struct {
	Hash      []byte
	UserID    uuid.UUID
	Purpose   string
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// InsertEmailToken stores a new token.
func InsertEmailToken(ctx context.Context, tx pgx.Tx, t EmailToken) error {
	if _, err := tx.Exec(ctx, `INSERT INTO client.email_tokens (token_hash, user_id, purpose, email, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, t.Hash, t.UserID, t.Purpose, t.Email, t.CreatedAt, t.ExpiresAt); err != nil {
		return fmt.Errorf("store: insert email token: %w", err)
	}
	return nil
}

// LockEmailToken reads a token by its hash and locks it for the
// transaction; ErrNotFound when there is none.
func LockEmailToken(ctx context.Context, tx pgx.Tx, hash []byte) (EmailToken, error) {
	var t EmailToken
	err := tx.QueryRow(ctx, `SELECT token_hash, user_id, purpose, email, created_at, expires_at, used_at
		FROM client.email_tokens WHERE token_hash = $1 FOR UPDATE`, hash).
		Scan(&t.Hash, &t.UserID, &t.Purpose, &t.Email, &t.CreatedAt, &t.ExpiresAt, &t.UsedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("store: email token: %w", err)
	}
	return t, nil
}

// VoidEmailTokens marks every unused token of user for purpose used at
// at (a used link voids its siblings; a new change voids the older ones).
func VoidEmailTokens(ctx context.Context, tx pgx.Tx, user uuid.UUID, purpose string, at time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE client.email_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
		user, purpose, at); err != nil {
		return fmt.Errorf("store: void email tokens: %w", err)
	}
	return nil
}

// DeleteExpiredEmailTokens removes tokens that expired before before.
func DeleteExpiredEmailTokens(ctx context.Context, q storage.Querier, before time.Time) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM client.email_tokens WHERE expires_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("store: delete expired email tokens: %w", err)
	}
	return tag.RowsAffected(), nil
}

// PendingEmail is the newest unused, unexpired change_email address of
// user at now ("" when none).
func PendingEmail(ctx context.Context, q storage.Querier, user uuid.UUID, now time.Time) (string, error) {
	var email string
	err := q.QueryRow(ctx, `SELECT email FROM client.email_tokens WHERE user_id = $1 AND purpose = 'change_email'
		AND used_at IS NULL AND expires_at > $2 ORDER BY created_at DESC LIMIT 1`, user, now).Scan(&email)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: pending email: %w", err)
	}
	return email, nil
}

// SetEmailVerified marks user's address verified at at, if it still is
// email; it reports whether it was.
func SetEmailVerified(ctx context.Context, tx pgx.Tx, user uuid.UUID, email string, at time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE client.users SET email_verified_at = coalesce(email_verified_at, $3), updated_at = now()
		WHERE id = $1 AND email = $2`, user, email, at)
	if err != nil {
		return false, fmt.Errorf("store: set email verified: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ChangeEmail gives user the address email, verified at at;
// ErrDuplicateEmail when another account has it.
func ChangeEmail(ctx context.Context, tx pgx.Tx, user uuid.UUID, email string, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE client.users SET email = $2, email_verified_at = $3, updated_at = now() WHERE id = $1`,
		user, email, at)
	if uniqueViolation(err) {
		return ErrDuplicateEmail
	}
	if err != nil {
		return fmt.Errorf("store: change email: %w", err)
	}
	return nil
}

// EmailTaken reports whether an account has email.
func EmailTaken(ctx context.Context, q storage.Querier, email string) (bool, error) {
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM client.users WHERE email = $1`, email).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: email taken: %w", err)
	}
	return true, nil
}

// UserByEmail reads the profile of the user with email; ErrNotFound when
// there is none.
func UserByEmail(ctx context.Context, q storage.Querier, email string) (UserRow, error) {
	return scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM client.users WHERE email = $1`, email))
}

// ResetRequest is a password reset asked for an address.
type ResetRequest struct {
	ID          uuid.UUID
	Email       string
	RequestedAt time.Time
}

// InsertResetRequest records a password reset asked for email.
func InsertResetRequest(ctx context.Context, tx pgx.Tx, r ResetRequest) error {
	if _, err := tx.Exec(ctx, `INSERT INTO client.password_reset_requests (id, email, requested_at) VALUES ($1, $2, $3)`,
		r.ID, r.Email, r.RequestedAt); err != nil {
		return fmt.Errorf("store: insert reset request: %w", err)
	}
	return nil
}

// TakeResetRequests deletes up to limit of the oldest reset requests and
// returns them, skipping those another transaction holds (several
// processes take them at once).
func TakeResetRequests(ctx context.Context, tx pgx.Tx, limit int) ([]ResetRequest, error) {
	rows, err := tx.Query(ctx, `DELETE FROM client.password_reset_requests WHERE id IN
		(SELECT id FROM client.password_reset_requests ORDER BY requested_at LIMIT $1 FOR UPDATE SKIP LOCKED)
		RETURNING id, email, requested_at`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: take reset requests: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ResetRequest, error) {
		var q ResetRequest
		return q, r.Scan(&q.ID, &q.Email, &q.RequestedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("store: take reset requests: %w", err)
	}
	return out, nil
}
