package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
)

// registerExport adds the module's part of a data export: the caller's
// own tracks and imported files, in pieces (rpc.training.export.gpx,
// export.source). Sessions and plans
// come from their lists (rpc.training.sessions.list, plans.list and
// plans.get), on the caller's behalf.
func registerExport(svc *bus.Service, s *service.Service) error {
	return handlers(svc, map[string]bus.HandlerFunc{
		api.SubjectExportGPX: asCaller(func(ctx context.Context, user uuid.UUID, in api.ExportGPXRequest) (api.ExportChunk, error) {
			id, err := parseID("session_id", in.SessionID)
			if err != nil {
				return api.ExportChunk{}, err
			}
			return s.ExportGPX(ctx, user, id, in.Offset)
		}),
		api.SubjectExportSource: asCaller(func(ctx context.Context, user uuid.UUID, in api.ExportSourceRequest) (api.ExportChunk, error) {
			id, err := parseID("session_id", in.SessionID)
			if err != nil {
				return api.ExportChunk{}, err
			}
			return s.ExportSource(ctx, user, id, in.Offset)
		}),
	})
}
