package leaderboard

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/storage"
)

// totalsOf counts user's rows of totals.
func (w *world) totalsOf(user uuid.UUID) int {
	w.t.Helper()
	var n int
	require.NoError(w.t, w.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM gamification.board_totals WHERE user_id = $1`, user).Scan(&n))
	return n
}

// Events of an erased user that arrive after the erasure (an unlock's
// points, a session change applied straight to the boards) write no
// totals: the user stays off every board.
func TestLateEventsOfAnErasedUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.process(monday.Add(time.Hour))
	ana, ben := w.user("Ana", "", true), w.user("Ben", "", true)
	w.apply(p, activity.Change{New: session(ana, "run", monday, 10)}, activity.Change{New: session(ben, "run", monday, 5)})
	points := func(u uuid.UUID) error {
		return storage.InTx(context.Background(), w.pool, func(tx pgx.Tx) error {
			return p.svc.ApplyPoints(context.Background(), tx, []api.AchievementUnlocked{{UserID: u.String(), Points: 30, UnlockedAt: monday}})
		})
	}
	require.NoError(t, points(ana))
	require.NotZero(t, w.totalsOf(ana))

	require.NoError(t, storage.InTx(context.Background(), w.pool, func(tx pgx.Tx) error {
		return activity.EraseUser(context.Background(), tx, ana, monday.Add(time.Hour), []activity.Eraser{p.svc})
	}))
	require.Zero(t, w.totalsOf(ana))

	require.NoError(t, points(ana), "a late unlock is dropped, not an error")
	w.apply(p, activity.Change{New: session(ana, "run", monday.Add(time.Minute), 20)})
	assert.Zero(t, w.totalsOf(ana), "nothing written back for the erased user")

	require.NoError(t, points(ben), "others' unlocks still count")
	assert.Equal(t, []place{{1, "Ben", 30}}, places(get(t, p, ben, api.LeaderboardRequest{Metric: "points"}).Items))
	assert.Equal(t, []place{{1, "Ben", 5000}}, places(get(t, p, ben, api.LeaderboardRequest{}).Items))
}

// A user the module has not heard of yet (their registration or profile
// event has not arrived) is not listed, in memory as in SQL, in a group
// as globally: the opt-out may be on that event. Once it arrives they are.
func TestUnknownUsersAreNotListedUntilTheirProfileArrives(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.process(monday.Add(time.Hour))
	ana := w.user("Ana", "", true)
	ghost := uuid.New()
	group := uuid.New()
	_, err := w.pool.Exec(context.Background(), `INSERT INTO gamification.group_members (group_id, user_id, role, seq)
		VALUES ($1, $2, 'owner', 1), ($1, $3, 'member', 2)`, group, ana, ghost)
	require.NoError(t, err)
	w.apply(p, activity.Change{New: session(ana, "run", monday, 5)}, activity.Change{New: session(ghost, "run", monday, 10)})

	req := api.LeaderboardRequest{}
	sqlOnly := &process{svc: New(p.svc.store, nil)}
	sqlOnly.svc.now = p.svc.now
	for _, q := range []*process{sqlOnly, p} {
		b := get(t, q, ana, req)
		assert.Equal(t, []place{{1, "Ana", 5000}}, places(b.Items))
		assert.Equal(t, int64(1), b.Total)
		g := get(t, q, ana, api.LeaderboardRequest{Scope: "group:" + group.String()})
		assert.Equal(t, []place{{1, "Ana", 5000}}, places(g.Items))
		me := get(t, q, ghost, req)
		assert.False(t, me.Me.Listed)
		assert.Nil(t, me.Me.Rank)
		assert.Equal(t, 10000.0, me.Me.Value, "they see their own value")
	}
	loaded(t, p, req, ana)

	want := []place{{1, "Gil", 10000}, {2, "Ana", 5000}}
	w.knownAsGil(ghost, p, ana, req, want)
	assert.Equal(t, want, places(get(t, sqlOnly, ana, req).Items))
	assert.Equal(t, want, places(get(t, p, ana, api.LeaderboardRequest{Scope: "group:" + group.String()}).Items))
	assert.True(t, get(t, p, ghost, req).Me.Listed)
}

// A user with no totals but points (an unlock before their profile
// arrived) is listed once known: the row's insert refreshes the boards.
func TestAUserWithOnlyPointsIsListedOnceKnown(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.process(monday.Add(time.Hour))
	ana := w.user("Ana", "", true)
	ghost := uuid.New()
	require.NoError(t, storage.InTx(context.Background(), w.pool, func(tx pgx.Tx) error {
		return p.svc.ApplyPoints(context.Background(), tx, []api.AchievementUnlocked{
			{UserID: ana.String(), Points: 30, UnlockedAt: monday}, {UserID: ghost.String(), Points: 50, UnlockedAt: monday}})
	}))
	req := api.LeaderboardRequest{Metric: "points"}
	assert.Equal(t, []place{{1, "Ana", 30}}, places(get(t, p, ana, req).Items))

	w.knownAsGil(ghost, p, ana, req, []place{{1, "Gil", 50}, {2, "Ana", 30}})
}

// knownAsGil makes user known (their profile arrives: a users row named
// Gil) and waits until p's board of req, as viewer sees it, is want.
func (w *world) knownAsGil(user uuid.UUID, p *process, viewer uuid.UUID, req api.LeaderboardRequest, want []place) {
	w.t.Helper()
	_, err := w.pool.Exec(context.Background(), `INSERT INTO gamification.users (user_id, display_name, show_in_leaderboards, updated_at)
		VALUES ($1, 'Gil', true, now())`, user)
	require.NoError(w.t, err)
	require.Eventually(w.t, func() bool {
		got, err := p.svc.Get(context.Background(), viewer, req)
		return err == nil && assert.ObjectsAreEqual(want, places(got.Items))
	}, 30*time.Second, 10*time.Millisecond, "the board in memory lists them once known")
}

// A user's registration and their first session, applied at once by two
// processes, each in a transaction that does not see the other's: the
// boards refresh the user after the session's commit (not listed yet:
// the registration is not committed) and again after the registration's,
// which lists them. Migration 00052: the listing trigger tells the boards
// of every new user, not only of one it sees totals of (it would see none
// here, and the user would stay unlisted in memory).
func TestARegistrationRacingTheFirstSessionLists(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.process(monday.Add(time.Hour))
	ana := w.user("Ana", "", true)
	req := api.LeaderboardRequest{}
	w.apply(p, activity.Change{New: session(ana, "run", monday, 5)})
	loaded(t, p, req, ana)

	ghost := uuid.New()
	ctx := context.Background()
	registration, err := w.pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = registration.Rollback(ctx) }()
	_, err = registration.Exec(ctx, `INSERT INTO gamification.users (user_id, display_name, show_in_leaderboards, updated_at)
		VALUES ($1, 'Gil', true, now())`, ghost)
	require.NoError(t, err)

	w.apply(p, activity.Change{New: session(ghost, "run", monday, 10)})
	// The boards take changes in order: once Ana's later session shows,
	// Gil's has been read (and found unlisted).
	w.apply(p, activity.Change{New: session(ana, "run", monday.Add(time.Minute), 1)})
	require.Eventually(t, func() bool {
		got, err := p.svc.Get(ctx, ana, req)
		return err == nil && assert.ObjectsAreEqual([]place{{1, "Ana", 6000}}, places(got.Items))
	}, 30*time.Second, 10*time.Millisecond)

	require.NoError(t, registration.Commit(ctx))
	require.Eventually(t, func() bool {
		got, err := p.svc.Get(ctx, ana, req)
		return err == nil && assert.ObjectsAreEqual([]place{{1, "Gil", 10000}, {2, "Ana", 6000}}, places(got.Items))
	}, 30*time.Second, 10*time.Millisecond, "listed once the registration commits")
}
