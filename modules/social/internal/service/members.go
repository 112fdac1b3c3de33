package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/page"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/group"
	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage"
)

// Invitation bounds.
const (
	DefaultInviteLife = 7 * 24 * time.Hour
	MaxInviteLife     = 30 * 24 * time.Hour
	MinInviteLife     = time.Minute
	MaxInviteUses     = 100_000
)

// Join makes user a member of a public group, asks to join a private one
// (message goes to its admins), or, with an invitation's token, joins
// either at once. Joining a group one is a member of already changes
// nothing. Publishes evt.social.member.joined when user becomes a member.
// Errors: not_found, forbidden (banned), conflict (the group is full),
// invalid (body.message; body.invite_token not a valid invitation of the
// group: unknown, revoked, expired or used up), unauthorized (the
// account was deleted).
func (s *Service) Join(ctx context.Context, user, id uuid.UUID, message, token string) (api.JoinResult, error) {
	message, err := group.JoinMessage(message)
	if err != nil {
		return api.JoinResult{}, bus.FieldInvalid("body.", err)
	}
	out := api.JoinResult{GroupID: id.String()}
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := refuseDeleted(ctx, tx, user); err != nil {
			return err
		}
		g, err := store.LockGroup(ctx, tx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoGroup
		}
		if err != nil {
			return err
		}
		rel, err := store.Relation(ctx, tx, id, user)
		if err != nil {
			return err
		}
		if group.IsMember(rel) {
			out.Membership, out.Role = "member", ptr(string(rel))
			return nil
		}
		action := group.Join
		if token != "" {
			action = group.JoinInvited
		}
		if !group.Allowed(action, rel, g.Facts.Visibility) {
			return forbidden(action, rel)
		}
		if token != "" {
			if _, err := store.UseInvite(ctx, tx, id, sha256Of(token)); errors.Is(err, store.ErrNotFound) {
				return bus.Invalid("body.invite_token", "is not a valid invitation to this group (unknown, revoked, expired or used up)")
			} else if err != nil {
				return err
			}
		}
		if token == "" && g.Facts.Visibility == group.Private {
			out.Membership = "requested"
			return store.AddRequest(ctx, tx, id, user, message)
		}
		if err := roomFor(g, 1); err != nil {
			return err
		}
		if _, err := store.DeleteRequest(ctx, tx, id, user); err != nil {
			return err
		}
		out.Membership, out.Role = "member", ptr(store.RoleMember)
		return join(ctx, tx, id, user)
	})
	return out, err
}

// join makes user a member (the group locked, its room checked).
func join(ctx context.Context, tx pgx.Tx, id, user uuid.UUID) error {
	added, err := store.AddMember(ctx, tx, id, user, store.RoleMember)
	if err != nil || !added {
		return err
	}
	return memberEvent(ctx, tx, api.EventMemberJoined, id, user, store.RoleMember, "")
}

// roomFor refuses more members than the group's limit.
func roomFor(g store.Group, n int) error {
	if g.MemberCount+n > g.Facts.MemberLimit {
		return bus.Errorf(bus.CodeConflict, "the group is full (%d members)", g.Facts.MemberLimit)
	}
	return nil
}

// Leave ends user's membership of a group, or withdraws its request to
// join. Publishes evt.social.member.left. Errors: not_found (no such
// group, or user is not in it), conflict (the owner must transfer the
// ownership first), forbidden (banned).
func (s *Service) Leave(ctx context.Context, user, id uuid.UUID) error {
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		_, rel, err := lockFor(ctx, tx, id, user, group.Leave)
		if err != nil {
			return err
		}
		if rel == group.Requester {
			_, err := store.DeleteRequest(ctx, tx, id, user)
			return err
		}
		return removeMember(ctx, tx, id, user, api.LeftByChoice)
	})
}

