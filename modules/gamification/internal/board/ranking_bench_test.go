package board

import (
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"
)

// BenchmarkRanking1M: a million users on a distance board in 10 m buckets
// (most under 20,000 km, a tail to 500,000 km): the top 50, a user's
// place with two neighbours on either side, and a score change.
func BenchmarkRanking1M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 1_000_000
	users := make([]uuid.UUID, n)
	scores := make([]int, n)
	for i := range users {
		users[i] = uuid.New()
		km := r.ExpFloat64() * 2000
		if r.IntN(1000) == 0 {
			km = r.Float64() * 500_000
		}
		scores[i] = 1 + int(km*100)
	}
	rk := NewRanking(n)
	rk.SetAll(users, scores)
	b.Run("top50", func(b *testing.B) {
		for b.Loop() {
			_ = rk.Top(50)
		}
	})
	b.Run("around2", func(b *testing.B) {
		i := 0
		for b.Loop() {
			_, _, _, _ = rk.Around(users[i%n], 2)
			i += 7919
		}
	})
	b.Run("set", func(b *testing.B) {
		i := 0
		for b.Loop() {
			k := (i * 7919) % n
			scores[k] += 50
			rk.Set(users[k], scores[k])
			i++
		}
	})
}
