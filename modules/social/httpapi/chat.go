package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/social/api"
)

type chatPostInput struct {
	ID   string `path:"id" format:"uuid" doc:"the group's id"`
	Body api.ChatPost
}

type chatListInput struct {
	ID     string `path:"id" format:"uuid" doc:"the group's id"`
	Before int64  `query:"before" minimum:"1" maximum:"9007199254740991" doc:"the messages older than this message id (the prev_cursor of a page)"`
	After  int64  `query:"after" minimum:"1" maximum:"9007199254740991" doc:"the messages newer than this message id (the next_cursor of a page)"`
	Around int64  `query:"around" minimum:"1" maximum:"9007199254740991" doc:"this message id (e.g. your read marker, or a reply's original), limit/2 older messages and the rest newer"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" doc:"messages per page (default 50)"`
}

type chatMessageInput struct {
	ID        string `path:"id" format:"uuid" doc:"the group's id"`
	MessageID int64  `path:"message_id" minimum:"1" maximum:"9007199254740991" doc:"the message's id in the group"`
}

type chatEditInput struct {
	ID        string `path:"id" format:"uuid" doc:"the group's id"`
	MessageID int64  `path:"message_id" minimum:"1" maximum:"9007199254740991" doc:"the message's id in the group"`
	Body      api.ChatEdit
}

type chatReactionInput struct {
	ID        string `path:"id" format:"uuid" doc:"the group's id"`
	MessageID int64  `path:"message_id" minimum:"1" maximum:"9007199254740991" doc:"the message's id in the group"`
	Emoji     string `path:"emoji" minLength:"1" maxLength:"32" doc:"one emoji, URL-encoded (e.g. %F0%9F%91%8D for 👍)"`
}

type chatReadInput struct {
	ID   string        `path:"id" format:"uuid" doc:"the group's id"`
	Body *api.ChatRead `required:"false"`
}

