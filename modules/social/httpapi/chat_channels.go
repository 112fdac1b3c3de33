package httpapi

import (
	"github.com/athlos/athlos/bus"
	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/social/api"
)

// ChatChannels returns the group chat's real-time channels (the front's
// /asyncapi.json): a member's messages in, and every group's messages out
// to its members online.
func ChatChannels() []gw.Channel {
	userID := "your user id (user_id of the sign-in), a UUID"
	groupID := "the id of one of your groups"
	return []gw.Channel{
		{
			ID: "chatIn", Address: api.SubjectChatIn + "{userId}.{groupId}", Module: api.Module,
			Parameters: map[string]string{"userId": userID, "groupId": groupID},
			Title:      "Post a chat message",
			Description: "The app sends a message to one of its groups as a NATS request (nc.request) on its own subject, " +
				"never on the group's chat.<group id>, with its reply under the user's inbox prefix (GET /v1/realtime). The " +
				"server checks it as POST /v1/groups/{id}/messages does (member, not banned, 1 to 4,000 characters, no " +
				"control characters but line feed and tab, one message a second in bursts of 20), stores it, delivers it on " +
				"chat.<group id> and answers with the stored message, or a refusal. A request whose reply subject is " +
				"elsewhere gets no answer and nothing is stored. Message text is data: plain text, never markup.",
			Action: gw.AppSends, Operation: "postChatMessage", Summary: "Post a message to one of your groups.",
			Messages: []gw.Message{{ID: "chatPost", Title: "Chat message", Payload: api.ChatPost{}, Headers: api.ChatInHeaders{},
				Summary:     "A message: its text, your transaction id, and the message it replies to.",
				Description: "At most 20 KiB. Send it again with the same txn_id (or Nats-Msg-Id) after a timeout: the answer is the first message, stored once."}},
			Reply: &gw.Reply{
				ChannelID: "chatInReply", Address: "_INBOX_{userId}.{reply}",
				Parameters: map[string]string{"userId": userID,
					"reply": "the rest of the reply subject the client chose (its own inbox: nats.go and nats.js do it)"},
				Description: "The answer to a chat message, on the sender's own inbox.",
				Messages: []gw.Message{
					{ID: "chatMessage", Title: "Stored message", Payload: api.ChatMessage{},
						Summary: "The message as stored (its id in the group), also delivered on chat.<group id>."},
					{ID: "pubAckRefusal", Title: "Refusal", Payload: bus.PubAckRefusal{},
						Summary: "The message was not stored: a JetStream API error, which stock clients raise.",
						Description: "400: it can never be stored (not JSON, bad text, reply_to not in the group): drop it. 403: " +
							"not a member, or banned. 404: no such group. 429 and 503: send it again later (the description " +
							"says when)."},
				},
			},
		},
		{
			ID: "chatGroup", Address: api.SubjectChat + "{groupId}", Module: api.Module,
			Parameters: map[string]string{"groupId": groupID},
			Title:      "A group's chat",
			Description: "Every change to a group's chat, as it is stored: new messages, edits, deletes, reactions. A " +
				"connection may subscribe to chat.<group id> of the groups its user was a member of when it connected " +
				"(subscribe in GET /v1/realtime); when the user joins, leaves, is removed or banned, the server closes its " +
				"connections and they reconnect with the new grants, so someone removed receives nothing sent after. " +
				"What was missed while offline is in GET /v1/groups/{id}/messages?after=<last id seen>.",
			Action: gw.AppReceives, Operation: "receiveChat", Summary: "Follow the chat of your groups.",
			Messages: []gw.Message{{ID: "chatEvent", Title: "Chat event", Payload: api.ChatEvent{},
				Summary: "message.created, message.edited, message.deleted, reaction.added or reaction.removed, with the message as it is now.",
				Description: "Message text is data: plain text exactly as sent; show it as text, never as markup. The same " +
					"message may come twice (a redelivery after a restart): its group and id say it is the same."}},
		},
	}
}
