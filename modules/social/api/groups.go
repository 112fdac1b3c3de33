package api

import (
	"time"

	"github.com/athlos/athlos/internal/kit/patch"
)

// Subjects of the group operations (they need a caller).
const (
	SubjectGroupCreate   = "rpc.social.groups.create"   // GroupCreate → Group
	SubjectGroupGet      = "rpc.social.groups.get"      // GroupRef → Group
	SubjectGroupPatch    = "rpc.social.groups.patch"    // GroupPatchRequest → Group
	SubjectGroupDelete   = "rpc.social.groups.delete"   // GroupRef → {}
	SubjectGroupSearch   = "rpc.social.groups.search"   // GroupSearch → GroupList
	SubjectGroupJoin     = "rpc.social.groups.join"     // GroupJoin → JoinResult
	SubjectGroupLeave    = "rpc.social.groups.leave"    // GroupRef → {}
	SubjectGroupTransfer = "rpc.social.groups.transfer" // MemberRef → Group

	SubjectMembersList  = "rpc.social.members.list"   // GroupPageRequest → GroupMemberList
	SubjectMemberRemove = "rpc.social.members.remove" // MemberRef → {}
	SubjectMemberRole   = "rpc.social.members.role"   // MemberRoleRequest → GroupMember

	SubjectRequestsList   = "rpc.social.requests.list"    // GroupPageRequest → JoinRequestList
	SubjectRequestApprove = "rpc.social.requests.approve" // MemberRef → GroupMember
	SubjectRequestReject  = "rpc.social.requests.reject"  // MemberRef → {}

	SubjectBansList = "rpc.social.bans.list" // GroupPageRequest → GroupBanList
	SubjectBanAdd   = "rpc.social.bans.add"  // MemberRef → {}
	SubjectBanLift  = "rpc.social.bans.lift" // MemberRef → {}

	SubjectInviteCreate = "rpc.social.invites.create" // InviteCreate → GroupInvite (with its token, shown once)
	SubjectInvitesList  = "rpc.social.invites.list"   // GroupPageRequest → GroupInviteList
	SubjectInviteRevoke = "rpc.social.invites.revoke" // InviteRef → {}
)

// Events of groups and their members (stream EVT_SOCIAL), published
// through the outbox.
const (
	EventGroupCreated = "evt.social.group.created" // GroupChanged
	EventGroupUpdated = "evt.social.group.updated" // GroupChanged
	// EventGroupDeleted: the group is gone, and with it every membership
	// (no member.left is sent for them).
	EventGroupDeleted = "evt.social.group.deleted" // GroupDeleted

	EventMemberJoined      = "evt.social.member.joined"       // MemberChanged
	EventMemberLeft        = "evt.social.member.left"         // MemberChanged (Role: the role it had)
	EventMemberRoleChanged = "evt.social.member.role_changed" // MemberChanged (Role: the new role)
)

// Group roles.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// GroupPlace is where a group meets: a point and the radius around it.
type GroupPlace struct {
	Lat     float64 `json:"lat" minimum:"-90" maximum:"90" doc:"degrees north, WGS 84"`
	Lon     float64 `json:"lon" minimum:"-180" maximum:"180" doc:"degrees east, WGS 84"`
	RadiusM int     `json:"radius_m" minimum:"1" maximum:"500000" doc:"the area around the point the group covers, metres"`
}

