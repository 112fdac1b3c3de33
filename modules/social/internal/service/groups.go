package service

import (
	"context"
	"errors"
	"reflect"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/patch"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/group"
	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage"
)

var (
	errNoGroup        = bus.Errorf(bus.CodeNotFound, "no such group")
	errDeletedAccount = bus.Errorf(bus.CodeUnauthorized, "the account was deleted")
)

// CreateGroup makes a group owned by user, its first member. With an
// idempotency key, a retry gets the group the first request made
// (bus.Once). Publishes evt.social.group.created and
// evt.social.member.joined (the owner). Errors: invalid (the field under
// body.), conflict (user owns group.MaxOwned groups already),
// unauthorized (the account was deleted).
func (s *Service) CreateGroup(ctx context.Context, user uuid.UUID, in group.Facts) (api.Group, error) {
	f, err := group.Normalize(in)
	if err != nil {
		return api.Group{}, bus.FieldInvalid("body.", err)
	}
	return bus.Once(ctx, s.pool, s.keys, func(tx pgx.Tx) (api.Group, error) {
		if err := refuseDeleted(ctx, tx, user); err != nil {
			return api.Group{}, err
		}
		if err := store.LockOwner(ctx, tx, user); err != nil {
			return api.Group{}, err
		}
		owned, err := store.CountOwned(ctx, tx, user)
		if err != nil {
			return api.Group{}, err
		}
		if owned >= group.MaxOwned {
			return api.Group{}, bus.Errorf(bus.CodeConflict, "at most %d groups per owner; close or hand one on first", group.MaxOwned)
		}
		id, err := uuid.NewV7()
		if err != nil {
			return api.Group{}, err
		}
		if err := store.InsertGroup(ctx, tx, id, user, f); err != nil {
			return api.Group{}, err
		}
		if _, err := store.AddMember(ctx, tx, id, user, store.RoleOwner); err != nil {
			return api.Group{}, err
		}
		g, err := store.LockGroup(ctx, tx, id)
		if err != nil {
			return api.Group{}, err
		}
		if err := groupEvent(ctx, tx, api.EventGroupCreated, g); err != nil {
			return api.Group{}, err
		}
		if err := memberEvent(ctx, tx, api.EventMemberJoined, id, user, store.RoleOwner, ""); err != nil {
			return api.Group{}, err
		}
		return groupOut(store.Seen{Group: g, Relation: group.Owner}), nil
	})
}

// GetGroup returns a group as user sees it: anyone sees a group's facts,
// a private one's too (its members are another matter), with their own
// place in it. Errors: not_found.
func (s *Service) GetGroup(ctx context.Context, user, id uuid.UUID) (api.Group, error) {
	g, err := store.GroupFor(ctx, s.pool, user, id)
	if errors.Is(err, store.ErrNotFound) {
		return api.Group{}, errNoGroup
	}
	if err != nil {
		return api.Group{}, err
	}
	return groupOut(g), nil
}

// GroupChanges are the fields of a PATCH: nil (and an absent Place) keep
// a field; Place null clears the place.
type GroupChanges struct {
	Name, Description *string
	Sports, Goals     []string // nil: keep; empty: clear
	Place             patch.Field[group.Place]
	Visibility        *string
	MemberLimit       *int
}