// removeMember ends a membership and publishes it (the group locked).
func removeMember(ctx context.Context, tx pgx.Tx, id, user uuid.UUID, reason string) error {
	role, ok, err := store.RemoveMember(ctx, tx, id, user)
	if err != nil || !ok {
		return err
	}
	return memberEvent(ctx, tx, api.EventMemberLeft, id, user, role, reason)
}

// TransferGroup makes target, a member or admin, the group's owner; the
// owner (user) becomes an admin. Publishes evt.social.member.role_changed
// for both and evt.social.group.updated. Errors: not_found, forbidden (not
// the owner), invalid (body.user_id: not a member, or the owner).
func (s *Service) TransferGroup(ctx context.Context, user, id, target uuid.UUID) (api.Group, error) {
	var out api.Group
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, _, err := lockFor(ctx, tx, id, user, group.Transfer); err != nil {
			return err
		}
		trel, err := store.Relation(ctx, tx, id, target)
		if err != nil {
			return err
		}
		if !group.AllowedOn(group.Transfer, group.Owner, trel) {
			return bus.Invalid("body.user_id", "must be another member of the group")
		}
		if err := changeRole(ctx, tx, id, target, store.RoleOwner); err != nil {
			return err
		}
		if err := changeRole(ctx, tx, id, user, store.RoleAdmin); err != nil {
			return err
		}
		if err := store.SetOwner(ctx, tx, id, target); err != nil {
			return err
		}
		g, err := store.LockGroup(ctx, tx, id)
		if err != nil {
			return err
		}
		out = groupOut(store.Seen{Group: g, Relation: group.Admin})
		return groupEvent(ctx, tx, api.EventGroupUpdated, g)
	})
	return out, err
}

func changeRole(ctx context.Context, tx pgx.Tx, id, user uuid.UUID, role string) error {
	if err := store.SetRole(ctx, tx, id, user, role); err != nil {
		return err
	}
	return memberEvent(ctx, tx, api.EventMemberRoleChanged, id, user, role, "")
}

// Members returns a page of a group's members, oldest first, with their
// names (role "": all). Anyone sees a public group's members (not a
// banned user); only members see a private group's. Errors: not_found,
// forbidden, invalid (query.role, query.limit, query.cursor).
func (s *Service) Members(ctx context.Context, user, id uuid.UUID, role string, limit int, cursor string) (api.GroupMemberList, error) {
	switch role {
	case "", store.RoleOwner, store.RoleAdmin, store.RoleMember:
	default:
		return api.GroupMemberList{}, bus.Invalid("query.role", "must be owner, admin or member")
	}
	size, after, err := timePage(limit, cursor)
	if err != nil {
		return api.GroupMemberList{}, err
	}
	if err := s.may(ctx, user, id, group.ListMembers); err != nil {
		return api.GroupMemberList{}, err
	}
	rows, err := store.Members(ctx, s.pool, id, role, after, size+1)
	if err != nil {
		return api.GroupMemberList{}, err
	}
	out := api.GroupMemberList{Items: []api.GroupMember{}}
	for i, m := range rows {
		if i == size {
			out.NextCursor = ptr(store.TimeCursorOf(rows[i-1].JoinedAt, rows[i-1].UserID).Encode())
			break
		}
		out.Items = append(out.Items, memberOut(m))
	}
	return out, nil
}

// may checks, without locking, that user may take action a in a group.
// Errors: not_found, forbidden.
func (s *Service) may(ctx context.Context, user, id uuid.UUID, a group.Action) error {
	g, err := store.GroupFor(ctx, s.pool, user, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNoGroup
	}
	if err != nil {
		return err
	}
	if !group.Allowed(a, g.Relation, g.Facts.Visibility) {
		return forbidden(a, g.Relation)
	}
	return nil
}

