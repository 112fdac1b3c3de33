package leaderboard

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/board"
	"github.com/athlos/athlos/modules/gamification/internal/boardstore"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// world is one database and one NATS server with the module's stream and
// an outbox relay, on which tests run one or more processes.
type world struct {
	t     *testing.T
	dbURL string
	pool  *pgxpool.Pool
	conn  *bus.Conn
	users int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, dbURL: pgtest.NewDB(t)}
	w.pool = w.openPool()
	e := bustest.Server(t)
	w.conn = bustest.Conn(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, bus.EnsureStreams(ctx, w.conn.JS, bus.Streams([]string{api.Module}, 1)))
	relayCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		bus.NewRelay(w.pool, w.conn.JS, api.Module, bustest.Logger(t)).Run(relayCtx)
	}()
	t.Cleanup(func() { stop(); <-done })
	return w
}

func (w *world) openPool() *pgxpool.Pool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := storage.Open(ctx, w.dbURL, 0)
	require.NoError(w.t, err)
	w.t.Cleanup(pool.Close)
	return pool
}

// process is one process running the module's leaderboards: its own
// pool, boards in memory and feed.
type process struct {
	svc  *Service
	live *Live
}

func (w *world) process(now time.Time) *process {
	w.t.Helper()
	store := boardstore.New(w.openPool())
	live := NewLive(store, bustest.Logger(w.t), MaxUsersInMemory)
	svc := New(store, live)
	svc.now = func() time.Time { return now }
	feed := NewFeed(live, w.conn.JS)
	require.NoError(w.t, feed.Start(context.Background()))
	w.t.Cleanup(func() { _ = feed.Stop(context.Background()) })
	return &process{svc: svc, live: live}
}

// user adds a user to the read model (as the client's events would).
func (w *world) user(name, country string, listed bool) uuid.UUID {
	w.t.Helper()
	// Ids grow with each user made, so that ties list in that order.
	w.users++
	id := uuid.MustParse(fmt.Sprintf("%08x%s", w.users, uuid.NewString()[8:]))
	var c *string
	if country != "" {
		c = &country
	}
	_, err := w.pool.Exec(context.Background(), `INSERT INTO gamification.users (user_id, display_name, country, show_in_leaderboards, updated_at)
		VALUES ($1, $2, $3, $4, now())`, id, name, c, listed)
	require.NoError(w.t, err)
	return id
}

// apply applies session changes as the activity consumer would, through p.
func (w *world) apply(p *process, changes ...activity.Change) {
	w.t.Helper()
	require.NoError(w.t, storage.InTx(context.Background(), w.pool, func(tx pgx.Tx) error {
		return p.svc.ApplySessions(context.Background(), tx, changes)
	}))
}

func session(user uuid.UUID, sport string, at time.Time, km float64) *activity.Session {
	return &activity.Session{ID: uuid.New(), UserID: user, Sport: sport, StartedAt: at, CompletedAt: at.Add(time.Hour),
		DistanceM: km * 1000, MovingTimeS: km * 300, ElevationGainM: km * 10, Plausible: true, Revision: 1}
}

func get(t *testing.T, p *process, user uuid.UUID, in api.LeaderboardRequest) api.Leaderboard {
	t.Helper()
	out, err := p.svc.Get(context.Background(), user, in)
	require.NoError(t, err)
	return out
}

// loaded waits until p holds the board in memory (the first read loads it).
func loaded(t *testing.T, p *process, in api.LeaderboardRequest, user uuid.UUID) {
	t.Helper()
	get(t, p, user, in)
	k := keyOf(t, p, in, user)
	require.Eventually(t, func() bool {
		r, _ := p.live.Ranking(k)
		return r != nil
	}, 30*time.Second, 10*time.Millisecond)
}

// inMemory tells whether p holds the board in memory.
func inMemory(t *testing.T, p *process, in api.LeaderboardRequest, user uuid.UUID) bool {
	k := keyOf(t, p, in, user)
	p.live.mu.Lock()
	defer p.live.mu.Unlock()
	b := p.live.boards[k]
	return b != nil && b.ranking != nil
}

