package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
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
