package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/social/api"
)

type reportCreateInput struct {
	Body api.ReportCreate
}

type groupReportsInput struct {
	ID     string `path:"id" format:"uuid" doc:"the group's id"`
	Status string `query:"status" enum:"open,resolved" doc:"only reports of this status"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
}

type reportResolveInput struct {
	ID       string `path:"id" format:"uuid" doc:"the group's id"`
	ReportID string `path:"report_id" format:"uuid" doc:"the report's id"`
	Body     api.ReportResolveBody
}

type adminReportsInput struct {
	Status        string `query:"status" enum:"open,resolved" doc:"only reports of this status"`
	OutsideGroups bool   `query:"outside_groups" doc:"only reports made outside any group"`
	Limit         int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor        string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
}

type adminReportResolveInput struct {
	ID   string `path:"id" format:"uuid" doc:"the report's id"`
	Body api.ReportResolveBody
}

func reportOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"reports"}
	huma.Register(a, gw.DocumentRaw[api.Report](a, huma.Operation{
		OperationID: "create-report", Method: http.MethodPost, Path: "/v1/reports", Tags: tags,
		Summary: "Report a user or a message",
		Description: "For a reason from a fixed list, with an optional text. A user (user_id): with group_id (a group " +
			"you and they are members of), the group's owner and admins see it (GET /v1/groups/{id}/reports); " +
			"without, it is kept for the operators. A message of a group's chat you are a member of (group_id and " +
			"message_id): its sender is the user reported, and its text is kept as it was. Reporting the same user " +
			"(or message) again while your report is open answers that report. The user is not told.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: 8 << 10, Security: gw.Authenticated,
	}), func(ctx context.Context, in *reportCreateInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectReportCreate, in.Body)
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.ReportList](a, huma.Operation{
		OperationID: "list-group-reports", Method: http.MethodGet, Path: "/v1/groups/{id}/reports", Tags: tags,
		Summary:     "A group's reports",
		Description: "The owner and admins (403 for others); newest first, cursor-paginated.",
		Security:    gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *groupReportsInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectReportsList, api.GroupReportsRequest{ID: in.ID, Status: in.Status, Limit: in.Limit,
			Cursor: in.Cursor})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Report](a, huma.Operation{
		OperationID: "resolve-group-report", Method: http.MethodPost, Path: "/v1/groups/{id}/reports/{report_id}/resolve", Tags: tags,
		Summary: "Resolve a report",
		Description: "The owner and admins (403 for others): dismissed, or actioned (after removing or banning the user), " +
			"with an optional note. 409 when it was resolved already.",
		MaxBodyBytes: 8 << 10, Security: gw.Authenticated,
	}), http.StatusForbidden, http.StatusConflict), func(ctx context.Context, in *reportResolveInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectReportResolve, api.ReportResolveRequest{ID: in.ID, ReportID: in.ReportID,
			ReportResolveBody: in.Body})
	})
	adminTags := []string{"admin"}
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.ReportList](a, huma.Operation{
		OperationID: "list-all-reports", Method: http.MethodGet, Path: "/v1/admin/reports", Tags: adminTags,
		Summary: "Every report (operators)",
		Description: "The platform's admins (role admin; 403 for others): every report, made in a group or outside any " +
			"(outside_groups=true: only those, which no group admin sees), newest first, cursor-paginated.",
		Security: gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *adminReportsInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminReportsList, api.AdminReportsRequest{Status: in.Status,
			OutsideGroups: in.OutsideGroups, Limit: in.Limit, Cursor: in.Cursor})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Report](a, huma.Operation{
		OperationID: "resolve-report", Method: http.MethodPost, Path: "/v1/admin/reports/{id}/resolve", Tags: adminTags,
		Summary:      "Resolve any report (operators)",
		Description:  "The platform's admins (403 for others), as a group's admins resolve theirs. 409 when it was resolved already.",
		MaxBodyBytes: 8 << 10, Security: gw.Authenticated,
	}), http.StatusForbidden, http.StatusConflict), func(ctx context.Context, in *adminReportResolveInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminReportResolve, api.AdminReportResolveRequest{ReportID: in.ID,
			ReportResolveBody: in.Body})
	})
}
