package httpapi

import (
	"github.com/athlos/athlos/bus"
	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/training/api"
)

// Channels returns the training module's real-time channels (the front's
// /asyncapi.json): the app's telemetry in, and the live figures out to
// the owner and to watchers.
func Channels() []gw.Channel {
	user := map[string]string{"userId": "the user's id (user_id of the sign-in), a UUID"}
	figures := gw.Message{ID: "liveFigures", Title: "Live figures", Payload: api.LiveStats{},
		Summary: "A live session's figures, at most one message a second per session.",
		Description: "Sent after the session's points are stored, and when it pauses, resumes or finishes (state). " +
			"Not stored: a client that is not connected misses them, and the next ones say it all again. They name " +
			"the session, never its owner."}
	return []gw.Channel{
		{
			ID: "liveTelemetry", Address: api.SubjectTelemetry + "{userId}.{sessionId}", Module: api.Module,
			Parameters: map[string]string{"userId": user["userId"], "sessionId": "the id of one of the user's open sessions (POST /v1/sessions)"},
			Title:      "Telemetry of a live session",
			Description: "The app publishes its points here through JetStream (js.Publish, publishAsync), one message at a time " +
				"or in batches, with a Nats-Msg-Id on every message, and keeps each message until its answer. The server " +
				"answers each publish on its reply subject, which must be under the user's inbox prefix (GET /v1/realtime): " +
				"a PubAck once the message is in the stream (its points are stored within a second; what is refused then " +
				"comes on refused.<user id>), or a refusal. A publish whose reply subject is elsewhere (a client without the " +
				"custom inbox prefix) gets no answer and is not stored; its client times out and retries: with the same " +
				"Nats-Msg-Id, a retry of a message that was stored is acknowledged as a duplicate and not stored again.",
			Action: gw.AppSends, Operation: "publishTelemetry", Summary: "Publish the points of one of your live sessions.",
			Messages: []gw.Message{{ID: "telemetry", Title: "Telemetry", Payload: api.TelemetryMessage{}, Headers: api.TelemetryHeaders{},
				Summary: "Points of a live session, in the compact format of POST /v1/sessions/{id}/points.",
				Description: "At most 256 KiB (limits.max_payload_bytes of GET /v1/realtime): the server closes a connection " +
					"that sends a larger message. Past the user's budget (20 messages and 200 points a second, bursts of 200 " +
					"messages and 20,000 points) a message is refused with 429."}},
			Reply: &gw.Reply{
				ChannelID: "liveTelemetryReply", Address: "_INBOX_{userId}.{reply}",
				Parameters: map[string]string{"userId": user["userId"],
					"reply": "the rest of the reply subject the client chose (its own inbox: nats.go and nats.js do it)"},
				Description: "The answer to a telemetry publish, on the publisher's own inbox.",
				Messages: []gw.Message{
					{ID: "pubAck", Title: "PubAck", Payload: bus.PubAck{},
						Summary: "The message is in the TELEMETRY stream: it may be forgotten.",
						Description: "duplicate is true when a message with the same Nats-Msg-Id was stored within the last " +
							"2 minutes: this one was not stored again."},
					{ID: "pubAckRefusal", Title: "Refusal", Payload: bus.PubAckRefusal{},
						Summary: "The message was not stored: a JetStream API error, which stock clients raise.",
						Description: "400: it can never be stored (not JSON, a bad point, a session id that is not a UUID): drop " +
							"it. 429 and 503: send it again later (the description says when)."},
				},
			},
		},
		{
			ID: "liveSession", Address: api.SubjectLiveSession + "{userId}.{sessionId}", Module: api.Module,
			Parameters: map[string]string{"userId": "the session owner's id: only the owner may subscribe",
				"sessionId": "the session's id"},
			Title: "Live figures of your own sessions",
			Description: "Every connection of a user may subscribe to live.session.<user id>.> (all its sessions) or to one " +
				"session's subject, from the moment it connects: a session started after connecting needs no reconnect.",
			Action: gw.AppReceives, Operation: "receiveOwnLiveFigures", Summary: "Follow your own live sessions.",
			Messages: []gw.Message{figures},
		},
		{
			ID: "liveWatch", Address: api.SubjectLiveWatch + "{sessionId}", Module: api.Module,
			Parameters: map[string]string{"sessionId": "the watched session's id"},
			Title:      "Live figures of a session you watch",
			Description: "For watchers of another user's session (public, or shared by link): POST /v1/sessions/{id}/watch " +
				"grants it, and closes the watcher's connections once so that they reconnect with the grant. The subject " +
				"names only the session, not its owner.",
			Action: gw.AppReceives, Operation: "receiveWatchedLiveFigures", Summary: "Watch someone's live session.",
			Messages: []gw.Message{figures},
		},
	}
}
