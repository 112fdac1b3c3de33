// Package rank answers "how many users score more than this?" exactly
// and in constant time, for leaderboards of a million users and more,
// where SQL's count(*) of the rows above a score costs 23 ms on a freshly
// vacuumed table and 160–450 ms under constant updates (measured for
// issue 14). It has no SQL, NATS or fx in it.
//
// Scores are non-negative integers in a board's unit: the caller buckets
// its metric (metres to the nearest 10, say) so that users in the same
// bucket tie, and ties share a rank.
package rank

import "fmt"

// A Fenwick tree (Fenwick 1994, "A new data structure for cumulative
// frequency tables", Software: Practice and Experience 24(3):327–336)
// over every possible score would be 4 bytes a score: 400 MB for an
// all-time distance board counted in 10 m up to a million kilometres.
// Counts is two levels instead: a Fenwick tree over blocks of blockSize
// scores, and a Fenwick tree of each block's own scores, made when a
// score in it is first counted. Users crowd the low scores, so few blocks
// are ever made; the high ones hold a few users each.
const (
	blockBits = 12
	blockSize = 1 << blockBits // scores per block
	// MaxScore is the highest score Counts takes: 2^31 − 1 (a million
	// kilometres in 10 m buckets is 10^8).
	MaxScore = 1<<31 - 1
)

// Counts counts users by score. The zero value is empty and ready; it is
// not safe for concurrent use (a board guards it with its lock).
type Counts struct {
	blocks []int64   // Fenwick tree of each block's count, 1-based
	inner  [][]int32 // per block: nil, or a Fenwick tree of its scores, 1-based
	total  int64
}

// Add counts delta more users (fewer when negative) with score. A count
// that would go below zero is a caller's bug and panics.
func (c *Counts) Add(score int, delta int) {
	if score < 0 || score > MaxScore {
		panic(fmt.Sprintf("rank: score %d out of 0..%d", score, MaxScore))
	}
	b, s := score>>blockBits, score&(blockSize-1)
	if b >= len(c.inner) {
		c.grow(b + 1)
	}
	if c.inner[b] == nil {
		c.inner[b] = make([]int32, blockSize+1)
	}
	if delta < 0 && c.inBlock(b, s, s+1) < -delta {
		panic(fmt.Sprintf("rank: %d users fewer with score %d than counted", -delta, score))
	}
	for i := s + 1; i <= blockSize; i += i & -i {
		c.inner[b][i] += int32(delta)
	}
	for i := b + 1; i < len(c.blocks); i += i & -i {
		c.blocks[i] += int64(delta)
	}
	c.total += int64(delta)
}

// grow makes room for n blocks: the outer tree is rebuilt from the
// blocks' counts (rare: the board's top score doubled).
func (c *Counts) grow(n int) {
	size := max(2*len(c.inner), n, 16)
	inner := make([][]int32, size)
	copy(inner, c.inner)
	c.inner = inner
	c.blocks = make([]int64, size+1)
	for b, t := range c.inner {
		if t == nil {
			continue
		}
		n := int64(prefix32(t, blockSize))
		for i := b + 1; i <= size; i += i & -i {
			c.blocks[i] += n
		}
	}
}

// Total is how many users are counted.
func (c *Counts) Total() int64 { return c.total }

// Above is how many users score more than score: a user's rank is
// Above(score) + 1, and users with the same score share it.
func (c *Counts) Above(score int) int64 {
	return c.total - c.AtMost(score)
}

// AtMost is how many users score score or less.
func (c *Counts) AtMost(score int) int64 {
	if score < 0 {
		return 0
	}
	b, s := score>>blockBits, score&(blockSize-1)
	if b >= len(c.inner) {
		return c.total
	}
	var n int64
	for i := b; i > 0; i -= i & -i { // the blocks before b
		n += c.blocks[i]
	}
	if c.inner[b] != nil {
		n += int64(prefix32(c.inner[b], s+1))
	}
	return n
}

// inBlock counts the users of block b with scores from lo to hi−1.
func (c *Counts) inBlock(b, lo, hi int) int {
	return int(prefix32(c.inner[b], hi) - prefix32(c.inner[b], lo))
}

// prefix32 sums the first n entries of a 1-based Fenwick tree.
func prefix32(t []int32, n int) int32 {
	var sum int32
	for i := n; i > 0; i -= i & -i {
		sum += t[i]
	}
	return sum
}