// PatchGroup changes a group's facts (owner and admins). Turning a group
// public admits its waiting requests, oldest first, as far as the member
// limit allows. Publishes evt.social.group.updated (and member.joined for
// those admitted). Errors: not_found, forbidden (not an owner or admin),
// invalid (the field under body.; member_limit below the member count).
func (s *Service) PatchGroup(ctx context.Context, user, id uuid.UUID, ch GroupChanges) (api.Group, error) {
	var out api.Group
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		g, rel, err := lockFor(ctx, tx, id, user, group.Update)
		if err != nil {
			return err
		}
		f := g.Facts
		setIf(&f.Name, ch.Name)
		setIf(&f.Description, ch.Description)
		if ch.Sports != nil {
			f.Sports = ch.Sports
		}
		if ch.Goals != nil {
			f.Goals = ch.Goals
		}
		patch.Apply(ch.Place, &f.Place)
		setIf(&f.Visibility, ch.Visibility)
		setIf(&f.MemberLimit, ch.MemberLimit)
		if f, err = group.Normalize(f); err != nil {
			return bus.FieldInvalid("body.", err)
		}
		if f.MemberLimit < g.MemberCount {
			return bus.Invalid("body.member_limit", "the group has more members than that")
		}
		if reflect.DeepEqual(f, g.Facts) {
			out = groupOut(store.Seen{Group: g, Relation: rel})
			return nil // nothing changes, nothing is published
		}
		if err := store.UpdateGroup(ctx, tx, id, f); err != nil {
			return err
		}
		if g.Facts.Visibility == group.Private && f.Visibility == group.Public {
			if err := admitRequests(ctx, tx, id, f.MemberLimit-g.MemberCount); err != nil {
				return err
			}
		}
		if g, err = store.LockGroup(ctx, tx, id); err != nil {
			return err
		}
		out = groupOut(store.Seen{Group: g, Relation: rel})
		return groupEvent(ctx, tx, api.EventGroupUpdated, g)
	})
	return out, err
}

// admitRequests makes members of up to room of a group's requesters,
// oldest first; the others' requests stay as they are (an admin decides
// them, or they join when there is room).
func admitRequests(ctx context.Context, tx pgx.Tx, id uuid.UUID, room int) error {
	if room <= 0 {
		return nil
	}
	users, err := store.TakeRequests(ctx, tx, id, room)
	if err != nil {
		return err
	}
	for _, u := range users {
		if err := join(ctx, tx, id, u); err != nil {
			return err
		}
	}
	return nil
}

// DeleteGroup closes a group (its owner only): members, requests, bans
// and invitations go with it. Publishes evt.social.group.deleted.
// Errors: not_found, forbidden (not the owner).
func (s *Service) DeleteGroup(ctx context.Context, user, id uuid.UUID) error {
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, _, err := lockFor(ctx, tx, id, user, group.Delete); err != nil {
			return err
		}
		return closeGroup(ctx, tx, id)
	})
}

func closeGroup(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if err := store.DeleteGroup(ctx, tx, id); err != nil {
		return err
	}
	seq, err := store.NextSeq(ctx, tx)
	if err != nil {
		return err
	}
	_, err = bus.Enqueue(ctx, tx, api.Module, api.EventGroupDeleted, api.GroupDeleted{GroupID: id.String(), Seq: seq,
		OccurredAt: time.Now().UTC()})
	return err
}

// SearchGroups finds groups for user (public and private ones alike: a
// private group's facts are findable, its members are not): by sport,
// goal, text in the name or description, near a place (sorted by
// distance), or user's own (Mine). Errors: invalid (the query parameter
// under query.).
func (s *Service) SearchGroups(ctx context.Context, user uuid.UUID, in group.SearchInput) (api.GroupList, error) {
	q, err := group.ParseQuery(in)
	if err != nil {
		return api.GroupList{}, bus.FieldInvalid("query.", err)
	}
	rows, err := store.Search(ctx, s.pool, user, q, q.Limit+1)
	if err != nil {
		return api.GroupList{}, err
	}
	out := api.GroupList{Items: make([]api.Group, 0, min(len(rows), q.Limit))}
	for i, r := range rows {
		if i == q.Limit {
			last := rows[i-1]
			c := group.Cursor{ID: last.ID}
			if last.DistanceM != nil {
				c.DistanceM = *last.DistanceM
			}
			next := c.Encode(q.Near != nil)
			out.NextCursor = &next
			break
		}
		out.Items = append(out.Items, groupOut(r))
	}
	return out, nil
}

