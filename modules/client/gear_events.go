package client

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/service"
	"github.com/athlos/athlos/platform"
)

// consumeSessions keeps gear totals in step with the training module's
// sessions: completed ones are added, updated ones replace what they
// counted, deleted ones are taken back. One durable consumer
// (client__evt_training_session) takes the three subjects; each message is
// handled exactly once, events older than the last one applied to their
// session change nothing (they carry a revision), and the gear usage
// records make a session count once per item. A payload that cannot be
// read is refused for good.
func consumeSessions(rt *platform.Runtime, s *service.Service) {
	durable := bus.ConsumerName(api.Module, "evt.training.session")
	rt.Consume(bus.ConsumerConfig{Stream: api.StreamTraining, Durable: durable,
		Subjects: []string{api.EventTrainingSessionCompleted, api.EventTrainingSessionUpdated, api.EventTrainingSessionDeleted}},
		func(ctx context.Context, msg jetstream.Msg) error {
			var ev api.SessionCompletedForGear
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				return &bus.Error{Code: bus.CodeInvalid, Message: "malformed " + msg.Subject() + ": " + err.Error()}
			}
			_, err := bus.HandleOnce(ctx, rt.DB, rt.Name, durable, bus.MessageID(msg), func(ctx context.Context, tx pgx.Tx) error {
				kind := service.SessionCompleted
				switch msg.Subject() {
				case api.EventTrainingSessionUpdated:
					kind = service.SessionUpdated
				case api.EventTrainingSessionDeleted:
					kind = service.SessionDeleted
				}
				return s.ApplySessionEvent(ctx, tx, kind, ev)
			})
			return err
		})
}
