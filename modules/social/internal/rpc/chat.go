package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/service"
)

// RegisterChat adds the group chat's operations (rpc.social.chat.*) and
// the real-time grants (rpc.social.realtime.grants) to the module's RPC
// service.
func RegisterChat(svc *bus.Service, c *service.Chat) error {
	hs := map[string]bus.HandlerFunc{
		api.SubjectChatPost: chatCaller(func(ctx context.Context, user uuid.UUID, in api.ChatPostRequest) (api.ChatMessage, error) {
			group, err := chatGroupID(in.GroupID)
			if err != nil {
				return api.ChatMessage{}, err
			}
			m, _, err := c.Post(ctx, user, group, service.Post{Text: in.Text, TxnID: in.TxnID, ReplyTo: in.ReplyTo})
			return m, err
		}),
		api.SubjectChatList: chatCaller(func(ctx context.Context, user uuid.UUID, in api.ChatListRequest) (api.ChatPage, error) {
			group, err := chatGroupID(in.GroupID)
			if err != nil {
				return api.ChatPage{}, err
			}
			return c.History(ctx, user, group, in.Before, in.After, in.Around, in.Limit)
		}),
		api.SubjectChatGet: chatCaller(func(ctx context.Context, user uuid.UUID, in api.ChatMessageRef) (api.ChatMessage, error) {
			group, err := chatGroupID(in.GroupID)
			if err != nil {
				return api.ChatMessage{}, err
			}
			return c.Get(ctx, user, group, in.MessageID)
		}),
		api.SubjectChatEdit: chatCaller(func(ctx context.Context, user uuid.UUID, in api.ChatEditRequest) (api.ChatMessage, error) {
			group, err := chatGroupID(in.GroupID)
			if err != nil {
				return api.ChatMessage{}, err
			}
			return c.Edit(ctx, user, group, in.MessageID, in.Text)
		}),
		api.SubjectChatDelete: chatCaller(func(ctx context.Context, user uuid.UUID, in api.ChatMessageRef) (api.ChatEmpty, error) {
			group, err := chatGroupID(in.GroupID)
			if err != nil {
				return api.ChatEmpty{}, err
			}
			return api.ChatEmpty{}, c.Delete(ctx, user, group, in.MessageID)
		}),
		api.SubjectChatReact: chatCaller(func(ctx context.Context, user uuid.UUID, in api.ChatReactionRequest) (api.ChatMessage, error) {
			group, err := chatGroupID(in.GroupID)
			if err != nil {
				return api.ChatMessage{}, err
			}
			return c.React(ctx, user, group, in.MessageID, in.Emoji, true)
		}),
		api.SubjectChatUnreact: chatCaller(func(ctx context.Context, user uuid.UUID, in api.ChatReactionRequest) (api.ChatMessage, error) {
			group, err := chatGroupID(in.GroupID)
			if err != nil {
				return api.ChatMessage{}, err
			}
			return c.React(ctx, user, group, in.MessageID, in.Emoji, false)
		}),
		api.SubjectChatRead: chatCaller(func(ctx context.Context, user uuid.UUID, in api.ChatReadRequest) (api.ChatUnread, error) {
			group, err := chatGroupID(in.GroupID)
			if err != nil {
				return api.ChatUnread{}, err
			}
			return c.MarkRead(ctx, user, group, in.MessageID)
		}),
		api.SubjectChatUnread: chatCaller(func(ctx context.Context, user uuid.UUID, _ api.ChatEmpty) (api.ChatUnreadList, error) {
			return c.Unread(ctx, user)
		}),
		api.SubjectChatReadAll: chatCaller(func(ctx context.Context, user uuid.UUID, _ api.ChatEmpty) (api.ChatUnreadList, error) {
			return c.ReadAll(ctx, user)
		}),
		// Asked by the client module's auth callout (no caller: the user
		// is named in the request).
		api.SubjectRealtimeGrants: bus.JSON(func(ctx context.Context, in api.RealtimeGrantsRequest) (api.RealtimeGrants, error) {
			user, err := uuid.Parse(in.UserID)
			if err != nil {
				return api.RealtimeGrants{}, bus.Invalid("user_id", "must be a UUID")
			}
			return c.Grants(ctx, user)
		}),
	}
	for subject, h := range hs {
		if err := svc.HandleSubject(subject, h); err != nil {
			return err
		}
	}
	return nil
}

// chatCaller adapts a chat use case run on the caller's behalf.
func chatCaller[Req, Resp any](fn func(ctx context.Context, user uuid.UUID, in Req) (Resp, error)) bus.HandlerFunc {
	return bus.JSON(func(ctx context.Context, in Req) (Resp, error) {
		user, err := bus.RequireUserID(ctx)
		if err != nil {
			var zero Resp
			return zero, err
		}
		return fn(ctx, user, in)
	})
}

// chatGroupID reads the group the path names.
func chatGroupID(s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, bus.Invalid("path.id", "must be a UUID")
	}
	return id, nil
}
