package board

import (
	"bytes"
	"sync"

	"github.com/google/btree"
	"github.com/google/uuid"

	"github.com/athlos/athlos/modules/gamification/internal/rank"
)

// Ranked is a user's place on a board: users with the same score share a
// rank (one more than the users scoring more), and are listed by user id.
type Ranked struct {
	UserID uuid.UUID
	Score  int
	Rank   int64
}

// entry is a user in a Ranking's order: best score first, then user id.
type entry struct {
	user  uuid.UUID
	score int32
}

func less(a, b entry) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return bytes.Compare(a.user[:], b.user[:]) < 0
}

// Ranking is one board's users in order, in memory: a B-tree of (score,
// user) to list the top and a user's neighbours, a rank.Counts to count
// the users above a score, and each user's score. A user's rank and
// neighbours cost O(log n); the top N, O(log n + N). Only users with a
// positive score are on it. It is safe for concurrent use.
type Ranking struct {
	mu     sync.RWMutex
	scores map[uuid.UUID]int32
	order  *btree.BTreeG[entry]
	counts rank.Counts
}

// NewRanking makes an empty ranking, sized for about n users.
func NewRanking(n int) *Ranking {
	return &Ranking{scores: make(map[uuid.UUID]int32, n), order: btree.NewG(32, less)}
}

// Set puts user at score; a score of 0 or less takes the user off.
func (r *Ranking) Set(user uuid.UUID, score int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.set(user, score)
}

// SetAll sets many users at once, under one lock.
func (r *Ranking) SetAll(users []uuid.UUID, scores []int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, u := range users {
		r.set(u, scores[i])
	}
}

func (r *Ranking) set(user uuid.UUID, score int) {
	score = min(score, rank.MaxScore)
	old, had := r.scores[user]
	if had && int(old) == score {
		return
	}
	if had {
		r.order.Delete(entry{user, old})
		r.counts.Add(int(old), -1)
		delete(r.scores, user)
	}
	if score <= 0 {
		return
	}
	r.scores[user] = int32(score)
	r.order.ReplaceOrInsert(entry{user, int32(score)})
	r.counts.Add(score, 1)
}

// Len is how many users are on the board.
func (r *Ranking) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.scores)
}

// Top lists the first n users (fewer when the board is shorter), with
// their ranks.
func (r *Ranking) Top(n int) []Ranked {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Ranked, 0, min(n, len(r.scores)))
	if n <= 0 {
		return out
	}
	r.order.Ascend(func(e entry) bool {
		out = append(out, r.ranked(e))
		return len(out) < n
	})
	return out
}

// Around is user's place (ok false when the user is not on the board) and
// up to n users on either side: above (best first, ending next to the
// user) and below (next to the user first).
func (r *Ranking) Around(user uuid.UUID, n int) (me Ranked, above, below []Ranked, ok bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.scores[user]
	if !ok {
		return Ranked{}, nil, nil, false
	}
	e := entry{user, s}
	me = r.ranked(e)
	if n <= 0 {
		return me, nil, nil, true
	}
	r.order.DescendLessOrEqual(e, func(x entry) bool {
		if x.user == user {
			return true
		}
		above = append(above, r.ranked(x))
		return len(above) < n
	})
	for i, j := 0, len(above)-1; i < j; i, j = i+1, j-1 {
		above[i], above[j] = above[j], above[i]
	}
	r.order.AscendGreaterOrEqual(e, func(x entry) bool {
		if x.user == user {
			return true
		}
		below = append(below, r.ranked(x))
		return len(below) < n
	})
	return me, above, below, true
}

// Score is user's score (0 when off the board).
func (r *Ranking) Score(user uuid.UUID) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return int(r.scores[user])
}

// RankOf is the rank a score would have: one more than the users above it.
func (r *Ranking) RankOf(score int) int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.counts.Above(score) + 1
}

func (r *Ranking) ranked(e entry) Ranked {
	return Ranked{UserID: e.user, Score: int(e.score), Rank: r.counts.Above(int(e.score)) + 1}
}
