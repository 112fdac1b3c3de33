package activity_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// recorder is an Applier and Eraser that keeps what it was given, in the
// database (so a rolled-back batch leaves nothing) and in memory.
type recorder struct {
	batches [][]activity.Change
	erased  []uuid.UUID
	fail    error
}

func (r *recorder) ApplySessions(_ context.Context, _ pgx.Tx, changes []activity.Change) error {
	if r.fail != nil {
		return r.fail
	}
	r.batches = append(r.batches, changes)
	return nil
}

func (r *recorder) EraseUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	// The user's sessions are still there to read.
	list, err := activity.UserSessions(ctx, tx, user)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return errors.New("erased before the eraser ran")
	}
	r.erased = append(r.erased, user)
	return nil
}

// since is the changes of the calls after the first n.
func (r *recorder) since(n int) []activity.Change {
	var out []activity.Change
	for _, b := range r.batches[n:] {
		out = append(out, b...)
	}
	return out
}

var t0 = time.Date(2026, 3, 2, 7, 30, 0, 0, time.UTC)

func completed(id, user uuid.UUID, rev int64, distance float64) activity.Event {
	return activity.Event{SessionID: id, UserID: user, Revision: rev, Session: &activity.Session{
		ID: id, UserID: user, Sport: "run", StartedAt: t0, CompletedAt: t0.Add(time.Hour), DistanceM: distance,
		MovingTimeS: 3000, ElapsedTimeS: 3600, ElevationGainM: 12, Plausible: true,
		BestEfforts: map[string]float64{"5k": 1500}, Revision: rev}}
}

func deleted(id, user uuid.UUID, rev int64) activity.Event {
	return activity.Event{SessionID: id, UserID: user, Revision: rev}
}

// apply applies events, each in a message of its own new id, and
// returns the changes the applier saw.
func apply(t *testing.T, pool *pgxpool.Pool, r *recorder, events ...activity.Event) []activity.Change {
	t.Helper()
	ids := make([]string, len(events))
	for i := range events {
		ids[i] = "msg-" + uuid.NewString()
	}
	n := len(r.batches)
	require.NoError(t, activity.ApplyOnce(context.Background(), pool, ids, events, []activity.Applier{r}))
	return r.since(n)
}

func stored(t *testing.T, pool *pgxpool.Pool, user uuid.UUID) []activity.Session {
	t.Helper()
	list, err := activity.UserSessions(context.Background(), pool, user)
	require.NoError(t, err)
	return list
}

// A session's events in order give first completion (Old nil), update
// (Old and New) and deletion (New nil); late events of a lower revision,
// before and after the deletion, change nothing.
func TestChangesFollowRevisions(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	r := &recorder{}
	user, id := uuid.New(), uuid.New()

	c := apply(t, pool, r, completed(id, user, 1, 5000))
	require.Len(t, c, 1)
	assert.Nil(t, c[0].Old)
	require.NotNil(t, c[0].New)
	assert.Equal(t, 5000.0, c[0].New.DistanceM)
	assert.Equal(t, map[string]float64{"5k": 1500}, stored(t, pool, user)[0].BestEfforts)

	c = apply(t, pool, r, completed(id, user, 2, 6000))
	require.Len(t, c, 1)
	assert.Equal(t, 5000.0, c[0].Old.DistanceM)
	assert.Equal(t, 6000.0, c[0].New.DistanceM)
	assert.Equal(t, int64(2), c[0].New.Revision)

	assert.Empty(t, apply(t, pool, r, completed(id, user, 1, 5000)), "a late completion")
	assert.Empty(t, apply(t, pool, r, completed(id, user, 2, 7000)), "the same revision again")
	assert.Equal(t, 6000.0, stored(t, pool, user)[0].DistanceM)

	c = apply(t, pool, r, deleted(id, user, 3))
	require.Len(t, c, 1)
	assert.Equal(t, 6000.0, c[0].Old.DistanceM)
	assert.Nil(t, c[0].New)
	assert.Empty(t, stored(t, pool, user))

	assert.Empty(t, apply(t, pool, r, completed(id, user, 2, 6000)), "an update after the deletion")
	assert.Empty(t, stored(t, pool, user))
}

