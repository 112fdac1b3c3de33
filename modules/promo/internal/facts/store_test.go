package facts_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/promo/internal/facts"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// inTx runs fn in a transaction of its own and fails the test on error.
func inTx(t *testing.T, db *pgxpool.Pool, fn func(ctx context.Context, tx pgx.Tx) error) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, storage.InTx(ctx, db, func(tx pgx.Tx) error { return fn(ctx, tx) }))
}

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func ptr[T any](v T) *T { return &v }

// A user never seen is unknown, not an error; an objection shows even then.
func TestLoadUnknownUser(t *testing.T) {
	t.Parallel()
	db := pgtest.NewPool(t)
	ctx := context.Background()
	now := time.Now().UTC()
	user := uuid.New()
	f, err := facts.Load(ctx, db, user, now)
	require.NoError(t, err)
	assert.Equal(t, facts.Facts{UserID: user}, f)
	assert.False(t, f.Personalisable(now))

	inTx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := facts.SetConsent(ctx, tx, user, false, now)
		return err
	})
	f, err = facts.Load(ctx, db, user, now)
	require.NoError(t, err)
	assert.True(t, f.Objected)
	assert.False(t, f.Known)
}

// Every fact of a user in one Load: profile, sports by count in the
// 90-day window, sessions per week in the 28-day window (both bounds
// inclusive), gear not retired nor deleted, challenges joined and not left.
func TestLoadFacts(t *testing.T) {
	t.Parallel()
	db := pgtest.NewPool(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	user, other := uuid.New(), uuid.New()
	shoes, bike, retired, deleted := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	ch1, ch2, left := uuid.New(), uuid.New(), uuid.New()
	registered := now.Add(-400 * 24 * time.Hour)
	inTx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		require.NoError(t, facts.ApplyRegistration(ctx, tx, facts.Registration{UserID: user, Language: "en", RegisteredAt: registered}))
		require.NoError(t, facts.ApplyProfile(ctx, tx, facts.Profile{UserID: user, BirthDate: date(1990, 5, 17), Country: "DE",
			Language: "pt-BR", UpdatedAt: now.Add(-time.Hour)}))
		session := func(u uuid.UUID, sport string, started time.Time) {
			require.NoError(t, facts.ApplySession(ctx, tx, facts.Session{ID: uuid.New(), UserID: u, Sport: sport, StartedAt: started, Revision: 1}))
		}
		session(user, "ride", now.Add(-facts.ActivityWindow))             // both windows, on the bound
		session(user, "ride", now.Add(-facts.ActivityWindow-time.Second)) // 90 days only
		session(user, "run", now.Add(-time.Hour))                         // both
		session(user, "swim", now.Add(-facts.SportsWindow))               // 90 days, on the bound
		session(user, "yoga", now.Add(-facts.SportsWindow-time.Second))   // neither
		session(user, "hike", now.Add(time.Hour))                         // the future: neither
		session(other, "row", now.Add(-time.Hour))                        // another user's
		gone := facts.Session{ID: uuid.New(), UserID: user, Sport: "walk", StartedAt: now.Add(-time.Hour), Revision: 1}
		require.NoError(t, facts.ApplySession(ctx, tx, gone))
		gone.Deleted, gone.Revision = true, 2
		require.NoError(t, facts.ApplySession(ctx, tx, gone))

		gear := func(id uuid.UUID, typ string, dist float64, threshold *float64, retired bool) {
			require.NoError(t, facts.ApplyGear(ctx, tx, facts.GearItem{Gear: facts.Gear{ID: id, Type: typ, DistanceM: dist,
				ReplacementThresholdM: threshold}, UserID: user, Retired: retired, ChangedAt: now.Add(-time.Hour)}))
		}
		gear(shoes, "shoes", 650_000, ptr(800_000.0), false)
		gear(bike, "bike", 1_000, nil, false)
		gear(retired, "shoes", 900_000, ptr(800_000.0), true)
		gear(deleted, "shoes", 10, nil, false)
		require.NoError(t, facts.ApplyGear(ctx, tx, facts.GearItem{Gear: facts.Gear{ID: deleted}, UserID: user, Deleted: true, ChangedAt: now}))

		for _, c := range []uuid.UUID{ch1, ch2, left} {
			require.NoError(t, facts.ApplyChallenge(ctx, tx, user, c, true, now.Add(-2*time.Hour)))
		}
		return facts.ApplyChallenge(ctx, tx, user, left, false, now.Add(-time.Hour))
	})

	f, err := facts.Load(ctx, db, user, now)
	require.NoError(t, err)
	assert.True(t, f.Known)
	assert.Equal(t, registered, f.RegisteredAt)
	assert.Equal(t, date(1990, 5, 17), f.BirthDate)
	assert.Equal(t, "DE", f.Country)
	assert.Equal(t, "pt-BR", f.Language)
	assert.Equal(t, []string{"ride", "run", "swim"}, f.Sports)
	assert.InDelta(t, 0.5, f.SessionsPerWeek, 1e-9)
	wantGear := []facts.Gear{{ID: shoes, Type: "shoes", DistanceM: 650_000, ReplacementThresholdM: ptr(800_000.0)},
		{ID: bike, Type: "bike", DistanceM: 1_000}}
	assert.ElementsMatch(t, wantGear, f.Gear)
	assert.ElementsMatch(t, []uuid.UUID{ch1, ch2}, f.Challenges)
	assert.False(t, f.Objected)
	assert.True(t, f.Personalisable(now))
	age, ok := f.Age(now)
	assert.True(t, ok)
	assert.Equal(t, 36, age)
	for _, g := range f.Gear {
		w, ok := g.WornFraction()
		if g.ID == shoes {
			assert.True(t, ok)
			assert.InDelta(t, 0.8125, w, 1e-9)
		} else {
			assert.False(t, ok)
		}
	}

	// The prune removes what is older than the sports window only.
	n, err := facts.Prune(ctx, db, now)
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	again, err := facts.Load(ctx, db, user, now)
	require.NoError(t, err)
	assert.Equal(t, f, again)
}

