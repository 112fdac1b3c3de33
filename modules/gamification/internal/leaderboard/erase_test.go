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
	"github.com/athlos/athlos/storage/pgtest"
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
// arrived) is listed once known: the listing trigger finds their totals by
// the all-time boards (migration 00051: the totals have no index by user).
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

// A user's registration and their first session come through separate
// consumers, maybe at once in two processes. Raced both ways (each held
// open while the other runs against it), the user is listed in memory
// in the end: SaveUser takes the user's lock exclusive, so the session
// (Apply: shared) waits for the registration's commit, or the
// registration's listing trigger for the session's and sees its totals.
// With both shared, the registration held open let the session commit
// and the boards read the user unknown; the trigger had seen no totals,
// and nothing told the boards again (CI, TestLeaderboardsInTwoProcesses).
func TestARegistrationRacingTheFirstSessionLists(t *testing.T) {
	t.Parallel()
	for _, registrationFirst := range []bool{true, false} {
		name := "session first"
		if registrationFirst {
			name = "registration first"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			p := w.process(monday.Add(time.Hour))
			ana := w.user("Ana", "", true)
			req := api.LeaderboardRequest{}
			w.apply(p, activity.Change{New: session(ana, "run", monday, 5)})
			loaded(t, p, req, ana)

			ctx := context.Background()
			ghost := uuid.New()
			register := func(tx pgx.Tx) error {
				_, err := activity.SaveUser(ctx, tx, activity.User{ID: ghost, DisplayName: "Gil", ShowInLeaderboards: true,
					UpdatedAt: time.Now()}, true)
				return err
			}
			run := session(ghost, "run", monday, 10)
			apply := func(tx pgx.Tx) error {
				_, err := activity.Apply(ctx, tx, []activity.Event{{SessionID: run.ID, UserID: ghost, Revision: 1, Session: run}},
					[]activity.Applier{p.svc})
				return err
			}
			if registrationFirst {
				pgtest.Race(t, w.pool, register, apply)
			} else {
				pgtest.Race(t, w.pool, apply, register)
			}
			require.Eventually(t, func() bool {
				got, err := p.svc.Get(ctx, ana, req)
				return err == nil && assert.ObjectsAreEqual([]place{{1, "Gil", 10000}, {2, "Ana", 5000}}, places(got.Items))
			}, 30*time.Second, 10*time.Millisecond, "listed in memory once both committed")
		})
	}
}
