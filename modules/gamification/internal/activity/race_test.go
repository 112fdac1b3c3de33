package activity_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/storage/pgtest"
)

// A member's join and their group's deletion come through separate
// consumers (member.joined, group.deleted), so two processes may apply
// them at once, each in a transaction that does not see the other's: the
// join found the group open, the closing deleted the members it saw.
// Whichever commits first, the closed group keeps no member.
func TestAJoinRacingTheGroupsClosingLeavesNoMember(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, joinFirst := range []bool{true, false} {
		t.Run(map[bool]string{true: "join first", false: "closing first"}[joinFirst], func(t *testing.T) {
			t.Parallel()
			pool := pgtest.NewPool(t)
			user, group := uuid.New(), uuid.New()
			join := func(tx pgx.Tx) error {
				_, err := activity.SaveMembership(ctx, tx, activity.Membership{Group: group, User: user, Role: "member", Seq: 1})
				return err
			}
			closing := func(tx pgx.Tx) error { return activity.CloseGroup(ctx, tx, group, 2) }
			first, second := join, closing
			if !joinFirst {
				first, second = closing, join
			}
			held, err := pool.Begin(ctx)
			require.NoError(t, err)
			defer func() { _ = held.Rollback(ctx) }()
			require.NoError(t, first(held))
			wait := pgtest.Behind(t, pool, second)
			require.NoError(t, held.Commit(ctx))
			require.NoError(t, wait())

			role, err := activity.GroupRole(ctx, pool, group, user)
			require.NoError(t, err)
			assert.Equal(t, "", role, "no member of a closed group")
		})
	}
}