// RemoveMember removes target from a group (owner: anyone; admin:
// members). Publishes evt.social.member.left. Errors: not_found (no such
// group; target not a member), forbidden.
func (s *Service) RemoveMember(ctx context.Context, user, id, target uuid.UUID) error {
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		_, rel, err := lockFor(ctx, tx, id, user, group.Remove)
		if err != nil {
			return err
		}
		trel, err := store.Relation(ctx, tx, id, target)
		if err != nil {
			return err
		}
		if !group.IsMember(trel) {
			return bus.Errorf(bus.CodeNotFound, "the user is not a member of the group")
		}
		if !group.AllowedOn(group.Remove, rel, trel) {
			return bus.Errorf(bus.CodeForbidden, "a %s may not remove a %s", rel, trel)
		}
		return removeMember(ctx, tx, id, target, api.LeftRemoved)
	})
}

// SetMemberRole promotes a member to admin or demotes an admin (the owner
// only); the same role again changes nothing. Publishes
// evt.social.member.role_changed. Errors: not_found (no such group;
// target not a member), forbidden, conflict (the owner's role changes by a
// transfer), invalid (body.role).
func (s *Service) SetMemberRole(ctx context.Context, user, id, target uuid.UUID, role string) (api.GroupMember, error) {
	if role != store.RoleAdmin && role != store.RoleMember {
		return api.GroupMember{}, bus.Invalid("body.role", "must be admin or member")
	}
	var out api.GroupMember
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, _, err := lockFor(ctx, tx, id, user, group.SetRole); err != nil {
			return err
		}
		trel, err := store.Relation(ctx, tx, id, target)
		switch {
		case err != nil:
			return err
		case trel == group.Owner:
			return bus.Errorf(bus.CodeConflict, "the owner's role changes by a transfer of the ownership")
		case !group.AllowedOn(group.SetRole, group.Owner, trel):
			return bus.Errorf(bus.CodeNotFound, "the user is not a member of the group")
		case string(trel) != role:
			if err := changeRole(ctx, tx, id, target, role); err != nil {
				return err
			}
		}
		m, err := store.GetMember(ctx, tx, id, target)
		out = memberOut(m)
		return err
	})
	return out, err
}

// Requests returns a page of the requests to join a group, oldest first
// (owner and admins). Errors: not_found, forbidden, invalid (query.limit,
// query.cursor).
func (s *Service) Requests(ctx context.Context, user, id uuid.UUID, limit int, cursor string) (api.JoinRequestList, error) {
	size, after, err := timePage(limit, cursor)
	if err != nil {
		return api.JoinRequestList{}, err
	}
	if err := s.may(ctx, user, id, group.ListRequests); err != nil {
		return api.JoinRequestList{}, err
	}
	rows, err := store.Requests(ctx, s.pool, id, after, size+1)
	if err != nil {
		return api.JoinRequestList{}, err
	}
	out := api.JoinRequestList{Items: []api.JoinRequest{}}
	for i, r := range rows {
		if i == size {
			out.NextCursor = ptr(store.TimeCursorOf(rows[i-1].CreatedAt, rows[i-1].UserID).Encode())
			break
		}
		out.Items = append(out.Items, api.JoinRequest{UserID: r.UserID.String(), DisplayName: r.DisplayName,
			Message: r.Message, CreatedAt: r.CreatedAt.UTC()})
	}
	return out, nil
}

// DecideRequest approves (target becomes a member) or rejects target's
// request to join (owner and admins). Publishes evt.social.member.joined
// on approval. Errors: not_found (no such group or request), forbidden,
// conflict (the group is full).
func (s *Service) DecideRequest(ctx context.Context, user, id, target uuid.UUID, approve bool) (api.GroupMember, error) {
	var out api.GroupMember
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		g, _, err := lockFor(ctx, tx, id, user, group.Decide)
		if err != nil {
			return err
		}
		if approve {
			if err := roomFor(g, 1); err != nil {
				return err
			}
		}
		found, err := store.DeleteRequest(ctx, tx, id, target)
		if err != nil {
			return err
		}
		if !found {
			return bus.Errorf(bus.CodeNotFound, "no request to join from this user")
		}
		if !approve {
			return nil
		}
		if err := join(ctx, tx, id, target); err != nil {
			return err
		}
		m, err := store.GetMember(ctx, tx, id, target)
		out = memberOut(m)
		return err
	})
	return out, err
}

