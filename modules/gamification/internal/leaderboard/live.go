package leaderboard

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/modules/gamification/internal/board"
	"github.com/athlos/athlos/modules/gamification/internal/boardstore"
)

// liveKey names one in-memory board: a metric of a slot, globally or in
// one country.
type liveKey struct {
	slot    int32
	metric  board.Metric
	country string
}

// liveBoard is a board in memory, or being loaded (ranking nil).
type liveBoard struct {
	key     liveKey
	ranking *board.Ranking
	pending map[uuid.UUID]bool // users changed while it loaded
	used    uint64             // the Live's clock when last read
	ready   chan struct{}      // closed when its load ends (in service or not)
}

// Live is this process's boards in memory: each loaded on its first read
// (in the background; until it is in, reads go to the SQL fallback) and
// kept from api.EventLeaderboardChanged by one goroutine (run), which
// reads the changed users' totals from PostgreSQL and sets them: set
// semantics, so a redelivered or repeated message changes nothing, and a
// board loaded while messages flow catches up by reading again the users
// changed during its load. When the boards hold more than MaxUsers users,
// the least recently read ones are dropped (and loaded again if read).
type Live struct {
	store    *boardstore.Store
	log      *slog.Logger
	maxUsers int

	mu      sync.Mutex
	started bool
	boards  map[liveKey]*liveBoard
	users   int    // users in the loaded boards
	clock   uint64 // counts reads, for least-recently-used
	work    chan func(context.Context)
	done    chan struct{} // closed when run returns

	// infos keeps what boards show of users (names, countries, opt-outs)
	// read from PostgreSQL, forgotten when a user's listing changes
	// (a change message without slots); infoGen counts those, so that a
	// read that raced one is not kept.
	infos   map[uuid.UUID]boardstore.User
	infoGen uint64
}

// maxInfos bounds the users whose names and listing a process keeps
// (about 100 bytes each); past it they are all forgotten.
const maxInfos = 200_000

// NewLive makes a Live holding at most maxUsers users in its boards.
func NewLive(store *boardstore.Store, log *slog.Logger, maxUsers int) *Live {
	return &Live{store: store, log: log, maxUsers: maxUsers, boards: map[liveKey]*liveBoard{},
		work: make(chan func(context.Context), 1024), done: make(chan struct{}), infos: map[uuid.UUID]boardstore.User{}}
}

// Ranking is the board of k in memory, or nil when it is not yet: it is
// then loaded in the background (once its feed runs: before, a board
// could miss a change), and loading is closed when that load ends (nil
// when no load runs).
func (l *Live) Ranking(k liveKey) (r *board.Ranking, loading <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clock++
	if b, ok := l.boards[k]; ok {
		b.used = l.clock
		if b.ranking == nil {
			return nil, b.ready
		}
		return b.ranking, nil
	}
	if !l.started {
		return nil, nil
	}
	b := &liveBoard{key: k, pending: map[uuid.UUID]bool{}, used: l.clock, ready: make(chan struct{})}
	l.boards[k] = b
	go l.load(b)
	return nil, b.ready
}

// InMemory reports the boards in memory and the users they hold.
func (l *Live) InMemory() (boards, users int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range l.boards {
		if b.ranking != nil {
			boards++
		}
	}
	return boards, l.users
}

// Preload loads the boards most read, one after another, while the boards
// in memory hold fewer than half of MaxUsers users: for each period (the
// week first, then the month, the year and all time) the current slot's
// global board of every sport together, of each metric. A board already
// in memory or loading is left as it is; slots with no totals yet are
// skipped. It returns when those loads end or ctx does. The other boards
// (a sport's, a country's, a past period's) load on their first read.
func (l *Live) Preload(ctx context.Context, now time.Time) {
	for _, p := range board.Periods {
		id, err := l.store.SlotID(ctx, board.SlotAt(p, now, ""))
		if err != nil {
			l.log.Warn("preloading the leaderboards", "err", err)
			return
		}
		if id == 0 {
			continue
		}
		for _, m := range board.Metrics {
			l.mu.Lock()
			full := l.users >= l.maxUsers/2
			l.mu.Unlock()
			if full {
				return
			}
			_, loading := l.Ranking(liveKey{slot: id, metric: m})
			if loading == nil {
				continue
			}
			select {
			case <-loading:
			case <-ctx.Done():
				return
			}
		}
	}
}

// Wait is the board of k in memory, waiting up to d for it to load; nil
// when it is not in by then (the caller reads SQL).
func (l *Live) Wait(k liveKey, d time.Duration) *board.Ranking {
	r, loading := l.Ranking(k)
	if r != nil || loading == nil {
		return r
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-loading:
		r, _ = l.Ranking(k)
		return r
	case <-t.C:
		return nil
	}
}

