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

// sessionsDurable is the name of the module's one durable consumer of its
// own session events (bus.ConsumerName of the module and
// "evt.training.session"); it must not change, or the consumer would
// start over.
const sessionsDurable = "training__evt_training_session"

// sessions keeps the analytics read model and the user's active training
// plan in step with the module's own sessions: one durable consumer takes
// completed, updated and deleted, so one session's events are applied in
// order; each message is applied exactly once (bus.HandleOnce), and
// applying recomputes from the session as it is, so an older or repeated
// event changes nothing. The plan's workouts are matched to the finished
// sessions again and the plan adapted when they call for it
// (service.AdaptPlan, from the sessions as stored), in a savepoint of the
// same transaction: a failed adaptation is logged and left to the daily
// one, and the analytics are kept. A payload that cannot be read is
// refused for good.
func sessions(rt *platform.Runtime, s *service.Service) {
	rt.Consume(bus.ConsumerConfig{Stream: bus.EventStream(api.Module), Durable: sessionsDurable,
		Subjects: []string{api.EventSessionCompleted, api.EventSessionUpdated, api.EventSessionDeleted}},
		func(ctx context.Context, msg jetstream.Msg) error {
			ev, err := decodeSession(msg.Subject(), msg.Data())
			if err != nil {
				return err
			}
			if meta, err := msg.Metadata(); err == nil {
				ev.Published = meta.Timestamp
			}
			_, err = bus.HandleOnce(ctx, rt.DB, rt.Name, sessionsDurable, bus.MessageID(msg), func(ctx context.Context, tx pgx.Tx) error {
				adaptErr, err := s.OnSessionEvent(ctx, tx, ev)
				if adaptErr != nil {
					rt.Log.Error("the plan could not be adapted to a session; the daily adaptation will try again",
						"user", ev.User, "session", ev.Session, "err", adaptErr)
				}
				return err
			})
			return err
		})
}

// decodeSession reads a session event: api.SessionCompleted on completed
// and updated, api.SessionDeleted on deleted.
func decodeSession(subject string, data []byte) (service.SessionEvent, error) {
	var p struct {
		SessionID string `json:"session_id"`
		UserID    string `json:"user_id"`
		Revision  int64  `json:"revision"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return service.SessionEvent{}, bus.Invalid("payload", "not a session event: "+err.Error())
	}
	ev := service.SessionEvent{Kind: service.SessionCompleted, Revision: p.Revision}
	switch subject {
	case api.EventSessionUpdated:
		ev.Kind = service.SessionUpdated
	case api.EventSessionDeleted:
		ev.Kind = service.SessionDeleted
	}
	var err error
	if ev.Session, err = eventID("session_id", p.SessionID); err != nil {
		return ev, err
	}
	if ev.User, err = eventID("user_id", p.UserID); err != nil {
		return ev, err
	}
	return ev, nil
}
