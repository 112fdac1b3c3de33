package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/client/internal/throttle"
	"github.com/athlos/athlos/storage"
)

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

// SweepThrottle deletes the counters whose window started before before
// and that lock nothing at now: every rule's window is shorter, so they
// count nothing any more (the password resets asked for any address each
// leave one).
func SweepThrottle(ctx context.Context, q storage.Querier, before, now time.Time) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM client.login_failures WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $2)`,
		before, now)
	if err != nil {
		return 0, fmt.Errorf("store: sweep throttle counters: %w", err)
	}
	return tag.RowsAffected(), nil
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