// Events out of order: the deletion before the completion leaves no
// session and no change; in one batch only the newest event of a session
// counts, whatever its place in the batch.
func TestOutOfOrderAndBatches(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	r := &recorder{}
	user := uuid.New()

	a := uuid.New()
	assert.Empty(t, apply(t, pool, r, deleted(a, user, 2)))
	assert.Empty(t, apply(t, pool, r, completed(a, user, 1, 5000)))
	assert.Empty(t, stored(t, pool, user))

	b, c := uuid.New(), uuid.New()
	changes := apply(t, pool, r, completed(b, user, 3, 9000), completed(c, user, 1, 1000), completed(b, user, 1, 5000),
		completed(b, user, 2, 7000))
	require.Len(t, changes, 2)
	byID := map[uuid.UUID]activity.Change{}
	for _, ch := range changes {
		byID[ch.New.ID] = ch
	}
	assert.Nil(t, byID[b].Old)
	assert.Equal(t, 9000.0, byID[b].New.DistanceM)
	assert.Equal(t, int64(3), byID[b].New.Revision)
	assert.Equal(t, 1000.0, byID[c].New.DistanceM)

	// Completed and deleted in one batch: nothing was there, nothing is.
	d := uuid.New()
	assert.Empty(t, apply(t, pool, r, deleted(d, user, 2), completed(d, user, 1, 3000)))
	assert.Len(t, stored(t, pool, user), 2)
}

// A message applied already (same id) changes nothing, even with other
// content; a failing applier rolls the whole batch back, so it can be
// applied again.
func TestRedeliveryAndRollback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	r := &recorder{}
	user, id := uuid.New(), uuid.New()

	require.NoError(t, activity.ApplyOnce(ctx, pool, []string{"m1"}, []activity.Event{completed(id, user, 1, 5000)}, []activity.Applier{r}))
	require.NoError(t, activity.ApplyOnce(ctx, pool, []string{"m1", "m1"},
		[]activity.Event{completed(id, user, 5, 8000), completed(id, user, 5, 8000)}, []activity.Applier{r}))
	assert.Len(t, r.batches, 1)
	assert.Equal(t, 5000.0, stored(t, pool, user)[0].DistanceM)

	r.fail = errors.New("applier down")
	err := activity.ApplyOnce(ctx, pool, []string{"m2"}, []activity.Event{completed(id, user, 2, 6000)}, []activity.Applier{r})
	require.ErrorIs(t, err, r.fail)
	assert.Equal(t, 5000.0, stored(t, pool, user)[0].DistanceM, "rolled back")

	r.fail = nil
	require.NoError(t, activity.ApplyOnce(ctx, pool, []string{"m2"}, []activity.Event{completed(id, user, 2, 6000)}, []activity.Applier{r}))
	assert.Equal(t, 6000.0, stored(t, pool, user)[0].DistanceM, "the redelivery after the failure")
	require.Len(t, r.batches, 2)
	assert.Equal(t, 5000.0, r.batches[1][0].Old.DistanceM)
}

// A deleted user: erasers run first (with the sessions still there), then
// the read models go, and later events of the user are not applied.
func TestUserErased(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	r := &recorder{}
	user, other := uuid.New(), uuid.New()
	group := uuid.New()
	apply(t, pool, r, completed(uuid.New(), user, 1, 5000), completed(uuid.New(), other, 1, 5000))
	inTx(t, pool, func(tx pgx.Tx) {
		_, err := activity.SaveUser(ctx, tx, activity.User{ID: user, DisplayName: "Ana", TimeZone: "Europe/Madrid", ShowInLeaderboards: true, UpdatedAt: t0}, false)
		require.NoError(t, err)
		_, err = activity.SaveMembership(ctx, tx, activity.Membership{Group: group, User: user, Role: "member", Seq: 1})
		require.NoError(t, err)
	})

	inTx(t, pool, func(tx pgx.Tx) {
		require.NoError(t, activity.EraseUser(ctx, tx, user, t0.Add(time.Hour), []activity.Eraser{r}))
	})
	assert.Equal(t, []uuid.UUID{user}, r.erased)
	assert.Empty(t, stored(t, pool, user))
	assert.Len(t, stored(t, pool, other), 1)
	role, err := activity.GroupRole(ctx, pool, group, user)
	require.NoError(t, err)
	assert.Empty(t, role)
	locs, err := activity.Locations(ctx, pool, []uuid.UUID{user})
	require.NoError(t, err)
	assert.Equal(t, time.UTC, locs[user], "no user row left")

	assert.Empty(t, apply(t, pool, r, completed(uuid.New(), user, 1, 5000)), "a late session of the erased user")
	assert.Empty(t, stored(t, pool, user))
	inTx(t, pool, func(tx pgx.Tx) {
		changed, err := activity.SaveUser(ctx, tx, activity.User{ID: user, DisplayName: "Ana", UpdatedAt: t0.Add(2 * time.Hour)}, false)
		require.NoError(t, err)
		assert.False(t, changed, "a late profile of the erased user")
		changed, err = activity.SaveMembership(ctx, tx, activity.Membership{Group: group, User: user, Role: "member", Seq: 9})
		require.NoError(t, err)
		assert.False(t, changed)
	})
}

