package store_test

// The store's contract, on PostgreSQL: what each function promises,
// including not-found and conflicts.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/client/internal/gear"
	"github.com/athlos/athlos/modules/client/internal/store"
	"github.com/athlos/athlos/modules/client/internal/throttle"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

// inTx runs fn in a transaction that must succeed.
func inTx(t *testing.T, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) {
	t.Helper()
	require.NoError(t, storage.InTx(context.Background(), pool, fn))
}

func newUser(t *testing.T, pool *pgxpool.Pool, email string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	require.NoError(t, store.InsertUser(context.Background(), pool, store.NewUser{ID: id, Email: email, PasswordHash: "hash-" + email,
		Role: "user", FirstName: "Ana", Language: "en", Privacy: store.Privacy{DefaultVisibility: "followers", ShowInLeaderboards: true}}))
	return id
}

func TestUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := newUser(t, pool, "ana@example.com")

	err := store.InsertUser(ctx, pool, store.NewUser{ID: uuid.New(), Email: "ana@example.com", PasswordHash: "x", Role: "user", Language: "en"})
	assert.ErrorIs(t, err, store.ErrDuplicateEmail, "an email is registered once")

	c, err := store.CredentialsByEmail(ctx, pool, "ana@example.com")
	require.NoError(t, err)
	assert.Equal(t, store.Credentials{UserID: ana, PasswordHash: "hash-ana@example.com", Role: "user"}, c)
	_, err = store.CredentialsByEmail(ctx, pool, "nobody@example.com")
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = store.CredentialsByID(ctx, pool, uuid.New())
	assert.ErrorIs(t, err, store.ErrNotFound)

	require.NoError(t, store.SetPasswordHash(ctx, pool, ana, "new-hash"))
	c, err = store.CredentialsByID(ctx, pool, ana)
	require.NoError(t, err)
	assert.Equal(t, "new-hash", c.PasswordHash)

	id, err := store.SetRole(ctx, pool, "ana@example.com", "admin")
	require.NoError(t, err)
	assert.Equal(t, ana, id)
	_, err = store.SetRole(ctx, pool, "nobody@example.com", "admin")
	assert.ErrorIs(t, err, store.ErrNotFound)

	// The profile, its privacy JSON included, reads back as written.
	u, err := store.User(ctx, pool, ana)
	require.NoError(t, err)
	assert.Equal(t, "admin", u.Role)
	assert.Equal(t, store.Privacy{DefaultVisibility: "followers", ShowInLeaderboards: true}, u.Privacy)
	_, err = store.User(ctx, pool, uuid.New())
	assert.ErrorIs(t, err, store.ErrNotFound)

	birth := time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)
	country, weight := "DE", 61.5
	inTx(t, pool, func(tx pgx.Tx) error {
		u, err := store.LockUser(ctx, tx, ana)
		require.NoError(t, err)
		u.LastName, u.BirthDate, u.Country, u.WeightKg = "López", &birth, &country, &weight
		u.Privacy.SportVisibility = map[string]string{"ride": "private"}
		at, err := store.UpdateProfile(ctx, tx, u)
		require.NoError(t, err)
		assert.False(t, at.Before(u.UpdatedAt), "updated_at moves on")
		_, err = store.LockUser(ctx, tx, uuid.New())
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	})
	u, err = store.User(ctx, pool, ana)
	require.NoError(t, err)
	assert.Equal(t, "López", u.LastName)
	assert.True(t, birth.Equal(*u.BirthDate))
	assert.Equal(t, "DE", *u.Country)
	assert.Equal(t, 61.5, *u.WeightKg)
	assert.Equal(t, map[string]string{"ride": "private"}, u.Privacy.SportVisibility)
	var raw string
	require.NoError(t, pool.QueryRow(ctx, `SELECT privacy::text FROM client.users WHERE id = $1`, ana).Scan(&raw))
	assert.JSONEq(t, `{"default_visibility": "followers", "sport_visibility": {"ride": "private"}, "show_in_leaderboards": true, "show_age": false}`,
		raw, "the stored form of privacy")

	// Deleting a user takes its refresh tokens with it; twice is not found.
	require.NoError(t, store.InsertRefreshToken(ctx, pool, []byte("token-of-ana"), uuid.New(), ana, t0.Add(time.Hour)))
	inTx(t, pool, func(tx pgx.Tx) error { return store.DeleteUser(ctx, tx, ana) })
	err = storage.InTx(ctx, pool, func(tx pgx.Tx) error { return store.DeleteUser(ctx, tx, ana) })
	assert.ErrorIs(t, err, store.ErrNotFound)
	inTx(t, pool, func(tx pgx.Tx) error {
		_, err := store.LockRefreshToken(ctx, tx, []byte("token-of-ana"))
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	})
	newUser(t, pool, "ana@example.com") // the email is free again
}

func TestRefreshTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := newUser(t, pool, "ana@example.com")
	phone, laptop := uuid.New(), uuid.New()
	require.NoError(t, store.InsertRefreshToken(ctx, pool, []byte("p1"), phone, ana, t0.Add(time.Hour)))
	require.NoError(t, store.InsertRefreshToken(ctx, pool, []byte("p2"), phone, ana, t0.Add(2*time.Hour)))
	require.NoError(t, store.InsertRefreshToken(ctx, pool, []byte("l1"), laptop, ana, t0.Add(-8*24*time.Hour)))

	inTx(t, pool, func(tx pgx.Tx) error {
		tok, err := store.LockRefreshToken(ctx, tx, []byte("p1"))
		require.NoError(t, err)
		assert.Equal(t, phone, tok.FamilyID)
		assert.Equal(t, ana, tok.UserID)
		assert.Equal(t, "user", tok.Role, "the user's role comes with it")
		assert.True(t, t0.Add(time.Hour).Equal(tok.ExpiresAt))
		assert.Nil(t, tok.RotatedAt)
		assert.Nil(t, tok.RevokedAt)
		_, err = store.LockRefreshToken(ctx, tx, []byte("unknown"))
		assert.ErrorIs(t, err, store.ErrNotFound)
		return store.MarkRotated(ctx, tx, []byte("p1"), t0)
	})
	lock := func(hash string) store.RefreshToken {
		var tok store.RefreshToken
		inTx(t, pool, func(tx pgx.Tx) error {
			var err error
			tok, err = store.LockRefreshToken(ctx, tx, []byte(hash))
			return err
		})
		return tok
	}
	assert.True(t, t0.Equal(*lock("p1").RotatedAt))

	require.NoError(t, store.RevokeFamily(ctx, pool, phone, t0))
	assert.NotNil(t, lock("p1").RevokedAt, "the whole family")
	assert.NotNil(t, lock("p2").RevokedAt)
	assert.Nil(t, lock("l1").RevokedAt, "not another family")

	// Revoking a user's families but one answers those it revoked, once
	// each, and leaves alone the ones revoked before.
	tablet := uuid.New()
	require.NoError(t, store.InsertRefreshToken(ctx, pool, []byte("t1"), tablet, ana, t0.Add(time.Hour)))
	require.NoError(t, store.InsertRefreshToken(ctx, pool, []byte("t2"), tablet, ana, t0.Add(time.Hour)))
	revoked, err := store.RevokeUserFamilies(ctx, pool, ana, laptop, t0)
	require.NoError(t, err)
	assert.Equal(t, []uuid.UUID{tablet}, revoked)
	assert.Nil(t, lock("l1").RevokedAt, "the family kept")
	revoked, err = store.RevokeUserFamilies(ctx, pool, ana, uuid.Nil, t0)
	require.NoError(t, err)
	assert.Equal(t, []uuid.UUID{laptop}, revoked, "uuid.Nil keeps none")

	n, err := store.DeleteExpiredRefreshTokens(ctx, pool, t0.Add(-7*24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "only the token expired before the bound")
}

func TestSigningKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	keys, err := store.SigningKeys(ctx, pool, t0)
	require.NoError(t, err)
	assert.Empty(t, keys)

	insert := func(id string, at time.Time) {
		inTx(t, pool, func(tx pgx.Tx) error {
			if err := store.LockKeys(ctx, tx); err != nil {
				return err
			}
			return store.InsertSigningKey(ctx, tx, store.SealedKey{ID: id, Sealed: []byte("sealed-" + id), CreatedAt: at})
		})
	}
	insert("k1", t0)
	insert("k2", t0.Add(time.Hour))
	keys, err = store.SigningKeys(ctx, pool, t0)
	require.NoError(t, err)
	require.Len(t, keys, 2)
	assert.Equal(t, "k2", keys[0].ID, "newest first")
	assert.Nil(t, keys[0].RetiredAt, "the new key is active")
	assert.Equal(t, []byte("sealed-k2"), keys[0].Sealed)
	require.NotNil(t, keys[1].RetiredAt, "the others are retired")
	assert.True(t, t0.Add(time.Hour).Equal(*keys[1].RetiredAt))

	keys, err = store.SigningKeys(ctx, pool, t0.Add(2*time.Hour))
	require.NoError(t, err)
	require.Len(t, keys, 1, "keys retired before since no longer verify")
	assert.Equal(t, "k2", keys[0].ID)
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	key := throttle.Key{Name: "acct-ip:ana@example.com|203.0.113.7", Rule: throttle.AccountIP}
	states, err := store.ThrottleStates(ctx, pool, []string{key.Name, "other"})
	require.NoError(t, err)
	assert.Empty(t, states, "counters that never failed are not there (zero)")

	var last throttle.State
	for i := range throttle.AccountIP.Threshold {
		inTx(t, pool, func(tx pgx.Tx) error {
			var err error
			last, err = store.RecordFailure(ctx, tx, key, t0.Add(time.Duration(i)*time.Second))
			return err
		})
	}
	assert.Equal(t, throttle.AccountIP.Threshold, last.Failures)
	assert.Positive(t, last.Locked(t0.Add(5*time.Second)), "the threshold locks")
	states, err = store.ThrottleStates(ctx, pool, []string{key.Name, "other"})
	require.NoError(t, err)
	require.Contains(t, states, key.Name)
	assert.Equal(t, last.Failures, states[key.Name].Failures)
	assert.True(t, last.LockedUntil.Equal(states[key.Name].LockedUntil), "what RecordFailure answers is what is stored")

	require.NoError(t, store.ClearFailures(ctx, pool, key.Name))
	states, err = store.ThrottleStates(ctx, pool, []string{key.Name})
	require.NoError(t, err)
	assert.Empty(t, states)
}

func TestKnownDevices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := newUser(t, pool, "ana@example.com"), newUser(t, pool, "bob@example.com")
	for i := range store.MaxKnownDevices + 1 {
		inTx(t, pool, func(tx pgx.Tx) error {
			return store.SaveKnownDevice(ctx, tx, ana, fmt.Appendf(nil, "device-%d", i), t0.Add(time.Duration(i)*time.Minute))
		})
	}
	known := func(user uuid.UUID, device string) bool {
		ok, err := store.KnownDevice(ctx, pool, user, []byte(device))
		require.NoError(t, err)
		return ok
	}
	assert.False(t, known(ana, "device-0"), "the least recently used goes past the limit")
	assert.True(t, known(ana, "device-1"))
	assert.True(t, known(ana, fmt.Sprintf("device-%d", store.MaxKnownDevices)))
	assert.False(t, known(bob, "device-1"), "another user's device is not this one's")
	// Saving it again touches it: it is then the most recent.
	inTx(t, pool, func(tx pgx.Tx) error {
		return store.SaveKnownDevice(ctx, tx, ana, []byte("device-1"), t0.Add(time.Hour))
	})
	inTx(t, pool, func(tx pgx.Tx) error { return store.SaveKnownDevice(ctx, tx, ana, []byte("new"), t0.Add(2*time.Hour)) })
	assert.True(t, known(ana, "device-1"))
	assert.False(t, known(ana, "device-2"))
}

func newGear(user uuid.UUID, typ string, defaults ...string) gear.Gear {
	return gear.Gear{ID: uuid.Must(uuid.NewV7()), UserID: user, Type: typ, DefaultFor: defaults, CreatedAt: t0, UpdatedAt: t0}
}

func insertGear(t *testing.T, pool *pgxpool.Pool, g gear.Gear) []uuid.UUID {
	t.Helper()
	var losers []uuid.UUID
	inTx(t, pool, func(tx pgx.Tx) error {
		var err error
		losers, err = store.InsertGear(context.Background(), tx, g)
		return err
	})
	return losers
}

