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

// consumeSessions adds completed sessions to the totals of the gear they
// name (durable consumer client__evt_training_session_completed, exactly
// once per message; the gear usage records make a session count once per
// item even under another message id). A payload that cannot be read is
// refused for good.
func consumeSessions(rt *platform.Runtime, s *service.Service) {
	rt.OnEvent(api.StreamTraining, api.EventTrainingSessionCompleted, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev api.SessionCompletedForGear
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return &bus.Error{Code: bus.CodeInvalid, Message: "malformed " + api.EventTrainingSessionCompleted + ": " + err.Error()}
		}
		return s.RecordSession(ctx, tx, ev)
	})
}
