package api

import "time"

// Subjects of follows, the caller's social settings and blocks (they need
// a caller).
const (
	SubjectFollow         = "rpc.social.follows.create"    // UserRef → FollowResult
	SubjectUnfollow       = "rpc.social.follows.delete"    // UserRef → {}
	SubjectFollowers      = "rpc.social.follows.followers" // UserPageRequest → FollowList
	SubjectFollowing      = "rpc.social.follows.following" // UserPageRequest → FollowList
	SubjectFollowRequests = "rpc.social.follows.requests"  // UserPageRequest (the caller) → FollowList
	SubjectFollowApprove  = "rpc.social.follows.approve"   // UserRef (the requester) → Follow
	SubjectFollowReject   = "rpc.social.follows.reject"    // UserRef (the requester) → {}
	SubjectFollowerRemove = "rpc.social.follows.remove"    // UserRef (a follower) → {}
	SubjectSettingsGet    = "rpc.social.settings.get"      // struct{} → SocialSettings
	SubjectSettingsPatch  = "rpc.social.settings.patch"    // SocialSettingsPatch → SocialSettings
	SubjectBlockAdd       = "rpc.social.blocks.add"        // UserRef → {}
	SubjectBlockLift      = "rpc.social.blocks.lift"       // UserRef → {}
	SubjectBlocksList     = "rpc.social.blocks.list"       // UserPageRequest (the caller) → BlockList
)

// Events of follows and blocks (stream EVT_SOCIAL), published through
// the outbox. Follow and block events carry seq (social.follow_seq): a
// read model keeps a pair's fact of the highest seq.
const (
	// EventFollowRequested: a user asked to follow one who approves
	// followers (nothing is granted yet).
	EventFollowRequested = "evt.social.follow.requested" // FollowChanged
	// EventFollowCreated: a follow is in force (at once, or approved).
	EventFollowCreated = "evt.social.follow.created" // FollowChanged
	// EventFollowDeleted: a follow (or a request) ended; Reason says why.
	EventFollowDeleted = "evt.social.follow.deleted" // FollowChanged

	EventBlockCreated = "evt.social.block.created" // BlockChanged
	EventBlockDeleted = "evt.social.block.deleted" // BlockChanged
)

// Reasons a follow ends (FollowChanged.Reason of EventFollowDeleted).
const (
	FollowEndUnfollowed     = "unfollowed"      // the follower unfollowed or withdrew its request
	FollowEndRemoved        = "removed"         // the followed user removed the follower
	FollowEndRejected       = "rejected"        // the followed user rejected the request
	FollowEndBlocked        = "blocked"         // one of the two blocked the other
	FollowEndAccountDeleted = "account_deleted" // one of the two accounts was deleted
)

// Follow states as the follower sees them.
const (
	FollowStateFollowing = "following"
	FollowStateRequested = "requested"
)

// UserRef names a user.
type UserRef struct {
	UserID string `json:"user_id"`
}

// FollowResult is the caller's follow of a user after a follow: in force
// (following) or waiting for the user's approval (requested).
type FollowResult struct {
	UserID string `json:"user_id" format:"uuid"`
	State  string `json:"state" enum:"following,requested"`
}

// Follow is a user in a list of followers, followed users or requests,
// with the name from the user's profile.
type Follow struct {
	UserID      string    `json:"user_id" format:"uuid"`
	DisplayName string    `json:"display_name"`
	Since       time.Time `json:"since" doc:"when the follow began (was approved), or the request was made"`
}

// FollowList is a page of follows, newest first.
type FollowList struct {
	Items      []Follow `json:"items"`
	NextCursor *string  `json:"next_cursor"`
}

// UserPageRequest asks for a page of a user's followers, followed users,
// requests or blocks.
type UserPageRequest struct {
	UserID string `json:"user_id,omitempty"`
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// SocialSettings are a user's own social settings.
type SocialSettings struct {
	ApproveFollowers bool `json:"approve_followers" doc:"true: a follow is a request you approve or reject (a private profile); false: anyone may follow you at once"`
}

// SocialSettingsPatch changes the settings given.
type SocialSettingsPatch struct {
	ApproveFollowers *bool `json:"approve_followers,omitempty" nullable:"false" doc:"turning it off admits the waiting requests"`
}

// Block is a user the caller blocked.
type Block struct {
	UserID      string    `json:"user_id" format:"uuid"`
	DisplayName string    `json:"display_name"`
	At          time.Time `json:"at"`
}

// BlockList is a page of the caller's blocks, newest first.
type BlockList struct {
	Items      []Block `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// FollowChanged is the payload of the follow events.
type FollowChanged struct {
	FollowerID string `json:"follower_id"`
	FolloweeID string `json:"followee_id"`
	// Reason says why a follow ended (EventFollowDeleted only).
	Reason     string    `json:"reason,omitempty"`
	Seq        int64     `json:"seq"`
	OccurredAt time.Time `json:"occurred_at"`
}

// BlockChanged is the payload of the block events: BlockerID blocked (or
// no longer blocks) BlockedID.
type BlockChanged struct {
	BlockerID  string    `json:"blocker_id"`
	BlockedID  string    `json:"blocked_id"`
	Seq        int64     `json:"seq"`
	OccurredAt time.Time `json:"occurred_at"`
}
