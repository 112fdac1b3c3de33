package challengeservice_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/modules/gamification/internal/challengeservice"
	"github.com/athlos/athlos/modules/gamification/internal/challengestore"
	"github.com/athlos/athlos/storage/pgtest"
)

// world is a test's database, service and clock.
type world struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	s    *challengeservice.Service
	mu   sync.Mutex
	now  time.Time
	revs map[uuid.UUID]int64
}

var start = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldOn(t, pgtest.NewPool(t))
}

// newWorldOn is newWorld on pool.
func newWorldOn(t *testing.T, pool *pgxpool.Pool) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), pool: pool, now: start.Add(-time.Hour), revs: map[uuid.UUID]int64{}}
	w.s = challengeservice.New(w.pool, slog.Default(), nil, func() time.Time {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.now
	})
	return w
}

func (w *world) at(t time.Time) {
	w.mu.Lock()
	w.now = t
	w.mu.Unlock()
}

// user makes a user of the read model, in time zone tz ("" UTC), listed
// on leaderboards or not.
func (w *world) user(name, tz string, listed bool) uuid.UUID {
	id := uuid.New()
	if tz == "" {
		tz = "UTC"
	}
	_, err := w.pool.Exec(w.ctx, `INSERT INTO gamification.users (user_id, display_name, time_zone, show_in_leaderboards, updated_at)
		VALUES ($1, $2, $3, $4, now())`, id, name, tz, listed)
	require.NoError(w.t, err)
	return id
}

// member puts user in group with role, in the read model.
func (w *world) member(group, user uuid.UUID, role string) {
	_, err := w.pool.Exec(w.ctx, `INSERT INTO gamification.group_members (group_id, user_id, role, seq) VALUES ($1, $2, $3, 1)`,
		group, user, role)
	require.NoError(w.t, err)
}

func ptr(f float64) *float64 { return &f }

func (w *world) create(user uuid.UUID, admin bool, spec challenge.Spec) api.Challenge {
	w.t.Helper()
	c, err := w.s.Create(w.ctx, user, admin, spec)
	require.NoError(w.t, err)
	return c
}

func (w *world) join(user uuid.UUID, c api.Challenge, team string) api.Challenge {
	w.t.Helper()
	out, err := w.s.Join(w.ctx, user, uuid.MustParse(c.ID), team)
	require.NoError(w.t, err)
	return out
}

func (w *world) get(user uuid.UUID, c api.Challenge) api.Challenge {
	w.t.Helper()
	out, err := w.s.Get(w.ctx, user, uuid.MustParse(c.ID))
	require.NoError(w.t, err)
	return out
}

// run is a session of user: sport run, started at, distance metres.
type run struct {
	id        uuid.UUID
	user      uuid.UUID
	at        time.Time
	distance  float64
	sport     string
	plausible bool
	efforts   map[string]float64
}

func session(user uuid.UUID, at time.Time, distance float64) run {
	return run{id: uuid.New(), user: user, at: at, distance: distance, sport: "run", plausible: true}
}

// apply hands sessions to the module's consumer path (activity.ApplyOnce
// with the challenges' applier), each a new revision in a message of its
// own; deleted sessions are deletions. It returns the message ids.
func (w *world) apply(runs []run, deleted ...run) []string {
	w.t.Helper()
	var ids []string
	var events []activity.Event
	for _, r := range runs {
		w.revs[r.id]++
		ev := activity.Event{SessionID: r.id, UserID: r.user, Revision: w.revs[r.id], Session: &activity.Session{
			ID: r.id, UserID: r.user, Sport: r.sport, StartedAt: r.at, CompletedAt: r.at.Add(time.Hour), DistanceM: r.distance,
			MovingTimeS: r.distance / 3, ElapsedTimeS: r.distance / 3, ElevationGainM: r.distance / 100, Plausible: r.plausible,
			BestEfforts: r.efforts, Revision: w.revs[r.id]}}
		events, ids = append(events, ev), append(ids, "msg-"+uuid.NewString())
	}
	for _, r := range deleted {
		w.revs[r.id]++
		events, ids = append(events, activity.Event{SessionID: r.id, UserID: r.user, Revision: w.revs[r.id]}), append(ids, "msg-"+uuid.NewString())
	}
	w.applyAs(ids, events)
	return ids
}

func (w *world) applyAs(ids []string, events []activity.Event) {
	w.t.Helper()
	require.NoError(w.t, activity.ApplyOnce(w.ctx, w.pool, ids, events, []activity.Applier{w.s}))
}

func (w *world) board(user uuid.UUID, c api.Challenge, board string, limit int, cursor string) api.ChallengeLeaderboard {
	w.t.Helper()
	b, err := w.s.Leaderboard(w.ctx, user, uuid.MustParse(c.ID), board, limit, cursor)
	require.NoError(w.t, err)
	return b
}

// completed returns the completed events in the outbox for the challenge.
func (w *world) completed(c api.Challenge) []api.ChallengeCompleted {
	w.t.Helper()
	rows, err := w.pool.Query(w.ctx, `SELECT payload FROM gamification.outbox WHERE subject = $1 ORDER BY seq`, api.EventChallengeCompleted)
	require.NoError(w.t, err)
	defer rows.Close()
	var out []api.ChallengeCompleted
	for rows.Next() {
		var data []byte
		require.NoError(w.t, rows.Scan(&data))
		var e api.ChallengeCompleted
		require.NoError(w.t, json.Unmarshal(data, &e))
		if e.ChallengeID == c.ID {
			out = append(out, e)
		}
	}
	require.NoError(w.t, rows.Err())
	return out
}

func value(p *api.ChallengeParticipation) float64 {
	if p == nil || p.Value == nil {
		return -1
	}
	return *p.Value
}

