package facts_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/promo/internal/facts"
	"github.com/athlos/athlos/storage/pgtest"
)

// An item's creation (gear.created) and the crossing of its replacement
// threshold (gear.wear_limit_reached, a session recorded soon after)
// have consumers of their own: the crossing may be applied before the
// creation, or at the same moment in another process. Either way the
// facts keep the distance of the crossing, not the creation's.
func TestAWearLimitBeforeOrWithTheCreationCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	pgtest.EitherOrder(t, "creation", "wear", func(t *testing.T, pool *pgxpool.Pool) (creation, wear func(pgx.Tx) error, check func()) {
		user, shoes := uuid.New(), uuid.New()
		threshold := 800_000.0
		creation = func(tx pgx.Tx) error {
			return facts.ApplyGear(ctx, tx, facts.GearItem{Gear: facts.Gear{ID: shoes, Type: "shoes", DistanceM: 790_000,
				ReplacementThresholdM: &threshold}, UserID: user, ChangedAt: now.Add(-time.Minute)})
		}
		wear = func(tx pgx.Tx) error {
			return facts.ApplyGearWear(ctx, tx, facts.GearWear{GearID: shoes, UserID: user, Type: "shoes", DistanceM: 801_000,
				ReplacementThresholdM: threshold, ReachedAt: now})
		}
		return creation, wear, func() {
			f, err := facts.Load(ctx, pool, user, now)
			require.NoError(t, err)
			require.Len(t, f.Gear, 1)
			assert.Equal(t, "shoes", f.Gear[0].Type)
			assert.InDelta(t, 801_000, f.Gear[0].DistanceM, 1e-9, "the crossing's distance")
		}
	})
}
