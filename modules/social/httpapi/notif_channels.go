package httpapi

import (
	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/social/api"
)

// NotificationChannels returns the notification channel (the front's
// /asyncapi.json): notify.<user>.
func NotificationChannels() []gw.Channel {
	return []gw.Channel{{
		ID: "notify", Address: api.SubjectNotify + "{userId}", Module: api.Module,
		Parameters: map[string]string{"userId": "your user id: only you may subscribe"},
		Title:      "Your notifications",
		Description: "Each notification that lands in your inbox (GET /v1/notifications) comes here too, once, as soon " +
			"as it is stored, through the JetStream stream NOTIFY (kept 30 days): a plain subscription gets those sent " +
			"while connected; the inbox has the rest. Every connection of yours may subscribe from the moment it connects.",
		Action: gw.AppReceives, Operation: "receiveNotifications", Summary: "Receive your notifications while online.",
		Messages: []gw.Message{{ID: "notification", Title: "Notification", Payload: api.Notification{},
			Summary: "A notification, as in the inbox (read false).",
			Description: "Its id is the same as in the inbox (POST /v1/notifications/{id}/read). Each message has a " +
				"Nats-Msg-Id <notification id>.<your id>: the stream never keeps one twice."}},
	}}
}
