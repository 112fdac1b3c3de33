package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/social/api"
)

type groupIDInput struct {
	ID string `path:"id" format:"uuid" doc:"the group's id"`
}

type groupCreateInput struct {
	Body api.GroupCreate
}

type groupSearchInput struct {
	Sport   string `query:"sport" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"groups of this sport"`
	Goal    string `query:"goal" maxLength:"40" doc:"groups with this goal tag (case does not matter)"`
	Q       string `query:"q" maxLength:"100" doc:"text in the name or description, at least 3 characters (case does not matter)"`
	Near    string `query:"near" maxLength:"64" doc:"lat,lon in degrees: groups whose place is within radius_m of it, nearest first"`
	RadiusM int    `query:"radius_m" minimum:"1" maximum:"500000" doc:"with near: metres on the sphere (default 25000)"`
	Mine    bool   `query:"mine" doc:"only the groups you are a member of"`
	Limit   int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor  string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page (of the same search)"`
}

type groupPatchInput struct {
	ID   string `path:"id" format:"uuid" doc:"the group's id"`
	Body gw.PatchBody[groupPatch]
}

// groupPatch is the documented shape of PATCH /v1/groups/{id} (the module
// reads it as api.GroupPatch): every field optional; place null clears it.
type groupPatch struct {
	Name        *string        `json:"name,omitempty" minLength:"1" maxLength:"100"`
	Description *string        `json:"description,omitempty" maxLength:"2000"`
	Sports      []string       `json:"sports,omitempty" nullable:"false" maxItems:"12" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"replaces the list; [] for none"`
	Goals       []string       `json:"goals,omitempty" nullable:"false" maxItems:"10" doc:"replaces the list; [] for none"`
	Place       *nullablePlace `json:"place,omitempty" doc:"null clears it"`
	Visibility  *string        `json:"visibility,omitempty" enum:"public,private" doc:"turning a group public admits its waiting requests (as far as the member limit allows)"`
	MemberLimit *int           `json:"member_limit,omitempty" minimum:"2" maximum:"100000" doc:"not below the member count"`
}

// nullablePlace documents a place that may be null (huma's nullable tag
// does not take a struct).
type nullablePlace api.GroupPlace

// Schema is api.GroupPlace's schema, inline, with null allowed.
func (nullablePlace) Schema(r huma.Registry) *huma.Schema {
	s := *huma.SchemaFromType(r, reflect.TypeFor[api.GroupPlace]())
	s.Nullable = true
	return &s
}

type joinInput struct {
	ID   string `path:"id" format:"uuid" doc:"the group's id"`
	Body *api.GroupJoinBody
}

type transferInput struct {
	ID   string `path:"id" format:"uuid" doc:"the group's id"`
	Body api.TransferBody
}

type groupPageInput struct {
	ID     string `path:"id" format:"uuid" doc:"the group's id"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
}

type membersInput struct {
	ID     string `path:"id" format:"uuid" doc:"the group's id"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
	Role   string `query:"role" enum:"owner,admin,member" doc:"only members of this role"`
}

type memberInput struct {
	ID     string `path:"id" format:"uuid" doc:"the group's id"`
	UserID string `path:"user_id" format:"uuid" doc:"the user's id"`
}

type roleInput struct {
	ID     string `path:"id" format:"uuid" doc:"the group's id"`
	UserID string `path:"user_id" format:"uuid" doc:"the user's id"`
	Body   api.MemberRoleBody
}

type inviteCreateInput struct {
	ID   string `path:"id" format:"uuid" doc:"the group's id"`
	Body *api.InviteCreateBody
}

type inviteIDInput struct {
	ID       string `path:"id" format:"uuid" doc:"the group's id"`
	InviteID string `path:"invite_id" format:"uuid" doc:"the invitation's id"`
}

// GroupRoutes returns the operations on groups (/v1/groups): create, find,
// read, change and close groups; join and leave; members, their roles,
// requests to join, bans and invitation links.
func GroupRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		groupOperations(a, nc)
		memberOperations(a, nc)
		moderationOperations(a, nc)
	})
}

func groupOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"groups"}
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Group](a, gw.Idempotent(huma.Operation{
		OperationID: "create-group", Method: http.MethodPost, Path: "/v1/groups", Tags: tags,
		Summary: "Create a group",
		Description: "A group by sport, goal and place; you are its owner and first member. Public groups take anyone " +
			"who joins; private ones take requests that the owner and admins approve, and invitation links. " +
			"member_limit defaults to 10,000. One user owns at most 100 groups (409).",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: 64 << 10, Security: gw.Authenticated,
	})), http.StatusConflict), func(ctx context.Context, in *groupCreateInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectGroupCreate, in.Body)
	})
	huma.Register(a, gw.DocumentRaw[api.GroupList](a, huma.Operation{
		OperationID: "search-groups", Method: http.MethodGet, Path: "/v1/groups", Tags: tags,
		Summary: "Find groups",
		Description: "Public and private groups (a private group's facts are findable, its members are not), by sport, " +
			"goal tag, text in the name or description (a case-insensitive substring, indexed with trigrams), your own " +
			"(mine=true), and near a place: within radius_m of near, sorted by the distance on the sphere (distance_m). " +
			"Without near, newest first. Cursor-paginated; a cursor belongs to its search.",
		Security: gw.Authenticated,
	}), func(ctx context.Context, in *groupSearchInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectGroupSearch, api.GroupSearch{Sport: in.Sport, Goal: in.Goal, Text: in.Q,
			Near: in.Near, RadiusM: in.RadiusM, Mine: in.Mine, Limit: in.Limit, Cursor: in.Cursor})
	})
	huma.Register(a, gw.DocumentRaw[api.Group](a, huma.Operation{
		OperationID: "get-group", Method: http.MethodGet, Path: "/v1/groups/{id}", Tags: tags,
		Summary:     "A group",
		Description: "Its facts, for anyone (private groups too), and your membership in it.",
		Security:    gw.Authenticated,
	}), func(ctx context.Context, in *groupIDInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectGroupGet, api.GroupRef{ID: in.ID})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Group](a, huma.Operation{
		OperationID: "update-group", Method: http.MethodPatch, Path: "/v1/groups/{id}", Tags: tags,
		Summary:      "Change a group",
		Description:  "The owner and admins (403 for others). Changes only the fields given; place null clears the place.",
		MaxBodyBytes: 64 << 10, Security: gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *groupPatchInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectGroupPatch, struct {
			ID    string          `json:"id"`
			Patch json.RawMessage `json:"patch"`
		}{in.ID, in.Body.Raw})
	})
	huma.Register(a, gw.DocumentErrors(a, huma.Operation{
		OperationID: "delete-group", Method: http.MethodDelete, Path: "/v1/groups/{id}", Tags: tags,
		Summary:       "Close a group",
		Description:   "The owner only (403 for others): the group, its members, requests, bans and invitations go.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, http.StatusForbidden), func(ctx context.Context, in *groupIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectGroupDelete, api.GroupRef{ID: in.ID})
	})
}

func memberOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"groups"}
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.JoinResult](a, huma.Operation{
		OperationID: "join-group", Method: http.MethodPost, Path: "/v1/groups/{id}/join", Tags: tags,
		Summary: "Join a group",
		Description: "A public group at once; a private one by a request the owner and admins decide (membership " +
			"\"requested\"); either at once with an invitation's token. Joining again changes nothing. 403 when " +
			"banned, 409 when the group is full.",
		MaxBodyBytes: 4 << 10, Security: gw.Authenticated,
	}), http.StatusForbidden, http.StatusConflict), func(ctx context.Context, in *joinInput) (*gw.RawJSON, error) {
		req := api.GroupJoin{ID: in.ID}
		if in.Body != nil {
			req.GroupJoinBody = *in.Body
		}
		return gw.Forward(ctx, nc, api.SubjectGroupJoin, req)
	})
	huma.Register(a, gw.DocumentErrors(a, huma.Operation{
		OperationID: "leave-group", Method: http.MethodPost, Path: "/v1/groups/{id}/leave", Tags: tags,
		Summary: "Leave a group",
		Description: "Or withdraw your request to join. The owner can't leave (409): transfer the ownership first, " +
			"or close the group. 404 when you are not in it.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, http.StatusForbidden, http.StatusConflict), func(ctx context.Context, in *groupIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectGroupLeave, api.GroupRef{ID: in.ID})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Group](a, huma.Operation{
		OperationID: "transfer-group", Method: http.MethodPost, Path: "/v1/groups/{id}/transfer", Tags: tags,
		Summary:      "Hand the group to another member",
		Description:  "The owner only (403 for others): the member becomes the owner, and you an admin.",
		MaxBodyBytes: 4 << 10, Security: gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *transferInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectGroupTransfer, api.MemberRef{GroupID: in.ID, UserID: in.Body.UserID})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.GroupMemberList](a, huma.Operation{
		OperationID: "list-group-members", Method: http.MethodGet, Path: "/v1/groups/{id}/members", Tags: tags,
		Summary: "A group's members",
		Description: "Oldest first, with their names, cursor-paginated. Anyone sees a public group's members (not " +
			"a banned user); only members see a private group's (403).",
		Security: gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *membersInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectMembersList, api.GroupPageRequest{ID: in.ID, Role: in.Role, Limit: in.Limit,
			Cursor: in.Cursor})
	})
	huma.Register(a, gw.DocumentErrors(a, huma.Operation{
		OperationID: "remove-group-member", Method: http.MethodDelete, Path: "/v1/groups/{id}/members/{user_id}", Tags: tags,
		Summary:       "Remove a member",
		Description:   "The owner removes anyone else, an admin removes members (403 otherwise). They may join again; ban them to keep them out.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, http.StatusForbidden), func(ctx context.Context, in *memberInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectMemberRemove, api.MemberRef{GroupID: in.ID, UserID: in.UserID})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.GroupMember](a, huma.Operation{
		OperationID: "set-group-member-role", Method: http.MethodPut, Path: "/v1/groups/{id}/members/{user_id}/role", Tags: tags,
		Summary:      "Promote or demote a member",
		Description:  "The owner only (403 for others): admin or member. The owner's own role changes by a transfer (409).",
		MaxBodyBytes: 4 << 10, Security: gw.Authenticated,
	}), http.StatusForbidden, http.StatusConflict), func(ctx context.Context, in *roleInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectMemberRole, api.MemberRoleRequest{
			MemberRef: api.MemberRef{GroupID: in.ID, UserID: in.UserID}, Role: in.Body.Role})
	})
}

func moderationOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"groups"}
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.JoinRequestList](a, huma.Operation{
		OperationID: "list-group-requests", Method: http.MethodGet, Path: "/v1/groups/{id}/requests", Tags: tags,
		Summary:     "Requests to join a group",
		Description: "The owner and admins (403 for others); oldest first, cursor-paginated.",
		Security:    gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *groupPageInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectRequestsList, api.GroupPageRequest{ID: in.ID, Limit: in.Limit, Cursor: in.Cursor})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.GroupMember](a, huma.Operation{
		OperationID: "approve-group-request", Method: http.MethodPost, Path: "/v1/groups/{id}/requests/{user_id}/approve", Tags: tags,
		Summary:     "Approve a request to join",
		Description: "The owner and admins (403 for others): the user becomes a member. 409 when the group is full.",
		Security:    gw.Authenticated,
	}), http.StatusForbidden, http.StatusConflict), func(ctx context.Context, in *memberInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectRequestApprove, api.MemberRef{GroupID: in.ID, UserID: in.UserID})
	})
	huma.Register(a, gw.DocumentErrors(a, huma.Operation{
		OperationID: "reject-group-request", Method: http.MethodPost, Path: "/v1/groups/{id}/requests/{user_id}/reject", Tags: tags,
		Summary:       "Reject a request to join",
		Description:   "The owner and admins (403 for others). The user may ask again; ban them to keep them out.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, http.StatusForbidden), func(ctx context.Context, in *memberInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectRequestReject, api.MemberRef{GroupID: in.ID, UserID: in.UserID})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.GroupBanList](a, huma.Operation{
		OperationID: "list-group-bans", Method: http.MethodGet, Path: "/v1/groups/{id}/bans", Tags: tags,
		Summary:     "Users banned from a group",
		Description: "The owner and admins (403 for others); oldest first, cursor-paginated.",
		Security:    gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *groupPageInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectBansList, api.GroupPageRequest{ID: in.ID, Limit: in.Limit, Cursor: in.Cursor})
	})
	huma.Register(a, gw.DocumentErrors(a, huma.Operation{
		OperationID: "ban-group-user", Method: http.MethodPut, Path: "/v1/groups/{id}/bans/{user_id}", Tags: tags,
		Summary: "Ban a user from a group",
		Description: "The owner bans anyone else, an admin members and non-members (403 otherwise): a member is " +
			"removed, a request dropped, and the user can't join until the ban is lifted. Banning again changes nothing.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, http.StatusForbidden), func(ctx context.Context, in *memberInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectBanAdd, api.MemberRef{GroupID: in.ID, UserID: in.UserID})
	})
	huma.Register(a, gw.DocumentErrors(a, huma.Operation{
		OperationID: "unban-group-user", Method: http.MethodDelete, Path: "/v1/groups/{id}/bans/{user_id}", Tags: tags,
		Summary:       "Lift a ban",
		Description:   "The owner and admins (403 for others). 404 when the user is not banned.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, http.StatusForbidden), func(ctx context.Context, in *memberInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectBanLift, api.MemberRef{GroupID: in.ID, UserID: in.UserID})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.GroupInvite](a, gw.Idempotent(huma.Operation{
		OperationID: "create-group-invite", Method: http.MethodPost, Path: "/v1/groups/{id}/invites", Tags: tags,
		Summary: "Make an invitation link",
		Description: "The owner and admins (403 for others). The answer holds the token, shown this once (the server " +
			"keeps its hash): whoever joins with it (POST /v1/groups/{id}/join) becomes a member at once, also of a " +
			"private group, unless banned. Valid for expires_in_s (default 7 days) and max_uses joins.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: 4 << 10, Security: gw.Authenticated,
	})), http.StatusForbidden), func(ctx context.Context, in *inviteCreateInput) (*gw.RawJSON, error) {
		req := api.InviteCreate{ID: in.ID}
		if in.Body != nil {
			req.InviteCreateBody = *in.Body
		}
		return gw.Forward(ctx, nc, api.SubjectInviteCreate, req)
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.GroupInviteList](a, huma.Operation{
		OperationID: "list-group-invites", Method: http.MethodGet, Path: "/v1/groups/{id}/invites", Tags: tags,
		Summary:     "A group's invitation links",
		Description: "The owner and admins (403 for others), without their tokens; newest first, cursor-paginated.",
		Security:    gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *groupPageInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectInvitesList, api.GroupPageRequest{ID: in.ID, Limit: in.Limit, Cursor: in.Cursor})
	})
	huma.Register(a, gw.DocumentErrors(a, huma.Operation{
		OperationID: "revoke-group-invite", Method: http.MethodDelete, Path: "/v1/groups/{id}/invites/{invite_id}", Tags: tags,
		Summary:       "Revoke an invitation link",
		Description:   "The owner and admins (403 for others): the link no longer works; those who joined with it stay.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, http.StatusForbidden), func(ctx context.Context, in *inviteIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectInviteRevoke, api.InviteRef{GroupID: in.ID, InviteID: in.InviteID})
	})
}
