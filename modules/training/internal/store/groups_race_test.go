package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage/pgtest"
)

// A member's join and their group's deletion reach training through
// separate durable consumers and may be applied at the same moment, each
// transaction blind to the other's rows. A member left over in a closed
// group would share it with any other left over (a co-member: followers
// sessions and live watching), so whichever commits first, none is left.
func TestAJoinRacingTheGroupsClosingLeavesNoMember(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pgtest.EitherOrder(t, "join", "closing", func(t *testing.T, pool *pgxpool.Pool) (join, closing func(pgx.Tx) error, check func()) {
		group, ana, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
		inTx(t, pool, func(tx pgx.Tx) error {
			_, err := store.SaveGroupMember(ctx, tx, group, ana, true, 1)
			return err
		})
		join = func(tx pgx.Tx) error {
			_, err := store.SaveGroupMember(ctx, tx, group, bob, true, 2)
			return err
		}
		closing = func(tx pgx.Tx) error {
			_, err := store.CloseGroup(ctx, tx, group, 3)
			return err
		}
		return join, closing, func() {
			var members int
			require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM training.group_members WHERE group_id = $1`, group).Scan(&members))
			assert.Zero(t, members, "no member of a closed group")
		}
	})
}