func keyOf(t *testing.T, p *process, in api.LeaderboardRequest, user uuid.UUID) liveKey {
	t.Helper()
	q, err := ParseQuery(in, p.svc.now())
	require.NoError(t, err)
	id, err := p.svc.store.SlotID(context.Background(), board.SlotAt(q.Period, q.At, q.Sport))
	require.NoError(t, err)
	country := ""
	if q.Country {
		c, err := p.svc.store.Users(context.Background(), []uuid.UUID{user})
		require.NoError(t, err)
		country = c[user].Country
	}
	return liveKey{slot: id, metric: q.Metric, country: country}
}

type place struct {
	Rank  int64
	Name  string
	Value float64
}

func places(rows []api.LeaderboardRow) []place {
	out := make([]place, len(rows))
	for i, r := range rows {
		out[i] = place{r.Rank, r.DisplayName, r.Value}
	}
	return out
}

var monday = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

// Ties share a rank, neighbours surround the caller, opted-out users are
// neither listed nor counted; the SQL fallback (first read) and the board
// in memory answer the same.
func TestTiesNeighboursAndOptedOut(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	now := monday.Add(50 * time.Hour)
	p := w.process(now)
	ana, ben, cai, dee, eve, fay := w.user("Ana", "DE", true), w.user("Ben", "DE", true), w.user("Cai", "FR", true),
		w.user("Dee", "DE", true), w.user("Eve", "DE", false), w.user("Fay", "", true)
	at := monday.Add(8 * time.Hour)
	w.apply(p,
		activity.Change{New: session(ana, "run", at, 12)},
		activity.Change{New: session(ben, "run", at, 10.004)}, // 10,004 m and 10,000 m tie in 10 m buckets
		activity.Change{New: session(cai, "ride", at, 10)},
		activity.Change{New: session(dee, "run", at, 5)},
		activity.Change{New: session(eve, "run", at, 50)}, // opted out
		activity.Change{New: session(dee, "run", at.Add(time.Hour), 1)},
	)
	req := api.LeaderboardRequest{Metric: "distance", Period: "week", Limit: 10}
	sqlOnly := &process{svc: New(p.svc.store, nil)} // no memory: the SQL fallback
	sqlOnly.svc.now = p.svc.now
	check := func(from string, p *process) {
		b := get(t, p, ben, req)
		assert.Equal(t, []place{{1, "Ana", 12000}, {2, "Ben", 10000}, {2, "Cai", 10000}, {4, "Dee", 6000}}, places(b.Items), from)
		assert.Equal(t, int64(4), b.Total, from)
		require.NotNil(t, b.Me.Rank, from)
		assert.Equal(t, int64(2), *b.Me.Rank, from)
		assert.True(t, b.Me.Listed)
		assert.Equal(t, 10000.0, b.Me.Value)
		assert.Equal(t, []place{{1, "Ana", 12000}, {2, "Ben", 10000}, {2, "Cai", 10000}, {4, "Dee", 6000}}, places(b.Neighbours), from)
		assert.Equal(t, monday, *b.PeriodStart)
		assert.Equal(t, monday.AddDate(0, 0, 7), *b.PeriodEnd)
		assert.Equal(t, "m", b.Unit)
		assert.Equal(t, 10.0, b.Step)

		one := 1
		d := get(t, p, dee, api.LeaderboardRequest{Neighbours: &one, Limit: 1})
		assert.Equal(t, []place{{1, "Ana", 12000}}, places(d.Items), from)
		assert.Equal(t, []place{{2, "Cai", 10000}, {4, "Dee", 6000}}, places(d.Neighbours), from)

		e := get(t, p, eve, req)
		assert.Nil(t, e.Me.Rank, "an opted-out user has no rank")
		assert.False(t, e.Me.Listed)
		assert.Equal(t, 50000.0, e.Me.Value, "but sees their own value")
		assert.Empty(t, e.Neighbours)

		f := get(t, p, fay, req)
		assert.Nil(t, f.Me.Rank, "nothing counted")
		assert.True(t, f.Me.Listed)
		assert.Zero(t, f.Me.Value)

		c := get(t, p, ana, api.LeaderboardRequest{Scope: "country", Period: "week"})
		assert.Equal(t, "country:DE", c.Scope)
		assert.Equal(t, []place{{1, "Ana", 12000}, {2, "Ben", 10000}, {3, "Dee", 6000}}, places(c.Items), from)

		r := get(t, p, cai, api.LeaderboardRequest{Sport: "run", Metric: "sessions"})
		assert.Equal(t, []place{{1, "Dee", 2}, {2, "Ana", 1}, {2, "Ben", 1}}, places(r.Items), from)
		assert.Nil(t, r.Me.Rank, "Cai rode")
		assert.Equal(t, "run", r.Sport)
	}
	check("SQL fallback", sqlOnly)
	loaded(t, p, req, ben)
	loaded(t, p, api.LeaderboardRequest{Scope: "country", Period: "week"}, ana)
	loaded(t, p, api.LeaderboardRequest{Sport: "run", Metric: "sessions"}, cai)
	check("memory", p)
	for _, in := range []api.LeaderboardRequest{req, {Scope: "country", Period: "week"}, {Sport: "run", Metric: "sessions"}} {
		assert.True(t, inMemory(t, p, in, ana), "%+v", in)
	}

	_, err := p.svc.Get(context.Background(), fay, api.LeaderboardRequest{Scope: "country"})
	assert.Equal(t, bus.CodeInvalid, bus.CodeOf(err), "no country in Fay's profile")
	assert.Equal(t, "query.scope", bus.AsError(err).Fields[0].Field)

	empty := get(t, p, ana, api.LeaderboardRequest{At: "2025-03-01T00:00:00Z", Period: "month"})
	assert.Empty(t, empty.Items, "nothing counted then")
	assert.Equal(t, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), *empty.PeriodStart)
	all := get(t, p, ana, api.LeaderboardRequest{Period: "all"})
	assert.Nil(t, all.PeriodStart)
	assert.Len(t, all.Items, 4)
}

