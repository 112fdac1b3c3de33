package consume

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/internal/gear"
	"github.com/athlos/athlos/modules/client/internal/service"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
)

// sessionsDurable is the name of the one durable consumer of the training
// module's session events (bus.ConsumerName of the module and
// "evt.training.session"); it must not change, or the consumer would
// start over.
const sessionsDurable = "client__evt_training_session"

// sessions keeps gear totals in step with the training module's sessions:
// completed ones are added, updated ones replace what they counted,
// deleted ones are taken back. One durable consumer takes the three
// subjects, so they are handled in order; each message is handled
// exactly once, events older than the last one applied to their session
// change nothing (they carry a revision), and the gear usage records make
// a session count once per item. A payload that cannot be read is refused
// for good.
func sessions(rt *platform.Runtime, s *service.Service) {
	rt.Consume(bus.ConsumerConfig{Stream: bus.EventStream(trainingapi.Module), Durable: sessionsDurable,
		Subjects: []string{trainingapi.EventSessionCompleted, trainingapi.EventSessionUpdated, trainingapi.EventSessionDeleted}},
		func(ctx context.Context, msg jetstream.Msg) error {
			kind, ev, err := decodeSession(msg.Subject(), msg.Data())
			if err != nil {
				return &bus.Error{Code: bus.CodeInvalid, Message: "malformed " + msg.Subject() + ": " + err.Error()}
			}
			_, err = bus.HandleOnce(ctx, rt.DB, rt.Name, sessionsDurable, bus.MessageID(msg), func(ctx context.Context, tx pgx.Tx) error {
				return s.ApplySessionEvent(ctx, tx, kind, ev)
			})
			return err
		})
}

// decodeSession reads a session event: trainingapi.SessionCompleted on
// completed and updated, trainingapi.SessionDeleted on deleted.
func decodeSession(subject string, data []byte) (string, gear.SessionEvent, error) {
	if subject == trainingapi.EventSessionDeleted {
		var p trainingapi.SessionDeleted
		if err := json.Unmarshal(data, &p); err != nil {
			return "", gear.SessionEvent{}, err
		}
		return service.SessionDeleted, gear.SessionEvent{SessionID: p.SessionID, UserID: p.UserID, Sport: p.Sport,
			Revision: p.Revision}, nil
	}
	var p trainingapi.SessionCompleted
	if err := json.Unmarshal(data, &p); err != nil {
		return "", gear.SessionEvent{}, err
	}
	kind := service.SessionCompleted
	if subject == trainingapi.EventSessionUpdated {
		kind = service.SessionUpdated
	}
	return kind, gear.SessionEvent{SessionID: p.SessionID, UserID: p.UserID, Sport: p.Sport, DistanceM: p.DistanceM,
		MovingTimeS: p.MovingTimeS, ElapsedTimeS: p.ElapsedTimeS, GearIDs: p.GearIDs, CompletedAt: p.CompletedAt,
		Revision: p.Revision}, nil
}
