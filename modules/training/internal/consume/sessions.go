package consume

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/platform"
)

// sessionsDurable is the one durable consumer of the module's own session
// events (bus.ConsumerName of the module and "evt.training.session"); it
// must not change, or the consumer would start over.
const sessionsDurable = "training__evt_training_session"

// sessions keeps the user's active training plan in step with their
// finished sessions: on every completed, updated or deleted session the
// plan's workouts are matched again and the plan adapted when the
// sessions call for it (service.AdaptPlan). One durable consumer takes the
// three subjects in order; each message is handled once (bus.HandleOnce),
// and AdaptPlan works from the sessions as stored, not from the event, so
// an event redelivered or out of order changes nothing more. A payload
// that cannot be read is refused for good.
func sessions(rt *platform.Runtime, s *service.Service) {
	rt.Consume(bus.ConsumerConfig{Stream: bus.EventStream(api.Module), Durable: sessionsDurable,
		Subjects: []string{api.EventSessionCompleted, api.EventSessionUpdated, api.EventSessionDeleted}},
		func(ctx context.Context, msg jetstream.Msg) error {
			var ev struct {
				UserID string `json:"user_id"`
			}
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				return bus.Invalid("payload", "malformed "+msg.Subject()+": "+err.Error())
			}
			user, err := eventID("user_id", ev.UserID)
			if err != nil {
				return err
			}
			_, err = bus.HandleOnce(ctx, rt.DB, rt.Name, sessionsDurable, bus.MessageID(msg), func(ctx context.Context, tx pgx.Tx) error {
				return s.AdaptPlan(ctx, tx, user)
			})
			return err
		})
}
