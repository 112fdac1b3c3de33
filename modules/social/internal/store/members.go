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

// Roles of a group's members, as stored in social.members.role.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// MemberRole returns user's role in group ("owner", "admin" or "member");
// ok is false when user is not a member (or the group does not exist).
func MemberRole(ctx context.Context, q Querier, group, user uuid.UUID) (role string, ok bool, err error) {
	err = q.QueryRow(ctx, `SELECT role FROM social.members WHERE group_id = $1 AND user_id = $2`, group, user).Scan(&role)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("store: member role: %w", err)
	}
	return role, true, nil
}

// Member is a member of a group with its name from the read model.
type Member struct {
	UserID      uuid.UUID
	DisplayName string
	Role        string
	JoinedAt    time.Time
}

// AddMember makes user a member of a group with role and counts it
// (LockGroup first). It reports false when user was a member already.
func AddMember(ctx context.Context, tx pgx.Tx, id, user uuid.UUID, role string) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO social.members (group_id, user_id, role) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, id, user, role)
	if err != nil {
		return false, fmt.Errorf("store: add member: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	return true, countMembers(ctx, tx, id, 1)
}

// AddMembers adds many users as members at once (a fast path for tests
// and imports, with AddMember's rules): those who are members already
// are left as they are. It returns the users added.
func AddMembers(ctx context.Context, tx pgx.Tx, id uuid.UUID, users []uuid.UUID, role string) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `INSERT INTO social.members (group_id, user_id, role)
		SELECT $1, u, $3 FROM unnest($2::uuid[]) AS u ON CONFLICT DO NOTHING RETURNING user_id`, id, users, role)
	if err != nil {
		return nil, fmt.Errorf("store: add members: %w", err)
	}
	added, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("store: add members: %w", err)
	}
	return added, countMembers(ctx, tx, id, len(added))
}

func countMembers(ctx context.Context, tx pgx.Tx, id uuid.UUID, delta int) error {
	if delta == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE social.groups SET member_count = member_count + $2 WHERE id = $1`, id, delta); err != nil {
		return fmt.Errorf("store: count members: %w", err)
	}
	return nil
}

// RemoveMember ends user's membership of a group (LockGroup first) and
// returns the role it had; ok is false when user was no member.
func RemoveMember(ctx context.Context, tx pgx.Tx, id, user uuid.UUID) (role string, ok bool, err error) {
	err = tx.QueryRow(ctx, `DELETE FROM social.members WHERE group_id = $1 AND user_id = $2 RETURNING role`, id, user).Scan(&role)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("store: remove member: %w", err)
	}
	return role, true, countMembers(ctx, tx, id, -1)
}

// SetRole changes a member's role.
func SetRole(ctx context.Context, tx pgx.Tx, id, user uuid.UUID, role string) error {
	if _, err := tx.Exec(ctx, `UPDATE social.members SET role = $3 WHERE group_id = $1 AND user_id = $2`, id, user, role); err != nil {
		return fmt.Errorf("store: set role: %w", err)
	}
	return nil
}

// GetMember reads one member with its name. ErrNotFound for a non-member.
func GetMember(ctx context.Context, q Querier, id, user uuid.UUID) (Member, error) {
	var m Member
	err := q.QueryRow(ctx, `SELECT m.user_id, coalesce(u.display_name, ''), m.role, m.joined_at FROM social.members m
		LEFT JOIN social.users u ON u.user_id = m.user_id WHERE m.group_id = $1 AND m.user_id = $2`, id, user).
		Scan(&m.UserID, &m.DisplayName, &m.Role, &m.JoinedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("store: get member: %w", err)
	}
	return m, nil
}

// Members returns up to limit members of a group, oldest first, after the
// cursor (nil: from the first), of role ("": any).
func Members(ctx context.Context, q Querier, id uuid.UUID, role string, after *group.TimeCursor, limit int) ([]Member, error) {
	at, from := afterArgs(after)
	rows, err := q.Query(ctx, `SELECT m.user_id, coalesce(u.display_name, ''), m.role, m.joined_at FROM social.members m
		LEFT JOIN social.users u ON u.user_id = m.user_id
		WHERE m.group_id = $1 AND ($2 = '' OR m.role = $2) AND ($3::timestamptz IS NULL OR (m.joined_at, m.user_id) > ($3, $4))
		ORDER BY m.joined_at, m.user_id LIMIT $5`, id, role, at, from, limit)
	if err != nil {
		return nil, fmt.Errorf("store: members: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) {
		var m Member
		return m, r.Scan(&m.UserID, &m.DisplayName, &m.Role, &m.JoinedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("store: members: %w", err)
	}
	return out, nil
}

// afterArgs are a time cursor's time and id (nil time: from the start).
func afterArgs(c *group.TimeCursor) (*time.Time, uuid.UUID) {
	if c == nil {
		return nil, uuid.Nil
	}
	t := time.UnixMicro(c.Micros).UTC()
	return &t, uuid.UUID(c.ID)
}

// TimeCursorOf is the cursor after an item at t with id.
func TimeCursorOf(t time.Time, id uuid.UUID) group.TimeCursor {
	return group.TimeCursor{Micros: t.UnixMicro(), ID: id}
}

// Membership is one of a user's memberships.
type Membership struct {
	GroupID uuid.UUID
	Role    string
}

// MembershipsOf returns every membership of user, oldest group first.
func MembershipsOf(ctx context.Context, q Querier, user uuid.UUID) ([]Membership, error) {
	rows, err := q.Query(ctx, `SELECT group_id, role FROM social.members WHERE user_id = $1 ORDER BY group_id`, user)
	if err != nil {
		return nil, fmt.Errorf("store: memberships: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Membership, error) {
		var m Membership
		return m, r.Scan(&m.GroupID, &m.Role)
	})
	if err != nil {
		return nil, fmt.Errorf("store: memberships: %w", err)
	}
	return out, nil
}

// Successor is who a group passes to when its owner goes: the admin who
// joined first, else the member who joined first (ok false when there is
// no one but the owner).
func Successor(ctx context.Context, q Querier, id, owner uuid.UUID) (user uuid.UUID, role string, ok bool, err error) {
	err = q.QueryRow(ctx, `SELECT user_id, role FROM social.members WHERE group_id = $1 AND user_id <> $2 AND role <> 'owner'
		ORDER BY role = 'admin' DESC, joined_at, user_id LIMIT 1`, id, owner).Scan(&user, &role)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return uuid.Nil, "", false, nil
	case err != nil:
		return uuid.Nil, "", false, fmt.Errorf("store: successor: %w", err)
	}
	return user, role, true, nil
}