// Group is a group as anyone may see it (a private group's facts too; its
// members only to members), with the caller's place in it.
type Group struct {
	ID          string      `json:"id" format:"uuid"`
	OwnerID     string      `json:"owner_id" format:"uuid"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Sports      []string    `json:"sports" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other"`
	Goals       []string    `json:"goals" doc:"free tags such as \"first marathon\", lower case"`
	Place       *GroupPlace `json:"place,omitempty" doc:"absent when the group names none"`
	Visibility  string      `json:"visibility" enum:"public,private"`
	MemberLimit int         `json:"member_limit"`
	MemberCount int         `json:"member_count"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	// Membership is the caller's: none, requested (a private group's
	// request waits), member (Role says which) or banned.
	Membership string  `json:"membership" enum:"none,requested,member,banned"`
	Role       *string `json:"role" enum:"owner,admin,member" doc:"the caller's role when a member"`
	// DistanceM is set in a search near a place.
	DistanceM *float64 `json:"distance_m,omitempty" doc:"from the searched place to the group's point, on the sphere (near searches only)"`
}

// GroupCreate creates a group; the caller is its owner.
type GroupCreate struct {
	Name        string      `json:"name" minLength:"1" maxLength:"100"`
	Description string      `json:"description,omitempty" maxLength:"2000"`
	Sports      []string    `json:"sports,omitempty" maxItems:"12" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other"`
	Goals       []string    `json:"goals,omitempty" maxItems:"10" doc:"free tags, 1 to 40 characters each; kept lower case"`
	Place       *GroupPlace `json:"place,omitempty"`
	Visibility  string      `json:"visibility,omitempty" enum:"public,private" doc:"public (default): anyone joins; private: joining is a request an admin approves"`
	MemberLimit int         `json:"member_limit,omitempty" minimum:"2" maximum:"100000" doc:"default 10000"`
}

// GroupPatch changes a group (a JSON merge patch, as the module decodes
// it; the front documents and checks it first): absent fields stay,
// place null clears the place; Sports and Goals replace the lists.
type GroupPatch struct {
	Name        *string                 `json:"name,omitempty"`
	Description *string                 `json:"description,omitempty"`
	Sports      []string                `json:"sports,omitempty"`
	Goals       []string                `json:"goals,omitempty"`
	Place       patch.Field[GroupPlace] `json:"place,omitzero"`
	Visibility  *string                 `json:"visibility,omitempty"`
	MemberLimit *int                    `json:"member_limit,omitempty"`
}

// GroupPatchRequest is a patch of the group ID.
type GroupPatchRequest struct {
	ID    string     `json:"id"`
	Patch GroupPatch `json:"patch"`
}

// GroupRef names a group.
type GroupRef struct {
	ID string `json:"id"`
}

// GroupSearch asks for groups: all filters given must hold. Near sorts
// by distance (Near "lat,lon", within RadiusM), else newest first.
type GroupSearch struct {
	Sport   string `json:"sport,omitempty"`
	Goal    string `json:"goal,omitempty"`
	Text    string `json:"q,omitempty"`
	Near    string `json:"near,omitempty"`
	RadiusM int    `json:"radius_m,omitempty"`
	Mine    bool   `json:"mine,omitempty"`
	Limit   int    `json:"limit,omitempty"`
	Cursor  string `json:"cursor,omitempty"`
}