// Bans returns a page of a group's bans, oldest first (owner and admins).
// Errors: not_found, forbidden, invalid (query.limit, query.cursor).
func (s *Service) Bans(ctx context.Context, user, id uuid.UUID, limit int, cursor string) (api.GroupBanList, error) {
	size, after, err := timePage(limit, cursor)
	if err != nil {
		return api.GroupBanList{}, err
	}
	if err := s.may(ctx, user, id, group.Ban); err != nil {
		return api.GroupBanList{}, err
	}
	rows, err := store.Bans(ctx, s.pool, id, after, size+1)
	if err != nil {
		return api.GroupBanList{}, err
	}
	out := api.GroupBanList{Items: []api.GroupBan{}}
	for i, b := range rows {
		if i == size {
			out.NextCursor = ptr(store.TimeCursorOf(rows[i-1].At, rows[i-1].UserID).Encode())
			break
		}
		out.Items = append(out.Items, api.GroupBan{UserID: b.UserID.String(), DisplayName: b.DisplayName,
			BannedBy: b.BannedBy.String(), At: b.At.UTC()})
	}
	return out, nil
}

// BanUser bans target from a group (owner: anyone else; admin: members
// and non-members), ending its membership or request; banning again
// changes nothing. Publishes evt.social.member.left for a member.
// Errors: not_found (also a user nobody knows), forbidden, invalid
// (path.user_id: oneself).
func (s *Service) BanUser(ctx context.Context, user, id, target uuid.UUID) error {
	if user == target {
		return bus.Invalid("path.user_id", "can't ban yourself")
	}
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		_, rel, err := lockFor(ctx, tx, id, user, group.Ban)
		if err != nil {
			return err
		}
		trel, err := store.Relation(ctx, tx, id, target)
		switch {
		case err != nil:
			return err
		case trel == group.Banned:
			return nil
		case !group.AllowedOn(group.Ban, rel, trel):
			return bus.Errorf(bus.CodeForbidden, "a %s may not ban a %s", rel, trel)
		case trel == group.Stranger:
			if known, err := store.UserKnown(ctx, tx, target); err != nil || !known {
				return cmpErr(err, errNoUser)
			}
		}
		if err := removeMember(ctx, tx, id, target, api.LeftBanned); err != nil {
			return err
		}
		if _, err := store.DeleteRequest(ctx, tx, id, target); err != nil {
			return err
		}
		return store.AddBan(ctx, tx, id, target, user)
	})
}

// LiftBan lifts target's ban (owner and admins); target may join again.
// Errors: not_found (no such group or ban), forbidden.
func (s *Service) LiftBan(ctx context.Context, user, id, target uuid.UUID) error {
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, _, err := lockFor(ctx, tx, id, user, group.Ban); err != nil {
			return err
		}
		found, err := store.DeleteBan(ctx, tx, id, target)
		if err == nil && !found {
			return bus.Errorf(bus.CodeNotFound, "the user is not banned from the group")
		}
		return err
	})
}

