package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/client/internal/store"
	"github.com/athlos/athlos/modules/client/internal/throttle"
	"github.com/athlos/athlos/storage/pgtest"
)

func TestEmailTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := newUser(t, pool, "ana@example.com"), newUser(t, pool, "bob@example.com")
	tok := func(hash string, user uuid.UUID, purpose, email string, ttl time.Duration) {
		inTx(t, pool, func(tx pgx.Tx) error {
			return store.InsertEmailToken(ctx, tx, store.EmailToken{Hash: []byte(hash), UserID: user, Purpose: purpose, Email: email,
				CreatedAt: t0, ExpiresAt: t0.Add(ttl)})
		})
	}
	tok("r1", ana, store.PurposePasswordReset, "ana@example.com", 30*time.Minute)
	tok("r2", ana, store.PurposePasswordReset, "ana@example.com", 30*time.Minute)
	tok("c1", ana, store.PurposeChangeEmail, "ana.new@example.com", time.Hour)
	tok("b1", bob, store.PurposePasswordReset, "bob@example.com", 30*time.Minute)

	inTx(t, pool, func(tx pgx.Tx) error {
		got, err := store.LockEmailToken(ctx, tx, []byte("r1"))
		require.NoError(t, err)
		assert.Equal(t, ana, got.UserID)
		assert.Nil(t, got.UsedAt)
		_, err = store.LockEmailToken(ctx, tx, []byte("nope"))
		assert.ErrorIs(t, err, store.ErrNotFound)
		return store.VoidEmailTokens(ctx, tx, ana, store.PurposePasswordReset, t0.Add(time.Minute))
	})
	inTx(t, pool, func(tx pgx.Tx) error {
		for _, h := range []string{"r1", "r2"} {
			got, err := store.LockEmailToken(ctx, tx, []byte(h))
			require.NoError(t, err)
			assert.NotNil(t, got.UsedAt, "void: %s", h)
		}
		for _, h := range []string{"c1", "b1"} {
			got, err := store.LockEmailToken(ctx, tx, []byte(h))
			require.NoError(t, err)
			assert.Nil(t, got.UsedAt, "another purpose or user: %s", h)
		}
		return nil
	})
	pending, err := store.PendingEmail(ctx, pool, ana, t0)
	require.NoError(t, err)
	assert.Equal(t, "ana.new@example.com", pending)
	pending, err = store.PendingEmail(ctx, pool, ana, t0.Add(2*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, pending, "expired")

	// Verified only while the address is the account's; a change to a
	// taken address is refused.
	inTx(t, pool, func(tx pgx.Tx) error {
		ok, err := store.SetEmailVerified(ctx, tx, ana, "old@example.com", t0)
		require.NoError(t, err)
		assert.False(t, ok)
		ok, err = store.SetEmailVerified(ctx, tx, ana, "ana@example.com", t0)
		require.NoError(t, err)
		assert.True(t, ok)
		return nil
	})
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return store.ChangeEmail(ctx, tx, ana, "bob@example.com", t0) })
	assert.ErrorIs(t, err, store.ErrDuplicateEmail)
	u, err := store.User(ctx, pool, ana)
	require.NoError(t, err)
	require.NotNil(t, u.EmailVerifiedAt)
	assert.Equal(t, "ana@example.com", u.Email)

	// Expired tokens go; a deleted user's go with it.
	n, err := store.DeleteExpiredEmailTokens(ctx, pool, t0.Add(45*time.Minute))
	require.NoError(t, err)
	assert.EqualValues(t, 3, n)
	inTx(t, pool, func(tx pgx.Tx) error { return store.DeleteUser(ctx, tx, ana) })
	n, err = store.DeleteExpiredEmailTokens(ctx, pool, t0.Add(100*time.Hour))
	require.NoError(t, err)
	assert.Zero(t, n, "ana's change token went with her")
}

func TestResetRequestsAndSweep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	for i, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		inTx(t, pool, func(tx pgx.Tx) error {
			return store.InsertResetRequest(ctx, tx, store.ResetRequest{ID: uuid.Must(uuid.NewV7()), Email: email,
				RequestedAt: t0.Add(time.Duration(i) * time.Second)})
		})
	}
	// Two transactions at once take different requests.
	tx1, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx1.Rollback(ctx) }()
	first, err := store.TakeResetRequests(ctx, tx1, 2)
	require.NoError(t, err)
	require.Len(t, first, 2)
	assert.Equal(t, "a@example.com", first[0].Email, "oldest first")
	inTx(t, pool, func(tx pgx.Tx) error {
		rest, err := store.TakeResetRequests(ctx, tx, 10)
		require.NoError(t, err)
		require.Len(t, rest, 1)
		assert.Equal(t, "c@example.com", rest[0].Email)
		return nil
	})
	require.NoError(t, tx1.Commit(ctx))

	// Counters whose window started a day ago are swept (no rule locks
	// that long); newer ones, recent or not, stay.
	old := throttle.Key{Name: "reset-acct:old@example.com", Rule: throttle.ResetAccount}
	recent := throttle.Key{Name: "reset-acct:recent@example.com", Rule: throttle.ResetAccount}
	fresh := throttle.Key{Name: "reset-acct:fresh@example.com", Rule: throttle.ResetAccount}
	inTx(t, pool, func(tx pgx.Tx) error {
		if _, err := store.RecordFailure(ctx, tx, old, t0); err != nil {
			return err
		}
		for range throttle.ResetAccount.Threshold {
			if _, err := store.RecordFailure(ctx, tx, recent, t0.Add(23*time.Hour+30*time.Minute)); err != nil {
				return err
			}
		}
		_, err := store.RecordFailure(ctx, tx, fresh, t0.Add(25*time.Hour))
		return err
	})
	now := t0.Add(25 * time.Hour)
	n, err := store.SweepThrottle(ctx, pool, now.Add(-24*time.Hour), now)
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	states, err := store.ThrottleStates(ctx, pool, []string{old.Name, recent.Name, fresh.Name})
	require.NoError(t, err)
	assert.NotContains(t, states, old.Name)
	assert.Contains(t, states, recent.Name)
	assert.Contains(t, states, fresh.Name)
}