func code(t *testing.T, err error) bus.Code {
	t.Helper()
	require.Error(t, err)
	return bus.CodeOf(err)
}

func field(t *testing.T, err error) string {
	t.Helper()
	e := bus.AsError(err)
	require.NotNil(t, e, err)
	require.Equal(t, bus.CodeInvalid, e.Code, e.Message)
	require.Len(t, e.Fields, 1, e.Message)
	return e.Fields[0].Field
}

func month() challenge.Spec {
	return challenge.Spec{Title: "March distance", Kind: challenge.MostActivity, Metric: challenge.Distance, Sport: "run",
		StartsAt: start, EndsAt: start.AddDate(0, 1, 0)}
}

// Sessions count from joining and inside the window, plausible and of the
// sport; an edit changes the contribution, a deletion takes it back, a
// redelivered message changes nothing.
func TestMostActivityFromJoiningEditsAndDeletes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin, ana, bob := w.user("Admin", "", true), w.user("Ana", "", true), w.user("Bob", "", true)
	c := w.create(admin, true, month())
	assert.Equal(t, "upcoming", c.State)
	w.at(start.Add(24 * time.Hour))
	joined := w.join(ana, c, "")
	assert.Equal(t, 1, joined.Participants)
	require.NotNil(t, joined.You)
	assert.Equal(t, "active", joined.State)

	before := session(ana, start.Add(2*time.Hour), 5000) // in the window, before she joined
	first := session(ana, start.Add(26*time.Hour), 10_000)
	implausible := session(ana, start.Add(27*time.Hour), 90_000)
	implausible.plausible = false
	ride := session(ana, start.Add(28*time.Hour), 40_000)
	ride.sport = "ride"
	ids := w.apply([]run{before, first, implausible, ride})
	assert.Equal(t, 10_000.0, value(w.get(ana, c).You))

	// Redelivery of the same messages: nothing changes.
	w.revs[first.id]--
	w.applyAs(ids[1:2], []activity.Event{{SessionID: first.id, UserID: ana, Revision: 1, Session: &activity.Session{
		ID: first.id, UserID: ana, Sport: "run", StartedAt: first.at, DistanceM: 10_000, Plausible: true, Revision: 1}}})
	w.revs[first.id]++
	assert.Equal(t, 10_000.0, value(w.get(ana, c).You))

	// Bob joins later; his session counts for him only.
	w.at(start.Add(48 * time.Hour))
	w.join(bob, c, "")
	w.apply([]run{session(bob, start.Add(49*time.Hour), 12_000)})
	b := w.board(ana, c, "", 0, "")
	require.Len(t, b.Items, 2)
	assert.Equal(t, bob.String(), b.Items[0].UserID)
	assert.Equal(t, 1, b.Items[0].Rank)
	assert.Equal(t, 2, b.Items[1].Rank)
	require.NotNil(t, b.You)
	assert.Equal(t, 2, b.You.Rank)
	assert.Equal(t, "Bob", b.Items[0].Name)

	// Ana's edit makes a tie: the same rank.
	first.distance = 12_000
	w.apply([]run{first})
	b = w.board(ana, c, "", 0, "")
	assert.Equal(t, []int{1, 1}, []int{b.Items[0].Rank, b.Items[1].Rank})

	// The implausible session made plausible by an edit counts; a
	// deletion takes it back.
	implausible.plausible, implausible.distance = true, 3000
	w.apply([]run{implausible})
	assert.Equal(t, 15_000.0, value(w.get(ana, c).You))
	w.apply(nil, implausible, first)
	v := w.get(ana, c)
	assert.Nil(t, v.You.Value, "no session counts any more")
	b = w.board(ana, c, "", 0, "")
	assert.Len(t, b.Items, 1)
	assert.Equal(t, 1, b.Ranked)
	assert.Zero(t, b.You.Rank, "not ranked without a value")

	// After the window, nothing counts.
	w.apply([]run{session(bob, c.EndsAt, 50_000)})
	assert.Equal(t, 12_000.0, value(w.get(bob, c).You))
}

func TestActiveDaysInTheParticipantsTimeZone(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin, ana := w.user("Admin", "", true), w.user("Ana", "Asia/Tokyo", true)
	spec := month()
	spec.Metric, spec.Sport = challenge.ActiveDays, ""
	c := w.create(admin, true, spec)
	w.at(start)
	w.join(ana, c, "")
	// 3 March 14:00 and 20:00 UTC are 3 and 4 March in Tokyo; 4 March
	// 01:00 UTC is 4 March there too.
	day := start.AddDate(0, 0, 2)
	w.apply([]run{session(ana, day.Add(14*time.Hour), 1000), session(ana, day.Add(20*time.Hour), 1000), session(ana, day.Add(25*time.Hour), 1000)})
	assert.Equal(t, 2.0, value(w.get(ana, c).You))
}