// CreateInvite makes an invitation link to a group (owner and admins),
// valid for life (0: DefaultInviteLife) and maxUses joins (nil: any
// number). The answer holds the token; the module keeps its hash. With
// an idempotency key, a retry gets the first answer. Errors: not_found,
// forbidden, invalid (body.expires_in_s, body.max_uses).
func (s *Service) CreateInvite(ctx context.Context, user, id uuid.UUID, life time.Duration, maxUses *int) (api.GroupInvite, error) {
	switch {
	case life == 0:
		life = DefaultInviteLife
	case life < MinInviteLife || life > MaxInviteLife:
		return api.GroupInvite{}, bus.Invalid("body.expires_in_s", "must be between 60 and 2592000 (30 days)")
	}
	if maxUses != nil && (*maxUses < 1 || *maxUses > MaxInviteUses) {
		return api.GroupInvite{}, bus.Invalid("body.max_uses", "must be between 1 and 100000")
	}
	return bus.Once(ctx, s.pool, s.keys, func(tx pgx.Tx) (api.GroupInvite, error) {
		if _, _, err := lockFor(ctx, tx, id, user, group.Invite); err != nil {
			return api.GroupInvite{}, err
		}
		raw := make([]byte, 24)
		_, _ = rand.Read(raw)
		token := base64.RawURLEncoding.EncodeToString(raw)
		inv, err := store.InsertInvite(ctx, tx, uuid.Must(uuid.NewV7()), id, user, sha256Of(token), time.Now().Add(life), maxUses)
		out := inviteOut(inv)
		out.Token = token
		return out, err
	})
}

// Invites returns a page of a group's invitations, newest first (owner
// and admins), without their tokens. Errors: not_found, forbidden,
// invalid (query.limit, query.cursor).
func (s *Service) Invites(ctx context.Context, user, id uuid.UUID, limit int, cursor string) (api.GroupInviteList, error) {
	size, err := page.Size(limit)
	if err != nil {
		return api.GroupInviteList{}, bus.FieldInvalid("query.", err)
	}
	var after uuid.UUID
	if cursor != "" {
		if after, err = page.After(cursor); err != nil {
			return api.GroupInviteList{}, bus.FieldInvalid("query.", err)
		}
	}
	if err := s.may(ctx, user, id, group.Invite); err != nil {
		return api.GroupInviteList{}, err
	}
	rows, err := store.Invites(ctx, s.pool, id, after, size+1)
	if err != nil {
		return api.GroupInviteList{}, err
	}
	rows, next := page.Cut(rows, size, func(i store.Invite) [16]byte { return i.ID })
	out := api.GroupInviteList{Items: make([]api.GroupInvite, len(rows)), NextCursor: next}
	for i, inv := range rows {
		out.Items[i] = inviteOut(inv)
	}
	return out, nil
}

// RevokeInvite deletes an invitation of a group (owner and admins): its
// link no longer works. Errors: not_found (no such group or invitation),
// forbidden.
func (s *Service) RevokeInvite(ctx context.Context, user, id, invite uuid.UUID) error {
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, _, err := lockFor(ctx, tx, id, user, group.Invite); err != nil {
			return err
		}
		found, err := store.DeleteInvite(ctx, tx, id, invite)
		if err == nil && !found {
			return bus.Errorf(bus.CodeNotFound, "no such invitation")
		}
		return err
	})
}

func inviteOut(i store.Invite) api.GroupInvite {
	return api.GroupInvite{ID: i.ID.String(), GroupID: i.GroupID.String(), CreatedBy: i.CreatedBy.String(),
		CreatedAt: i.CreatedAt.UTC(), ExpiresAt: i.ExpiresAt.UTC(), MaxUses: i.MaxUses, Uses: i.Uses}
}

func memberOut(m store.Member) api.GroupMember {
	return api.GroupMember{UserID: m.UserID.String(), DisplayName: m.DisplayName, Role: m.Role, JoinedAt: m.JoinedAt.UTC()}
}

// timePage checks a page request of a list ordered by time. Errors:
// invalid (query.limit, query.cursor).
func timePage(limit int, cursor string) (int, *group.TimeCursor, error) {
	size, err := page.Size(limit)
	if err != nil {
		return 0, nil, bus.FieldInvalid("query.", err)
	}
	if cursor == "" {
		return size, nil, nil
	}
	c, err := group.DecodeTimeCursor(cursor)
	if err != nil {
		return 0, nil, bus.FieldInvalid("query.", err)
	}
	return size, &c, nil
}

func sha256Of(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func ptr[T any](v T) *T { return &v }
