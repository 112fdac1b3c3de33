package api

import "time"

// Group chat (issue 13). Members post to their group over HTTP (POST
// /v1/groups/{id}/messages → SubjectChatPost) or over NATS WebSocket on
// ChatInSubject(<their id>, <group>) in the app account, never on the
// group's stream subject; each message is stored and then delivered to the
// members online on ChatSubject(<group>) (stream CHAT), published right
// after the commit from a delivery record written with it (a sweep
// publishes what a crash left). Message text is data: a JSON string kept and returned
// exactly as sent, never markup the server renders.
const (
	// SubjectChat is the prefix of chat.<group>: a group's messages, as
	// ChatEvent (stream CHAT; bus.SubjectChat).
	SubjectChat = "chat."
	// SubjectChatIn is the prefix of chat.in.<user>.<group>, where an app
	// posts a message (ChatPost) over NATS, answered on its inbox with the
	// ChatMessage or a refusal (bus.PubAckRefusal).
	SubjectChatIn = "chat.in."

	// SubjectChatPost answers ChatPostRequest with the ChatMessage.
	SubjectChatPost = "rpc.social.chat.post"
	// SubjectChatList answers ChatListRequest with a ChatPage.
	SubjectChatList = "rpc.social.chat.list"
	// SubjectChatGet answers ChatMessageRef with the ChatMessage.
	SubjectChatGet = "rpc.social.chat.get"
	// SubjectChatEdit answers ChatEditRequest with the ChatMessage.
	SubjectChatEdit = "rpc.social.chat.edit"
	// SubjectChatDelete answers ChatMessageRef with ChatEmpty.
	SubjectChatDelete = "rpc.social.chat.delete"
	// SubjectChatReact answers ChatReactionRequest (add) with the ChatMessage.
	SubjectChatReact = "rpc.social.chat.react"
	// SubjectChatUnreact answers ChatReactionRequest (remove) with the ChatMessage.
	SubjectChatUnreact = "rpc.social.chat.unreact"
	// SubjectChatRead answers ChatReadRequest with the group's ChatUnread.
	SubjectChatRead = "rpc.social.chat.read"
	// SubjectChatUnread answers ChatEmpty with the caller's ChatUnreadList.
	SubjectChatUnread = "rpc.social.chat.unread"
	// SubjectChatReadAll answers ChatEmpty with the caller's ChatUnreadList
	// after marking every group read.
	SubjectChatReadAll = "rpc.social.chat.read_all"
)

// Real-time grants: the client module's auth callout asks at every app
// connection which chat.<group> subjects a user may subscribe to (the
// groups it is a member of), and closes the user's app connections when
// that changes (joined, left, removed, banned, group deleted).
const (
	// SubjectRealtimeGrants answers RealtimeGrantsRequest with
	// RealtimeGrants.
	SubjectRealtimeGrants = "rpc.social.realtime.grants"
	// EventRealtimeGrantsChanged (RealtimeGrantsChanged): the users'
	// groups changed.
	EventRealtimeGrantsChanged = "evt.social.realtime.grants_changed"
)

// ChatSubject is the subject of group's messages.
func ChatSubject(group string) string { return SubjectChat + group }

// ChatInSubject is where user posts to group over NATS.
func ChatInSubject(user, group string) string { return SubjectChatIn + user + "." + group }

// ChatPost is a new message (the body of POST /v1/groups/{id}/messages,
// and of a publish on chat.in.<user>.<group>).
type ChatPost struct {
	Text    string `json:"text" minLength:"1" maxLength:"16000" doc:"the message: 1 to 4,000 characters (Unicode code points), not only white space, no control characters but line feed and tab. Plain text: kept and returned exactly as sent, never rendered as markup (show it as text)" example:"Who's in for the long run on Sunday?"`
	TxnID   string `json:"txn_id,omitempty" maxLength:"64" doc:"your transaction id (1 to 64 printable ASCII characters): send it again with a retry and you get the first message back, never a second one; unique per sender and group, for as long as the message exists" example:"m1733570000-1"`
	ReplyTo int64  `json:"reply_to,omitempty" minimum:"1" doc:"the id of the message (of this group) this one replies to"`
}

// ChatPostRequest is what the front passes on for POST
// /v1/groups/{id}/messages.
type ChatPostRequest struct {
	GroupID string `json:"group_id"`
	ChatPost
}

// ChatMessage is one message of a group's chat.
type ChatMessage struct {
	ID         int64          `json:"id" doc:"the message's id in its group: 1, 2, 3, … in the order messages were stored; history pages by it" example:"42"`
	GroupID    string         `json:"group_id" format:"uuid"`
	SenderID   string         `json:"sender_id" format:"uuid"`
	SenderName string         `json:"sender_name" doc:"the sender's display name now (\"\" when unknown or deleted); plain text"`
	Text       string         `json:"text" doc:"the message, plain text exactly as sent (\"\" once deleted); never markup"`
	TxnID      string         `json:"txn_id,omitempty" doc:"the sender's transaction id, when it gave one: match it with your own pending messages"`
	ReplyTo    *int64         `json:"reply_to" doc:"the id of the message this one replies to, or null"`
	CreatedAt  time.Time      `json:"created_at"`
	EditedAt   *time.Time     `json:"edited_at" doc:"when the text was last edited, or null"`
	Deleted    bool           `json:"deleted" doc:"the message was deleted: it stays in history as a tombstone, without text or reactions"`
	DeletedAt  *time.Time     `json:"deleted_at" doc:"when it was deleted, or null"`
	Reactions  []ChatReaction `json:"reactions" doc:"reactions, most used first (at most 20 different emoji)"`
}