// fastest_effort: the lowest time of a best effort over the distance ranks
// first; a target completes at once, exactly once.
func TestFastestEffortAndTarget(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin, ana, bob, cy := w.user("Admin", "", true), w.user("Ana", "", true), w.user("Bob", "", false), w.user("Cy", "", true)
	spec := month()
	spec.Kind, spec.Metric, spec.Effort, spec.Target = challenge.FastestEffort, "", "5k", ptr(1500)
	c := w.create(admin, true, spec)
	w.at(start)
	for _, u := range []uuid.UUID{ana, bob, cy} {
		w.join(u, c, "")
	}
	effort := func(u uuid.UUID, h int, t float64) run {
		r := session(u, start.Add(time.Duration(h)*time.Hour), 6000)
		r.efforts = map[string]float64{"5k": t, "1k": 200}
		return r
	}
	anaSlow, anaFast := effort(ana, 1, 1700), effort(ana, 2, 1450)
	w.apply([]run{anaSlow, effort(bob, 1, 1600), effort(cy, 1, 1600), session(cy, start.Add(3*time.Hour), 20_000)})
	assert.Empty(t, w.completed(c))
	w.apply([]run{anaFast})
	assert.Equal(t, 1450.0, value(w.get(ana, c).You))
	done := w.completed(c)
	require.Len(t, done, 1)
	assert.Equal(t, ana.String(), done[0].UserID)
	assert.Equal(t, 1450.0, done[0].Value)
	assert.Equal(t, "s", done[0].Unit)
	assert.Zero(t, done[0].Rank)

	// Bob opted out of leaderboards: not listed, no rank taken from
	// others; he sees his own rank among the listed.
	b := w.board(cy, c, "", 0, "")
	assert.True(t, b.LowerIsBetter)
	require.Len(t, b.Items, 2)
	assert.Equal(t, []string{ana.String(), cy.String()}, []string{b.Items[0].UserID, b.Items[1].UserID})
	assert.Equal(t, []int{1, 2}, []int{b.Items[0].Rank, b.Items[1].Rank})
	assert.Equal(t, "Cy", b.Items[1].Name)
	assert.Equal(t, 2, b.Ranked)
	assert.Equal(t, 2, b.You.Rank)
	page1 := w.board(ana, c, "", 1, "")
	require.Len(t, page1.Items, 1)
	require.NotNil(t, page1.NextCursor)
	page2 := w.board(ana, c, "", 1, *page1.NextCursor)
	require.Len(t, page2.Items, 1, "the cursor pages skip Bob too")
	assert.Equal(t, cy.String(), page2.Items[0].UserID)
	assert.Nil(t, page2.NextCursor)
	b = w.board(bob, c, "", 0, "")
	assert.Len(t, b.Items, 2)
	require.NotNil(t, b.You)
	assert.Equal(t, bob.String(), b.You.UserID)
	assert.Equal(t, 2, b.You.Rank, "one listed participant is faster")
	assert.Equal(t, 1600.0, *b.You.Value)

	// Taking the fast run away and running it again completes nothing twice.
	w.apply(nil, anaFast)
	assert.Equal(t, 1700.0, value(w.get(ana, c).You))
	w.apply([]run{effort(ana, 5, 1400)})
	assert.Len(t, w.completed(c), 1)

	// The end sweep ranks nobody (a target challenge) and closes it.
	w.at(c.EndsAt.Add(challenge.FinaliseGrace))
	n, err := w.s.EndDue(w.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Len(t, w.completed(c), 1)
	assert.Equal(t, "ended", w.get(ana, c).State)
}

// longest_session: the longest single session. After the end the
// challenge is finalising: sessions that started inside the window and
// arrive late still count (edits and deletions too), those that started
// after it do not; challenge.FinaliseGrace after the end the sweep ranks
// everyone with a value, exactly once, whoever runs it and however often.
func TestLongestSessionRankedAtTheEnd(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin, ana, bob, cy := w.user("Admin", "", true), w.user("Ana", "", true), w.user("Bob", "", true), w.user("Cy", "", true)
	dee := w.user("Dee", "", false) // opted out of leaderboards: takes no rank from others
	spec := month()
	spec.Kind = challenge.LongestSession
	c := w.create(admin, true, spec)
	w.at(start)
	for _, u := range []uuid.UUID{ana, bob, cy, dee} {
		w.join(u, c, "")
	}
	anaLong := session(ana, start.Add(2*time.Hour), 21_000)
	w.apply([]run{session(ana, start.Add(time.Hour), 10_000), anaLong, session(bob, start.Add(time.Hour), 15_000),
		session(dee, start.Add(time.Hour), 50_000)})
	assert.Equal(t, 21_000.0, value(w.get(ana, c).You))

	// Ended, not final yet: nothing completes; late sessions count.
	w.at(c.EndsAt.Add(time.Minute))
	n, err := w.s.EndDue(w.ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "finalised only after the grace")
	assert.Empty(t, w.completed(c))
	assert.Equal(t, "finalising", w.get(ana, c).State)
	w.apply([]run{session(bob, start.Add(3*time.Hour), 30_000), session(cy, c.EndsAt, 90_000)})
	assert.Equal(t, 30_000.0, value(w.get(bob, c).You), "started inside the window, arrived late")
	assert.Nil(t, w.get(cy, c).You.Value, "started after the end")
	w.apply(nil, anaLong)
	assert.Equal(t, 10_000.0, value(w.get(ana, c).You), "a deletion during the grace is taken back")
	assert.Equal(t, bus.CodeConflict, code(t, w.s.Leave(w.ctx, bob, uuid.MustParse(c.ID))), "no leaving after the end")
	_, err = w.s.Join(w.ctx, admin, uuid.MustParse(c.ID), "")
	assert.Equal(t, bus.CodeConflict, code(t, err), "no joining after the end")

	w.at(c.EndsAt.Add(challenge.FinaliseGrace))
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.s.EndDue(w.ctx)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	done := w.completed(c)
	require.Len(t, done, 3, "Cy had no session in the window: not ranked")
	ranks := map[string]int{}
	for _, d := range done {
		ranks[d.UserID] = d.Rank
	}
	assert.Equal(t, map[string]int{dee.String(): 1, bob.String(): 1, ana.String(): 2}, ranks, "ranks among the listed, as on the board")
	assert.Equal(t, "ended", w.get(ana, c).State)
	// Final: later sessions change nothing.
	w.apply([]run{session(bob, start.Add(4*time.Hour), 40_000)})
	assert.Equal(t, 30_000.0, value(w.get(bob, c).You))
	n, err = w.s.EndDue(w.ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Len(t, w.completed(c), 3)
}

// The applier and the end sweep take the challenge's lock before its
// participants' rows: batches of late sessions racing the finalisation
// never deadlock, and whatever lands after it changes nothing (every
// final value is the participant's value).
func TestLateSessionsRaceTheFinalisation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.user("Admin", "", true)
	spec := month()
	spec.Kind = challenge.LongestSession
	c := w.create(admin, true, spec)
	w.at(start)
	users := make([]uuid.UUID, 40)
	for i := range users {
		users[i] = w.user("U", "", true)
		w.join(users[i], c, "")
	}
	w.apply([]run{session(users[0], start.Add(time.Hour), 1000)})
	w.at(c.EndsAt.Add(challenge.FinaliseGrace))
	// Eight batches of five users, each in a message of its own.
	var batches [][]activity.Event
	for b := range 8 {
		var events []activity.Event
		for _, u := range users[b*5 : b*5+5] {
			id, at := uuid.New(), start.Add(time.Duration(b+2)*time.Hour)
			events = append(events, activity.Event{SessionID: id, UserID: u, Revision: 1, Session: &activity.Session{
				ID: id, UserID: u, Sport: "run", StartedAt: at, CompletedAt: at.Add(time.Hour), DistanceM: float64(2000 + b*100),
				MovingTimeS: 600, ElapsedTimeS: 600, Plausible: true, Revision: 1}})
		}
		batches = append(batches, events)
	}
	var wg sync.WaitGroup
	for i, events := range batches {
		wg.Add(2)
		go func() {
			defer wg.Done()
			ids := make([]string, len(events))
			for j := range ids {
				ids[j] = "msg-" + uuid.NewString()
			}
			assert.NoError(t, activity.ApplyOnce(w.ctx, w.pool, ids, events, []activity.Applier{w.s}), "batch %d", i)
		}()
		go func() {
			defer wg.Done()
			_, err := w.s.EndDue(w.ctx)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, "ended", w.get(admin, c).State)
	done := w.completed(c)
	require.NotEmpty(t, done)
	seen := map[string]bool{}
	for _, d := range done {
		assert.False(t, seen[d.UserID], "completed once")
		seen[d.UserID] = true
		u := uuid.MustParse(d.UserID)
		assert.Equal(t, d.Value, value(w.get(u, c).You), "nothing changed after the finalisation")
	}
}

// The lock order, step by step: while the end sweep holds the challenge
// (its advisory lock, then its row: NextToEnd) a batch for one of its
// participants waits for it before touching any participant's row, so the sweep
// completes the participants without a deadlock; the batch then finds
// the challenge finalised and changes nothing.
func TestApplierWaitsForTheSweepsChallengeLock(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin, ana := w.user("Admin", "", true), w.user("Ana", "", true)
	spec := month()
	spec.Kind = challenge.LongestSession
	c := w.create(admin, true, spec)
	id := uuid.MustParse(c.ID)
	w.at(start)
	w.join(ana, c, "")
	w.apply([]run{session(ana, start.Add(time.Hour), 1000)})

	sweep, err := w.pool.Begin(w.ctx)
	require.NoError(t, err)
	defer func() { _ = sweep.Rollback(w.ctx) }()
	var pid int
	require.NoError(t, sweep.QueryRow(w.ctx, `SELECT pg_backend_pid()`).Scan(&pid))
	due, err := challengestore.NextToEnd(w.ctx, sweep, c.EndsAt.Add(challenge.FinaliseGrace))
	require.NoError(t, err)
	require.Equal(t, id, due.ID)
	late := session(ana, start.Add(2*time.Hour), 5000)
	applied := make(chan error, 1)
	go func() {
		at := late.at
		applied <- activity.ApplyOnce(w.ctx, w.pool, []string{"msg-" + uuid.NewString()}, []activity.Event{{SessionID: late.id, UserID: ana,
			Revision: 1, Session: &activity.Session{ID: late.id, UserID: ana, Sport: "run", StartedAt: at, CompletedAt: at.Add(time.Hour),
				DistanceM: 5000, MovingTimeS: 1500, ElapsedTimeS: 1500, Plausible: true, Revision: 1}}}, []activity.Applier{w.s})
	}()
	require.Eventually(t, func() bool { // the batch waits for a lock the sweep holds
		var n int
		require.NoError(t, w.pool.QueryRow(w.ctx, `SELECT count(*) FROM pg_locks l JOIN pg_locks h ON h.pid = $1 AND h.granted
			AND h.locktype = l.locktype AND h.database IS NOT DISTINCT FROM l.database AND h.relation IS NOT DISTINCT FROM l.relation
			AND h.page IS NOT DISTINCT FROM l.page AND h.tuple IS NOT DISTINCT FROM l.tuple AND h.transactionid IS NOT DISTINCT FROM l.transactionid
			WHERE NOT l.granted`, pid).Scan(&n))
		return n > 0
	}, 10*time.Second, 5*time.Millisecond)
	_, err = sweep.Exec(w.ctx, `UPDATE gamification.challenge_participants SET completed_at = now() WHERE challenge_id = $1`, id)
	require.NoError(t, err, "the sweep reaches the participants: the batch holds none of their rows")
	_, err = sweep.Exec(w.ctx, `UPDATE gamification.challenges SET ended_at = now() WHERE id = $1`, id)
	require.NoError(t, err)
	require.NoError(t, sweep.Commit(w.ctx))
	require.NoError(t, <-applied)
	assert.Equal(t, 1000.0, value(w.get(ana, c).You), "finalised while the batch waited: it changes nothing")
}

// A participant whose registration or profile has not reached the module
// (no users row) is not listed and takes no rank, as on the global boards;
// they see their own rank.
func TestUnknownUserNotListedOnAChallengeBoard(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin, ana := w.user("Admin", "", true), w.user("Ana", "", true)
	ghost := uuid.New()
	c := w.create(admin, true, month())
	w.at(start)
	w.join(ana, c, "")
	w.join(ghost, c, "")
	w.apply([]run{session(ana, start.Add(time.Hour), 5000), session(ghost, start.Add(time.Hour), 9000)})
	b := w.board(ana, c, "", 0, "")
	require.Len(t, b.Items, 1)
	assert.Equal(t, ana.String(), b.Items[0].UserID)
	assert.Equal(t, 1, b.Items[0].Rank)
	assert.Equal(t, 1, b.Ranked)
	b = w.board(ghost, c, "", 0, "")
	require.NotNil(t, b.You)
	assert.Equal(t, 1, b.You.Rank, "nobody listed is ahead")
}

// A group goal: everyone's total; reaching it completes the challenge for
// every participant, once; a participant leaving takes their part back.
func TestGroupGoal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	group := uuid.New()
	owner, ana, bob := w.user("Owner", "", true), w.user("Ana", "", true), w.user("Bob", "", true)
	w.member(group, owner, "owner")
	w.member(group, ana, "member")
	w.member(group, bob, "member")
	spec := month()
	spec.Kind, spec.Target, spec.GroupID = challenge.GroupGoal, ptr(30_000), group.String()
	c := w.create(owner, false, spec)
	w.at(start)
	for _, u := range []uuid.UUID{owner, ana, bob} {
		w.join(u, c, "")
	}
	bobRun := session(bob, start.Add(time.Hour), 8000)
	w.apply([]run{session(ana, start.Add(time.Hour), 10_000), bobRun})
	assert.Equal(t, 18_000.0, *w.get(ana, c).Total)
	require.NoError(t, w.s.Leave(w.ctx, bob, uuid.MustParse(c.ID)))
	assert.Equal(t, 10_000.0, *w.get(ana, c).Total, "Bob's part went with him")
	w.apply([]run{session(ana, start.Add(2*time.Hour), 19_000)})
	assert.Empty(t, w.completed(c))
	w.apply([]run{session(owner, start.Add(2*time.Hour), 2000)})
	got := w.get(ana, c)
	assert.Equal(t, "completed", got.State)
	require.NotNil(t, got.CompletedAt)
	done := w.completed(c)
	require.Len(t, done, 2, "the two participants, once each")
	assert.Equal(t, group.String(), done[0].GroupID)
	// Completed: later sessions change nothing, the end adds no event.
	w.apply([]run{session(ana, start.Add(3*time.Hour), 5000)})
	assert.Equal(t, 31_000.0, *w.get(ana, c).Total)
	w.at(c.EndsAt.Add(challenge.FinaliseGrace))
	_, err := w.s.EndDue(w.ctx)
	require.NoError(t, err)
	assert.Len(t, w.completed(c), 2)
}

// Teams inside a group: assigned evenly (fewest members, ties to the
// first named) or chosen; team totals; one team per member.
func TestTeamsInsideAGroup(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	group := uuid.New()
	admin := w.user("Admin", "", true)
	w.member(group, admin, "admin")
	users := make([]uuid.UUID, 5)
	for i := range users {
		users[i] = w.user("U", "", true)
		w.member(group, users[i], "member")
	}
	stranger := w.user("Stranger", "", true)
	spec := month()
	spec.GroupID, spec.TeamMode, spec.TeamNames = group.String(), challenge.InGroupTeams, []string{"Red", "Blue", "Green"}
	c := w.create(admin, false, spec)
	require.Len(t, c.Teams, 3)
	red, blue, green := c.Teams[0].ID, c.Teams[1].ID, c.Teams[2].ID
	w.at(start)

	// users[0] chooses Green; then four are assigned: Red, Blue, Red, Blue.
	assert.Equal(t, green, w.join(users[0], c, green).You.TeamID)
	var got []string
	for _, u := range users[1:] {
		got = append(got, w.join(u, c, "").You.TeamID)
	}
	assert.Equal(t, []string{red, blue, red, blue}, got)
	_, err := w.s.Join(w.ctx, users[1], uuid.MustParse(c.ID), green)
	assert.Equal(t, bus.CodeConflict, code(t, err), "one team per member")
	assert.Equal(t, red, w.join(users[1], c, "").You.TeamID, "joining again changes nothing")
	_, err = w.s.Join(w.ctx, stranger, uuid.MustParse(c.ID), "")
	assert.Equal(t, bus.CodeNotFound, code(t, err), "a group's challenge is not visible outside the group")
	_, err = w.s.Join(w.ctx, admin, uuid.MustParse(c.ID), uuid.NewString())
	assert.Equal(t, "body.team_id", field(t, err))

	w.apply([]run{session(users[1], start.Add(time.Hour), 5000), session(users[3], start.Add(time.Hour), 6000),
		session(users[2], start.Add(time.Hour), 10_000), session(users[0], start.Add(time.Hour), 2000)})
	b := w.board(users[1], c, challengeservice.BoardTeams, 0, "")
	require.Len(t, b.Items, 3)
	assert.Equal(t, []string{red, blue, green}, []string{b.Items[0].TeamID, b.Items[1].TeamID, b.Items[2].TeamID})
	assert.Equal(t, 11_000.0, *b.Items[0].Value)
	assert.Equal(t, 10_000.0, *b.Items[1].Value)
	assert.Equal(t, 2, b.Items[0].Members)
	require.NotNil(t, b.You)
	assert.Equal(t, red, b.You.TeamID)

	// A member leaving takes their part from the team.
	require.NoError(t, w.s.Leave(w.ctx, users[3], uuid.MustParse(c.ID)))
	b = w.board(users[1], c, challengeservice.BoardTeams, 0, "")
	assert.Equal(t, blue, b.Items[0].TeamID)
	assert.Equal(t, 1, b.Items[0].Rank)
	assert.Equal(t, 5000.0, *b.Items[1].Value)
	assert.Equal(t, 1, b.Items[1].Members)

	// At the end every member of a ranked team completes with the team's
	// rank and value.
	w.at(c.EndsAt.Add(challenge.FinaliseGrace))
	_, err = w.s.EndDue(w.ctx)
	require.NoError(t, err)
	done := w.completed(c)
	require.Len(t, done, 4)
	for _, d := range done {
		switch d.TeamID {
		case blue:
			assert.Equal(t, 1, d.Rank)
			assert.Equal(t, 10_000.0, d.Value)
		case red:
			assert.Equal(t, 2, d.Rank)
		case green:
			assert.Equal(t, 3, d.Rank)
		}
	}
}

// Group versus group: a participant joins as a member of one of the
// groups (choosing when in several).
func TestGroupVersusGroup(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g1, g2, g3 := uuid.New(), uuid.New(), uuid.New()
	admin, ana, bob, both, stranger := w.user("A", "", true), w.user("Ana", "", true), w.user("Bob", "", true), w.user("Both", "", true), w.user("S", "", true)
	w.member(g1, admin, "owner")
	w.member(g1, ana, "member")
	w.member(g2, bob, "owner")
	w.member(g2, admin, "admin") // the creator runs both teams' groups
	w.member(g1, both, "member")
	w.member(g2, both, "member")
	w.member(g3, stranger, "owner")
	spec := month()
	spec.GroupID, spec.TeamMode, spec.TeamGroups = g1.String(), challenge.GroupTeams, []string{g1.String(), g2.String()}
	spec.TeamNames = []string{"Dawn Runners", "Night Owls"}
	c := w.create(admin, false, spec)
	assert.Equal(t, "Night Owls", c.Teams[1].Name)
	w.at(start)
	assert.Equal(t, g1.String(), w.join(ana, c, "").You.TeamID)
	assert.Equal(t, g2.String(), w.join(bob, c, "").You.TeamID, "Bob sees it as a member of a team's group")
	_, err := w.s.Join(w.ctx, both, uuid.MustParse(c.ID), "")
	assert.Equal(t, "body.team_id", field(t, err), "in both groups: choose")
	_, err = w.s.Join(w.ctx, ana, uuid.MustParse(c.ID), g2.String())
	assert.Equal(t, bus.CodeConflict, code(t, err))
	assert.Equal(t, g2.String(), w.join(both, c, g2.String()).You.TeamID)
	_, err = w.s.Join(w.ctx, stranger, uuid.MustParse(c.ID), "")
	assert.Equal(t, bus.CodeNotFound, code(t, err))

	w.apply([]run{session(ana, start.Add(time.Hour), 5000), session(bob, start.Add(time.Hour), 3000), session(both, start.Add(time.Hour), 3000)})
	b := w.board(ana, c, challengeservice.BoardTeams, 0, "")
	assert.Equal(t, g2.String(), b.Items[0].TeamID)
	assert.Equal(t, 6000.0, *b.Items[0].Value)
	assert.Equal(t, g1.String(), b.You.TeamID)
	assert.Equal(t, 2, b.You.Rank)
}

func TestCreatePermissionsAndBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g, other := uuid.New(), uuid.New()
	owner, admin, member, otherAdmin := w.user("O", "", true), w.user("A", "", true), w.user("M", "", true), w.user("X", "", true)
	w.member(g, owner, "owner")
	w.member(g, admin, "admin")
	w.member(g, member, "member")
	w.member(other, otherAdmin, "admin")
	spec := month()

	_, err := w.s.Create(w.ctx, owner, false, spec)
	assert.Equal(t, bus.CodeForbidden, code(t, err), "a non-admin creating a global challenge")
	spec.GroupID = g.String()
	_, err = w.s.Create(w.ctx, member, false, spec)
	assert.Equal(t, bus.CodeForbidden, code(t, err), "a plain member")
	_, err = w.s.Create(w.ctx, otherAdmin, false, spec)
	assert.Equal(t, bus.CodeForbidden, code(t, err), "a group admin of another group")
	w.create(owner, false, spec)
	w.create(admin, false, spec)
	w.create(otherAdmin, true, spec) // a platform admin

	// Group vs group: the caller must run every team's group.
	vs := spec
	vs.TeamMode, vs.TeamGroups = challenge.GroupTeams, []string{g.String(), other.String()}
	_, err = w.s.Create(w.ctx, owner, false, vs)
	assert.Equal(t, bus.CodeForbidden, code(t, err), "a group's owner enlisting a group they do not run")
	w.member(other, admin, "member")
	_, err = w.s.Create(w.ctx, admin, false, vs)
	assert.Equal(t, bus.CodeForbidden, code(t, err), "a group's admin, a plain member of the other team's group")
	_, err = w.pool.Exec(w.ctx, `UPDATE gamification.group_members SET role = 'admin' WHERE group_id = $1 AND user_id = $2`, other, admin)
	require.NoError(t, err)
	w.create(admin, false, vs) // runs both groups
	w.create(member, true, vs) // a platform admin
	vs.GroupID = ""
	_, err = w.s.Create(w.ctx, admin, false, vs)
	assert.Equal(t, bus.CodeForbidden, code(t, err), "a global group-vs-group challenge by a non-admin")

	bad := map[string]func(s *challenge.Spec){
		"body.ends_at":    func(s *challenge.Spec) { s.EndsAt = s.StartsAt.Add(-time.Hour) },
		"body.metric":     func(s *challenge.Spec) { s.Metric = "calories" },
		"body.team_names": func(s *challenge.Spec) { s.TeamMode = challenge.InGroupTeams },
		"body.group_id":   func(s *challenge.Spec) { s.GroupID = "nope" },
		"body.team_groups[1]": func(s *challenge.Spec) {
			s.TeamMode, s.TeamGroups = challenge.GroupTeams, []string{g.String(), uuid.NewString()}
		},
		"body.team_groups[0]": func(s *challenge.Spec) { s.TeamMode, s.TeamGroups = challenge.GroupTeams, []string{"x", g.String()} },
	}
	for want, change := range bad {
		s := spec
		change(&s)
		_, err := w.s.Create(w.ctx, owner, false, s)
		assert.Equal(t, want, field(t, err))
	}
	s := spec
	s.GroupID = uuid.NewString()
	_, err = w.s.Create(w.ctx, owner, true, s)
	assert.Equal(t, "body.group_id", field(t, err), "an unknown group")
	var n int
	require.NoError(t, w.pool.QueryRow(w.ctx, `SELECT count(*) FROM gamification.challenges`).Scan(&n))
	assert.Equal(t, 5, n, "nothing else was made")
}

