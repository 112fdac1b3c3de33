package service

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/store"
)

// SaveUserName keeps a user's display name for member lists, from the
// client module's events, in the consumer's transaction tx: a name older
// than the one kept (at) changes nothing, nor does anything after the
// account was deleted.
func (s *Service) SaveUserName(ctx context.Context, tx pgx.Tx, user uuid.UUID, name string, at time.Time) error {
	return store.SaveUserName(ctx, tx, user, name, at)
}

// EraseUser applies a deleted account, in the consumer's transaction tx:
// its memberships end (member.left, reason account_deleted), its requests
// and bans go, and its name is forgotten. A group it owned passes to the
// admin who joined first, else the member who joined first
// (member.role_changed, group.updated); a group with no one left is
// closed (group.deleted). Applying it again changes nothing.
func (s *Service) EraseUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if err := store.MarkUserDeleted(ctx, tx, user); err != nil {
		return err
	}
	// Its chat messages become tombstones (chat.go).
	if err := EraseChatUser(ctx, tx, user); err != nil {
		return err
	}
	if err := store.ForgetUser(ctx, tx, user); err != nil {
		return err
	}
	// Follows, requests, blocks and settings (follow.go, block.go).
	if err := eraseFollows(ctx, tx, user); err != nil {
		return err
	}
	// Their feed cards (feed.go) and the reports they made (report.go).
	if err := store.ForgetFeedItems(ctx, tx, user); err != nil {
		return err
	}
	if err := store.ForgetReports(ctx, tx, user); err != nil {
		return err
	}
	memberships, err := store.MembershipsOf(ctx, tx, user)
	if err != nil {
		return err
	}
	for _, m := range memberships {
		if _, err := store.LockGroup(ctx, tx, m.GroupID); err != nil {
			return err
		}
		if m.Role == store.RoleOwner {
			heir, _, ok, err := store.Successor(ctx, tx, m.GroupID, user)
			if err != nil {
				return err
			}
			if !ok {
				if err := closeGroup(ctx, tx, m.GroupID); err != nil {
					return err
				}
				continue
			}
			if err := changeRole(ctx, tx, m.GroupID, heir, store.RoleOwner); err != nil {
				return err
			}
			if err := store.SetOwner(ctx, tx, m.GroupID, heir); err != nil {
				return err
			}
		}
		if err := removeMember(ctx, tx, m.GroupID, user, api.LeftAccountDeleted); err != nil {
			return err
		}
		if m.Role == store.RoleOwner {
			g, err := store.LockGroup(ctx, tx, m.GroupID)
			if err != nil {
				return err
			}
			if err := groupEvent(ctx, tx, api.EventGroupUpdated, g); err != nil {
				return err
			}
		}
	}
	return nil
}
