package challengeservice

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/modules/gamification/internal/challengestore"
)

// Large leaderboards count ranks from a snapshot of their order, not in
// SQL on every read (a count over 50,000 index entries is about 10 ms).
const (
	// SnapshotFrom is the number of ranked participants from which a
	// board's ranks come from a snapshot.
	SnapshotFrom = 5000
	// SnapshotMaxAge is how old a snapshot may be: a rank may lag a
	// session by that much; the entries and values listed are live.
	SnapshotMaxAge = 2 * time.Second
	// snapshotBoards bounds the boards kept per process (the least
	// recently read goes).
	snapshotBoards = 32
)

// snapshots keeps the standings of the large boards read lately, per
// process.
type snapshots struct {
	mu     sync.Mutex
	boards map[uuid.UUID]*snapshot
}

type snapshot struct {
	mu       sync.Mutex // held while loading
	s        *challenge.Standings
	loadedAt time.Time
	readAt   time.Time
}

// standings returns the standings of the board id, loading them when
// there are none or they are older than SnapshotMaxAge; a reader that
// finds another one loading uses the older standings meanwhile.
func (s *Service) standings(ctx context.Context, id uuid.UUID) (*challenge.Standings, error) {
	now := time.Now()
	s.snaps.mu.Lock()
	if s.snaps.boards == nil {
		s.snaps.boards = make(map[uuid.UUID]*snapshot)
	}
	sn := s.snaps.boards[id]
	if sn == nil {
		if len(s.snaps.boards) >= snapshotBoards {
			s.snaps.evict()
		}
		sn = &snapshot{}
		s.snaps.boards[id] = sn
	}
	sn.readAt = now
	cur, fresh := sn.s, now.Sub(sn.loadedAt) < SnapshotMaxAge
	s.snaps.mu.Unlock()
	if cur != nil && fresh {
		return cur, nil
	}
	if cur != nil && !sn.mu.TryLock() {
		return cur, nil // someone is loading it
	}
	if cur == nil {
		sn.mu.Lock()
	}
	defer sn.mu.Unlock()
	s.snaps.mu.Lock()
	cur, fresh = sn.s, time.Since(sn.loadedAt) < SnapshotMaxAge
	s.snaps.mu.Unlock()
	if cur != nil && fresh {
		return cur, nil
	}
	started := time.Now()
	scores, ids, err := challengestore.Standings(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	st := challenge.NewStandings(scores, ids)
	s.snaps.mu.Lock()
	sn.s, sn.loadedAt = st, started
	s.snaps.mu.Unlock()
	return st, nil
}

// evict drops the least recently read board (mu held).
func (sn *snapshots) evict() {
	var oldest uuid.UUID
	var at time.Time
	for id, b := range sn.boards {
		if at.IsZero() || b.readAt.Before(at) {
			oldest, at = id, b.readAt
		}
	}
	delete(sn.boards, oldest)
}

// ranker counts ranks on a board: from standings for a large one, in SQL
// otherwise.
type ranker struct {
	s  *challenge.Standings
	fn func(key challengestore.BoardKey) (better, before int, err error)
}

func (r ranker) ahead(key challengestore.BoardKey) (better, before int, err error) {
	if r.s != nil {
		return r.s.Better(key.Score), r.s.Before(key.Score, key.UserID), nil
	}
	return r.fn(key)
}

func (s *Service) ranker(ctx context.Context, c challengestore.Challenge) (ranker, error) {
	r := ranker{fn: func(key challengestore.BoardKey) (int, int, error) {
		return challengestore.Ahead(ctx, s.pool, c.ID, key)
	}}
	if c.Ranked < SnapshotFrom {
		return r, nil
	}
	st, err := s.standings(ctx, c.ID)
	r.s = st
	return r, err
}