// An edit takes the session's old contribution back and adds the new one
// (to the period it moved to); a deletion takes everything back; a
// session flagged implausible counts nowhere. Both the fallback and the
// memory follow.
func TestEditsAndDeletionsTakeContributionsBack(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	now := monday.Add(8 * 24 * time.Hour) // the next week's Tuesday
	p := w.process(now)
	ana, ben := w.user("Ana", "DE", true), w.user("Ben", "DE", true)
	week := api.LeaderboardRequest{Period: "week", At: monday.Add(time.Hour).Format(time.RFC3339)}
	s := session(ana, "run", monday.Add(2*time.Hour), 10)
	w.apply(p, activity.Change{New: s}, activity.Change{New: session(ben, "run", monday.Add(3*time.Hour), 8)})
	loaded(t, p, week, ana)
	loaded(t, p, api.LeaderboardRequest{Period: "week"}, ana)
	loaded(t, p, api.LeaderboardRequest{Period: "month"}, ana)

	wait := func(in api.LeaderboardRequest, want []place, msg string) {
		t.Helper()
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Equal(c, want, places(get(t, p, ana, in).Items))
		}, 30*time.Second, 10*time.Millisecond, msg)
	}
	wait(week, []place{{1, "Ana", 10000}, {2, "Ben", 8000}}, "both counted")

	edited := *s
	edited.DistanceM, edited.Revision = 5000, 2
	w.apply(p, activity.Change{Old: s, New: &edited})
	wait(week, []place{{1, "Ben", 8000}, {2, "Ana", 5000}}, "the edit replaces 10 km by 5 km")

	moved := edited
	moved.StartedAt, moved.Revision = monday.Add(7*24*time.Hour+time.Hour), 3 // into this week
	w.apply(p, activity.Change{Old: &edited, New: &moved})
	wait(week, []place{{1, "Ben", 8000}}, "moved out of last week")
	wait(api.LeaderboardRequest{Period: "week"}, []place{{1, "Ana", 5000}}, "into this week")
	wait(api.LeaderboardRequest{Period: "month"}, []place{{1, "Ben", 8000}, {2, "Ana", 5000}}, "same month")

	implausible := moved
	implausible.Plausible, implausible.Revision = false, 4
	w.apply(p, activity.Change{Old: &moved, New: &implausible})
	wait(api.LeaderboardRequest{Period: "week"}, []place{}, "flagged implausible")

	w.apply(p, activity.Change{Old: &implausible}, activity.Change{Old: session(ben, "run", monday.Add(3*time.Hour), 8)})
	wait(api.LeaderboardRequest{Period: "month"}, []place{}, "deleted")
	var n int
	require.NoError(t, w.pool.QueryRow(context.Background(), `SELECT count(*) FROM gamification.board_totals`).Scan(&n))
	assert.Zero(t, n, "totals taken back to nothing leave no row")
}

