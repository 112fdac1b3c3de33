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

// TwoFactor is an account's TOTP row: its sealed secret, whether a code
// confirmed it (EnabledAt) and the last time step accepted.
type TwoFactor struct {
	UserID       uuid.UUID
	SealedSecret []byte
	CreatedAt    time.Time
	EnabledAt    *time.Time
	LastStep     int64
}

// TwoFactorOf reads user's TOTP row; ErrNotFound when enrolment never
// started (or was turned off).
func TwoFactorOf(ctx context.Context, q storage.Querier, user uuid.UUID) (TwoFactor, error) {
	return scanTwoFactor(q.QueryRow(ctx, `SELECT user_id, sealed_secret, created_at, enabled_at, last_step
		FROM client.two_factor WHERE user_id = $1`, user))
}

// LockTwoFactor is TwoFactorOf with the row locked for tx, so that two
// logins with the same code are checked one after the other.
func LockTwoFactor(ctx context.Context, tx pgx.Tx, user uuid.UUID) (TwoFactor, error) {
	return scanTwoFactor(tx.QueryRow(ctx, `SELECT user_id, sealed_secret, created_at, enabled_at, last_step
		FROM client.two_factor WHERE user_id = $1 FOR UPDATE`, user))
}

func scanTwoFactor(row pgx.Row) (TwoFactor, error) {
	var t TwoFactor
	err := row.Scan(&t.UserID, &t.SealedSecret, &t.CreatedAt, &t.EnabledAt, &t.LastStep)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("store: two-factor: %w", err)
	}
	return t, nil
}

// TwoFactorOn reports whether user signs in with a second factor.
func TwoFactorOn(ctx context.Context, q storage.Querier, user uuid.UUID) (bool, error) {
	var on bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM client.two_factor WHERE user_id = $1 AND enabled_at IS NOT NULL)`,
		user).Scan(&on)
	if err != nil {
		return false, fmt.Errorf("store: two-factor on: %w", err)
	}
	return on, nil
}

// StartTwoFactor stores a new, unconfirmed secret for user, replacing an
// unconfirmed one. It returns ErrConflict when two-factor sign-in is on.
func StartTwoFactor(ctx context.Context, tx pgx.Tx, user uuid.UUID, sealed []byte, at time.Time) error {
	tag, err := tx.Exec(ctx, `INSERT INTO client.two_factor (user_id, sealed_secret, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET sealed_secret = EXCLUDED.sealed_secret, created_at = EXCLUDED.created_at,
		last_step = 0 WHERE client.two_factor.enabled_at IS NULL`, user, sealed, at)
	if err != nil {
		return fmt.Errorf("store: start two-factor: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrConflict
	}
	return nil
}

// ErrConflict means the row is not in the state the change needs.
var ErrConflict = errors.New("store: conflict")

// EnableTwoFactor marks user's secret confirmed at step (the confirming
// code's, which is then spent).
func EnableTwoFactor(ctx context.Context, tx pgx.Tx, user uuid.UUID, step int64, at time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE client.two_factor SET enabled_at = $2, last_step = $3 WHERE user_id = $1`,
		user, at, step); err != nil {
		return fmt.Errorf("store: enable two-factor: %w", err)
	}
	return nil
}

// SpendStep records step as the last one accepted for user.
func SpendStep(ctx context.Context, tx pgx.Tx, user uuid.UUID, step int64) error {
	if _, err := tx.Exec(ctx, `UPDATE client.two_factor SET last_step = $2 WHERE user_id = $1`, user, step); err != nil {
		return fmt.Errorf("store: spend totp step: %w", err)
	}
	return nil
}

// DisableTwoFactor removes user's secret, recovery codes and waiting
// login challenges.
func DisableTwoFactor(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	for _, q := range []string{
		`DELETE FROM client.two_factor WHERE user_id = $1`,
		`DELETE FROM client.recovery_codes WHERE user_id = $1`,
		`DELETE FROM client.login_challenges WHERE user_id = $1`,
	} {
		if _, err := tx.Exec(ctx, q, user); err != nil {
			return fmt.Errorf("store: disable two-factor: %w", err)
		}
	}
	return nil
}

