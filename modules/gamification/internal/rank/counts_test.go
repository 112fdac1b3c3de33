package rank

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Counts against brute force: random users move between random scores
// (crowded low scores, a sparse high tail, ties), and every rank agrees
// with counting the users above by hand.
func TestCountsAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	var c Counts
	scores := make([]int, 3000)
	score := func() int {
		switch r.IntN(10) {
		case 0:
			return r.IntN(MaxScore) // far up the tail
		case 1, 2:
			return r.IntN(50) // many ties
		default:
			return r.IntN(200_000)
		}
	}
	for i := range scores {
		scores[i] = score()
		c.Add(scores[i], 1)
	}
	check := func() {
		t.Helper()
		require.Equal(t, int64(len(scores)), c.Total())
		for k := 0; k < 200; k++ {
			q := scores[r.IntN(len(scores))] + r.IntN(3) - 1 // a user's score and its neighbours
			if k%10 == 0 {
				q = score()
			}
			var above, atMost int64
			for _, s := range scores {
				if s > q {
					above++
				} else {
					atMost++
				}
			}
			require.Equal(t, above, c.Above(q), "above %d", q)
			require.Equal(t, atMost, c.AtMost(q), "at most %d", q)
		}
	}
	check()
	for range 20_000 { // users gain (and, with a deleted session, lose) score
		i := r.IntN(len(scores))
		c.Add(scores[i], -1)
		if r.IntN(4) == 0 {
			scores[i] = score()
		} else {
			scores[i] = min(scores[i]+r.IntN(1000), MaxScore)
		}
		c.Add(scores[i], 1)
	}
	check()
}

func TestCountsEdges(t *testing.T) {
	var c Counts
	assert.Zero(t, c.Above(0))
	assert.Zero(t, c.AtMost(MaxScore))
	c.Add(0, 2)
	c.Add(MaxScore, 1)
	assert.Equal(t, int64(1), c.Above(0), "the two at 0 tie; one above them")
	assert.Equal(t, int64(0), c.Above(MaxScore))
	assert.Equal(t, int64(2), c.AtMost(MaxScore-1))
	assert.Equal(t, int64(0), c.AtMost(-1))
	assert.Panics(t, func() { c.Add(5, -1) }, "nobody has 5")
	assert.Panics(t, func() { c.Add(-1, 1) })
	assert.Panics(t, func() { c.Add(MaxScore+1, 1) })
	c.Add(0, -2)
	assert.Equal(t, int64(1), c.Total())
}

// BenchmarkCounts: a million users on an all-time distance board in 10 m
// buckets (most under 20,000 km, a tail to 500,000 km): a rank, and a
// score change (one user out of a score, into another).
func BenchmarkCounts(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var c Counts
	scores := make([]int, 1_000_000)
	for i := range scores {
		km := r.ExpFloat64() * 2000
		if r.IntN(1000) == 0 {
			km = r.Float64() * 500_000
		}
		scores[i] = int(km * 100) // 10 m buckets
		c.Add(scores[i], 1)
	}
	b.Logf("blocks made: %d of %d", made(&c), len(c.inner))
	b.Run("rank", func(b *testing.B) {
		i := 0
		for b.Loop() {
			_ = c.Above(scores[i%len(scores)])
			i++
		}
	})
	b.Run("move", func(b *testing.B) {
		i := 0
		for b.Loop() {
			k := i % len(scores)
			c.Add(scores[k], -1)
			scores[k] += 500
			c.Add(scores[k], 1)
			i++
		}
	})
}

func made(c *Counts) int {
	n := 0
	for _, t := range c.inner {
		if t != nil {
			n++
		}
	}
	return n
}
