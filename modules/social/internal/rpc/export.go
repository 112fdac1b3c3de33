package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/service"
)

// registerExport serves rpc.social.export.*: the caller's part of their
// data export (memberships, the messages they wrote).
func registerExport(svc *bus.Service, s *service.Service) error {
	return svc.HandleSubjects(map[string]bus.HandlerFunc{
		api.SubjectExportMemberships: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.ExportPageRequest) (api.ExportMembershipPage, error) {
			return s.ExportMemberships(ctx, user, in.Limit, in.Cursor)
		}),
		api.SubjectExportMessages: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.ExportPageRequest) (api.ExportMessagePage, error) {
			return s.ExportMessages(ctx, user, in.Limit, in.Cursor)
		}),
	})
}