// Periods roll over at Monday 00:00 UTC (weeks) and on the 1st (months);
// the past periods stay readable with at.
func TestPeriodRollOver(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sunday := monday.Add(-time.Second) // 2026-12-06T23:59:59Z, still November's last week... and December's
	p := w.process(monday.Add(time.Hour))
	ana, ben := w.user("Ana", "", true), w.user("Ben", "", true)
	w.apply(p,
		activity.Change{New: session(ana, "run", sunday, 10)},
		activity.Change{New: session(ben, "run", monday, 7)},
		activity.Change{New: session(ben, "run", time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC), 1)},
	)
	this := get(t, p, ana, api.LeaderboardRequest{Period: "week"})
	assert.Equal(t, []place{{1, "Ben", 7000}}, places(this.Items))
	assert.Equal(t, monday, *this.PeriodStart)
	last := get(t, p, ana, api.LeaderboardRequest{Period: "week", At: sunday.Format(time.RFC3339)})
	assert.Equal(t, []place{{1, "Ana", 10000}, {2, "Ben", 1000}}, places(last.Items))
	assert.Equal(t, monday.AddDate(0, 0, -7), *last.PeriodStart)
	assert.Equal(t, monday, *last.PeriodEnd)
	dec := get(t, p, ana, api.LeaderboardRequest{Period: "month"})
	assert.Equal(t, []place{{1, "Ana", 10000}, {2, "Ben", 7000}}, places(dec.Items))
	nov := get(t, p, ana, api.LeaderboardRequest{Period: "month", At: "2026-11-15T00:00:00Z"})
	assert.Equal(t, []place{{1, "Ben", 1000}}, places(nov.Items))
	year := get(t, p, ana, api.LeaderboardRequest{Period: "year"})
	assert.Equal(t, []place{{1, "Ana", 10000}, {2, "Ben", 8000}}, places(year.Items))
}

// A group's board lists its members only; whoever is not a member hears
// of no group, existing or not.
func TestGroupScope(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.process(monday.Add(time.Hour))
	ana, ben, cai, eve := w.user("Ana", "", true), w.user("Ben", "", true), w.user("Cai", "", true), w.user("Eve", "", false)
	group := uuid.New()
	for i, u := range []uuid.UUID{ana, ben, eve} {
		_, err := w.pool.Exec(context.Background(), `INSERT INTO gamification.group_members (group_id, user_id, role, seq) VALUES ($1, $2, 'member', $3)`,
			group, u, i+1)
		require.NoError(t, err)
	}
	w.apply(p, activity.Change{New: session(ana, "run", monday, 3)}, activity.Change{New: session(ben, "run", monday, 4)},
		activity.Change{New: session(cai, "run", monday, 9)}, activity.Change{New: session(eve, "run", monday, 9)})
	g := get(t, p, ana, api.LeaderboardRequest{Scope: "group:" + group.String()})
	assert.Equal(t, "group:"+group.String(), g.Scope)
	assert.Equal(t, []place{{1, "Ben", 4000}, {2, "Ana", 3000}}, places(g.Items), "members only, opted-out Eve neither")
	assert.Equal(t, int64(2), *g.Me.Rank)
	for _, scope := range []string{"group:" + group.String(), "group:" + uuid.NewString()} {
		_, err := p.svc.Get(context.Background(), cai, api.LeaderboardRequest{Scope: scope})
		assert.Equal(t, bus.CodeNotFound, bus.CodeOf(err), scope)
	}
}

