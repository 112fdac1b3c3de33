package service

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/group"
	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage"
)

// Reports. A user reports another for a reason from a fixed list, with an
// optional text: in a group both are members of, where the group's owner
// and admins see the report and resolve it (dismissed, or actioned after
// they removed or banned the user), or outside any group, where the
// operators (platform admins: AllReports, ResolveAnyReport) see it; or a
// message of a group's
// chat it is a member of (its sender is reported, its text kept as it was,
// for the group's owner and admins). Reporting the same user (message)
// again while the first report is open answers that one.

var errNoReport = bus.Errorf(bus.CodeNotFound, "no such report")

// ReportInput is a new report: of User, or of the message Message of
// Group (User is then its sender).
type ReportInput struct {
	User    uuid.UUID
	Group   *uuid.UUID
	Message *int64
	Reason  string
	Text    string
}

// CreateReport stores user's report (see above); created is false when
// an open report of the same user in the same place answered. Errors:
// invalid (body.user_id or the message's sender is the caller,
// body.reason, body.text), not_found (no such user; no such group; the
// caller, or the user reported by id, not a member of it; no such
// message, or a deleted one), unauthorized (the account was deleted).
func (s *Service) CreateReport(ctx context.Context, user uuid.UUID, in ReportInput) (out api.Report, created bool, err error) {
	if in.Message == nil && in.User == user {
		return out, false, bus.Invalid("body.user_id", "is you: you can't report yourself")
	}
	if err := group.ReportReason(in.Reason); err != nil {
		return out, false, bus.FieldInvalid("body.", err)
	}
	text, err := group.ReportText("text", in.Text)
	if err != nil {
		return out, false, bus.FieldInvalid("body.", err)
	}
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := refuseDeleted(ctx, tx, user); err != nil {
			return err
		}
		r := store.Report{ID: uuid.Must(uuid.NewV7()), ReporterID: user, UserID: in.User, GroupID: in.Group,
			MessageID: in.Message, Reason: in.Reason, Text: text}
		if in.Group != nil {
			if _, err := store.GroupFor(ctx, tx, user, *in.Group); errors.Is(err, store.ErrNotFound) {
				return errNoGroup
			} else if err != nil {
				return err
			}
			if _, ok, err := store.MemberRole(ctx, tx, *in.Group, user); err != nil || !ok {
				return cmpErr(err, bus.Errorf(bus.CodeNotFound, "you are not a member of the group"))
			}
		}
		if in.Message != nil {
			m, ok, err := store.GetMessage(ctx, tx, *in.Group, *in.Message)
			if err != nil {
				return err
			}
			if !ok || m.DeletedAt != nil {
				return bus.Errorf(bus.CodeNotFound, "no such message in the group")
			}
			if m.SenderID == user {
				return bus.Invalid("body.message_id", "is your own message")
			}
			r.UserID, r.MessageText = m.SenderID, &m.Body
		} else {
			if known, err := store.UserKnown(ctx, tx, in.User); err != nil || !known {
				return cmpErr(err, errNoUser)
			}
			if in.Group != nil {
				if _, ok, err := store.MemberRole(ctx, tx, *in.Group, in.User); err != nil || !ok {
					return cmpErr(err, bus.Errorf(bus.CodeNotFound, "the user is not a member of the group"))
				}
			}
		}
		r, made, err := store.InsertReport(ctx, tx, r)
		out, created = reportOut(r), made
		return err
	})
	return out, created, err
}

// GroupReports returns a page of a group's reports (status open,
// resolved or "": all), newest first, to its owner and admins. Errors:
// not_found, forbidden, invalid (query.status, query.limit,
// query.cursor).
func (s *Service) GroupReports(ctx context.Context, user, id uuid.UUID, status string, limit int, cursor string) (api.ReportList, error) {
	size, after, err := reportQuery(status, limit, cursor)
	if err != nil {
		return api.ReportList{}, err
	}
	if err := s.mayModerate(ctx, s.pool, user, id); err != nil {
		return api.ReportList{}, err
	}
	rows, err := store.GroupReports(ctx, s.pool, id, status, after, size+1)
	if err != nil {
		return api.ReportList{}, err
	}
	return reportPage(rows, size), nil
}

// AllReports returns a page of every report (status open, resolved or
// "": all; outsideGroups: only those made outside any group), newest
// first, for the operators: the caller must be a platform admin (the
// rpc layer checks). Errors: invalid (query.status, query.limit,
// query.cursor).
func (s *Service) AllReports(ctx context.Context, status string, outsideGroups bool, limit int, cursor string) (api.ReportList, error) {
	size, after, err := reportQuery(status, limit, cursor)
	if err != nil {
		return api.ReportList{}, err
	}
	rows, err := store.AllReports(ctx, s.pool, status, outsideGroups, after, size+1)
	if err != nil {
		return api.ReportList{}, err
	}
	return reportPage(rows, size), nil
}