// A leaderboard of ties across pages: ranks and cursors agree with the
// whole board.
func TestLeaderboardPagesAndTies(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.user("Admin", "", true)
	c := w.create(admin, true, month())
	w.at(start)
	var runs []run
	users := make([]uuid.UUID, 25)
	for i := range users {
		users[i] = w.user("U", "", true)
		w.join(users[i], c, "")
		runs = append(runs, session(users[i], start.Add(time.Hour), float64(1000*(i/3+1)))) // ties of three
	}
	w.apply(runs)
	var all []api.ChallengeEntry
	cursor := ""
	for {
		b := w.board(admin, c, "", 4, cursor)
		all = append(all, b.Items...)
		if b.NextCursor == nil {
			break
		}
		cursor = *b.NextCursor
	}
	require.Len(t, all, 25)
	for i, e := range all {
		better := 0
		for _, o := range all {
			if *o.Value > *e.Value {
				better++
			}
		}
		assert.Equal(t, better+1, e.Rank, "entry %d", i)
		if i > 0 {
			assert.LessOrEqual(t, *e.Value, *all[i-1].Value)
		}
	}
	_, err := w.s.Leaderboard(w.ctx, admin, uuid.MustParse(c.ID), "", 0, "garbage")
	assert.Equal(t, "query.cursor", field(t, err))
	_, err = w.s.Leaderboard(w.ctx, admin, uuid.MustParse(c.ID), "teams", 0, "")
	assert.Equal(t, "query.board", field(t, err))
	_, err = w.s.Leaderboard(w.ctx, admin, uuid.MustParse(c.ID), "", 101, "")
	assert.Equal(t, "query.limit", field(t, err))
	_, err = w.s.Leaderboard(w.ctx, admin, uuid.New(), "", 0, "")
	assert.Equal(t, bus.CodeNotFound, code(t, err))
}

