package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// A grant to watch a live session rests on facts the social module's
// events bring (follows, blocks, memberships), each through a consumer
// of its own, while watching is a request: a fact that ends the grant
// (a block, an unfollow, a leave, the group's deletion) may be applied
// while Bob's watch request checks it. Whichever commits first, Bob is
// no watcher once the fact is in.
func TestAWatchRacingTheEndOfItsGrantLeavesNoWatcher(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ana, bob, group := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	for _, c := range []struct {
		name  string
		grant func(s *service.Service, tx pgx.Tx) error // what lets Bob watch
		end   func(s *service.Service, tx pgx.Tx) error // what takes it
	}{
		{"block", func(s *service.Service, tx pgx.Tx) error {
			return s.ApplyFollow(ctx, tx, service.FollowFact{Follower: bob, Followee: ana, Following: true, Seq: 1})
		}, func(s *service.Service, tx pgx.Tx) error {
			return s.ApplyBlock(ctx, tx, service.BlockFact{Blocker: ana, Blocked: bob, Blocking: true, Seq: 2})
		}},
		{"unfollow", func(s *service.Service, tx pgx.Tx) error {
			return s.ApplyFollow(ctx, tx, service.FollowFact{Follower: bob, Followee: ana, Following: true, Seq: 1})
		}, func(s *service.Service, tx pgx.Tx) error {
			return s.ApplyFollow(ctx, tx, service.FollowFact{Follower: bob, Followee: ana, Following: false, Seq: 2})
		}},
		{"leave", coMembers(ctx, group, ana, bob), func(s *service.Service, tx pgx.Tx) error {
			return s.ApplyMembership(ctx, tx, service.Membership{Group: group, User: bob, Member: false, Seq: 3})
		}},
		{"closing", coMembers(ctx, group, ana, bob), func(s *service.Service, tx pgx.Tx) error {
			return s.CloseGroup(ctx, tx, group, 3)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pgtest.EitherOrder(t, "watch", c.name, func(t *testing.T, pool *pgxpool.Pool) (watch, end func(pgx.Tx) error, check func()) {
				s := service.New(pool, nil, nil, nil, nil)
				live := uuid.Must(uuid.NewV7())
				require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
					if err := store.InsertSession(ctx, tx, store.NewSession{ID: live, User: ana, Sport: "run", Visibility: "followers",
						StartedAt: time.Now().UTC().Add(-time.Minute)}); err != nil {
						return err
					}
					return c.grant(s, tx)
				}))
				// Before the fact that ends it, Bob may watch.
				tx, err := pool.Begin(ctx)
				require.NoError(t, err)
				v, err := store.ViewerForWatch(ctx, tx, bob, ana)
				require.NoError(t, err)
				require.NoError(t, tx.Rollback(ctx))
				require.True(t, v.Follower || v.CoMember, "Bob follows Ana or shares a group with her")
				watch = func(tx pgx.Tx) error {
					_, err := s.WatchSessionIn(ctx, tx, bob, live, "")
					if bus.CodeOf(err) == bus.CodeNotFound {
						return nil // refused: the fact came first
					}
					return err
				}
				return watch, func(tx pgx.Tx) error { return c.end(s, tx) }, func() {
					var watching bool
					require.NoError(t, pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM training.watchers WHERE session_id = $1 AND user_id = $2)`,
						live, bob).Scan(&watching))
					assert.False(t, watching, "Bob watches no more")
				}
			})
		})
	}
}

// coMembers makes users members of group (seqs 1, 2, …).
func coMembers(ctx context.Context, group uuid.UUID, users ...uuid.UUID) func(s *service.Service, tx pgx.Tx) error {
	return func(s *service.Service, tx pgx.Tx) error {
		for i, u := range users {
			if err := s.ApplyMembership(ctx, tx, service.Membership{Group: group, User: u, Member: true, Seq: int64(i + 1)}); err != nil {
				return err
			}
		}
		return nil
	}
}
