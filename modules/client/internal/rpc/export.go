package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/service"
)

// registerExport adds the caller's data export: ask for one
// (export.create), its state (export.get), and the parts of the archive
// (export.part).
func registerExport(svc *bus.Service, s *service.Service) error {
	return handle(svc, []op{
		{api.SubjectExportCreate, bus.AsCaller(func(ctx context.Context, user uuid.UUID, _ struct{}) (api.Export, error) {
			out, _, err := s.RequestExport(ctx, user)
			return out, err
		})},
		{api.SubjectExportGet, bus.AsCaller(func(ctx context.Context, user uuid.UUID, _ struct{}) (api.Export, error) {
			return s.Export(ctx, user)
		})},
		{api.SubjectExportPart, bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.ExportPartRequest) (api.ExportPart, error) {
			return s.ExportPart(ctx, user, in.ExportID, in.Seq)
		})},
	})
}