// ChatRoutes returns the group chat's operations: messages, history,
// edits and deletes, reactions, read markers and unread counts.
func ChatRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		tags := []string{"chat"}
		const text = " Message text is data: a JSON string kept and returned exactly as sent; the server never renders, " +
			"escapes or strips markup, and a client must show it as plain text, never as HTML or Markdown it interprets."
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.ChatMessage](a, huma.Operation{
			OperationID: "post-message", Method: http.MethodPost, Path: "/v1/groups/{id}/messages", Tags: tags,
			Summary: "Post a message to a group",
			Description: "Members only (403 for others and the banned). The text has 1 to 4,000 characters (Unicode code " +
				"points), not only white space, no control characters but line feed and tab. The message is stored, then " +
				"delivered at once to the members online on chat.<group id> (NATS WebSocket). With a txn_id, a retry " +
				"answers the first message (same id), never a second one. Each user may write one message a second, in " +
				"bursts of 20 (edits and reactions count too): past it 429 with Retry-After. The same is possible over " +
				"NATS WebSocket on chat.in.<your id>.<group id>." + text,
			DefaultStatus: http.StatusCreated, MaxBodyBytes: 32 << 10, Security: gw.Authenticated,
		}), http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests), func(ctx context.Context, in *chatPostInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectChatPost, api.ChatPostRequest{GroupID: in.ID, ChatPost: in.Body})
		})
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.ChatPage](a, huma.Operation{
			OperationID: "list-messages", Method: http.MethodGet, Path: "/v1/groups/{id}/messages", Tags: tags,
			Summary: "A page of a group's chat history",
			Description: "Members only. Oldest first. Without an anchor: the newest messages. before=<id>: the older ones; " +
				"after=<id>: the newer ones; around=<id>: that message with limit/2 older ones and the rest newer (at most " +
				"one anchor; an anchor need not be an existing id). next_cursor and prev_cursor are the anchors of the " +
				"neighbouring pages (after= and before=), null when there is none. Ids run 1, 2, 3, … per group in the order " +
				"messages were stored; a deleted message stays as a tombstone (deleted: true, no text, no reactions)." + text,
			Security: gw.Authenticated,
		}), http.StatusForbidden, http.StatusNotFound), func(ctx context.Context, in *chatListInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectChatList, api.ChatListRequest{GroupID: in.ID, Before: in.Before, After: in.After,
				Around: in.Around, Limit: in.Limit})
		})
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.ChatMessage](a, huma.Operation{
			OperationID: "get-message", Method: http.MethodGet, Path: "/v1/groups/{id}/messages/{message_id}", Tags: tags,
			Summary: "One message of a group", Description: "Members only." + text, Security: gw.Authenticated,
		}), http.StatusForbidden, http.StatusNotFound), func(ctx context.Context, in *chatMessageInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectChatGet, api.ChatMessageRef{GroupID: in.ID, MessageID: in.MessageID})
		})
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.ChatMessage](a, huma.Operation{
			OperationID: "edit-message", Method: http.MethodPatch, Path: "/v1/groups/{id}/messages/{message_id}", Tags: tags,
			Summary: "Edit your message",
			Description: "Its sender only (403 for others, admins too), with the rules of a new message; 409 once deleted. " +
				"Members online receive message.edited on chat.<group id>; edited_at says when." + text,
			MaxBodyBytes: 32 << 10, Security: gw.Authenticated,
		}), http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests), func(ctx context.Context, in *chatEditInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectChatEdit, api.ChatEditRequest{ChatMessageRef: api.ChatMessageRef{GroupID: in.ID,
				MessageID: in.MessageID}, ChatEdit: in.Body})
		})
		huma.Register(a, gw.DocumentErrors(a, huma.Operation{
			OperationID: "delete-message", Method: http.MethodDelete, Path: "/v1/groups/{id}/messages/{message_id}", Tags: tags,
			Summary: "Delete a message",
			Description: "Your own, or any as the group's owner or an admin. It stays in history as a tombstone: its id, " +
				"sender, times and reply_to, with deleted: true, no text and no reactions, so replies and read markers keep " +
				"their place. Members online receive message.deleted. Deleting it again changes nothing.",
			DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
		}, http.StatusForbidden, http.StatusNotFound), func(ctx context.Context, in *chatMessageInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectChatDelete, api.ChatMessageRef{GroupID: in.ID, MessageID: in.MessageID})
		})
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.ChatMessage](a, huma.Operation{
			OperationID: "add-reaction", Method: http.MethodPut, Path: "/v1/groups/{id}/messages/{message_id}/reactions/{emoji}", Tags: tags,
			Summary: "React to a message with an emoji",
			Description: "Any single emoji (with skin tone, a ZWJ sequence, a flag or a keycap); each member once per emoji, " +
				"at most 20 different emoji per message (409 past it). Adding it again changes nothing. Answers the message " +
				"with its reactions; members online receive reaction.added.",
			Security: gw.Authenticated,
		}), http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests), func(ctx context.Context, in *chatReactionInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectChatReact, api.ChatReactionRequest{ChatMessageRef: api.ChatMessageRef{GroupID: in.ID,
				MessageID: in.MessageID}, Emoji: in.Emoji})
		})
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.ChatMessage](a, huma.Operation{
			OperationID: "remove-reaction", Method: http.MethodDelete, Path: "/v1/groups/{id}/messages/{message_id}/reactions/{emoji}", Tags: tags,
			Summary:     "Take back your reaction",
			Description: "Removing one you did not add changes nothing. Answers the message; members online receive reaction.removed.",
			Security:    gw.Authenticated,
		}), http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests), func(ctx context.Context, in *chatReactionInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectChatUnreact, api.ChatReactionRequest{ChatMessageRef: api.ChatMessageRef{GroupID: in.ID,
				MessageID: in.MessageID}, Emoji: in.Emoji})
		})
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.ChatUnread](a, huma.Operation{
			OperationID: "mark-group-read", Method: http.MethodPost, Path: "/v1/groups/{id}/read", Tags: tags,
			Summary: "Move your read marker in a group",
			Description: "To message_id, or without it to the group's newest message; a marker never moves back (an older " +
				"id changes nothing). Posting a message moves your marker to it; a new member starts at the group's newest " +
				"message. Answers where you are and what is unread.",
			MaxBodyBytes: 1 << 10, Security: gw.Authenticated,
		}), http.StatusForbidden, http.StatusNotFound), func(ctx context.Context, in *chatReadInput) (*gw.RawJSON, error) {
			req := api.ChatReadRequest{GroupID: in.ID}
			if in.Body != nil {
				req.ChatRead = *in.Body
			}
			return gw.Forward(ctx, nc, api.SubjectChatRead, req)
		})
		huma.Register(a, gw.DocumentRaw[api.ChatUnreadList](a, huma.Operation{
			OperationID: "get-unread", Method: http.MethodGet, Path: "/v1/me/unread", Tags: tags,
			Summary:     "Your unread messages, per group",
			Description: "Each of your groups with messages of others after your read marker that are not deleted, counted up to 1,000 per group.",
			Security:    gw.Authenticated,
		}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectChatUnread, api.ChatEmpty{})
		})
		huma.Register(a, gw.DocumentRaw[api.ChatUnreadList](a, huma.Operation{
			OperationID: "mark-all-read", Method: http.MethodPost, Path: "/v1/me/unread/mark-read", Tags: tags,
			Summary:     "Mark every group read",
			Description: "Moves your read marker in each of your groups to its newest message; answers what is unread then (messages that arrived meanwhile).",
			Security:    gw.Authenticated,
		}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectChatReadAll, api.ChatEmpty{})
		})
	})
}