// Points come from achievement unlocks, in the periods of their time,
// on boards of every sport only.
func TestPointsBoards(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.process(monday.Add(time.Hour))
	ana, ben := w.user("Ana", "", true), w.user("Ben", "", true)
	unlock := func(u uuid.UUID, points int, at time.Time) {
		require.NoError(t, storage.InTx(context.Background(), w.pool, func(tx pgx.Tx) error {
			return p.svc.ApplyPoints(context.Background(), tx, []api.AchievementUnlocked{{UserID: u.String(), Points: points, UnlockedAt: at}})
		}))
	}
	unlock(ana, 50, monday)
	unlock(ben, 20, monday)
	unlock(ben, 40, monday.Add(-time.Hour)) // last week
	assert.Equal(t, []place{{1, "Ana", 50}, {2, "Ben", 20}}, places(get(t, p, ana, api.LeaderboardRequest{Metric: "points"}).Items))
	assert.Equal(t, []place{{1, "Ben", 60}, {2, "Ana", 50}}, places(get(t, p, ana, api.LeaderboardRequest{Metric: "points", Period: "all"}).Items))
	_, err := p.svc.Get(context.Background(), ana, api.LeaderboardRequest{Metric: "points", Sport: "run"})
	assert.Equal(t, "query.sport", bus.AsError(err).Fields[0].Field)
	require.Error(t, storage.InTx(context.Background(), w.pool, func(tx pgx.Tx) error {
		return p.svc.ApplyPoints(context.Background(), tx, []api.AchievementUnlocked{{UserID: "nobody", Points: 5, UnlockedAt: monday}})
	}))
}

