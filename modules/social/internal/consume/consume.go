// Package consume applies other modules' events to the social module: each
// with platform.Runtime.OnEvent (a durable consumer social__<event>, each
// event applied once in the handler's transaction), decoding the
// publisher's payload (from its api package) and calling the service.
package consume

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/social/internal/service"
	"github.com/athlos/athlos/platform"
)

// Register starts the social module's consumers of the client module's
// events: the names read model (registered, profile updated), the time
// zones of quiet hours (profile updated) and deleted accounts.
func Register(rt *platform.Runtime, s *service.Service, n *service.Notify) {
	stream := bus.EventStream(clientapi.Module)
	rt.OnEvent(stream, clientapi.EventUserRegistered, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev clientapi.UserRegistered
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a user.registered event: "+err.Error())
		}
		user, err := bus.ParseID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		return s.SaveUserName(ctx, tx, user, ev.DisplayName, ev.RegisteredAt)
	})
	rt.OnEvent(stream, clientapi.EventProfileUpdated, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev clientapi.ProfileUpdated
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a profile.updated event: "+err.Error())
		}
		user, err := bus.ParseID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		if err := s.SaveUserName(ctx, tx, user, ev.DisplayName, ev.UpdatedAt); err != nil {
			return err
		}
		// Notifications: quiet hours follow the user's time zone.
		return n.SaveTimeZone(ctx, tx, user, ev.TimeZone, ev.UpdatedAt)
	})
	rt.OnEvent(stream, clientapi.EventUserDeleted, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev clientapi.UserDeleted
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a user.deleted event: "+err.Error())
		}
		user, err := bus.ParseID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		if err := s.EraseUser(ctx, tx, user); err != nil {
			return err
		}
		// Notifications: the user's inbox, settings, mutes and push tokens.
		return n.EraseUser(ctx, tx, user)
	})
	// The feed's cards from training's session and record events (feed.go).
	feed(rt, s, n)
}
