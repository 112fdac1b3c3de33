package service

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/training/internal/store"
)

// Follows and blocks. A session of visibility "followers" may be seen and
// watched by the owner's followers as by members of its groups
// (groups.go); a user the owner blocked sees and watches none of its
// sessions, public ones and share links included. The module keeps who
// follows and blocks whom from the social module's events (ApplyFollow,
// ApplyBlock), each pair's newest fact by the events' seq.

// FollowFact is one fact of the social module's follow events: Follower
// follows (or no longer follows) Followee, as of the event's seq. A
// request that waits for approval is no follow.
type FollowFact struct {
	Follower, Followee uuid.UUID
	Following          bool
	Seq                int64
}

// ApplyFollow keeps a follow fact in the consumer's transaction tx; an
// older fact than the one kept (seq) changes nothing. A follow that ends
// takes the follower's grants to watch the followee's sessions that
// rested on it alone (the connections are closed once to renew them).
func (s *Service) ApplyFollow(ctx context.Context, tx pgx.Tx, f FollowFact) error {
	changed, err := store.SaveFollow(ctx, tx, f.Follower, f.Followee, f.Following, f.Seq)
	if err != nil || !changed || f.Following {
		return err
	}
	return dropGroupWatchers(ctx, tx, []uuid.UUID{f.Follower})
}

// BlockFact is one fact of the social module's block events: Blocker
// blocks (or no longer blocks) Blocked, as of the event's seq.
type BlockFact struct {
	Blocker, Blocked uuid.UUID
	Blocking         bool
	Seq              int64
}

// ApplyBlock keeps a block fact in the consumer's transaction tx; an
// older fact than the one kept changes nothing. A new block takes from
// the blocked user every grant to watch the blocker's sessions.
func (s *Service) ApplyBlock(ctx context.Context, tx pgx.Tx, b BlockFact) error {
	changed, err := store.SaveBlock(ctx, tx, b.Blocker, b.Blocked, b.Blocking, b.Seq)
	if err != nil || !changed || !b.Blocking {
		return err
	}
	removed, err := store.RemoveBlockedWatchers(ctx, tx, b.Blocker, b.Blocked)
	if err != nil || !removed {
		return err
	}
	return grantsChanged(ctx, tx, []uuid.UUID{b.Blocked})
}
