package store

import (
	"context"
	"errors"
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
	// The pair's lock (ViewerForWatch takes it shared): a block's row may
	// be new, so no row lock orders it with a watch request checking it.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+blockKey+`)`, blocker, blocked); err != nil {
		return false, fmt.Errorf("store: lock block: %w", err)
	}
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

// blockKey is the advisory lock key of the pair blocker $1, blocked $2.
const blockKey = `hashtextextended('training.block:' || $1::text || $2::text, 0)`

// ViewerForWatch reads what user is to owner, as ViewerOf, for a grant to
// watch that tx then writes: it locks what the grant rests on, so that a
// fact taking it (a block, an unfollow, a leave, the group's deletion;
// applied by consumers while the request runs) either commits first and
// is seen here, or waits for tx and then finds its watcher to remove.
// The pair's block lock is taken shared (SaveBlock: exclusive); the
// follow's row FOR SHARE (an unfollow updates it); for a co-membership,
// the shared groups' locks shared (CloseGroup: exclusive, SaveGroupMember:
// shared), then the two memberships' rows in one of them FOR SHARE (a
// leave updates them). Rows are only locked under their group's lock, as
// the closing deletes them (no circle of waits); a group that became
// shared meanwhile is locked in another round.
func ViewerForWatch(ctx context.Context, tx pgx.Tx, user, owner uuid.UUID) (Viewer, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(`+blockKey+`)`, owner, user); err != nil {
		return Viewer{}, fmt.Errorf("store: viewer: lock block: %w", err)
	}
	var v Viewer
	err := tx.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM training.blocks WHERE blocker_id = $2 AND blocked_id = $1 AND blocking),
		EXISTS (SELECT 1 FROM training.follows WHERE follower_id = $1 AND followee_id = $2 AND following FOR SHARE)`, user, owner).
		Scan(&v.Blocked, &v.Follower)
	if err != nil {
		return v, fmt.Errorf("store: viewer: %w", err)
	}
	const shared = `FROM training.group_members x JOIN training.group_members y
		ON y.group_id = x.group_id AND y.user_id = $2 AND y.member WHERE x.user_id = $1 AND x.member`
	locked := []uuid.UUID{} // not nil: ANY(NULL) matches nothing, NOT of it neither
	for {
		rows, err := tx.Query(ctx, `SELECT x.group_id `+shared+` AND NOT x.group_id = ANY($3)`, user, owner, locked)
		if err != nil {
			return v, fmt.Errorf("store: viewer: shared groups: %w", err)
		}
		lock, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return v, fmt.Errorf("store: viewer: shared groups: %w", err)
		}
		if len(lock) == 0 {
			return v, nil // none, or none left of those locked
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(k) FROM (SELECT DISTINCT `+groupKey("g.id")+` AS k
			FROM unnest($1::uuid[]) AS g (id) ORDER BY 1) AS l`, lock); err != nil {
			return v, fmt.Errorf("store: viewer: lock groups: %w", err)
		}
		locked = append(locked, lock...)
		// Rows only under their group's lock (the closing's order).
		err = tx.QueryRow(ctx, `SELECT x.group_id `+shared+` AND x.group_id = ANY($3) LIMIT 1 FOR SHARE OF x, y`,
			user, owner, locked).Scan(new(uuid.UUID))
		switch {
		case err == nil:
			v.CoMember = true
			return v, nil
		case !errors.Is(err, pgx.ErrNoRows):
			return v, fmt.Errorf("store: viewer: co-membership: %w", err)
		}
	}
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
