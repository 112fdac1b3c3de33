package group

import "slices"

// Role is a user's relation to a group, as the permission table knows it:
// the three member roles, and the three ways of not being a member.
type Role string

// Relations to a group.
const (
	Owner     Role = "owner"
	Admin     Role = "admin"
	Member    Role = "member"
	Requester Role = "requester" // asked to join a private group; not a member yet
	Banned    Role = "banned"
	Stranger  Role = "stranger" // none of the above
)

// Roles lists every relation, highest first.
func Roles() []Role { return []Role{Owner, Admin, Member, Requester, Banned, Stranger} }

// Action is something a user asks to do in a group.
type Action string

// The actions of groups.
const (
	View         Action = "view"          // read the group's facts (a private group's too)
	Update       Action = "update"        // PATCH the group
	Delete       Action = "delete"        // close the group
	ListMembers  Action = "list_members"  // page through members
	Join         Action = "join"          // join a public group, or ask to join a private one
	JoinInvited  Action = "join_invited"  // join with an invitation's token
	Leave        Action = "leave"         // leave (a requester withdraws the request)
	ListRequests Action = "list_requests" // see the requests to join
	Decide       Action = "decide"        // approve or reject a request
	Remove       Action = "remove"        // remove a member (outranked)
	Ban          Action = "ban"           // ban a user (outranked), see and lift bans
	SetRole      Action = "set_role"      // promote a member to admin, demote an admin
	Transfer     Action = "transfer"      // hand ownership to a member
	Invite       Action = "invite"        // make, list and revoke invitation links
)

// Actions lists every action.
func Actions() []Action {
	return []Action{View, Update, Delete, ListMembers, Join, JoinInvited, Leave, ListRequests, Decide, Remove, Ban,
		SetRole, Transfer, Invite}
}

// rule is who may take an action in a public and in a private group.
type rule struct{ public, private []Role }

func both(roles ...Role) rule { return rule{roles, roles} }

// table is who may do what: the one place the module decides it. An
// owner cannot leave (ownership passes first, with Transfer); members
// are seen by anyone in a public group, by members only in a private one
// (its facts stay findable, as Strava's private clubs are); a banned
// user may see the group's facts and nothing else.
var table = map[Action]rule{
	View:         both(Owner, Admin, Member, Requester, Banned, Stranger),
	Update:       both(Owner, Admin),
	Delete:       both(Owner),
	ListMembers:  {public: []Role{Owner, Admin, Member, Requester, Stranger}, private: []Role{Owner, Admin, Member}},
	Join:         both(Requester, Stranger),
	JoinInvited:  both(Requester, Stranger),
	Leave:        both(Admin, Member, Requester),
	ListRequests: both(Owner, Admin),
	Decide:       both(Owner, Admin),
	Remove:       both(Owner, Admin),
	Ban:          both(Owner, Admin),
	SetRole:      both(Owner),
	Transfer:     both(Owner),
	Invite:       both(Owner, Admin),
}

// Allowed reports whether a user of relation r may take action a in a
// group of visibility (Public or Private).
func Allowed(a Action, r Role, visibility string) bool {
	rl := table[a]
	if visibility == Private {
		return slices.Contains(rl.private, r)
	}
	return slices.Contains(rl.public, r)
}

// rank orders the roles for acting on another user.
func rank(r Role) int {
	switch r {
	case Owner:
		return 3
	case Admin:
		return 2
	case Member:
		return 1
	}
	return 0
}

// IsMember reports whether r is one of the member roles.
func IsMember(r Role) bool { return rank(r) > 0 }

// AllowedOn reports whether actor may take action a on a user of
// relation target (Allowed must hold too): an owner or admin removes and
// bans only those below them (an admin can't remove another admin; a ban
// can also keep out a non-member); requests are decided for requesters
// only; roles change between admin and member only, by the owner;
// ownership passes to a member or admin.
func AllowedOn(a Action, actor, target Role) bool {
	switch a {
	case Remove:
		return IsMember(target) && rank(actor) > rank(target)
	case Ban:
		return target != Banned && rank(actor) > rank(target)
	case Decide:
		return target == Requester
	case SetRole, Transfer:
		return target == Admin || target == Member
	}
	return false
}
