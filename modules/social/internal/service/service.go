// Package service holds the social module's use cases. A method takes the
// caller explicitly (resolved by the adapter), runs its transaction with
// storage.InTx, writes its events with bus.Enqueue in it, and names in its
// doc comment the error codes it returns (docs/architecture.md, A module,
// file by file).
package service

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Service runs the social module's use cases.
type Service struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

// New returns the service on the module's pool.
func New(pool *pgxpool.Pool, log *slog.Logger) *Service {
	return &Service{pool: pool, log: log}
}
