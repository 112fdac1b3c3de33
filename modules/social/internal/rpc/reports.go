package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/service"
)

// registerReports serves rpc.social.reports.*.
func registerReports(svc *bus.Service, s *service.Service) error {
	return svc.HandleSubjects(map[string]bus.HandlerFunc{
		api.SubjectReportCreate: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.ReportCreate) (api.Report, error) {
			r := service.ReportInput{Reason: in.Reason, Text: in.Text}
			switch {
			case in.MessageID != 0 && in.UserID != "":
				return api.Report{}, bus.Invalid("body.message_id", "give user_id or message_id, not both (a message's sender is the user reported)")
			case in.MessageID < 0:
				return api.Report{}, bus.Invalid("body.message_id", "must be at least 1")
			case in.MessageID != 0 && in.GroupID == "":
				return api.Report{}, bus.Invalid("body.group_id", "is needed with message_id (the message's group)")
			case in.MessageID != 0:
				r.Message = &in.MessageID
			default:
				target, err := bus.ParseID("body.user_id", in.UserID)
				if err != nil {
					return api.Report{}, err
				}
				r.User = target
			}
			if in.GroupID != "" {
				g, err := bus.ParseID("body.group_id", in.GroupID)
				if err != nil {
					return api.Report{}, err
				}
				r.Group = &g
			}
			out, _, err := s.CreateReport(ctx, user, r)
			return out, err
		}),
		api.SubjectReportsList: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.GroupReportsRequest) (api.ReportList, error) {
			id, err := bus.ParseID("path.id", in.ID)
			if err != nil {
				return api.ReportList{}, err
			}
			return s.GroupReports(ctx, user, id, in.Status, in.Limit, in.Cursor)
		}),
		api.SubjectReportResolve: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.ReportResolveRequest) (api.Report, error) {
			id, err := bus.ParseID("path.id", in.ID)
			if err != nil {
				return api.Report{}, err
			}
			report, err := bus.ParseID("path.report_id", in.ReportID)
			if err != nil {
				return api.Report{}, err
			}
			return s.ResolveReport(ctx, user, id, report, in.Resolution, in.Note)
		}),
		api.SubjectAdminReportsList: bus.AsRole(clientapi.RoleAdmin, func(ctx context.Context, _ uuid.UUID, in api.AdminReportsRequest) (api.ReportList, error) {
			return s.AllReports(ctx, in.Status, in.OutsideGroups, in.Limit, in.Cursor)
		}),
		api.SubjectAdminReportResolve: bus.AsRole(clientapi.RoleAdmin, func(ctx context.Context, user uuid.UUID, in api.AdminReportResolveRequest) (api.Report, error) {
			report, err := bus.ParseID("path.id", in.ReportID)
			if err != nil {
				return api.Report{}, err
			}
			return s.ResolveAnyReport(ctx, user, report, in.Resolution, in.Note)
		}),
	})
}
