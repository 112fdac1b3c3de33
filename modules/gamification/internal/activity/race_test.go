package activity_test

import (
	"context"
	"testing"

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
