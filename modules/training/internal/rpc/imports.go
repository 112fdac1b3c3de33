package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
)

// registerImports serves rpc.training.sessions.import: a session made of
// a workout file the front uploaded.
func registerImports(svc *bus.Service, s *service.Service) error {
	return svc.HandleSubject(api.SubjectSessionImport, asCaller(func(ctx context.Context, user uuid.UUID, in api.ImportRequest) (api.ImportResult, error) {
		return s.ImportSession(ctx, user, service.Import{Upload: in.Upload, FileName: in.FileName, Sport: in.Sport,
			Title: in.Title, Visibility: in.Visibility})
	}))
}
