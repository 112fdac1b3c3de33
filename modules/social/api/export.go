package api

import "time"

// Subjects of the module's part of a user's data export (the client
// module assembles the archive), on the caller's behalf, paged
// (ExportPageRequest): the caller's own data only.
const (
	// SubjectExportMemberships answers the groups the caller is in
	// (→ ExportMembershipPage).
	SubjectExportMemberships = "rpc.social.export.memberships"
	// SubjectExportMessages answers the chat messages the caller wrote,
	// in every group (→ ExportMessagePage); no one else's.
	SubjectExportMessages = "rpc.social.export.messages"
)

// ExportPageRequest asks for a page of an export's listing.
type ExportPageRequest struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// ExportMembership is one group the caller is in: the group's name and
// the caller's role, nothing of the other members.
type ExportMembership struct {
	GroupID   string    `json:"group_id"`
	GroupName string    `json:"group_name"`
	Role      string    `json:"role"`
	JoinedAt  time.Time `json:"joined_at"`
}

// ExportMembershipPage is a page of memberships.
type ExportMembershipPage struct {
	Items      []ExportMembership `json:"items"`
	NextCursor *string            `json:"next_cursor"`
}

// ExportMessage is a chat message the caller wrote (deleted ones are
// gone: they are not exported).
type ExportMessage struct {
	GroupID   string     `json:"group_id"`
	GroupName string     `json:"group_name"`
	ID        int64      `json:"id"`
	Body      string     `json:"body"`
	ReplyTo   *int64     `json:"reply_to,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	EditedAt  *time.Time `json:"edited_at,omitempty"`
}

// ExportMessagePage is a page of messages.
type ExportMessagePage struct {
	Items      []ExportMessage `json:"items"`
	NextCursor *string         `json:"next_cursor"`
}