func TestGear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := newUser(t, pool, "ana@example.com"), newUser(t, pool, "bob@example.com")

	err := storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		_, err := store.InsertGear(ctx, tx, newGear(uuid.New(), "shoes"))
		return err
	})
	assert.ErrorIs(t, err, store.ErrNoUser, "gear of a user that does not exist")

	brand, threshold := "Canyon", 20000.0
	bike := newGear(ana, "bike", "ride", "mountain_bike")
	bike.Brand, bike.ThresholdM = &brand, &threshold
	bike.Components = []gear.Component{
		{ID: uuid.New(), Type: "chain", InstalledAt: t0},
		{ID: uuid.New(), Type: "tyre_front", InstalledAt: t0.Add(time.Hour)},
	}
	assert.Empty(t, insertGear(t, pool, bike))
	got, err := store.GetGear(ctx, pool, ana, bike.ID, false)
	require.NoError(t, err)
	assert.Equal(t, bike, got, "an item reads back as written, components in order, defaults in sport order")
	_, err = store.GetGear(ctx, pool, bob, bike.ID, false)
	assert.ErrorIs(t, err, store.ErrNotFound, "another user's item is not found")
	_, err = store.GetGear(ctx, pool, ana, uuid.New(), false)
	assert.ErrorIs(t, err, store.ErrNotFound)

	// Another bike takes the ride default; the first keeps mountain_bike.
	gravel := newGear(ana, "bike", "ride")
	assert.Equal(t, []uuid.UUID{bike.ID}, insertGear(t, pool, gravel), "the item that lost a default")
	got, err = store.GetGear(ctx, pool, ana, bike.ID, false)
	require.NoError(t, err)
	assert.Equal(t, []string{"mountain_bike"}, got.DefaultFor)
	assert.Empty(t, insertGear(t, pool, newGear(ana, "shoes", "ride")), "defaults are per gear type")

	// Updates write fields, totals and components (those left out go).
	inTx(t, pool, func(tx pgx.Tx) error {
		require.NoError(t, store.LockUserGear(ctx, tx, ana))
		g, err := store.GetGear(ctx, tx, ana, bike.ID, true)
		require.NoError(t, err)
		g.Components = g.Components[1:]
		g.Components[0].DistanceM = 42
		g.UsageDistanceM, g.Sessions, g.Retired = 1000, 3, true
		g.UpdatedAt = t0.Add(time.Hour)
		return store.UpdateGear(ctx, tx, g)
	})
	got, err = store.GetGear(ctx, pool, ana, bike.ID, false)
	require.NoError(t, err)
	require.Len(t, got.Components, 1)
	assert.Equal(t, "tyre_front", got.Components[0].Type)
	assert.Equal(t, 42.0, got.Components[0].DistanceM)
	assert.Equal(t, 1000.0, got.UsageDistanceM)
	assert.True(t, got.Retired)
	require.NoError(t, store.TouchGear(ctx, pool, bike.ID, t0.Add(2*time.Hour)))
	got, err = store.GetGear(ctx, pool, ana, bike.ID, false)
	require.NoError(t, err)
	assert.Equal(t, t0.Add(2*time.Hour), got.UpdatedAt)

	// Lists: newest first, after a cursor, filtered by retired.
	n, err := store.CountGear(ctx, pool, ana)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	all, err := store.ListGear(ctx, pool, ana, uuid.Nil, nil, 10)
	require.NoError(t, err)
	require.Len(t, all, 3)
	assert.Equal(t, bike.ID, all[2].ID, "newest first")
	page, err := store.ListGear(ctx, pool, ana, all[0].ID, nil, 1)
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, all[1].ID, page[0].ID)
	retired := true
	only, err := store.ListGear(ctx, pool, ana, uuid.Nil, &retired, 10)
	require.NoError(t, err)
	require.Len(t, only, 1)
	assert.Equal(t, bike.ID, only[0].ID)
	none, err := store.ListGear(ctx, pool, bob, uuid.Nil, nil, 10)
	require.NoError(t, err)
	assert.Empty(t, none)

	byIDs, err := store.GearByIDs(ctx, pool, ana, []uuid.UUID{gravel.ID, bike.ID, uuid.New()}, false)
	require.NoError(t, err)
	require.Len(t, byIDs, 2, "unknown ids are left out")
	assert.Equal(t, bike.ID, byIDs[0].ID, "ordered by id")
	byIDs, err = store.GearByIDs(ctx, pool, bob, []uuid.UUID{bike.ID}, false)
	require.NoError(t, err)
	assert.Empty(t, byIDs, "not another user's")

	// A soft-deleted item is gone from reads and counts, once.
	inTx(t, pool, func(tx pgx.Tx) error { return store.SoftDeleteGear(ctx, tx, ana, gravel.ID, t0) })
	err = storage.InTx(ctx, pool, func(tx pgx.Tx) error { return store.SoftDeleteGear(ctx, tx, ana, gravel.ID, t0) })
	assert.ErrorIs(t, err, store.ErrNotFound, "deleted twice")
	err = storage.InTx(ctx, pool, func(tx pgx.Tx) error { return store.SoftDeleteGear(ctx, tx, bob, bike.ID, t0) })
	assert.ErrorIs(t, err, store.ErrNotFound, "another user's")
	_, err = store.GetGear(ctx, pool, ana, gravel.ID, false)
	assert.ErrorIs(t, err, store.ErrNotFound)
	n, err = store.CountGear(ctx, pool, ana)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	// Its default is free again.
	assert.Empty(t, insertGear(t, pool, newGear(ana, "bike", "ride")))
}

func TestGearUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := newUser(t, pool, "ana@example.com")
	shoes, spare := newGear(ana, "shoes"), newGear(ana, "shoes")
	insertGear(t, pool, shoes)
	insertGear(t, pool, spare)
	run := gear.Session{ID: uuid.New(), UserID: ana, Sport: "run", DistanceM: 10000, MovingTimeS: 3000, ElapsedS: 3100,
		CompletedAt: t0.Add(time.Hour)}
	earlier := run
	earlier.ID, earlier.DistanceM, earlier.CompletedAt = uuid.New(), 5000, t0

	inTx(t, pool, func(tx pgx.Tx) error {
		for _, c := range []struct {
			g     gear.Gear
			s     gear.Session
			fresh bool
		}{{shoes, run, true}, {shoes, run, false}, {shoes, earlier, true}, {spare, run, true}} {
			fresh, err := store.InsertUsage(ctx, tx, c.g, c.s)
			require.NoError(t, err)
			assert.Equal(t, c.fresh, fresh, "a session counts once per item")
		}
		return nil
	})
	d, m, n, err := store.UsageSince(ctx, pool, shoes.ID, t0.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, []any{10000.0, 3000.0, 1}, []any{d, m, n}, "sessions completed since")
	d, _, n, err = store.UsageSince(ctx, pool, shoes.ID, t0)
	require.NoError(t, err)
	assert.Equal(t, []any{15000.0, 2}, []any{d, n})

	inTx(t, pool, func(tx pgx.Tx) error {
		usage, err := store.TakeSessionUsage(ctx, tx, ana, run.ID)
		require.NoError(t, err)
		assert.Len(t, usage, 2, "one record per item it counted for")
		assert.Equal(t, 10000.0, usage[shoes.ID].DistanceM)
		assert.True(t, run.CompletedAt.Equal(usage[spare.ID].CompletedAt))
		again, err := store.TakeSessionUsage(ctx, tx, ana, run.ID)
		require.NoError(t, err)
		assert.Empty(t, again, "taken: removed")
		return nil
	})
}

func TestAdvanceSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := newUser(t, pool, "ana@example.com")
	session := uuid.New()
	advance := func(user uuid.UUID, rev int64, deleted bool) bool {
		var ok bool
		inTx(t, pool, func(tx pgx.Tx) error {
			var err error
			ok, err = store.AdvanceSession(ctx, tx, user, session, rev, deleted)
			return err
		})
		return ok
	}
	assert.True(t, advance(ana, 2, false), "the first revision")
	assert.False(t, advance(ana, 1, false), "an older one is old news")
	assert.False(t, advance(ana, 2, false), "the same one too")
	assert.True(t, advance(ana, 3, true), "a newer one, which deletes")
	assert.False(t, advance(ana, 9, false), "nothing after a deletion")
	session = uuid.New()
	assert.False(t, advance(uuid.New(), 1, false), "a user that does not exist has nothing to count")
}
