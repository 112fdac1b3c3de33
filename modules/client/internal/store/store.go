// Package store is the client module's SQL, in schema client
// (migrations/client): functions taking a storage.Querier (a pool or a
// transaction) or a pgx.Tx, with row types of their own (never api
// types). users.go has the accounts and their profiles, tokens.go the
// refresh-token families, keys.go the signing keys, throttle.go the
// login counters and known devices, gear.go the gear, its usage records
// and the training sessions' revisions.
package store

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNotFound means no row matched.
var ErrNotFound = errors.New("store: not found")

// ErrDuplicateEmail means the email is taken.
var ErrDuplicateEmail = errors.New("store: email already registered")

// uniqueViolation reports whether err is PostgreSQL's unique_violation.
func uniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}
