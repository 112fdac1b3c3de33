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
	// session by that much; the entries and values listed are live. A
	// board whose load takes longer than a tenth of it is reloaded at
	// most every ten load times (so loading costs a process at most a
	// tenth of a core per board read steadily).
	SnapshotMaxAge = 2 * time.Second
	// snapshotEntries bounds the entries kept per process (24 bytes
	// each): the least recently read boards go first.
	snapshotEntries = 8_000_000
)

// snapshots keeps the standings of the large boards read lately, per
// process.
type snapshots struct {
	mu      sync.Mutex
	boards  map[uuid.UUID]*snapshot
	entries int
}

type snapshot struct {
	load     sync.Mutex // held while loading
	s        *challenge.Standings
	loadedAt time.Time
	took     time.Duration
	readAt   time.Time
}

// fresh reports whether the snapshot may still be used at now (mu held).
func (sn *snapshot) fresh(now time.Time) bool {
	return sn.s != nil && now.Sub(sn.loadedAt) < max(SnapshotMaxAge, 10*sn.took)
}

// standings returns the standings of the board id, loading them when
// there are none or they are too old; a reader that finds another one
// loading uses the older standings meanwhile.
func (s *Service) standings(ctx context.Context, id uuid.UUID) (*challenge.Standings, error) {
	sn, cur, fresh := s.snaps.get(id)
	if fresh {
		return cur, nil
	}
	if cur != nil && !sn.load.TryLock() {
		return cur, nil // someone is loading it
	}
	if cur == nil {
		sn.load.Lock()
	}
	defer sn.load.Unlock()
	if _, cur, fresh := s.snaps.get(id); fresh {
		return cur, nil // loaded while we waited
	}
	started := time.Now()
	scores, ids, err := challengestore.Standings(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	st := challenge.NewStandings(scores, ids)
	s.snaps.put(id, sn, st, started, time.Since(started))
	return st, nil
}

// get returns the board's snapshot (made if none), its standings and
// whether they are fresh, and marks it read.
func (sns *snapshots) get(id uuid.UUID) (*snapshot, *challenge.Standings, bool) {
	now := time.Now()
	sns.mu.Lock()
	defer sns.mu.Unlock()
	if sns.boards == nil {
		sns.boards = make(map[uuid.UUID]*snapshot)
	}
	sn := sns.boards[id]
	if sn == nil {
		sn = &snapshot{}
		sns.boards[id] = sn
	}
	sn.readAt = now
	return sn, sn.s, sn.fresh(now)
}

// put stores a board's new standings and evicts the least recently read
// other boards while the process keeps more than snapshotEntries.
func (sns *snapshots) put(id uuid.UUID, sn *snapshot, st *challenge.Standings, at time.Time, took time.Duration) {
	sns.mu.Lock()
	defer sns.mu.Unlock()
	if sn.s != nil {
		sns.entries -= sn.s.Len()
	}
	sn.s, sn.loadedAt, sn.took = st, at, took
	sns.entries += st.Len()
	sns.boards[id] = sn
	for sns.entries > snapshotEntries && len(sns.boards) > 1 {
		var oldest uuid.UUID
		var readAt time.Time
		for bid, b := range sns.boards {
			if bid != id && (readAt.IsZero() || b.readAt.Before(readAt)) {
				oldest, readAt = bid, b.readAt
			}
		}
		if b := sns.boards[oldest]; b.s != nil {
			sns.entries -= b.s.Len()
		}
		delete(sns.boards, oldest)
	}
}

// ranker counts ranks on a board: from standings for a large one, in SQL
// otherwise.
type ranker struct {
	s     *challenge.Standings
	fn    func(key challengestore.BoardKey) (better, before int, err error)
	count func() (int, error)
}

func (r ranker) ahead(key challengestore.BoardKey) (better, before int, err error) {
	if r.s != nil {
		return r.s.Better(key.Score), r.s.Before(key.Score, key.UserID), nil
	}
	return r.fn(key)
}

// listed is how many entries the board lists.
func (r ranker) listed() (int, error) {
	if r.s != nil {
		return r.s.Len(), nil
	}
	return r.count()
}

func (s *Service) ranker(ctx context.Context, c challengestore.Challenge) (ranker, error) {
	r := ranker{fn: func(key challengestore.BoardKey) (int, int, error) {
		return challengestore.Ahead(ctx, s.pool, c.ID, key)
	}, count: func() (int, error) {
		return challengestore.Listed(ctx, s.pool, c.ID)
	}}
	if c.Ranked < SnapshotFrom {
		return r, nil
	}
	st, err := s.standings(ctx, c.ID)
	r.s = st
	return r, err
}
