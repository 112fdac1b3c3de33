// Package store is the client module's SQL: users, refresh-token
// families, signing keys and login throttling, in schema client.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/athlos/athlos/modules/client/internal/throttle"
	"github.com/athlos/athlos/storage"
)

// ErrNotFound means no row matched.
var ErrNotFound = errors.New("store: not found")

// ErrDuplicateEmail means the email is taken.
var ErrDuplicateEmail = errors.New("store: email already registered")

// Credentials are what a login needs of a user.
type Credentials struct {
	UserID       uuid.UUID
	PasswordHash string
	Role         string
}

// NewUser is a row to insert.
type NewUser struct {
	ID           uuid.UUID
	Email        string
	PasswordHash string
	Role         string
	FirstName    string
	LastName     string
	Language     string
	Privacy      Privacy
}

// InsertUser inserts a user; ErrDuplicateEmail when the email is taken.
func InsertUser(ctx context.Context, q storage.Querier, u NewUser) error {
	privacy, err := json.Marshal(u.Privacy)
	if err != nil {
		return fmt.Errorf("store: insert user: %w", err)
	}
	_, err = q.Exec(ctx, `INSERT INTO client.users (id, email, password_hash, role, first_name, last_name, language, privacy)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.ID, u.Email, u.PasswordHash, u.Role, u.FirstName, u.LastName, u.Language, privacy)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return ErrDuplicateEmail
	}
	if err != nil {
		return fmt.Errorf("store: insert user: %w", err)
	}
	return nil
}

// CredentialsByEmail returns a user's login data.
func CredentialsByEmail(ctx context.Context, q storage.Querier, email string) (Credentials, error) {
	var c Credentials
	err := q.QueryRow(ctx, `SELECT id, password_hash, role FROM client.users WHERE email = $1`, email).
		Scan(&c.UserID, &c.PasswordHash, &c.Role)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("store: credentials: %w", err)
	}
	return c, nil
}

// CredentialsByID returns a user's login data.
func CredentialsByID(ctx context.Context, q storage.Querier, id uuid.UUID) (Credentials, error) {
	var c Credentials
	err := q.QueryRow(ctx, `SELECT id, password_hash, role FROM client.users WHERE id = $1`, id).
		Scan(&c.UserID, &c.PasswordHash, &c.Role)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("store: credentials: %w", err)
	}
	return c, nil
}

// SetPasswordHash replaces a user's password hash.
func SetPasswordHash(ctx context.Context, q storage.Querier, id uuid.UUID, hash string) error {
	_, err := q.Exec(ctx, `UPDATE client.users SET password_hash = $2, updated_at = now() WHERE id = $1`, id, hash)
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	return nil
}

// SetRole changes the role of the user with email; ErrNotFound if none.
func SetRole(ctx context.Context, q storage.Querier, email, role string) (uuid.UUID, error) {
	var id uuid.UUID
	err := q.QueryRow(ctx, `UPDATE client.users SET role = $2, updated_at = now() WHERE email = $1 RETURNING id`, email, role).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return id, ErrNotFound
	}
	if err != nil {
		return id, fmt.Errorf("store: set role: %w", err)
	}
	return id, nil
}

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

// SealedKey is a stored signing key.
type SealedKey struct {
	ID        string
	Sealed    []byte
	CreatedAt time.Time
	RetiredAt *time.Time
}

// SigningKeys returns the keys that may still verify (retired after since,
// or active), newest first.
func SigningKeys(ctx context.Context, q storage.Querier, since time.Time) ([]SealedKey, error) {
	rows, err := q.Query(ctx, `SELECT id, sealed_key, created_at, retired_at FROM client.signing_keys
		WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at DESC`, since)
	if err != nil {
		return nil, fmt.Errorf("store: signing keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SealedKey, error) {
		var k SealedKey
		err := r.Scan(&k.ID, &k.Sealed, &k.CreatedAt, &k.RetiredAt)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: signing keys: %w", err)
	}
	return keys, nil
}

// InsertSigningKey stores a new active key and retires the others, in tx.
func InsertSigningKey(ctx context.Context, tx pgx.Tx, k SealedKey) error {
	if _, err := tx.Exec(ctx, `UPDATE client.signing_keys SET retired_at = $1 WHERE retired_at IS NULL`, k.CreatedAt); err != nil {
		return fmt.Errorf("store: retire signing keys: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO client.signing_keys (id, sealed_key, created_at) VALUES ($1, $2, $3)`,
		k.ID, k.Sealed, k.CreatedAt); err != nil {
		return fmt.Errorf("store: insert signing key: %w", err)
	}
	return nil
}

