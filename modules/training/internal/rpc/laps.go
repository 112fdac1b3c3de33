package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
)

// registerLaps serves rpc.training.sessions.laps: a session's laps.
func registerLaps(svc *bus.Service, s *service.Service) error {
	return handlers(svc, map[string]bus.HandlerFunc{
		api.SubjectSessionLaps: onSession(refID, func(ctx context.Context, user, id uuid.UUID, _ api.SessionRef) (api.LapList, error) {
			return s.SessionLaps(ctx, user, id)
		}),
	})
}
