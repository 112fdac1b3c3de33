package service

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage"
)

// Blocks. A user blocks another: the follows between them end either way
// (follow.deleted, reason blocked), the blocked user can't follow the
// blocker (nor the blocker it, before lifting the block), training
// hears of it (block.created) and refuses the blocked user every session
// of the blocker, public ones and live watching included, and the
// blocker's feed leaves the blocked user out (and the blocked user's
// leaves the blocker out). A block says nothing to the blocked user; in
// a group chat both stay members and see the group's messages (see the
// module's doc).

// Block makes user block target (block.created); blocking again changes
// nothing. Errors: invalid (path.id is the caller), not_found (no such
// user), unauthorized (the account was deleted).
func (s *Service) Block(ctx context.Context, user, target uuid.UUID) error {
	if user == target {
		return errSelf
	}
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.LockUsers(ctx, tx, user, target); err != nil {
			return err
		}
		if err := refuseDeleted(ctx, tx, user); err != nil {
			return err
		}
		if known, err := store.UserKnown(ctx, tx, target); err != nil || !known {
			return cmpErr(err, errNoUser)
		}
		added, err := store.AddBlock(ctx, tx, user, target)
		if err != nil || !added {
			return err
		}
		if _, err := endFollow(ctx, tx, user, target, api.FollowEndBlocked); err != nil {
			return err
		}
		if _, err := endFollow(ctx, tx, target, user, api.FollowEndBlocked); err != nil {
			return err
		}
		return blockEvent(ctx, tx, api.EventBlockCreated, user, target)
	})
}

// Unblock lifts user's block of target (block.deleted); the follows it
// ended stay ended. Lifting a block that is not there changes nothing.
// Errors: invalid (path.id is the caller), not_found (no such user, and
// no block).
func (s *Service) Unblock(ctx context.Context, user, target uuid.UUID) error {
	if user == target {
		return errSelf
	}
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.LockUsers(ctx, tx, user, target); err != nil {
			return err
		}
		lifted, err := store.DeleteBlock(ctx, tx, user, target)
		if err != nil {
			return err
		}
		if lifted {
			return blockEvent(ctx, tx, api.EventBlockDeleted, user, target)
		}
		if known, err := store.UserKnown(ctx, tx, target); err != nil || !known {
			return cmpErr(err, errNoUser)
		}
		return nil
	})
}

// Blocks returns a page of the users user blocked, newest first. Errors:
// invalid (query.limit, query.cursor).
func (s *Service) Blocks(ctx context.Context, user uuid.UUID, limit int, cursor string) (api.BlockList, error) {
	size, after, err := timePage(limit, cursor)
	if err != nil {
		return api.BlockList{}, err
	}
	rows, err := store.Blocks(ctx, s.pool, user, after, size+1)
	if err != nil {
		return api.BlockList{}, err
	}
	out := api.BlockList{Items: []api.Block{}}
	for i, b := range rows {
		if i == size {
			out.NextCursor = ptr(store.TimeCursorOf(rows[i-1].At, rows[i-1].UserID).Encode())
			break
		}
		out.Items = append(out.Items, api.Block{UserID: b.UserID.String(), DisplayName: b.DisplayName, At: b.At.UTC()})
	}
	return out, nil
}

// eraseFollows ends a deleted user's follows, requests and blocks either
// way (follow.deleted with reason account_deleted, block.deleted) and
// forgets its settings, in the consumer's transaction tx.
func eraseFollows(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if err := store.LockUsers(ctx, tx, user); err != nil {
		return err
	}
	follows, err := store.FollowsOf(ctx, tx, user)
	if err != nil {
		return err
	}
	for _, f := range follows {
		if _, err := endFollow(ctx, tx, f.Follower, f.Followee, api.FollowEndAccountDeleted); err != nil {
			return err
		}
	}
	blocks, err := store.BlocksOf(ctx, tx, user)
	if err != nil {
		return err
	}
	for _, b := range blocks {
		if _, err := store.DeleteBlock(ctx, tx, b.Blocker, b.Blocked); err != nil {
			return err
		}
		if err := blockEvent(ctx, tx, api.EventBlockDeleted, b.Blocker, b.Blocked); err != nil {
			return err
		}
	}
	return store.ForgetSettings(ctx, tx, user)
}

// blockEvent writes a block event, numbered in the follow order.
func blockEvent(ctx context.Context, tx pgx.Tx, subject string, blocker, blocked uuid.UUID) error {
	seq, err := store.NextFollowSeq(ctx, tx)
	if err != nil {
		return err
	}
	_, err = bus.Enqueue(ctx, tx, api.Module, subject, api.BlockChanged{BlockerID: blocker.String(),
		BlockedID: blocked.String(), Seq: seq, OccurredAt: time.Now().UTC()})
	return err
}
