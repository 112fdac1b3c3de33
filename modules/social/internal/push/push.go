// Package push sends notifications to phones: the Pusher interface an
// operator implements for APNs or FCM (or a gateway such as Gorush), and
// Log, the implementation Athlos runs with, which logs what it would send.
package push

import (
	"context"
	"log/slog"
)

// Message is one push to one device.
type Message struct {
	// Platform is apns or fcm; Token the device's token for it.
	Platform string
	Token    string
	// UserID is the device's owner.
	UserID string
	// ID is the notification's id: the same for every device of every
	// recipient. A pusher gives it to the provider as the collapse key
	// (apns-collapse-id, FCM collapse_key), so a push sent again after a
	// crash replaces the first on the phone instead of showing twice.
	ID string
	// Kind, Title and Body are what the phone shows; Data what the app
	// opens (the notification's id and kind).
	Kind  string
	Title string
	Body  string
	Data  map[string]string
}

// Result is what became of one Message.
type Result struct {
	// Unregistered is true when the provider said the token is no longer
	// valid (APNs 410 Unregistered, FCM UNREGISTERED): Athlos then forgets
	// the token.
	Unregistered bool
	// Err is a failure to deliver (nil when the provider took it).
	Err error
}

// Pusher delivers pushes to a provider. Push gets every device of one
// notification at once (a provider's batch API may take them together)
// and returns one Result per message, in order. It must return within
// ctx; pushes are best effort: the notification is in the inbox and on
// notify.<user> whatever becomes of them, and a failed push is logged,
// not tried again.
type Pusher interface {
	Push(ctx context.Context, msgs []Message) []Result
}

// Log is the Pusher Athlos runs with unless an operator plugs in a real
// one: it logs each push (the token by its last 8 characters) at Info.
type Log struct {
	Logger *slog.Logger
}

// Push logs msgs; every one succeeds.
func (l Log) Push(ctx context.Context, msgs []Message) []Result {
	for _, m := range msgs {
		l.Logger.InfoContext(ctx, "push", "platform", m.Platform, "token_end", TokenEnd(m.Token), "user_id", m.UserID,
			"notification_id", m.ID, "kind", m.Kind, "title", m.Title, "body", m.Body)
	}
	return make([]Result, len(msgs))
}

// TokenEnd is a token's last 8 characters, how logs and the API name a
// device without showing its token.
func TokenEnd(token string) string {
	if len(token) <= 8 {
		return token
	}
	return token[len(token)-8:]
}