// ChatReaction is one emoji on a message and who used it.
type ChatReaction struct {
	Emoji string `json:"emoji" example:"👍"`
	Count int    `json:"count" doc:"how many members reacted with it"`
	Me    bool   `json:"me" doc:"you reacted with it (always false in real-time events)"`
}

// ChatListRequest is what the front passes on for GET
// /v1/groups/{id}/messages.
type ChatListRequest struct {
	GroupID string `json:"group_id"`
	Before  int64  `json:"before,omitempty"`
	After   int64  `json:"after,omitempty"`
	Around  int64  `json:"around,omitempty"`
	Limit   int    `json:"limit,omitempty"`
}

// ChatPage is a page of a group's history, oldest first.
type ChatPage struct {
	Items []ChatMessage `json:"items" doc:"messages in ascending id order (oldest first)"`
	// NextCursor continues with newer messages (pass it as after).
	NextCursor *int64 `json:"next_cursor" doc:"pass as after= for the newer messages; null when there were none newer when this page was read (new ones arrive on chat.<group>)"`
	// PrevCursor continues with older messages (pass it as before).
	PrevCursor *int64 `json:"prev_cursor" doc:"pass as before= for the older messages; null at the group's first message"`
}

// ChatMessageRef names one message.
type ChatMessageRef struct {
	GroupID   string `json:"group_id"`
	MessageID int64  `json:"message_id"`
}

// ChatEdit is a message's new text (PATCH
// /v1/groups/{id}/messages/{message_id}).
type ChatEdit struct {
	Text string `json:"text" minLength:"1" maxLength:"16000" doc:"the new text, with the rules of a new message"`
}

// ChatEditRequest is what the front passes on for an edit.
type ChatEditRequest struct {
	ChatMessageRef
	ChatEdit
}

// ChatReactionRequest adds or removes the caller's reaction.
type ChatReactionRequest struct {
	ChatMessageRef
	Emoji string `json:"emoji"`
}

// ChatRead moves the caller's read marker (POST /v1/groups/{id}/read).
type ChatRead struct {
	MessageID int64 `json:"message_id,omitempty" minimum:"1" doc:"the newest message you have read; without it, the group's newest. A marker never moves back"`
}

// ChatReadRequest is what the front passes on for POST
// /v1/groups/{id}/read.
type ChatReadRequest struct {
	GroupID string `json:"group_id"`
	ChatRead
}

// ChatUnread is where the caller is in one group's chat.
type ChatUnread struct {
	GroupID    string `json:"group_id" format:"uuid"`
	LastReadID int64  `json:"last_read_id" doc:"the newest message you have read (0: none)"`
	LastID     int64  `json:"last_id" doc:"the group's newest message"`
	Unread     int    `json:"unread" doc:"messages of others after last_read_id that are not deleted (since you joined, when you have read none), counted up to 1,000"`
	Capped     bool   `json:"capped" doc:"there are more than 1,000 unread messages: unread says 1000"`
}

// ChatUnreadList is the caller's groups with unread messages.
type ChatUnreadList struct {
	Items []ChatUnread `json:"items" doc:"each of your groups with unread messages, most recent activity first"`
	Total int          `json:"total" doc:"unread messages over all your groups (each group's count capped at 1,000)"`
}

// ChatEvent is what members receive on chat.<group> (stream CHAT).
type ChatEvent struct {
	Kind     string               `json:"kind" enum:"message.created,message.edited,message.deleted,reaction.added,reaction.removed" doc:"what happened"`
	GroupID  string               `json:"group_id" format:"uuid"`
	Message  ChatMessage          `json:"message" doc:"the message as it is now (for a reaction too: its counts)"`
	Reaction *ChatReactionChanged `json:"reaction,omitempty" doc:"for reaction.added and reaction.removed: who and which"`
}

// ChatReactionChanged says who added or removed which emoji.
type ChatReactionChanged struct {
	Emoji  string `json:"emoji"`
	UserID string `json:"user_id" format:"uuid"`
}

// The kinds of ChatEvent.
const (
	ChatMessageCreated  = "message.created"
	ChatMessageEdited   = "message.edited"
	ChatMessageDeleted  = "message.deleted"
	ChatReactionAdded   = "reaction.added"
	ChatReactionRemoved = "reaction.removed"
)

// RealtimeGrantsRequest asks for a user's real-time grants.
type RealtimeGrantsRequest struct {
	UserID string `json:"user_id"`
}

// RealtimeGrants are the chat.<group> subjects a user may subscribe to.
type RealtimeGrants struct {
	Subscribe []string `json:"subscribe"`
}

// RealtimeGrantsChanged is the payload of EventRealtimeGrantsChanged.
type RealtimeGrantsChanged struct {
	UserIDs []string `json:"user_ids"`
}

// ChatEmpty is an answer or request with nothing in it.
type ChatEmpty struct{}

// ChatInHeaders are the NATS headers of a message published on
// chat.in.<user>.<group>.
type ChatInHeaders struct {
	MsgID string `json:"Nats-Msg-Id,omitempty" maxLength:"64" doc:"the message's transaction id when the body has no txn_id: a retry with the same id answers the first message, never a second one"`
}
