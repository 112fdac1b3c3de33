package challenge

import (
	"bytes"
	"sort"
)

// Standings is a snapshot of a leaderboard's order: scores (higher first)
// and ids (for equal scores, the greater id first), as the leaderboard
// lists them. It answers rank counts by binary search, for boards too
// large to count in SQL on every read.
type Standings struct {
	scores []float64
	ids    [][16]byte
}

// NewStandings returns standings of entries given in the leaderboard's
// order (score descending, then id descending).
func NewStandings(scores []float64, ids [][16]byte) *Standings {
	return &Standings{scores: scores, ids: ids}
}

// Len is how many entries it holds.
func (s *Standings) Len() int { return len(s.scores) }

// Better is how many entries have a score above score (a rank is that
// plus one).
func (s *Standings) Better(score float64) int {
	return sort.Search(len(s.scores), func(i int) bool { return s.scores[i] <= score })
}

// Before is how many entries come before (score, id) in the
// leaderboard's order: a better score, or the same and a greater id.
func (s *Standings) Before(score float64, id [16]byte) int {
	return sort.Search(len(s.scores), func(i int) bool {
		return s.scores[i] < score || (s.scores[i] == score && bytes.Compare(s.ids[i][:], id[:]) <= 0)
	})
}