// reportQuery checks a list's status and reads its page size and cursor.
func reportQuery(status string, limit int, cursor string) (int, *group.TimeCursor, error) {
	switch status {
	case "", "open", "resolved":
	default:
		return 0, nil, bus.Invalid("query.status", "must be open or resolved")
	}
	return timePage(limit, cursor)
}

// reportPage is the first size of rows, with the cursor of the next page
// when there are more.
func reportPage(rows []store.Report, size int) api.ReportList {
	out := api.ReportList{Items: []api.Report{}}
	for i, r := range rows {
		if i == size {
			out.NextCursor = ptr(store.TimeCursorOf(rows[i-1].CreatedAt, rows[i-1].ID).Encode())
			break
		}
		out.Items = append(out.Items, reportOut(r))
	}
	return out
}

// ResolveReport resolves a group's open report (dismissed or actioned,
// with an optional note), by its owner or an admin; resolving it again
// is a conflict. Errors: not_found (no such group or report of it),
// forbidden, invalid (body.resolution, body.note), conflict.
func (s *Service) ResolveReport(ctx context.Context, user, id, report uuid.UUID, resolution, note string) (api.Report, error) {
	return s.resolveReport(ctx, user, report, resolution, note, func(tx pgx.Tx) (store.Report, error) {
		if err := s.mayModerate(ctx, tx, user, id); err != nil {
			return store.Report{}, err
		}
		return store.GroupReport(ctx, tx, id, report)
	})
}

// ResolveAnyReport is ResolveReport by an operator (a platform admin: the
// rpc layer checks), for any report. Errors: not_found, invalid
// (body.resolution, body.note), conflict.
func (s *Service) ResolveAnyReport(ctx context.Context, user, report uuid.UUID, resolution, note string) (api.Report, error) {
	return s.resolveReport(ctx, user, report, resolution, note, func(tx pgx.Tx) (store.Report, error) {
		return store.ReportByID(ctx, tx, report)
	})
}

// resolveReport resolves the report that find reads (after checking who
// may), by user.
func (s *Service) resolveReport(ctx context.Context, user, report uuid.UUID, resolution, note string,
	find func(tx pgx.Tx) (store.Report, error)) (api.Report, error) {
	if resolution != "dismissed" && resolution != "actioned" {
		return api.Report{}, bus.Invalid("body.resolution", "must be dismissed or actioned")
	}
	note, err := group.ReportText("note", note)
	if err != nil {
		return api.Report{}, bus.FieldInvalid("body.", err)
	}
	var out api.Report
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := find(tx); errors.Is(err, store.ErrNotFound) {
			return errNoReport
		} else if err != nil {
			return err
		}
		done, err := store.ResolveReport(ctx, tx, report, user, resolution, note)
		if err != nil {
			return err
		}
		if !done {
			return bus.Errorf(bus.CodeConflict, "the report was resolved already")
		}
		r, err := find(tx)
		out = reportOut(r)
		return err
	})
	return out, err
}

// mayModerate checks that user is the owner or an admin of group id.
// Errors: not_found, forbidden.
func (s *Service) mayModerate(ctx context.Context, q store.Querier, user, id uuid.UUID) error {
	if _, err := store.GroupFor(ctx, q, user, id); errors.Is(err, store.ErrNotFound) {
		return errNoGroup
	} else if err != nil {
		return err
	}
	role, ok, err := store.MemberRole(ctx, q, id, user)
	if err != nil {
		return err
	}
	if !ok || (role != store.RoleOwner && role != store.RoleAdmin) {
		return bus.Errorf(bus.CodeForbidden, "only the group's owner and admins see and resolve its reports")
	}
	return nil
}

func reportOut(r store.Report) api.Report {
	out := api.Report{ID: r.ID.String(), ReporterID: r.ReporterID.String(), UserID: r.UserID.String(), UserName: r.UserName,
		MessageID: r.MessageID, MessageText: r.MessageText, Reason: r.Reason, Text: r.Text, CreatedAt: r.CreatedAt.UTC(),
		Status: r.Status, Resolution: r.Resolution, Note: r.Note, ResolvedAt: r.ResolvedAt}
	if r.GroupID != nil {
		out.GroupID = ptr(r.GroupID.String())
	}
	if r.ResolvedBy != nil {
		out.ResolvedBy = ptr(r.ResolvedBy.String())
	}
	if out.ResolvedAt != nil {
		*out.ResolvedAt = out.ResolvedAt.UTC()
	}
	return out
}