// GroupList is a page of groups.
type GroupList struct {
	Items      []Group `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// GroupJoin asks to join a group: a public one at once, a private one by
// request, or any with an invitation's token.
type GroupJoin struct {
	ID string `json:"id"`
	GroupJoinBody
}

// GroupJoinBody is the optional body of a join.
type GroupJoinBody struct {
	Message     string `json:"message,omitempty" maxLength:"500" doc:"to the admins, with a request to join a private group"`
	InviteToken string `json:"invite_token,omitempty" maxLength:"100" doc:"an invitation's token: joins at once, also a private group"`
}

// JoinResult is the caller's place in a group after a join.
type JoinResult struct {
	GroupID    string  `json:"group_id" format:"uuid"`
	Membership string  `json:"membership" enum:"requested,member"`
	Role       *string `json:"role" enum:"owner,admin,member"`
}

// GroupPageRequest asks for a page of a group's members, requests, bans
// or invitations.
type GroupPageRequest struct {
	ID     string `json:"id"`
	Role   string `json:"role,omitempty"`
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// GroupMember is a member of a group, with the name from the user's
// profile.
type GroupMember struct {
	UserID      string    `json:"user_id" format:"uuid"`
	DisplayName string    `json:"display_name"`
	Role        string    `json:"role" enum:"owner,admin,member"`
	JoinedAt    time.Time `json:"joined_at"`
}

// GroupMemberList is a page of members, oldest first.
type GroupMemberList struct {
	Items      []GroupMember `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

// MemberRef names a user in a group.
type MemberRef struct {
	GroupID string `json:"group_id"`
	UserID  string `json:"user_id"`
}

// MemberRoleRequest promotes a member to admin or demotes an admin.
type MemberRoleRequest struct {
	MemberRef
	Role string `json:"role"`
}

// MemberRoleBody is the body of a role change.
type MemberRoleBody struct {
	Role string `json:"role" enum:"admin,member"`
}

// TransferBody names the new owner.
type TransferBody struct {
	UserID string `json:"user_id" format:"uuid" doc:"a member of the group; the owner becomes an admin"`
}

// JoinRequest is a request to join a private group.
type JoinRequest struct {
	UserID      string    `json:"user_id" format:"uuid"`
	DisplayName string    `json:"display_name"`
	Message     string    `json:"message"`
	CreatedAt   time.Time `json:"created_at"`
}

// JoinRequestList is a page of requests, oldest first.
type JoinRequestList struct {
	Items      []JoinRequest `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

// GroupBan is a user banned from a group.
type GroupBan struct {
	UserID      string    `json:"user_id" format:"uuid"`
	DisplayName string    `json:"display_name"`
	BannedBy    string    `json:"banned_by" format:"uuid"`
	At          time.Time `json:"at"`
}

// GroupBanList is a page of bans, newest first.
type GroupBanList struct {
	Items      []GroupBan `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

// InviteCreate makes an invitation link to the group ID.
type InviteCreate struct {
	ID string `json:"id"`
	InviteCreateBody
}

// InviteCreateBody is how long and how often an invitation works.
type InviteCreateBody struct {
	ExpiresInS int  `json:"expires_in_s,omitempty" minimum:"60" maximum:"2592000" doc:"default 7 days, at most 30"`
	MaxUses    *int `json:"max_uses,omitempty" minimum:"1" maximum:"100000" doc:"absent: any number"`
}

// GroupInvite is an invitation link. Token is in the answer that made it
// only: the server keeps its hash.
type GroupInvite struct {
	ID        string    `json:"id" format:"uuid"`
	GroupID   string    `json:"group_id" format:"uuid"`
	Token     string    `json:"token,omitempty" doc:"only when it is made: join with it (POST /v1/groups/{id}/join)"`
	CreatedBy string    `json:"created_by" format:"uuid"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	MaxUses   *int      `json:"max_uses"`
	Uses      int       `json:"uses"`
}

// GroupInviteList is a page of a group's invitations, newest first.
type GroupInviteList struct {
	Items      []GroupInvite `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

// InviteRef names an invitation of a group.
type InviteRef struct {
	GroupID  string `json:"group_id"`
	InviteID string `json:"invite_id"`
}

// GroupChanged is the payload of EventGroupCreated and EventGroupUpdated:
// the group's public facts after the change.
type GroupChanged struct {
	GroupID     string      `json:"group_id"`
	OwnerID     string      `json:"owner_id"`
	Name        string      `json:"name"`
	Sports      []string    `json:"sports"`
	Goals       []string    `json:"goals"`
	Place       *GroupPlace `json:"place,omitempty" doc:"absent when the group names none"`
	Visibility  string      `json:"visibility"`
	MemberLimit int         `json:"member_limit"`
	OccurredAt  time.Time   `json:"occurred_at"`
}

// GroupDeleted is the payload of EventGroupDeleted.
type GroupDeleted struct {
	GroupID string `json:"group_id"`
	// Seq orders it with the group's member events (MemberChanged.Seq).
	Seq        int64     `json:"seq"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Reasons a member left (MemberChanged.Reason of EventMemberLeft).
const (
	LeftByChoice       = "left"
	LeftRemoved        = "removed"
	LeftBanned         = "banned"
	LeftAccountDeleted = "account_deleted"
)

// MemberChanged is the payload of the member events.
type MemberChanged struct {
	GroupID string `json:"group_id"`
	UserID  string `json:"user_id"`
	Role    string `json:"role"`
	// Reason says why a member left (EventMemberLeft only).
	Reason string `json:"reason,omitempty"`
	// Seq increases with every membership event of the module (and
	// GroupDeleted): a read model keeps a membership's fact of the
	// highest seq, so a late redelivery of an older one changes nothing.
	Seq        int64     `json:"seq"`
	OccurredAt time.Time `json:"occurred_at"`
}
