package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage/pgtest"
)

// The co-membership read model keeps each membership's newest fact
// (seq), whatever order the events come in; a closed group stays closed;
// a co-member's watcher grant goes with the co-membership.
func TestGroupMembersContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	group, other := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	ana, bob, cat := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	save := func(g, u uuid.UUID, member bool, seq int64) bool {
		var changed bool
		inTx(t, pool, func(tx pgx.Tx) error {
			var err error
			changed, err = store.SaveGroupMember(ctx, tx, g, u, member, seq)
			return err
		})
		return changed
	}
	shares := func(a, b uuid.UUID) bool {
		v, err := store.ViewerOf(ctx, pool, a, b)
		require.NoError(t, err)
		return v.CoMember
	}
	assert.True(t, save(group, ana, true, 1))
	assert.True(t, save(group, bob, true, 3))
	assert.True(t, shares(ana, bob))
	assert.True(t, shares(bob, ana))
	assert.False(t, shares(ana, cat))
	assert.False(t, save(group, bob, true, 3), "the same event again changes nothing")

	// Bob left (seq 5); the join of seq 3 redelivered late changes nothing.
	assert.True(t, save(group, bob, false, 5))
	assert.False(t, save(group, bob, true, 3))
	assert.False(t, shares(ana, bob))
	// Another group brings them together again.
	save(other, ana, true, 6)
	save(other, bob, true, 7)
	assert.True(t, shares(ana, bob))

	// A watcher let in as a co-member loses the grant when the last group
	// they shared closes; one let in by the link keeps it.
	session := newSession(t, pool, store.NewSession{User: ana, Visibility: "followers"})
	inTx(t, pool, func(tx pgx.Tx) error {
		if _, err := store.AddWatcher(ctx, tx, session, bob, store.WatchGroup); err != nil {
			return err
		}
		_, err := store.AddWatcher(ctx, tx, session, cat, store.WatchLink)
		return err
	})
	inTx(t, pool, func(tx pgx.Tx) error {
		members, err := store.CloseGroup(ctx, tx, other, 8)
		assert.ElementsMatch(t, []uuid.UUID{ana, bob}, members)
		if err != nil {
			return err
		}
		gone, err := store.RemoveGroupWatchers(ctx, tx, members)
		assert.Equal(t, []uuid.UUID{bob}, gone)
		return err
	})
	assert.False(t, shares(ana, bob))
	assert.False(t, save(other, bob, true, 9), "a closed group stays closed, even for a later event")
	assert.False(t, shares(ana, bob))
	watched, err := store.WatchedSessions(ctx, pool, cat, 10)
	require.NoError(t, err)
	assert.Equal(t, []uuid.UUID{session}, watched)
}