// Two processes on one database and bus, each with its boards in memory
// fed by its own consumer: random sessions applied through either (edits
// and deletions among them), opt-outs and an erased user; both end up
// with the same boards (and names: one user renamed), and those are what
// the SQL fallback counts.
func TestTwoProcessesAgree(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	now := monday.Add(30 * time.Hour)
	p1, p2 := w.process(now), w.process(now)
	r := rand.New(rand.NewPCG(1, 9))
	users := make([]uuid.UUID, 60)
	for i := range users {
		users[i] = w.user(fmt.Sprintf("U%02d", i), []string{"DE", "FR", ""}[i%3], true)
	}
	boards := []api.LeaderboardRequest{{Period: "week"}, {Period: "all", Metric: "time"}, {Metric: "sessions", Sport: "run"},
		{Scope: "country", Period: "month", Metric: "elevation"}}
	for _, b := range boards {
		loaded(t, p1, b, users[0])
		loaded(t, p2, b, users[0])
	}
	live := map[uuid.UUID]*activity.Session{}
	var ids []uuid.UUID
	for round := range 30 {
		p := []*process{p1, p2}[round%2]
		var changes []activity.Change
		for range 20 {
			switch k := r.IntN(10); {
			case k < 6 || len(ids) == 0:
				u := users[r.IntN(len(users))]
				if round > 20 && u == users[6] {
					continue // erased: the consumer applies none of theirs
				}
				s := session(u, []string{"run", "ride"}[r.IntN(2)], monday.Add(time.Duration(r.IntN(30))*time.Hour), float64(r.IntN(20)))
				live[s.ID], ids = s, append(ids, s.ID)
				changes = append(changes, activity.Change{New: s})
			case k < 9:
				id := ids[r.IntN(len(ids))]
				old := live[id]
				if old == nil || (round > 20 && old.UserID == users[6]) {
					continue
				}
				n := *old
				n.DistanceM, n.Revision = float64(r.IntN(20000)), old.Revision+1
				live[id] = &n
				changes = append(changes, activity.Change{Old: old, New: &n})
			default:
				id := ids[r.IntN(len(ids))]
				if old := live[id]; old != nil && (round <= 20 || old.UserID != users[6]) {
					delete(live, id)
					changes = append(changes, activity.Change{Old: old})
				}
			}
		}
		// One batch changes each session once (the consumer keeps a
		// session's newest event).
		seen := map[uuid.UUID]bool{}
		var batch []activity.Change
		for i := len(changes) - 1; i >= 0; i-- {
			s := changes[i].New
			if s == nil {
				s = changes[i].Old
			}
			if !seen[s.ID] {
				seen[s.ID] = true
				batch = append(batch, changes[i])
			}
		}
		w.apply(p, batch...)
		if round == 10 {
			_, err := w.pool.Exec(context.Background(), `UPDATE gamification.users SET show_in_leaderboards = false WHERE user_id = $1`, users[3])
			require.NoError(t, err)
			_, err = w.pool.Exec(context.Background(), `UPDATE gamification.users SET country = 'FR' WHERE user_id = $1`, users[0])
			require.NoError(t, err)
			_, err = w.pool.Exec(context.Background(), `UPDATE gamification.users SET display_name = 'Renamed' WHERE user_id = $1`, users[1])
			require.NoError(t, err)
		}
		if round == 20 {
			require.NoError(t, storage.InTx(context.Background(), w.pool, func(tx pgx.Tx) error {
				if err := p.svc.EraseUser(context.Background(), tx, users[6]); err != nil {
					return err
				}
				_, err := tx.Exec(context.Background(), `DELETE FROM gamification.users WHERE user_id = $1`, users[6])
				return err
			}))
		}
	}
	truth := New(p1.svc.store, nil) // no memory: the SQL fallback
	truth.now = p1.svc.now
	for _, b := range boards {
		b.Limit = 100
		for i, u := range users[:12] {
			if b.Scope == "country" && (i%3 == 2 || i == 6) {
				continue // no country (user 6 was erased)
			}
			want := get(t, &process{svc: truth}, u, b)
			require.NotEmpty(t, want.Items)
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				for _, p := range []*process{p1, p2} {
					got, err := p.svc.Get(context.Background(), u, b)
					require.NoError(c, err)
					assert.Equal(c, want, got)
				}
			}, 30*time.Second, 20*time.Millisecond, "board %+v, user %s", b, u)
		}
	}
	for _, p := range []*process{p1, p2} {
		for _, it := range get(t, p, users[0], api.LeaderboardRequest{Period: "all", Metric: "time", Limit: 100}).Items {
			assert.NotEqual(t, users[3].String(), it.UserID, "opted out")
			assert.NotEqual(t, users[6].String(), it.UserID, "erased")
		}
		assert.Equal(t, "country:FR", get(t, p, users[0], boards[3]).Scope)
		for _, b := range boards[:3] {
			assert.True(t, inMemory(t, p, b, users[0]), "answered from memory: %+v", b)
		}
	}
}

