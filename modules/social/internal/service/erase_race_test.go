package service_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/social/internal/notif"
	"github.com/athlos/athlos/modules/social/internal/service"
	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage/pgtest"
)

// Ana's record and the deletion of her account reach social through
// separate consumers, maybe at the same moment in two processes. The
// erasure takes back what her facts made (the notifications, the system
// messages in her groups' chats that name her fact); whichever commits
// first, none is left.
func TestAFactRacingItsActorsErasureLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pgtest.EitherOrder(t, "record", "erasure", func(t *testing.T, pool *pgxpool.Pool) (record, erasure func(pgx.Tx) error, check func()) {
		log := slog.New(slog.DiscardHandler)
		s, n := service.New(pool, log, nil), service.NewNotify(pool, log, time.Now, nil)
		ana, bob, group := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
		_, err := pool.Exec(ctx, `INSERT INTO social.groups (id, owner_id, name, visibility, member_limit, member_count)
			VALUES ($1, $2, 'Dawn', 'public', 100, 2)`, group, bob)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, `INSERT INTO social.members (group_id, user_id, role) VALUES ($1, $2, $3), ($1, $4, $5)`,
			group, bob, store.RoleOwner, ana, store.RoleMember)
		require.NoError(t, err)
		record = func(tx pgx.Tx) error {
			return n.FanOut(ctx, tx, service.Fact{Kind: notif.Record, Actor: ana, SourceKey: uuid.NewString(),
				Data: map[string]any{"records": []any{}}, Count: 1})
		}
		erasure = func(tx pgx.Tx) error {
			if err := s.EraseUser(ctx, tx, ana); err != nil {
				return err
			}
			return n.EraseUser(ctx, tx, ana)
		}
		return record, erasure, func() {
			var facts, messages int
			require.NoError(t, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM social.notif_events WHERE actor_id = $1),
				(SELECT count(*) FROM social.messages WHERE group_id = $2 AND sender_id = $3 AND deleted_at IS NULL)`,
				ana, group, store.SystemSender).Scan(&facts, &messages))
			assert.Zero(t, facts, "no notification of an erased account's fact")
			assert.Zero(t, messages, "no system message of it in the chat")
		}
	})
}
