package rpc

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/patch"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/group"
	"github.com/athlos/athlos/modules/social/internal/service"
)

type none = struct{}

// registerGroups serves rpc.social.groups.*, members.*, requests.*,
// bans.* and invites.*: groups and their members.
func registerGroups(svc *bus.Service, s *service.Service) error {
	return svc.HandleSubjects(map[string]bus.HandlerFunc{
		api.SubjectGroupCreate: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.GroupCreate) (api.Group, error) {
			return s.CreateGroup(ctx, user, group.Facts{Name: in.Name, Description: in.Description, Sports: in.Sports,
				Goals: in.Goals, Place: placeIn(in.Place), Visibility: in.Visibility, MemberLimit: in.MemberLimit})
		}),
		api.SubjectGroupGet: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.GroupRef) (api.Group, error) {
			id, err := bus.ParseID("path.id", in.ID)
			if err != nil {
				return api.Group{}, err
			}
			return s.GetGroup(ctx, user, id)
		}),
		api.SubjectGroupPatch: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in struct {
			ID    string          `json:"id"`
			Patch json.RawMessage `json:"patch"`
		}) (api.Group, error) {
			id, err := bus.ParseID("path.id", in.ID)
			if err != nil {
				return api.Group{}, err
			}
			p, err := decodePatch(in.Patch)
			if err != nil {
				return api.Group{}, err
			}
			ch := service.GroupChanges{Name: p.Name, Description: p.Description, Sports: p.Sports, Goals: p.Goals,
				Visibility: p.Visibility, MemberLimit: p.MemberLimit}
			switch {
			case p.Place.Null:
				ch.Place = patch.Null[group.Place]()
			case p.Place.Set:
				ch.Place = patch.Val(*placeIn(&p.Place.Value))
			}
			return s.PatchGroup(ctx, user, id, ch)
		}),
		api.SubjectGroupDelete: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.GroupRef) (none, error) {
			id, err := bus.ParseID("path.id", in.ID)
			if err != nil {
				return none{}, err
			}
			return none{}, s.DeleteGroup(ctx, user, id)
		}),
		api.SubjectGroupSearch: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.GroupSearch) (api.GroupList, error) {
			return s.SearchGroups(ctx, user, group.SearchInput{Sport: in.Sport, Goal: in.Goal, Text: in.Text, Near: in.Near,
				RadiusM: in.RadiusM, Mine: in.Mine, Limit: in.Limit, Cursor: in.Cursor})
		}),
		api.SubjectGroupJoin: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.GroupJoin) (api.JoinResult, error) {
			id, err := bus.ParseID("path.id", in.ID)
			if err != nil {
				return api.JoinResult{}, err
			}
			return s.Join(ctx, user, id, in.Message, in.InviteToken)
		}),
		api.SubjectGroupLeave: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.GroupRef) (none, error) {
			id, err := bus.ParseID("path.id", in.ID)
			if err != nil {
				return none{}, err
			}
			return none{}, s.Leave(ctx, user, id)
		}),
		api.SubjectGroupTransfer: onMember(func(ctx context.Context, user, id, target uuid.UUID, _ api.MemberRef) (api.Group, error) {
			return s.TransferGroup(ctx, user, id, target)
		}, "body.user_id"),
		api.SubjectMembersList: onPage(func(ctx context.Context, user, id uuid.UUID, in api.GroupPageRequest) (api.GroupMemberList, error) {
			return s.Members(ctx, user, id, in.Role, in.Limit, in.Cursor)
		}),
		api.SubjectMemberRemove: onMember(func(ctx context.Context, user, id, target uuid.UUID, _ api.MemberRef) (none, error) {
			return none{}, s.RemoveMember(ctx, user, id, target)
		}, "path.user_id"),
		api.SubjectMemberRole: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.MemberRoleRequest) (api.GroupMember, error) {
			id, target, err := memberIDs(in.MemberRef, "path.user_id")
			if err != nil {
				return api.GroupMember{}, err
			}
			return s.SetMemberRole(ctx, user, id, target, in.Role)
		}),
		api.SubjectRequestsList: onPage(func(ctx context.Context, user, id uuid.UUID, in api.GroupPageRequest) (api.JoinRequestList, error) {
			return s.Requests(ctx, user, id, in.Limit, in.Cursor)
		}),
		api.SubjectRequestApprove: onMember(func(ctx context.Context, user, id, target uuid.UUID, _ api.MemberRef) (api.GroupMember, error) {
			return s.DecideRequest(ctx, user, id, target, true)
		}, "path.user_id"),
		api.SubjectRequestReject: onMember(func(ctx context.Context, user, id, target uuid.UUID, _ api.MemberRef) (none, error) {
			_, err := s.DecideRequest(ctx, user, id, target, false)
			return none{}, err
		}, "path.user_id"),
		api.SubjectBansList: onPage(func(ctx context.Context, user, id uuid.UUID, in api.GroupPageRequest) (api.GroupBanList, error) {
			return s.Bans(ctx, user, id, in.Limit, in.Cursor)
		}),
		api.SubjectBanAdd: onMember(func(ctx context.Context, user, id, target uuid.UUID, _ api.MemberRef) (none, error) {
			return none{}, s.BanUser(ctx, user, id, target)
		}, "path.user_id"),
		api.SubjectBanLift: onMember(func(ctx context.Context, user, id, target uuid.UUID, _ api.MemberRef) (none, error) {
			return none{}, s.LiftBan(ctx, user, id, target)
		}, "path.user_id"),
		api.SubjectInviteCreate: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.InviteCreate) (api.GroupInvite, error) {
			id, err := bus.ParseID("path.id", in.ID)
			if err != nil {
				return api.GroupInvite{}, err
			}
			return s.CreateInvite(ctx, user, id, time.Duration(in.ExpiresInS)*time.Second, in.MaxUses)
		}),
		api.SubjectInvitesList: onPage(func(ctx context.Context, user, id uuid.UUID, in api.GroupPageRequest) (api.GroupInviteList, error) {
			return s.Invites(ctx, user, id, in.Limit, in.Cursor)
		}),
		api.SubjectInviteRevoke: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.InviteRef) (none, error) {
			id, err := bus.ParseID("path.id", in.GroupID)
			if err != nil {
				return none{}, err
			}
			invite, err := bus.ParseID("path.invite_id", in.InviteID)
			if err != nil {
				return none{}, err
			}
			return none{}, s.RevokeInvite(ctx, user, id, invite)
		}),
	})
}

