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

// LinkedSession is what the live-tracking page shows of a shared session,
// and what checks its watch credentials need.
type LinkedSession struct {
	ID, User  uuid.UUID
	Sport     string
	State     string
	StartedAt time.Time
	// Key signs the link's watch credentials (nil until the first).
	Key []byte
}

const linkedColumns = `id, user_id, sport, state, started_at, share_key`

func scanLinked(row pgx.Row) (LinkedSession, error) {
	var l LinkedSession
	err := row.Scan(&l.ID, &l.User, &l.Sport, &l.State, &l.StartedAt, &l.Key)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, ErrNotFound
	}
	if err != nil {
		return l, fmt.Errorf("store: linked session: %w", err)
	}
	return l, nil
}

// SessionByShareHash finds the session whose share token hashes to hash
// (ErrNotFound: none, the link was revoked or replaced).
func SessionByShareHash(ctx context.Context, q storage.Querier, hash []byte) (LinkedSession, error) {
	return scanLinked(q.QueryRow(ctx, `SELECT `+linkedColumns+` FROM training.sessions WHERE share_token_hash = $1`, hash))
}

// SharedSession reads a session that has a share link (ErrNotFound: an
// unknown session, or one shared no more).
func SharedSession(ctx context.Context, q storage.Querier, id uuid.UUID) (LinkedSession, error) {
	return scanLinked(q.QueryRow(ctx, `SELECT `+linkedColumns+` FROM training.sessions
		WHERE id = $1 AND share_token_hash IS NOT NULL`, id))
}

// LinkKey returns the key of the share link that hashes to hash, storing
// key first when the link has none (ErrNotFound: the link changed
// meanwhile).
func LinkKey(ctx context.Context, q storage.Querier, id uuid.UUID, hash, key []byte) ([]byte, error) {
	var out []byte
	err := q.QueryRow(ctx, `UPDATE training.sessions SET share_key = COALESCE(share_key, $3)
		WHERE id = $1 AND share_token_hash = $2 RETURNING share_key`, id, hash, key).Scan(&out)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: link key: %w", err)
	}
	return out, nil
}

// IsShared reports whether a session has a share link.
func IsShared(ctx context.Context, q storage.Querier, id uuid.UUID) (bool, error) {
	var shared bool
	err := q.QueryRow(ctx, `SELECT share_token_hash IS NOT NULL FROM training.sessions WHERE id = $1`, id).Scan(&shared)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: is shared: %w", err)
	}
	return shared, nil
}