// Lists: active, upcoming, mine, with cursors; a group's challenges only
// for its members.
func TestLists(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := uuid.New()
	admin, ana, stranger := w.user("Admin", "", true), w.user("Ana", "", true), w.user("S", "", true)
	w.member(g, ana, "owner")
	w.at(start)
	for i := range 3 {
		s := month()
		s.EndsAt = s.EndsAt.Add(time.Duration(i) * time.Hour)
		w.create(admin, true, s)
	}
	s := month()
	s.GroupID = g.String()
	groupC := w.create(ana, false, s)
	s = month()
	s.StartsAt, s.EndsAt = start.AddDate(0, 0, 10), start.AddDate(0, 0, 20)
	up := w.create(admin, true, s)
	w.at(start.Add(time.Hour))
	w.join(ana, groupC, "")

	list := func(user uuid.UUID, filter string) []string {
		var ids []string
		cursor := ""
		for {
			l, err := w.s.List(w.ctx, user, filter, 2, cursor)
			require.NoError(t, err)
			for _, c := range l.Items {
				ids = append(ids, c.ID)
			}
			if l.NextCursor == nil {
				return ids
			}
			cursor = *l.NextCursor
		}
	}
	assert.Len(t, list(ana, "active"), 4)
	assert.Len(t, list(stranger, "active"), 3, "not the group's")
	assert.Equal(t, []string{up.ID}, list(stranger, "upcoming"))
	assert.Equal(t, []string{groupC.ID}, list(ana, "mine"))
	l, err := w.s.List(w.ctx, ana, "mine", 0, "")
	require.NoError(t, err)
	require.NotNil(t, l.Items[0].You, "the list says where you stand")
	assert.Equal(t, g.String(), l.Items[0].GroupID)
	_, err = w.s.Get(w.ctx, stranger, uuid.MustParse(groupC.ID))
	assert.Equal(t, bus.CodeNotFound, code(t, err))
	assert.Empty(t, list(ana, "ended"))

	// Past the ends: every challenge is over (finalising for 48 h, then
	// ended), the latest end first.
	w.at(start.AddDate(0, 1, 1))
	ended := list(stranger, "ended")
	require.Len(t, ended, 4, "not the group's")
	assert.NotContains(t, ended, groupC.ID)
	assert.Equal(t, up.ID, ended[len(ended)-1], "it ended first")
	assert.Len(t, list(ana, "ended"), 5)
	l, err = w.s.List(w.ctx, stranger, "ended", 0, "")
	require.NoError(t, err)
	for i, c := range l.Items {
		assert.Contains(t, []string{"finalising", "ended"}, c.State)
		if i > 0 {
			assert.False(t, c.EndsAt.After(l.Items[i-1].EndsAt), "the latest end first")
		}
	}
	_, err = w.s.List(w.ctx, ana, "past", 0, "")
	assert.Equal(t, "query.filter", field(t, err))
	_, err = w.s.List(w.ctx, ana, "", 0, "AAAA")
	assert.Equal(t, "query.cursor", field(t, err))
}

