// Package service holds the social module's use cases. A method takes the
// caller explicitly (resolved by the adapter), runs its transaction with
// storage.InTx, writes its events with bus.Enqueue in it, and names in its
// doc comment the error codes it returns (docs/architecture.md, A module,
// file by file).
package service

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/bus"
)

// Service runs the social module's use cases.
type Service struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	keys *bus.Idempotency
}

// New returns the service on the module's pool, with its idempotency keys
// (bus.Once).
func New(pool *pgxpool.Pool, log *slog.Logger, keys *bus.Idempotency) *Service {
	return &Service{pool: pool, log: log, keys: keys}
}