// The session consumer's batches: a message delivered again (the same id)
// changes nothing, within a batch only a session's highest revision
// counts whatever the order, an older revision in a later batch is
// dropped, and an erased user's events are dropped (but recorded).
func TestApplySessionsOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.NewPool(t)
	ctx := context.Background()
	now := time.Now().UTC()
	user, gone := uuid.New(), uuid.New()
	s1, s2 := uuid.New(), uuid.New()
	inTx(t, db, func(ctx context.Context, tx pgx.Tx) error { return facts.Erase(ctx, tx, gone, now) })
	run := func(sport string, rev int64) facts.Session {
		return facts.Session{ID: s1, UserID: user, Sport: sport, StartedAt: now.Add(-time.Hour), Revision: rev}
	}
	sports := func() []string {
		f, err := facts.Load(ctx, db, user, now)
		require.NoError(t, err)
		return f.Sports
	}

	require.NoError(t, facts.ApplySessionsOnce(ctx, db, []string{"a", "b", "c", "d"}, []facts.Session{
		run("swim", 2), run("run", 1), run("ride", 3),
		{ID: s2, UserID: gone, Sport: "row", StartedAt: now, Revision: 1},
	}))
	assert.Equal(t, []string{"ride"}, sports())

	// Delivered again under the same ids, with other contents: nothing.
	require.NoError(t, facts.ApplySessionsOnce(ctx, db, []string{"a", "b", "c"}, []facts.Session{run("yoga", 9), run("yoga", 9), run("yoga", 9)}))
	assert.Equal(t, []string{"ride"}, sports())
	// An older revision in a later batch: nothing; a deletion: gone.
	require.NoError(t, facts.ApplySessionsOnce(ctx, db, []string{"e"}, []facts.Session{run("hike", 2)}))
	assert.Equal(t, []string{"ride"}, sports())
	del := run("ride", 4)
	del.Deleted = true
	require.NoError(t, facts.ApplySessionsOnce(ctx, db, []string{"f"}, []facts.Session{del}))
	assert.Empty(t, sports())

	var processed, erasedRows int
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM promo.processed_messages WHERE consumer = $1`, facts.SessionsDurable).Scan(&processed))
	assert.Equal(t, 6, processed)
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM promo.user_sessions WHERE user_id = $1`, gone).Scan(&erasedRows))
	assert.Zero(t, erasedRows)
}
