package httpapi

import (
	"github.com/athlos/athlos/bus"
	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/client/api"
)

// Channels returns the real-time channels of every user's connection that
// the client module grants (the front's /asyncapi.json). notify.<user>
// is granted too; the modules that will send notifications describe them.
func Channels() []gw.Channel {
	return []gw.Channel{{
		ID: "refused", Address: bus.SubjectRefused + "{userId}", Module: api.Module,
		Parameters: map[string]string{"userId": "the user's id: only the user may subscribe"},
		Title:      "What the server refused of your publishes",
		Description: "A message the server acknowledged and then could not store (a session deleted or not yours, " +
			"impossible points left out), or refused without being able to answer the publish (it had no reply subject, " +
			"or one outside your inbox). Not stored: subscribe before publishing to hear it, normally within milliseconds.",
		Action: gw.AppReceives, Operation: "receiveRefusals", Summary: "Hear what was refused of your publishes.",
		Messages: []gw.Message{{ID: "refused", Title: "Refusal", Payload: bus.Refused{},
			Summary: "One message refused whole, or stored with points left out.",
			Description: "msg_id is the message's Nats-Msg-Id; seq is its PubAck's, when it had one. A message stored with " +
				"points left out has code invalid, the points kept in accepted and those left out, by reason, in dropped."}},
	}}
}