// LockKeys takes a transaction-scoped lock so that two processes starting
// together do not both create a first key.
func LockKeys(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('client.signing_keys'))`)
	if err != nil {
		return fmt.Errorf("store: lock signing keys: %w", err)
	}
	return nil
}

// ThrottleStates reads the counters of keys (missing ones are zero).
func ThrottleStates(ctx context.Context, q storage.Querier, keys []string) (map[string]throttle.State, error) {
	rows, err := q.Query(ctx, `SELECT key, failures, window_start, locked_until FROM client.login_failures WHERE key = ANY($1)`, keys)
	if err != nil {
		return nil, fmt.Errorf("store: throttle states: %w", err)
	}
	defer rows.Close()
	out := make(map[string]throttle.State, len(keys))
	for rows.Next() {
		var k string
		var s throttle.State
		var locked *time.Time
		if err := rows.Scan(&k, &s.Failures, &s.WindowStart, &locked); err != nil {
			return nil, fmt.Errorf("store: throttle states: %w", err)
		}
		if locked != nil {
			s.LockedUntil = *locked
		}
		out[k] = s
	}
	return out, rows.Err()
}

// RecordFailure applies one failure to a counter under a row lock, so
// concurrent failures all count.
func RecordFailure(ctx context.Context, tx pgx.Tx, key throttle.Key, now time.Time) (throttle.State, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO client.login_failures (key, failures, window_start) VALUES ($1, 0, $2)
		ON CONFLICT (key) DO NOTHING`, key.Name, now); err != nil {
		return throttle.State{}, fmt.Errorf("store: record failure: %w", err)
	}
	var s throttle.State
	var locked *time.Time
	if err := tx.QueryRow(ctx, `SELECT failures, window_start, locked_until FROM client.login_failures WHERE key = $1 FOR UPDATE`,
		key.Name).Scan(&s.Failures, &s.WindowStart, &locked); err != nil {
		return s, fmt.Errorf("store: record failure: %w", err)
	}
	if locked != nil {
		s.LockedUntil = *locked
	}
	s = key.Rule.Fail(s, now)
	var lockedUntil *time.Time
	if !s.LockedUntil.IsZero() {
		lockedUntil = &s.LockedUntil
	}
	if _, err := tx.Exec(ctx, `UPDATE client.login_failures SET failures = $2, window_start = $3, locked_until = $4 WHERE key = $1`,
		key.Name, s.Failures, s.WindowStart, lockedUntil); err != nil {
		return s, fmt.Errorf("store: record failure: %w", err)
	}
	return s, nil
}

// ClearFailures forgets a counter.
func ClearFailures(ctx context.Context, q storage.Querier, key string) error {
	if _, err := q.Exec(ctx, `DELETE FROM client.login_failures WHERE key = $1`, key); err != nil {
		return fmt.Errorf("store: clear failures: %w", err)
	}
	return nil
}

// MaxKnownDevices bounds the device tokens kept per account (the least
// recently used go first).
const MaxKnownDevices = 20

// KnownDevice reports whether a device token hash belongs to user.
func KnownDevice(ctx context.Context, q storage.Querier, user uuid.UUID, hash []byte) (bool, error) {
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM client.known_devices WHERE token_hash = $1 AND user_id = $2`, hash, user).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: known device: %w", err)
	}
	return true, nil
}

// SaveKnownDevice records (or touches) a device token of user, keeping
// the MaxKnownDevices most recently used.
func SaveKnownDevice(ctx context.Context, tx pgx.Tx, user uuid.UUID, hash []byte, at time.Time) error {
	if _, err := tx.Exec(ctx, `INSERT INTO client.known_devices (token_hash, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (token_hash) DO UPDATE SET last_used_at = EXCLUDED.last_used_at`, hash, user, at); err != nil {
		return fmt.Errorf("store: save known device: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM client.known_devices WHERE user_id = $1 AND token_hash NOT IN
		(SELECT token_hash FROM client.known_devices WHERE user_id = $1 ORDER BY last_used_at DESC LIMIT $2)`, user, MaxKnownDevices); err != nil {
		return fmt.Errorf("store: trim known devices: %w", err)
	}
	return nil
}