// A deleted account's participations go with what they contributed.
func TestEraseUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin, ana := w.user("Admin", "", true), w.user("Ana", "", true)
	spec := month()
	spec.Kind, spec.Target = challenge.GroupGoal, ptr(100_000)
	c := w.create(admin, true, spec)
	w.at(start)
	w.join(ana, c, "")
	w.apply([]run{session(ana, start.Add(time.Hour), 10_000)})
	assert.Equal(t, 10_000.0, *w.get(admin, c).Total)
	tx, err := w.pool.Begin(w.ctx)
	require.NoError(t, err)
	require.NoError(t, w.s.EraseUser(w.ctx, tx, ana))
	require.NoError(t, tx.Commit(w.ctx))
	got := w.get(admin, c)
	assert.Equal(t, 0.0, *got.Total)
	assert.Zero(t, got.Participants)
	var n int
	require.NoError(t, w.pool.QueryRow(w.ctx, `SELECT (SELECT count(*) FROM gamification.challenge_participants WHERE user_id = $1)
		+ (SELECT count(*) FROM gamification.challenge_contributions WHERE user_id = $1)`, ana).Scan(&n))
	assert.Zero(t, n)
}

// A board large enough to rank from a snapshot of its order ranks as the
// SQL count does: every entry of a walk through all pages, and a
// participant's own rank.
func TestLargeLeaderboardRanksFromASnapshot(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.user("Admin", "", true)
	c := w.create(admin, true, month())
	w.at(start)
	n := challengeservice.SnapshotFrom + 500
	_, err := w.pool.Exec(w.ctx, `WITH s AS (SELECT gen_random_uuid() AS id, (1 + floor(random() * 300)) * 100 AS v FROM generate_series(1, $2)),
		u AS (INSERT INTO gamification.users (user_id, display_name, time_zone, show_in_leaderboards, updated_at)
			SELECT id, 'U', 'UTC', true, now() FROM s) -- known to the module: listed
		INSERT INTO gamification.challenge_participants (challenge_id, user_id, joined_at, value, score) SELECT $1, id, now(), v, v FROM s`,
		c.ID, n-1)
	require.NoError(t, err)
	_, err = w.pool.Exec(w.ctx, `UPDATE gamification.challenges SET participants = $2, ranked = $2 WHERE id = $1`, c.ID, n-1)
	require.NoError(t, err)
	w.join(admin, c, "")
	w.apply([]run{session(admin, start.Add(time.Hour), 15_050)})
	var all []api.ChallengeEntry
	cursor := ""
	for {
		b := w.board(admin, c, "", 100, cursor)
		all = append(all, b.Items...)
		if b.NextCursor == nil {
			require.NotNil(t, b.You)
			better := 0
			for _, o := range all {
				if *o.Value > 15_050 {
					better++
				}
			}
			assert.Equal(t, better+1, b.You.Rank)
			break
		}
		cursor = *b.NextCursor
	}
	require.Len(t, all, n)
	better := 0
	for i, e := range all {
		if i > 0 && *e.Value < *all[i-1].Value {
			better = i
		}
		require.Equal(t, better+1, e.Rank, "entry %d", i)
	}

	// Readers at once, while the snapshot is reloaded: the same ranks.
	w.apply([]run{session(admin, start.Add(2*time.Hour), 0)})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				b, err := w.s.Leaderboard(w.ctx, admin, uuid.MustParse(c.ID), "", 100, "")
				if assert.NoError(t, err) {
					assert.Equal(t, all[:100], b.Items)
				}
			}
		}()
	}
	wg.Wait()
}

