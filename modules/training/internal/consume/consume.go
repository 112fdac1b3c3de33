// Package consume applies other modules' events to the training module:
// each with platform.Runtime.OnEvent (a durable consumer
// training__<event>, each event applied once in the handler's
// transaction), decoding the publisher's payload (from its api package)
// and calling the service.
package consume

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/platform"
)

// Register starts the training module's consumers of the client module's
// events, of its own session events (the analytics read model and
// training plans), and of the social module's member events (who shares
// a group with whom).
func Register(rt *platform.Runtime, s *service.Service) {
	stream := bus.EventStream(clientapi.Module)
	// Profiles: body data for calories, default visibility of sessions.
	rt.OnEvent(stream, clientapi.EventProfileUpdated, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev clientapi.ProfileUpdated
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a profile.updated event: "+err.Error())
		}
		user, err := eventID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		if err := s.SaveProfile(ctx, tx, service.Profile{User: user, Sex: ev.Sex, BirthDate: ev.BirthDate, WeightKg: ev.WeightKg,
			DefaultVisibility: ev.Privacy.DefaultVisibility, SportVisibility: ev.Privacy.SportVisibility, UpdatedAt: ev.UpdatedAt,
			ThresholdHRBpm: ev.ThresholdHRBpm}); err != nil {
			return err
		}
		return s.SaveProfileFacts(ctx, tx, service.ProfileFacts{User: user, TimeZone: ev.TimeZone, RestingHRBpm: ev.RestingHRBpm,
			MaxHRBpm: ev.MaxHRBpm, UpdatedAt: ev.UpdatedAt})
	})
	// Who owns which gear: sessions take only their user's own.
	for _, subject := range []string{clientapi.EventGearCreated, clientapi.EventGearUpdated} {
		rt.OnEvent(stream, subject, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			var ev clientapi.GearChanged
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				return bus.Invalid("payload", "not a gear event: "+err.Error())
			}
			if err := saveGearOwner(ctx, tx, s, ev.UserID, ev.Gear.ID, false); err != nil {
				return err
			}
			gear, _ := uuid.Parse(ev.Gear.ID) // saveGearOwner checked it
			return s.SaveGearFacts(ctx, tx, service.GearFacts{Gear: gear, Name: ev.Gear.Name, StartingDistanceM: ev.Gear.StartingDistanceM,
				ReplacementThresholdM: ev.Gear.ReplacementThresholdM, Retired: ev.Gear.Retired, At: ev.OccurredAt})
		})
	}
	rt.OnEvent(stream, clientapi.EventGearDeleted, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev clientapi.GearDeleted
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a gear.deleted event: "+err.Error())
		}
		return saveGearOwner(ctx, tx, s, ev.UserID, ev.GearID, true)
	})
	// A deleted account: erase what this module keeps of the user.
	rt.OnEvent(stream, clientapi.EventUserDeleted, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev clientapi.UserDeleted
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a user.deleted event: "+err.Error())
		}
		user, err := eventID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		return s.EraseUser(ctx, tx, user)
	})
	// The module's own session events: the analytics read model.
	sessions(rt, s)
	// The social module's memberships: who shares a group with whom.
	groups(rt, s)
	// The social module's follows and blocks (follows.go).
	follows(rt, s)
}

func saveGearOwner(ctx context.Context, tx pgx.Tx, s *service.Service, userPart, gearPart string, deleted bool) error {
	user, err := eventID("user_id", userPart)
	if err != nil {
		return err
	}
	gear, err := eventID("gear_id", gearPart)
	if err != nil {
		return err
	}
	return s.SaveGearOwner(ctx, tx, user, gear, deleted)
}

// eventID reads an id of an event's payload (bus.ParseID).
func eventID(field, s string) (uuid.UUID, error) { return bus.ParseID(field, s) }
