package facts_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/promo/internal/facts"
	"github.com/athlos/athlos/modules/promo/internal/facts/factstest"
	"github.com/athlos/athlos/storage/pgtest"
)

// BenchmarkLoad reads the facts of users drawn from 100,000 seeded ones
// (factstest.Seed), one Load (one round trip) per operation, sequentially
// and in parallel.
func BenchmarkLoad(b *testing.B) {
	db := pgtest.NewPool(b)
	ctx := context.Background()
	ids, err := factstest.Seed(ctx, db, 100_000, 1)
	require.NoError(b, err)
	_, err = db.Exec(ctx, `ANALYZE promo.users, promo.consents, promo.user_sessions, promo.user_gear, promo.user_challenges`)
	require.NoError(b, err)
	now := time.Now()
	b.Run("sequential", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := facts.Load(ctx, db, ids[i%len(ids)], now); err != nil {
				b.Fatal(err)
			}
			i += 7919
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := facts.Load(ctx, db, ids[i%len(ids)], now); err != nil {
					b.Error(err)
					return
				}
				i += 7919
			}
		})
	})
}
