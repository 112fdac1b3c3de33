package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ExportMembershipRow is a group a user is in.
type ExportMembershipRow struct {
	GroupID   uuid.UUID
	GroupName string
	Role      string
	JoinedAt  time.Time
}

// ExportMemberships returns up to limit of user's memberships after the
// group after (uuid.Nil: from the first), in group id order.
func ExportMemberships(ctx context.Context, q Querier, user, after uuid.UUID, limit int) ([]ExportMembershipRow, error) {
	rows, err := q.Query(ctx, `SELECT m.group_id, g.name, m.role, m.joined_at FROM social.members m
		JOIN social.groups g ON g.id = m.group_id
		WHERE m.user_id = $1 AND m.group_id > $2 ORDER BY m.group_id LIMIT $3`, user, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: export memberships: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ExportMembershipRow])
	if err != nil {
		return nil, fmt.Errorf("store: export memberships: %w", err)
	}
	return out, nil
}

// ExportMessageRow is a message a user wrote.
type ExportMessageRow struct {
	GroupID   uuid.UUID
	GroupName string
	ID        int64
	Body      string
	ReplyTo   *int64
	CreatedAt time.Time
	EditedAt  *time.Time
}

// ExportMessages returns up to limit of the messages user wrote (those
// not deleted) after
// (afterGroup, afterID), in (group, id) order.
func ExportMessages(ctx context.Context, q Querier, user, afterGroup uuid.UUID, afterID int64, limit int) ([]ExportMessageRow, error) {
	rows, err := q.Query(ctx, `SELECT m.group_id, g.name, m.id, m.body, m.reply_to, m.created_at, m.edited_at
		FROM social.messages m JOIN social.groups g ON g.id = m.group_id
		WHERE m.sender_id = $1 AND m.deleted_at IS NULL AND (m.group_id, m.id) > ($2, $3) ORDER BY m.group_id, m.id LIMIT $4`,
		user, afterGroup, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: export messages: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ExportMessageRow])
	if err != nil {
		return nil, fmt.Errorf("store: export messages: %w", err)
	}
	return out, nil
}
