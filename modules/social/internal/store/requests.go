package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/social/internal/group"
)

// Request is a request to join a private group.
type Request struct {
	UserID      uuid.UUID
	DisplayName string
	Message     string
	CreatedAt   time.Time
}

// AddRequest records user's request to join a group; a second request
// keeps the first (and its place in the queue).
func AddRequest(ctx context.Context, tx pgx.Tx, id, user uuid.UUID, message string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO social.join_requests (group_id, user_id, message) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, id, user, message); err != nil {
		return fmt.Errorf("store: add request: %w", err)
	}
	return nil
}

// DeleteRequest removes user's request to join a group, reporting whether
// there was one.
func DeleteRequest(ctx context.Context, tx pgx.Tx, id, user uuid.UUID) (bool, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM social.join_requests WHERE group_id = $1 AND user_id = $2`, id, user)
	if err != nil {
		return false, fmt.Errorf("store: delete request: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// TakeRequests removes the n oldest requests to join a group and returns
// the users who asked, oldest first.
func TakeRequests(ctx context.Context, tx pgx.Tx, id uuid.UUID, n int) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `WITH oldest AS (SELECT user_id FROM social.join_requests WHERE group_id = $1
			ORDER BY created_at, user_id LIMIT $2),
		gone AS (DELETE FROM social.join_requests r USING oldest o WHERE r.group_id = $1 AND r.user_id = o.user_id
			RETURNING r.user_id, r.created_at)
		SELECT user_id FROM gone ORDER BY created_at, user_id`, id, n)
	if err != nil {
		return nil, fmt.Errorf("store: take requests: %w", err)
	}
	users, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("store: take requests: %w", err)
	}
	return users, nil
}

// Requests returns up to limit requests to join a group, oldest first,
// after the cursor (nil: from the first).
func Requests(ctx context.Context, q Querier, id uuid.UUID, after *group.TimeCursor, limit int) ([]Request, error) {
	at, from := afterArgs(after)
	rows, err := q.Query(ctx, `SELECT r.user_id, coalesce(u.display_name, ''), r.message, r.created_at FROM social.join_requests r
		LEFT JOIN social.users u ON u.user_id = r.user_id
		WHERE r.group_id = $1 AND ($2::timestamptz IS NULL OR (r.created_at, r.user_id) > ($2, $3))
		ORDER BY r.created_at, r.user_id LIMIT $4`, id, at, from, limit)
	if err != nil {
		return nil, fmt.Errorf("store: requests: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Request, error) {
		var q Request
		return q, r.Scan(&q.UserID, &q.DisplayName, &q.Message, &q.CreatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("store: requests: %w", err)
	}
	return out, nil
}

// Ban is a user banned from a group.
type Ban struct {
	UserID      uuid.UUID
	DisplayName string
	BannedBy    uuid.UUID
	At          time.Time
}

// AddBan bans user from a group (a second ban changes nothing).
func AddBan(ctx context.Context, tx pgx.Tx, id, user, by uuid.UUID) error {
	if _, err := tx.Exec(ctx, `INSERT INTO social.bans (group_id, user_id, banned_by) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, id, user, by); err != nil {
		return fmt.Errorf("store: add ban: %w", err)
	}
	return nil
}

// DeleteBan lifts a ban, reporting whether there was one.
func DeleteBan(ctx context.Context, tx pgx.Tx, id, user uuid.UUID) (bool, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM social.bans WHERE group_id = $1 AND user_id = $2`, id, user)
	if err != nil {
		return false, fmt.Errorf("store: delete ban: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// Bans returns up to limit bans of a group, oldest first, after the
// cursor (nil: from the first).
func Bans(ctx context.Context, q Querier, id uuid.UUID, after *group.TimeCursor, limit int) ([]Ban, error) {
	at, from := afterArgs(after)
	rows, err := q.Query(ctx, `SELECT b.user_id, coalesce(u.display_name, ''), b.banned_by, b.at FROM social.bans b
		LEFT JOIN social.users u ON u.user_id = b.user_id
		WHERE b.group_id = $1 AND ($2::timestamptz IS NULL OR (b.at, b.user_id) > ($2, $3))
		ORDER BY b.at, b.user_id LIMIT $4`, id, at, from, limit)
	if err != nil {
		return nil, fmt.Errorf("store: bans: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Ban, error) {
		var b Ban
		return b, r.Scan(&b.UserID, &b.DisplayName, &b.BannedBy, &b.At)
	})
	if err != nil {
		return nil, fmt.Errorf("store: bans: %w", err)
	}
	return out, nil
}

// Invite is an invitation link of a group (its token is kept hashed).
type Invite struct {
	ID        uuid.UUID
	GroupID   uuid.UUID
	CreatedBy uuid.UUID
	CreatedAt time.Time
	ExpiresAt time.Time
	MaxUses   *int
	Uses      int
}

const inviteColumns = `id, group_id, created_by, created_at, expires_at, max_uses, uses`

func scanInvite(row pgx.Row) (Invite, error) {
	var i Invite
	err := row.Scan(&i.ID, &i.GroupID, &i.CreatedBy, &i.CreatedAt, &i.ExpiresAt, &i.MaxUses, &i.Uses)
	if errors.Is(err, pgx.ErrNoRows) {
		return i, ErrNotFound
	}
	if err != nil {
		return i, fmt.Errorf("store: read invite: %w", err)
	}
	return i, nil
}

// InsertInvite stores an invitation and returns it as stored.
func InsertInvite(ctx context.Context, tx pgx.Tx, id, groupID, by uuid.UUID, tokenHash []byte, expires time.Time, maxUses *int) (Invite, error) {
	return scanInvite(tx.QueryRow(ctx, `INSERT INTO social.invites (id, group_id, token_hash, created_by, expires_at, max_uses)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+inviteColumns, id, groupID, tokenHash, by, expires, maxUses))
}

// UseInvite counts one use of the group's invitation whose token hashes
// to tokenHash, if it is still valid (not expired, uses left). ErrNotFound
// when there is no such valid invitation.
func UseInvite(ctx context.Context, tx pgx.Tx, groupID uuid.UUID, tokenHash []byte) (Invite, error) {
	return scanInvite(tx.QueryRow(ctx, `UPDATE social.invites SET uses = uses + 1
		WHERE group_id = $1 AND token_hash = $2 AND expires_at > now() AND (max_uses IS NULL OR uses < max_uses)
		RETURNING `+inviteColumns, groupID, tokenHash))
}

// Invites returns up to limit invitations of a group, newest first, with
// ids below after (uuid.Nil: from the newest).
func Invites(ctx context.Context, q Querier, groupID, after uuid.UUID, limit int) ([]Invite, error) {
	rows, err := q.Query(ctx, `SELECT `+inviteColumns+` FROM social.invites
		WHERE group_id = $1 AND ($2 = '00000000-0000-0000-0000-000000000000'::uuid OR id < $2) ORDER BY id DESC LIMIT $3`,
		groupID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: invites: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Invite, error) { return scanInvite(r) })
	if err != nil {
		return nil, fmt.Errorf("store: invites: %w", err)
	}
	return out, nil
}

// DeleteInvite revokes an invitation of a group, reporting whether there
// was one.
func DeleteInvite(ctx context.Context, tx pgx.Tx, groupID, id uuid.UUID) (bool, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM social.invites WHERE group_id = $1 AND id = $2`, groupID, id)
	if err != nil {
		return false, fmt.Errorf("store: delete invite: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}