// ReplaceRecoveryCodes voids user's recovery codes and stores hashes as
// the new ones.
func ReplaceRecoveryCodes(ctx context.Context, tx pgx.Tx, user uuid.UUID, hashes [][]byte) error {
	if _, err := tx.Exec(ctx, `DELETE FROM client.recovery_codes WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("store: void recovery codes: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO client.recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])`,
		user, hashes); err != nil {
		return fmt.Errorf("store: insert recovery codes: %w", err)
	}
	return nil
}

// UseRecoveryCode deletes user's recovery code of hash and reports
// whether there was one: each works once.
func UseRecoveryCode(ctx context.Context, tx pgx.Tx, user uuid.UUID, hash []byte) (bool, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM client.recovery_codes WHERE user_id = $1 AND code_hash = $2`, user, hash)
	if err != nil {
		return false, fmt.Errorf("store: use recovery code: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// RecoveryCodesLeft counts user's unused recovery codes.
func RecoveryCodesLeft(ctx context.Context, q storage.Querier, user uuid.UUID) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM client.recovery_codes WHERE user_id = $1`, user).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: recovery codes left: %w", err)
	}
	return n, nil
}

// Challenge is a login waiting for its second factor.
type Challenge struct {
	UserID     uuid.UUID
	DeviceHash []byte
	ExpiresAt  time.Time
	Failures   int
}

// InsertChallenge stores a login challenge by its token's hash, and
// deletes expired ones.
func InsertChallenge(ctx context.Context, tx pgx.Tx, hash []byte, c Challenge, now time.Time) error {
	if _, err := tx.Exec(ctx, `DELETE FROM client.login_challenges WHERE expires_at <= $1`, now); err != nil {
		return fmt.Errorf("store: delete expired challenges: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO client.login_challenges (token_hash, user_id, device_hash, expires_at)
		VALUES ($1, $2, $3, $4)`, hash, c.UserID, c.DeviceHash, c.ExpiresAt); err != nil {
		return fmt.Errorf("store: insert challenge: %w", err)
	}
	return nil
}

// ChallengeOf reads a challenge by its token's hash; ErrNotFound when
// there is none.
func ChallengeOf(ctx context.Context, q storage.Querier, hash []byte) (Challenge, error) {
	return scanChallenge(q.QueryRow(ctx, `SELECT user_id, device_hash, expires_at, failures FROM client.login_challenges
		WHERE token_hash = $1`, hash))
}

// LockChallenge is ChallengeOf with the row locked for tx.
func LockChallenge(ctx context.Context, tx pgx.Tx, hash []byte) (Challenge, error) {
	return scanChallenge(tx.QueryRow(ctx, `SELECT user_id, device_hash, expires_at, failures FROM client.login_challenges
		WHERE token_hash = $1 FOR UPDATE`, hash))
}

func scanChallenge(row pgx.Row) (Challenge, error) {
	var c Challenge
	err := row.Scan(&c.UserID, &c.DeviceHash, &c.ExpiresAt, &c.Failures)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("store: challenge: %w", err)
	}
	return c, nil
}

// DeleteChallenge spends a challenge.
func DeleteChallenge(ctx context.Context, q storage.Querier, hash []byte) error {
	if _, err := q.Exec(ctx, `DELETE FROM client.login_challenges WHERE token_hash = $1`, hash); err != nil {
		return fmt.Errorf("store: delete challenge: %w", err)
	}
	return nil
}

// ChallengeFailed counts a wrong code on a challenge, which is void (deleted)
// at its limit-th.
func ChallengeFailed(ctx context.Context, q storage.Querier, hash []byte, limit int) error {
	if _, err := q.Exec(ctx, `UPDATE client.login_challenges SET failures = failures + 1 WHERE token_hash = $1`, hash); err != nil {
		return fmt.Errorf("store: challenge failed: %w", err)
	}
	if _, err := q.Exec(ctx, `DELETE FROM client.login_challenges WHERE token_hash = $1 AND failures >= $2`, hash, limit); err != nil {
		return fmt.Errorf("store: void challenge: %w", err)
	}
	return nil
}
