package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

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