// Batches applied at once by several workers, over the same users and
// challenges (the consumer runs three): none deadlocks or fails, and every
// participant's value and the group goal's total are the sums of what
// counted.
func TestConcurrentBatches(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.user("Admin", "", true)
	most := w.create(admin, true, month())
	goal := month()
	goal.Kind, goal.Target = challenge.GroupGoal, ptr(1e9)
	g := w.create(admin, true, goal)
	w.at(start)
	users := make([]uuid.UUID, 20)
	for i := range users {
		users[i] = w.user("U", "", true)
		w.join(users[i], most, "")
		w.join(users[i], g, "")
	}
	var wg sync.WaitGroup
	for worker := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 10 {
				var ids []string
				var events []activity.Event
				for i := range 15 {
					u := users[(worker*7+round*3+i*5)%len(users)]
					id := uuid.New()
					at := start.Add(time.Duration(round+1) * time.Hour)
					events = append(events, activity.Event{SessionID: id, UserID: u, Revision: 1, Session: &activity.Session{
						ID: id, UserID: u, Sport: "run", StartedAt: at, CompletedAt: at.Add(time.Hour), DistanceM: 1000, Plausible: true, Revision: 1}})
					ids = append(ids, "msg-"+id.String())
				}
				assert.NoError(t, activity.ApplyOnce(w.ctx, w.pool, ids, events, []activity.Applier{w.s}))
			}
		}()
	}
	wg.Wait()
	total := 0.0
	for _, u := range users {
		v := value(w.get(u, most).You)
		if v > 0 {
			total += v
		}
		assert.Equal(t, v, value(w.get(u, g).You))
	}
	assert.Equal(t, 3*10*15*1000.0, total)
	assert.Equal(t, total, *w.get(admin, g).Total)
}
