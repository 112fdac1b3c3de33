// Package seed lets the load generator (athlos loadgen offers) fill
// promo's user facts read model with realistic users: Facts is
// factstest.Seed, which only packages of the module may import.
package seed

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/modules/promo/internal/facts/factstest"
)

// Facts writes the facts of users new users with COPY (factstest.Seed,
// from seed) and returns their ids.
func Facts(ctx context.Context, db factstest.DB, users int, seed int64) ([]uuid.UUID, error) {
	return factstest.Seed(ctx, db, users, seed)
}