// Bad input names the field and the reason.
func TestParseQueryBadInput(t *testing.T) {
	now := monday
	neg, big := -1, MaxNeighbours+1
	cases := []struct {
		in    api.LeaderboardRequest
		field string
	}{
		{api.LeaderboardRequest{Metric: "calories"}, "query.metric"},
		{api.LeaderboardRequest{Period: "day"}, "query.period"},
		{api.LeaderboardRequest{Scope: "planet"}, "query.scope"},
		{api.LeaderboardRequest{Scope: "group:"}, "query.scope"},
		{api.LeaderboardRequest{Scope: "group:not-a-uuid"}, "query.scope"},
		{api.LeaderboardRequest{Scope: "group:00000000-0000-0000-0000-000000000000"}, "query.scope"},
		{api.LeaderboardRequest{Sport: "Run!"}, "query.sport"},
		{api.LeaderboardRequest{Metric: "points", Sport: "run"}, "query.sport"},
		{api.LeaderboardRequest{Limit: -1}, "query.limit"},
		{api.LeaderboardRequest{Limit: MaxLimit + 1}, "query.limit"},
		{api.LeaderboardRequest{Neighbours: &neg}, "query.neighbours"},
		{api.LeaderboardRequest{Neighbours: &big}, "query.neighbours"},
		{api.LeaderboardRequest{At: "yesterday"}, "query.at"},
		{api.LeaderboardRequest{At: "2027-01-01T00:00:00Z"}, "query.at"},
		{api.LeaderboardRequest{At: "1999-12-31T00:00:00Z"}, "query.at"},
	}
	for _, c := range cases {
		_, err := ParseQuery(c.in, now)
		e := bus.AsError(err)
		require.NotNil(t, e, "%+v", c.in)
		assert.Equal(t, bus.CodeInvalid, e.Code)
		require.Len(t, e.Fields, 1)
		assert.Equal(t, c.field, e.Fields[0].Field, "%+v", c.in)
		assert.NotEmpty(t, e.Fields[0].Reason)
	}
	q, err := ParseQuery(api.LeaderboardRequest{}, now)
	require.NoError(t, err)
	assert.Equal(t, Query{Metric: board.Distance, Period: board.Week, At: now, Limit: DefaultLimit, Neighbours: DefaultNeighbours}, q)
}

// onSmallPool is a service on a pool of two connections.
func onSmallPool(t *testing.T) (context.Context, *pgxpool.Pool, *Service) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	pool, err := storage.Open(ctx, pgtest.NewDB(t), 2)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return ctx, pool, New(boardstore.New(pool), nil)
}