// Users keep the newest facts; memberships the fact of the highest seq;
// a closed group takes none again.
func TestUsersAndMemberships(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	user, group := uuid.New(), uuid.New()
	es := "ES"
	inTx(t, pool, func(tx pgx.Tx) {
		_, err := activity.SaveUser(ctx, tx, activity.User{ID: user, DisplayName: "Ana", UpdatedAt: t0}, true)
		require.NoError(t, err)
		changed, err := activity.SaveUser(ctx, tx, activity.User{ID: user, DisplayName: "Ana M", Country: &es, TimeZone: "America/New_York",
			ShowInLeaderboards: false, UpdatedAt: t0.Add(time.Minute)}, false)
		require.NoError(t, err)
		assert.True(t, changed)
		changed, err = activity.SaveUser(ctx, tx, activity.User{ID: user, DisplayName: "old", TimeZone: "UTC", UpdatedAt: t0.Add(time.Second)}, false)
		require.NoError(t, err)
		assert.False(t, changed, "an older profile")
	})
	locs, err := activity.Locations(ctx, pool, []uuid.UUID{user})
	require.NoError(t, err)
	assert.Equal(t, "America/New_York", locs[user].String())

	save := func(role string, s int64) bool {
		var changed bool
		inTx(t, pool, func(tx pgx.Tx) {
			var err error
			changed, err = activity.SaveMembership(ctx, tx, activity.Membership{Group: group, User: user, Role: role, Seq: s})
			require.NoError(t, err)
		})
		return changed
	}
	roleIs := func(want string) {
		t.Helper()
		role, err := activity.GroupRole(ctx, pool, group, user)
		require.NoError(t, err)
		assert.Equal(t, want, role)
	}
	assert.True(t, save("member", 2))
	assert.True(t, save("admin", 4))
	assert.False(t, save("member", 3), "an older role")
	roleIs("admin")
	assert.True(t, save("", 5))
	roleIs("")
	assert.False(t, save("admin", 4), "a late role change after leaving")
	roleIs("")
	assert.True(t, save("member", 6))
	roleIs("member")
	inTx(t, pool, func(tx pgx.Tx) { require.NoError(t, activity.CloseGroup(ctx, tx, group, 7)) })
	roleIs("")
	assert.False(t, save("member", 8), "a closed group")
	roleIs("")
}

func inTx(t *testing.T, pool *pgxpool.Pool, fn func(pgx.Tx)) {
	t.Helper()
	require.NoError(t, storage.InTx(context.Background(), pool, func(tx pgx.Tx) error { fn(tx); return nil }))
}

type zoneWatcher struct{ heard []uuid.UUID }

func (w *zoneWatcher) TimeZoneChanged(_ context.Context, _ pgx.Tx, user uuid.UUID) error {
	w.heard = append(w.heard, user)
	return nil
}

// The watchers hear of a new time zone only: not of the same one again,
// of an older profile, or of another field's change.
func TestZoneWatchers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	w := &zoneWatcher{}
	user, fresh := uuid.New(), uuid.New()
	save := func(u uuid.UUID, tz string, at time.Time) {
		inTx(t, pool, func(tx pgx.Tx) {
			require.NoError(t, activity.SaveProfile(ctx, tx, activity.User{ID: u, DisplayName: "x", TimeZone: tz, UpdatedAt: at}, []activity.ZoneWatcher{w}))
		})
	}
	save(user, "UTC", t0)
	assert.Empty(t, w.heard, "UTC, as before")
	save(user, "Europe/Madrid", t0.Add(time.Minute))
	save(user, "Europe/Madrid", t0.Add(2*time.Minute))
	save(user, "Asia/Tokyo", t0.Add(time.Second))
	assert.Equal(t, []uuid.UUID{user}, w.heard, "one change; the older profile is not applied")
	save(fresh, "Asia/Tokyo", t0)
	assert.Equal(t, []uuid.UUID{user, fresh}, w.heard, "a first profile away from UTC, which counted until then")
}