// onMember adapts a use case on a user of a group (api.MemberRef): the
// ids parsed, the user's named field.
func onMember[Resp any](fn func(ctx context.Context, user, id, target uuid.UUID, in api.MemberRef) (Resp, error), field string) bus.HandlerFunc {
	return bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.MemberRef) (Resp, error) {
		id, target, err := memberIDs(in, field)
		if err != nil {
			var zero Resp
			return zero, err
		}
		return fn(ctx, user, id, target, in)
	})
}

// onPage adapts a use case that lists a page of a group's members,
// requests, bans or invitations.
func onPage[Resp any](fn func(ctx context.Context, user, id uuid.UUID, in api.GroupPageRequest) (Resp, error)) bus.HandlerFunc {
	return bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.GroupPageRequest) (Resp, error) {
		id, err := bus.ParseID("path.id", in.ID)
		if err != nil {
			var zero Resp
			return zero, err
		}
		return fn(ctx, user, id, in)
	})
}

func memberIDs(in api.MemberRef, field string) (uuid.UUID, uuid.UUID, error) {
	id, err := bus.ParseID("path.id", in.GroupID)
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	target, err := bus.ParseID(field, in.UserID)
	return id, target, err
}

func placeIn(p *api.GroupPlace) *group.Place {
	if p == nil {
		return nil
	}
	return &group.Place{Lat: p.Lat, Lon: p.Lon, RadiusM: p.RadiusM}
}

// decodePatch reads a group patch; only place may be null (cleared).
func decodePatch(raw json.RawMessage) (api.GroupPatch, error) {
	var p api.GroupPatch
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return p, bus.Invalid("body", "not a group patch: "+err.Error())
	}
	for name, v := range fields {
		if name != "place" && string(v) == "null" {
			return p, bus.Invalid("body."+name, "can't be null (only place can be cleared)")
		}
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, bus.Invalid("body", "not a group patch: "+err.Error())
	}
	return p, nil
}