// A batch's transaction needs no second connection (a new slot is made in
// it): more batches at once than the pool has connections all commit.
func TestConcurrentBatchesOnASmallPool(t *testing.T) {
	ctx, pool, svc := onSmallPool(t)
	errs := make(chan error, 6)
	for i := range 6 {
		go func() {
			at := monday.AddDate(0, 0, -7*i) // a week (and slot) of its own, and shared months
			errs <- storage.InTx(ctx, pool, func(tx pgx.Tx) error {
				return svc.ApplySessions(ctx, tx, []activity.Change{{New: session(uuid.New(), "run", at, 5)}})
			})
		}()
	}
	for range 6 {
		require.NoError(t, <-errs)
	}
	var slots int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM gamification.board_slots`).Scan(&slots))
	assert.Positive(t, slots)
}

// The consumer makes a batch's new slots before its transaction
// (activity.Preparer), so batches meeting the same new weeks on a pool
// smaller than their number neither wait for each other's transaction
// nor for a connection; slots made for a batch that rolls back stay,
// empty.
func TestSlotsAreMadeBeforeTheBatch(t *testing.T) {
	ctx, pool, svc := onSmallPool(t)
	count := func(q string) (n int) {
		require.NoError(t, pool.QueryRow(ctx, q).Scan(&n))
		return n
	}

	// A batch that rolls back: its slots (week, month, year, all; every
	// sport and its own) stay, its totals do not.
	s := session(uuid.New(), "swim", monday.AddDate(0, 0, -70), 2)
	require.NoError(t, svc.Prepare(ctx, []*activity.Session{s}))
	failed := fmt.Errorf("the batch fails")
	err := storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := svc.ApplySessions(ctx, tx, []activity.Change{{New: s}}); err != nil {
			return err
		}
		return failed
	})
	require.ErrorIs(t, err, failed)
	assert.Equal(t, 8, count(`SELECT count(*) FROM gamification.board_slots`))
	assert.Zero(t, count(`SELECT count(*) FROM gamification.board_totals`))

	// Six batches at once, each with sessions of many new weeks, through
	// the consumer's ApplyOnce on a pool of two connections.
	errs := make(chan error, 6)
	for i := range 6 {
		go func() {
			var ids []string
			var events []activity.Event
			for w := range 10 {
				s := session(uuid.New(), "run", monday.AddDate(0, 0, -7*(w+i)), 5)
				ids = append(ids, fmt.Sprintf("batch-%d-%d", i, w))
				events = append(events, activity.Event{SessionID: s.ID, UserID: s.UserID, Revision: s.Revision, Session: s})
			}
			errs <- activity.ApplyOnce(ctx, pool, ids, events, []activity.Applier{svc})
		}()
	}
	for range 6 {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, 60, count(`SELECT count(*) FROM gamification.board_totals t JOIN gamification.board_slots b ON b.id = t.slot_id
		WHERE b.period = 'all' AND b.sport = 'run'`), "every session's user on the all-time running board")
}

// Past its bound on users in memory, a process drops the least recently
// read boards (they load again when read); answers stay right.
func TestMemoryBound(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	now := monday.Add(time.Hour)
	p := w.process(now)
	p.live.maxUsers = 3
	ana, ben, cai := w.user("Ana", "", true), w.user("Ben", "", true), w.user("Cai", "", true)
	w.apply(p, activity.Change{New: session(ana, "run", monday, 3)}, activity.Change{New: session(ben, "run", monday, 4)},
		activity.Change{New: session(cai, "ride", monday, 5)})
	week, month := api.LeaderboardRequest{Period: "week"}, api.LeaderboardRequest{Period: "month"}
	loaded(t, p, week, ana)
	assert.True(t, inMemory(t, p, week, ana))
	loaded(t, p, month, ana) // 3 + 3 users: the week goes
	assert.False(t, inMemory(t, p, week, ana), "dropped")
	assert.True(t, inMemory(t, p, month, ana))
	assert.Equal(t, []place{{1, "Cai", 5000}, {2, "Ben", 4000}, {3, "Ana", 3000}}, places(get(t, p, ana, week).Items))
	p.live.mu.Lock()
	assert.LessOrEqual(t, p.live.users, 3)
	p.live.mu.Unlock()
}

// At start a process rebuilds the boards most read from PostgreSQL
// (Preload): the current periods' boards of every sport, each metric,
// week first, while they hold under half the memory bound; the others
// load on their first read.
func TestPreloadAtStart(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	now := monday.Add(time.Hour)
	p := w.process(now)
	ana, ben := w.user("Ana", "", true), w.user("Ben", "", true)
	w.apply(p, activity.Change{New: session(ana, "run", monday, 3)}, activity.Change{New: session(ben, "ride", monday, 4)})

	fresh := w.process(now)
	week, all := api.LeaderboardRequest{Period: "week"}, api.LeaderboardRequest{Period: "all", Metric: "elevation"}
	run := api.LeaderboardRequest{Period: "week", Sport: "run"}
	require.False(t, inMemory(t, fresh, week, ana))
	fresh.live.Preload(context.Background(), now)
	assert.True(t, inMemory(t, fresh, week, ana), "the week's distance board is in memory before any read")
	assert.True(t, inMemory(t, fresh, all, ana), "so is the all-time elevation board")
	assert.False(t, inMemory(t, fresh, run, ana), "a sport's board loads on its first read")
	assert.Equal(t, []place{{1, "Ben", 4000}, {2, "Ana", 3000}}, places(get(t, fresh, ana, week).Items))

	bounded := w.process(now)
	bounded.live.maxUsers = 4 // half of it: two users, one board
	bounded.live.Preload(context.Background(), now)
	assert.True(t, inMemory(t, bounded, week, ana))
	assert.False(t, inMemory(t, bounded, api.LeaderboardRequest{Period: "week", Metric: "time"}, ana),
		"preloading stops at half the bound")
}
