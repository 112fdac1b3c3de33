package activity_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/storage/pgtest"
)

// member.joined and group.deleted have consumers of their own, so two
// processes may apply a join and the group's closing at once, neither
// transaction seeing the other's rows. Whichever commits first, the
// closed group keeps no member (GroupRole: challenges, group boards).
func TestAJoinRacingTheGroupsClosingLeavesNoMember(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pgtest.EitherOrder(t, "join", "closing", func(t *testing.T, pool *pgxpool.Pool) (join, closing func(pgx.Tx) error, check func()) {
		user, group := uuid.New(), uuid.New()
		join = func(tx pgx.Tx) error {
			_, err := activity.SaveMembership(ctx, tx, activity.Membership{Group: group, User: user, Role: "member", Seq: 1})
			return err
		}
		closing = func(tx pgx.Tx) error { return activity.CloseGroup(ctx, tx, group, 2) }
		return join, closing, func() {
			role, err := activity.GroupRole(ctx, pool, group, user)
			require.NoError(t, err)
			assert.Equal(t, "", role, "no member of a closed group")
		}
	})
}

// A profile (a new time zone) and the account's deletion come through
// separate consumers; here both wait for a batch of the user's sessions
// (the erasure first). Once the batch commits, the erasure holds the
// user's lock and deletes the user's row while the profile, which locked
// that row before asking for the user's lock, waits for it: a circle
// PostgreSQL breaks by failing one. The profile takes the user's lock
// before the row, so both go through: the profile finds the user erased.
func TestAProfileAndTheErasureBehindABatchBothGoThrough(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	user := uuid.New()
	inTx(t, pool, func(tx pgx.Tx) {
		_, err := activity.SaveUser(ctx, tx, activity.User{ID: user, DisplayName: "Ana", TimeZone: "UTC", UpdatedAt: t0}, false)
		require.NoError(t, err)
	})
	batch, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = batch.Rollback(ctx) }()
	_, err = activity.Apply(ctx, batch, []activity.Event{completed(uuid.New(), user, 1, 5000)}, nil)
	require.NoError(t, err)
	erasure := pgtest.Behind(t, pool, func(tx pgx.Tx) error { return activity.EraseUser(ctx, tx, user, t0.Add(time.Hour), nil) })
	profile := pgtest.Behind(t, pool, func(tx pgx.Tx) error {
		return activity.SaveProfile(ctx, tx, activity.User{ID: user, DisplayName: "Ana", TimeZone: "Europe/Madrid",
			UpdatedAt: t0.Add(time.Minute)}, nil)
	})
	require.NoError(t, batch.Commit(ctx))
	assert.NoError(t, erasure())
	assert.NoError(t, profile())
	var known bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM gamification.users WHERE user_id = $1)`, user).Scan(&known))
	assert.False(t, known, "erased")
}
