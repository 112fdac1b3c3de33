package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// WatchFollower: a watcher let in as a follower of the session's owner
// (a followers session).
const WatchFollower = "follower"

// SaveFollow keeps one follow fact of the social module's events
// (following or not), if seq is newer than the fact kept. It reports
// whether it changed anything.
func SaveFollow(ctx context.Context, tx pgx.Tx, follower, followee uuid.UUID, following bool, seq int64) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO training.follows (follower_id, followee_id, following, seq) VALUES ($1, $2, $3, $4)
		ON CONFLICT (follower_id, followee_id) DO UPDATE SET following = excluded.following, seq = excluded.seq
		WHERE training.follows.seq < excluded.seq`, follower, followee, following, seq)
	if err != nil {
		return false, fmt.Errorf("store: save follow: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// SaveBlock keeps one block fact of the social module's events (blocking
// or not), if seq is newer than the fact kept. It reports whether it
// changed anything.
func SaveBlock(ctx context.Context, tx pgx.Tx, blocker, blocked uuid.UUID, blocking bool, seq int64) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO training.blocks (blocker_id, blocked_id, blocking, seq) VALUES ($1, $2, $3, $4)
		ON CONFLICT (blocker_id, blocked_id) DO UPDATE SET blocking = excluded.blocking, seq = excluded.seq
		WHERE training.blocks.seq < excluded.seq`, blocker, blocked, blocking, seq)
	if err != nil {
		return false, fmt.Errorf("store: save block: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// Viewer is what a user is to the owner of a session: blocked by it, its
// follower, a member of one of its groups.
type Viewer struct {
	Blocked, Follower, CoMember bool
}

// ViewerOf reads what user is to owner.
func ViewerOf(ctx context.Context, q storage.Querier, user, owner uuid.UUID) (Viewer, error) {
	var v Viewer
	err := q.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM training.blocks WHERE blocker_id = $2 AND blocked_id = $1 AND blocking),
		EXISTS (SELECT 1 FROM training.follows WHERE follower_id = $1 AND followee_id = $2 AND following),
		EXISTS (SELECT 1 FROM training.group_members x JOIN training.group_members y
			ON y.group_id = x.group_id AND y.user_id = $2 AND y.member WHERE x.user_id = $1 AND x.member)`, user, owner).
		Scan(&v.Blocked, &v.Follower, &v.CoMember)
	if err != nil {
		return v, fmt.Errorf("store: viewer: %w", err)
	}
	return v, nil
}

// RemoveBlockedWatchers takes from blocked every grant to watch
// blocker's open sessions, however it was let in; it returns whether
// there was one.
func RemoveBlockedWatchers(ctx context.Context, tx pgx.Tx, blocker, blocked uuid.UUID) (bool, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM training.watchers w USING training.sessions s
		WHERE s.id = w.session_id AND s.user_id = $1 AND w.user_id = $2`, blocker, blocked)
	if err != nil {
		return false, fmt.Errorf("store: remove blocked watchers: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}
