package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/service"
)

// registerReports serves rpc.social.reports.*.
func registerReports(svc *bus.Service, s *service.Service) error {
	return handlers(svc, map[string]bus.HandlerFunc{
		api.SubjectReportCreate: asCaller(func(ctx context.Context, user uuid.UUID, in api.ReportCreate) (api.Report, error) {
			target, err := parseID("body.user_id", in.UserID)
			if err != nil {
				return api.Report{}, err
			}
			r := service.ReportInput{User: target, Reason: in.Reason, Text: in.Text}
			if in.GroupID != "" {
				g, err := parseID("body.group_id", in.GroupID)
				if err != nil {
					return api.Report{}, err
				}
				r.Group = &g
			}
			out, _, err := s.CreateReport(ctx, user, r)
			return out, err
		}),
		api.SubjectReportsList: asCaller(func(ctx context.Context, user uuid.UUID, in api.GroupReportsRequest) (api.ReportList, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return api.ReportList{}, err
			}
			return s.GroupReports(ctx, user, id, in.Status, in.Limit, in.Cursor)
		}),
		api.SubjectReportResolve: asCaller(func(ctx context.Context, user uuid.UUID, in api.ReportResolveRequest) (api.Report, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return api.Report{}, err
			}
			report, err := parseID("path.report_id", in.ReportID)
			if err != nil {
				return api.Report{}, err
			}
			return s.ResolveReport(ctx, user, id, report, in.Resolution, in.Note)
		}),
	})
}
