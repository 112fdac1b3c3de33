package api

import "time"

// Subjects of reports (they need a caller).
const (
	SubjectReportCreate  = "rpc.social.reports.create"  // ReportCreate → Report
	SubjectReportsList   = "rpc.social.reports.list"    // GroupReportsRequest → ReportList
	SubjectReportResolve = "rpc.social.reports.resolve" // ReportResolveRequest → Report

	// The operators' (platform admins': the caller's role admin).
	SubjectAdminReportsList   = "rpc.social.admin.reports.list"    // AdminReportsRequest → ReportList
	SubjectAdminReportResolve = "rpc.social.admin.reports.resolve" // AdminReportResolveRequest → Report
)

// ReportCreate reports a user (UserID), in a group (its owner and admins
// see it) or not (kept for the operators), or a message of a group's chat
// (GroupID and MessageID: its sender is the user reported).
type ReportCreate struct {
	UserID    string `json:"user_id,omitempty" format:"uuid" doc:"the user reported (or give message_id)"`
	GroupID   string `json:"group_id,omitempty" format:"uuid" doc:"a group you are a member of (and they, for a user): its owner and admins see the report"`
	MessageID int64  `json:"message_id,omitempty" minimum:"1" doc:"a message of the group's chat (with group_id): its sender is reported"`
	Reason    string `json:"reason" enum:"spam,harassment,hate,violence,sexual_content,impersonation,self_harm,other"`
	Text      string `json:"text,omitempty" maxLength:"1000" doc:"what happened, in your words"`
}

// Report is a report as its group's admins (or its reporter) see it.
type Report struct {
	ID          string     `json:"id" format:"uuid"`
	ReporterID  string     `json:"reporter_id" format:"uuid"`
	UserID      string     `json:"user_id" format:"uuid"`
	UserName    string     `json:"user_name" doc:"the reported user's display name"`
	GroupID     *string    `json:"group_id" format:"uuid"`
	MessageID   *int64     `json:"message_id" doc:"the message reported, of the group's chat"`
	MessageText *string    `json:"message_text" doc:"its text when it was reported"`
	Reason      string     `json:"reason" enum:"spam,harassment,hate,violence,sexual_content,impersonation,self_harm,other"`
	Text        string     `json:"text"`
	CreatedAt   time.Time  `json:"created_at"`
	Status      string     `json:"status" enum:"open,resolved"`
	Resolution  *string    `json:"resolution" enum:"dismissed,actioned"`
	Note        string     `json:"note" doc:"the resolving admin's note"`
	ResolvedBy  *string    `json:"resolved_by" format:"uuid"`
	ResolvedAt  *time.Time `json:"resolved_at"`
}

// ReportList is a page of a group's reports, newest first.
type ReportList struct {
	Items      []Report `json:"items"`
	NextCursor *string  `json:"next_cursor"`
}

// GroupReportsRequest asks for a page of a group's reports.
type GroupReportsRequest struct {
	ID     string `json:"id"`
	Status string `json:"status,omitempty"`
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// ReportResolveBody resolves a report.
type ReportResolveBody struct {
	Resolution string `json:"resolution" enum:"dismissed,actioned" doc:"actioned: you acted on it (removed or banned the user, ...); dismissed: nothing to act on"`
	Note       string `json:"note,omitempty" maxLength:"1000"`
}

// ReportResolveRequest resolves the report ReportID of group ID.
type ReportResolveRequest struct {
	ID       string `json:"id"`
	ReportID string `json:"report_id"`
	ReportResolveBody
}

// AdminReportsRequest asks for a page of every report, for the operators.
type AdminReportsRequest struct {
	Status        string `json:"status,omitempty"`
	OutsideGroups bool   `json:"outside_groups,omitempty"`
	Limit         int    `json:"limit,omitempty"`
	Cursor        string `json:"cursor,omitempty"`
}

// AdminReportResolveRequest resolves any report, for the operators.
type AdminReportResolveRequest struct {
	ReportID string `json:"report_id"`
	ReportResolveBody
}
