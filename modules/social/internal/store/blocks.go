package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/social/internal/group"
)

// AddBlock records that blocker blocks blocked; false when it did already.
func AddBlock(ctx context.Context, tx pgx.Tx, blocker, blocked uuid.UUID) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO social.blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, blocker, blocked)
	if err != nil {
		return false, fmt.Errorf("store: add block: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// DeleteBlock lifts blocker's block of blocked; false when there was none.
func DeleteBlock(ctx context.Context, tx pgx.Tx, blocker, blocked uuid.UUID) (bool, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM social.blocks WHERE blocker_id = $1 AND blocked_id = $2`, blocker, blocked)
	if err != nil {
		return false, fmt.Errorf("store: delete block: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// Blocking says whether a blocks b (ab) and whether b blocks a (ba).
func Blocking(ctx context.Context, q Querier, a, b uuid.UUID) (ab, ba bool, err error) {
	err = q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM social.blocks WHERE blocker_id = $1 AND blocked_id = $2),
		EXISTS (SELECT 1 FROM social.blocks WHERE blocker_id = $2 AND blocked_id = $1)`, a, b).Scan(&ab, &ba)
	if err != nil {
		return false, false, fmt.Errorf("store: blocking: %w", err)
	}
	return ab, ba, nil
}

// BlockRow is a blocked user with its name.
type BlockRow struct {
	UserID      uuid.UUID
	DisplayName string
	At          time.Time
}

// Blocks returns up to limit of the users blocker blocked, newest first,
// after the cursor.
func Blocks(ctx context.Context, q Querier, blocker uuid.UUID, after *group.TimeCursor, limit int) ([]BlockRow, error) {
	at, from := afterArgs(after)
	rows, err := q.Query(ctx, `SELECT b.blocked_id, coalesce(u.display_name, ''), b.created_at FROM social.blocks b
		LEFT JOIN social.users u ON u.user_id = b.blocked_id
		WHERE b.blocker_id = $1 AND ($2::timestamptz IS NULL OR (b.created_at, b.blocked_id) < ($2, $3))
		ORDER BY b.created_at DESC, b.blocked_id DESC LIMIT $4`, blocker, at, from, limit)
	if err != nil {
		return nil, fmt.Errorf("store: blocks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (BlockRow, error) {
		var b BlockRow
		return b, r.Scan(&b.UserID, &b.DisplayName, &b.At)
	})
	if err != nil {
		return nil, fmt.Errorf("store: blocks: %w", err)
	}
	return out, nil
}

// BlockPair is one block.
type BlockPair struct{ Blocker, Blocked uuid.UUID }

// BlocksOf returns every block user is in, either way.
func BlocksOf(ctx context.Context, tx pgx.Tx, user uuid.UUID) ([]BlockPair, error) {
	rows, err := tx.Query(ctx, `SELECT blocker_id, blocked_id FROM social.blocks WHERE blocker_id = $1 OR blocked_id = $1
		ORDER BY blocker_id, blocked_id`, user)
	if err != nil {
		return nil, fmt.Errorf("store: blocks of: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (BlockPair, error) {
		var p BlockPair
		return p, r.Scan(&p.Blocker, &p.Blocked)
	})
}