// load reads b from PostgreSQL, then hands it to run, which reads again
// the users changed meanwhile and puts it in service.
func (l *Live) load(b *liveBoard) {
	ctx := context.Background()
	users, scores, err := l.store.Load(ctx, b.key.slot, b.key.metric, boardstore.Scope{Country: b.key.country})
	if err != nil {
		l.log.Warn("loading a leaderboard", "slot", b.key.slot, "metric", b.key.metric, "err", err)
		l.mu.Lock()
		if l.boards[b.key] == b {
			delete(l.boards, b.key)
		}
		l.mu.Unlock()
		close(b.ready)
		return
	}
	r := board.NewRanking(len(users))
	r.SetAll(users, scores)
	sent := l.do(func(ctx context.Context) {
		defer close(b.ready)
		l.mu.Lock()
		pending := make([]uuid.UUID, 0, len(b.pending))
		for u := range b.pending {
			pending = append(pending, u)
		}
		b.pending = nil
		l.mu.Unlock()
		if len(pending) > 0 {
			if err := l.refresh(ctx, []*liveBoard{b}, pending, r); err != nil {
				l.log.Warn("catching up a loaded leaderboard", "err", err)
				l.mu.Lock()
				if l.boards[b.key] == b {
					delete(l.boards, b.key)
				}
				l.mu.Unlock()
				return
			}
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.boards[b.key] != b {
			return // dropped meanwhile
		}
		b.ranking = r
		l.users += r.Len()
		l.evict(b)
	})
	if !sent {
		close(b.ready) // run has returned: the board never loads
	}
}

// do hands fn to run; false when run has returned (fn is dropped).
func (l *Live) do(fn func(context.Context)) bool {
	select {
	case l.work <- fn:
		return true
	case <-l.done:
		return false
	}
}

// evict drops the least recently read boards but keep while the boards
// hold more than maxUsers users. l.mu is held.
func (l *Live) evict(keep *liveBoard) {
	for l.users > l.maxUsers {
		var old *liveBoard
		for _, b := range l.boards {
			if b != keep && b.ranking != nil && (old == nil || b.used < old.used) {
				old = b
			}
		}
		if old == nil {
			return
		}
		delete(l.boards, old.key)
		l.users -= old.ranking.Len()
	}
}

// Users is what boards show of users: kept in memory while the feed
// runs, read from PostgreSQL otherwise.
func (l *Live) Users(ctx context.Context, users []uuid.UUID) (map[uuid.UUID]boardstore.User, error) {
	out := make(map[uuid.UUID]boardstore.User, len(users))
	var missing []uuid.UUID
	l.mu.Lock()
	gen, keep := l.infoGen, l.started
	for _, u := range users {
		if x, ok := l.infos[u]; ok {
			out[u] = x
		} else {
			missing = append(missing, u)
		}
	}
	l.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	got, err := l.store.Users(ctx, missing)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	if keep && l.infoGen == gen {
		if len(l.infos)+len(got) > maxInfos {
			l.infos = map[uuid.UUID]boardstore.User{}
		}
		for u, x := range got {
			l.infos[u] = x
		}
	}
	l.mu.Unlock()
	for u, x := range got {
		out[u] = x
	}
	return out, nil
}

// Changed hands a change message to run; a listing change (no slots)
// forgets the users' names and listing at once.
func (l *Live) Changed(slots []int32, users []uuid.UUID) {
	if len(slots) == 0 {
		l.mu.Lock()
		for _, u := range users {
			delete(l.infos, u)
		}
		l.infoGen++
		l.mu.Unlock()
	}
	l.do(func(ctx context.Context) {
		var ready []*liveBoard
		l.mu.Lock()
		for _, b := range l.boards {
			if len(slots) > 0 && !containsSlot(slots, b.key.slot) {
				continue
			}
			if b.ranking == nil {
				for _, u := range users {
					b.pending[u] = true
				}
				continue
			}
			ready = append(ready, b)
		}
		l.mu.Unlock()
		if len(ready) == 0 {
			return
		}
		if err := l.refresh(ctx, ready, users, nil); err != nil {
			l.log.Warn("refreshing leaderboards; dropping them (they load again)", "err", err)
			l.Reset()
		}
	})
}

func containsSlot(slots []int32, s int32) bool {
	for _, x := range slots {
		if x == s {
			return true
		}
	}
	return false
}

// refresh reads users' totals in bs's slots and sets them on each board
// (on into instead of the board's own ranking, when given).
func (l *Live) refresh(ctx context.Context, bs []*liveBoard, users []uuid.UUID, into *board.Ranking) error {
	var slots []int32
	for _, b := range bs {
		if !containsSlot(slots, b.key.slot) {
			slots = append(slots, b.key.slot)
		}
	}
	rows, err := l.store.Refresh(ctx, slots, users)
	if err != nil {
		return err
	}
	type su struct {
		slot int32
		user uuid.UUID
	}
	found := make(map[su]*boardstore.Row, len(rows))
	for i := range rows {
		found[su{rows[i].Slot, rows[i].UserID}] = &rows[i]
	}
	for _, b := range bs {
		r := into
		if r == nil {
			r = b.ranking
		}
		scores := make([]int, len(users))
		for i, u := range users {
			row := found[su{b.key.slot, u}]
			if row != nil && row.Listed && (b.key.country == "" || row.Country == b.key.country) {
				scores[i] = b.key.metric.Score(row.Amounts.Of(b.key.metric))
			}
		}
		before := r.Len()
		r.SetAll(users, scores)
		if into == nil {
			l.mu.Lock()
			if l.boards[b.key] == b {
				l.users += r.Len() - before
			}
			l.mu.Unlock()
		}
	}
	return nil
}

// Reset drops every board (they load again when read): after a gap in
// the feed, nothing in memory can be trusted.
func (l *Live) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.boards = map[liveKey]*liveBoard{}
	l.users = 0
	l.infos = map[uuid.UUID]boardstore.User{}
	l.infoGen++
}

// run applies the work handed to it, one at a time, until ctx ends.
func (l *Live) run(ctx context.Context) {
	defer close(l.done)
	for {
		select {
		case <-ctx.Done():
			return
		case fn := <-l.work:
			fn(ctx)
		}
	}
}

// setStarted lets boards load (their feed runs) or stops them loading.
func (l *Live) setStarted(on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.started = on
	if !on {
		l.boards = map[liveKey]*liveBoard{}
		l.users = 0
		l.infos = map[uuid.UUID]boardstore.User{}
		l.infoGen++
	}
}
