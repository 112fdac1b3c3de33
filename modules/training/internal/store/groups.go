package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// WatchGroup: a watcher let in as a member of a group the session's owner
// is in (a followers session).
const WatchGroup = "group"

// groupKey is the advisory lock key of the group (a uuid) named by expr.
func groupKey(expr string) string {
	return `hashtextextended('training.group:' || ` + expr + `::text, 0)`
}

// SaveGroupMember keeps one membership fact of the social module's events
// (member or not), if seq is newer than the fact kept and the group was
// not closed. It reports whether it changed anything. It takes the
// group's lock shared (CloseGroup takes it exclusive): a fact and the
// group's closing come through separate consumers, maybe at once, and
// without it the fact could find the group open while the closing
// deletes the members it sees, the new one left over for good.
func SaveGroupMember(ctx context.Context, tx pgx.Tx, group, user uuid.UUID, member bool, seq int64) (bool, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(`+groupKey("$1")+`)`, group); err != nil {
		return false, fmt.Errorf("store: lock group: %w", err)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO training.group_members (group_id, user_id, member, seq)
		SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM training.closed_groups WHERE group_id = $1)
		ON CONFLICT (group_id, user_id) DO UPDATE SET member = excluded.member, seq = excluded.seq
		WHERE training.group_members.seq < excluded.seq`, group, user, member, seq)
	if err != nil {
		return false, fmt.Errorf("store: save group member: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// CloseGroup forgets a closed group's members for good and returns those
// it had, with the group's lock exclusive (SaveGroupMember): its deletion
// sees every member a fact applied before.
func CloseGroup(ctx context.Context, tx pgx.Tx, group uuid.UUID, seq int64) ([]uuid.UUID, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+groupKey("$1")+`)`, group); err != nil {
		return nil, fmt.Errorf("store: lock group: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO training.closed_groups (group_id, seq) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		group, seq); err != nil {
		return nil, fmt.Errorf("store: close group: %w", err)
	}
	rows, err := tx.Query(ctx, `DELETE FROM training.group_members WHERE group_id = $1 RETURNING user_id`, group)
	if err != nil {
		return nil, fmt.Errorf("store: close group: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// ForgetGroupMember removes every membership of a deleted user.
func ForgetGroupMember(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `DELETE FROM training.group_members WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("store: forget group member: %w", err)
	}
	return nil
}

// RemoveGroupWatchers takes the grant from the watchers of open sessions
// let in as group members or followers where the watcher or the owner is
// one of users and the watcher neither shares a group with the owner nor
// follows it any more; it returns the watchers.
func RemoveGroupWatchers(ctx context.Context, tx pgx.Tx, users []uuid.UUID) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `DELETE FROM training.watchers w USING training.sessions s
		WHERE s.id = w.session_id AND w.via IN ('group', 'follower') AND (w.user_id = ANY($1) OR s.user_id = ANY($1))
		AND NOT EXISTS (SELECT 1 FROM training.group_members x JOIN training.group_members y
			ON y.group_id = x.group_id AND y.user_id = w.user_id AND y.member WHERE x.user_id = s.user_id AND x.member)
		AND NOT EXISTS (SELECT 1 FROM training.follows f WHERE f.follower_id = w.user_id AND f.followee_id = s.user_id AND f.following)
		RETURNING w.user_id`, users)
	if err != nil {
		return nil, fmt.Errorf("store: remove group watchers: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// SessionAny reads a session of any user (whether the caller may see it
// is the service's to decide).
func SessionAny(ctx context.Context, q storage.Querier, id uuid.UUID) (SessionRow, error) {
	return scanSession(q.QueryRow(ctx, `SELECT `+sessionColumns+` FROM training.sessions s WHERE s.id = $1`, id))
}
