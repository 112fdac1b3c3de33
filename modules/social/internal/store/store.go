// Package store is the social module's SQL, in schema social
// (migrations/social): functions taking a storage.Querier or a pgx.Tx,
// with row types of their own (never api types).
package store

import "github.com/athlos/athlos/storage"

// Querier is a pool or a transaction (storage.Querier).
type Querier = storage.Querier