// lockFor locks a group and checks that user may take action a in it: the
// group and user's relation to it. Errors: not_found (no such group),
// forbidden.
func lockFor(ctx context.Context, tx pgx.Tx, id, user uuid.UUID, a group.Action) (store.Group, group.Role, error) {
	g, err := store.LockGroup(ctx, tx, id)
	if errors.Is(err, store.ErrNotFound) {
		return g, "", errNoGroup
	}
	if err != nil {
		return g, "", err
	}
	rel, err := store.Relation(ctx, tx, id, user)
	if err != nil {
		return g, "", err
	}
	if !group.Allowed(a, rel, g.Facts.Visibility) {
		return g, rel, forbidden(a, rel)
	}
	return g, rel, nil
}

// forbidden says why rel may not take action a.
func forbidden(a group.Action, rel group.Role) error {
	switch {
	case rel == group.Banned:
		return bus.Errorf(bus.CodeForbidden, "you are banned from this group")
	case a == group.Leave && rel == group.Owner:
		return bus.Errorf(bus.CodeConflict, "the owner can't leave: transfer the ownership first, or delete the group")
	case a == group.Leave:
		return bus.Errorf(bus.CodeNotFound, "you are not a member of this group")
	}
	return bus.Errorf(bus.CodeForbidden, "a %s of the group may not %s", rel, a)
}

// refuseDeleted refuses new data for an account that was deleted.
func refuseDeleted(ctx context.Context, q store.Querier, user uuid.UUID) error {
	deleted, err := store.UserDeleted(ctx, q, user)
	if err != nil {
		return err
	}
	if deleted {
		return errDeletedAccount
	}
	return nil
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// groupEvent writes a group's created or updated event.
func groupEvent(ctx context.Context, tx pgx.Tx, subject string, g store.Group) error {
	_, err := bus.Enqueue(ctx, tx, api.Module, subject, api.GroupChanged{GroupID: g.ID.String(), OwnerID: g.OwnerID.String(),
		Name: g.Facts.Name, Sports: g.Facts.Sports, Goals: g.Facts.Goals, Place: placeOut(g.Facts.Place),
		Visibility: g.Facts.Visibility, MemberLimit: g.Facts.MemberLimit, OccurredAt: time.Now().UTC()})
	return err
}

// memberEvent writes a member event, numbered in the membership order.
func memberEvent(ctx context.Context, tx pgx.Tx, subject string, id, user uuid.UUID, role, reason string) error {
	seq, err := store.NextSeq(ctx, tx)
	if err != nil {
		return err
	}
	_, err = bus.Enqueue(ctx, tx, api.Module, subject, api.MemberChanged{GroupID: id.String(), UserID: user.String(),
		Role: role, Reason: reason, Seq: seq, OccurredAt: time.Now().UTC()})
	return err
}

func placeOut(p *group.Place) *api.GroupPlace {
	if p == nil {
		return nil
	}
	return &api.GroupPlace{Lat: p.Lat, Lon: p.Lon, RadiusM: p.RadiusM}
}

func groupOut(s store.Seen) api.Group {
	g := api.Group{ID: s.ID.String(), OwnerID: s.OwnerID.String(), Name: s.Facts.Name, Description: s.Facts.Description,
		Sports: nonNil(s.Facts.Sports), Goals: nonNil(s.Facts.Goals), Place: placeOut(s.Facts.Place),
		Visibility: s.Facts.Visibility, MemberLimit: s.Facts.MemberLimit, MemberCount: s.MemberCount,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(), DistanceM: s.DistanceM}
	switch s.Relation {
	case group.Owner, group.Admin, group.Member:
		g.Membership = "member"
		role := string(s.Relation)
		g.Role = &role
	case group.Requester:
		g.Membership = "requested"
	case group.Banned:
		g.Membership = "banned"
	default:
		g.Membership = "none"
	}
	return g
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
