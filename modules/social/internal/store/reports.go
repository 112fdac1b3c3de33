package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/social/internal/group"
)

// Report is a stored report with the reported user's name.
type Report struct {
	ID, ReporterID, UserID uuid.UUID
	UserName               string
	GroupID                *uuid.UUID
	MessageID              *int64
	MessageText            *string
	Reason, Text           string
	CreatedAt              time.Time
	Status                 string
	Resolution             *string
	Note                   string
	ResolvedBy             *uuid.UUID
	ResolvedAt             *time.Time
}

const reportColumns = `r.id, r.reporter_id, r.user_id, coalesce(u.display_name, ''), r.group_id, r.message_id, r.message_text,
	r.reason, r.text, r.created_at,
	r.status, r.resolution, r.note, r.resolved_by, r.resolved_at`

func scanReport(row pgx.Row) (Report, error) {
	var r Report
	err := row.Scan(&r.ID, &r.ReporterID, &r.UserID, &r.UserName, &r.GroupID, &r.MessageID, &r.MessageText, &r.Reason, &r.Text, &r.CreatedAt,
		&r.Status, &r.Resolution, &r.Note, &r.ResolvedBy, &r.ResolvedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("store: report: %w", err)
	}
	return r, nil
}

// InsertReport stores a report, unless the reporter has an open report of
// the user in the same group (or none) and of the same message (or none)
// already: then it returns that one (created false).
func InsertReport(ctx context.Context, tx pgx.Tx, r Report) (out Report, created bool, err error) {
	tag, err := tx.Exec(ctx, `INSERT INTO social.reports (id, reporter_id, user_id, group_id, message_id, message_text, reason, text)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
		r.ID, r.ReporterID, r.UserID, r.GroupID, r.MessageID, r.MessageText, r.Reason, r.Text)
	if err != nil {
		return out, false, fmt.Errorf("store: insert report: %w", err)
	}
	out, err = scanReport(tx.QueryRow(ctx, `SELECT `+reportColumns+` FROM social.reports r LEFT JOIN social.users u ON u.user_id = r.user_id
		WHERE r.reporter_id = $1 AND r.user_id = $2 AND r.group_id IS NOT DISTINCT FROM $3 AND r.message_id IS NOT DISTINCT FROM $4
		AND r.status = 'open'`, r.ReporterID, r.UserID, r.GroupID, r.MessageID))
	return out, tag.RowsAffected() > 0, err
}

// GroupReport reads a report of a group (ErrNotFound for another group's).
func GroupReport(ctx context.Context, q Querier, groupID, id uuid.UUID) (Report, error) {
	return scanReport(q.QueryRow(ctx, `SELECT `+reportColumns+` FROM social.reports r LEFT JOIN social.users u ON u.user_id = r.user_id
		WHERE r.group_id = $1 AND r.id = $2`, groupID, id))
}

// GroupReports returns up to limit of a group's reports of status (""
// any), newest first, after the cursor.
func GroupReports(ctx context.Context, q Querier, groupID uuid.UUID, status string, after *group.TimeCursor, limit int) ([]Report, error) {
	at, from := afterArgs(after)
	rows, err := q.Query(ctx, `SELECT `+reportColumns+` FROM social.reports r LEFT JOIN social.users u ON u.user_id = r.user_id
		WHERE r.group_id = $1 AND ($2 = '' OR r.status = $2) AND ($3::timestamptz IS NULL OR (r.created_at, r.id) < ($3, $4))
		ORDER BY r.created_at DESC, r.id DESC LIMIT $5`, groupID, status, at, from, limit)
	if err != nil {
		return nil, fmt.Errorf("store: group reports: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Report, error) { return scanReport(r) })
	if err != nil {
		return nil, fmt.Errorf("store: group reports: %w", err)
	}
	return out, nil
}

// ReportByID reads any report, for the operators.
func ReportByID(ctx context.Context, q Querier, id uuid.UUID) (Report, error) {
	return scanReport(q.QueryRow(ctx, `SELECT `+reportColumns+` FROM social.reports r LEFT JOIN social.users u ON u.user_id = r.user_id
		WHERE r.id = $1`, id))
}

// AllReports returns up to limit of every report, in a group or not, of
// status ("" any; outsideGroups: only those made outside any group),
// newest first, after the cursor: for the operators.
func AllReports(ctx context.Context, q Querier, status string, outsideGroups bool, after *group.TimeCursor, limit int) ([]Report, error) {
	at, from := afterArgs(after)
	rows, err := q.Query(ctx, `SELECT `+reportColumns+` FROM social.reports r LEFT JOIN social.users u ON u.user_id = r.user_id
		WHERE ($1 = '' OR r.status = $1) AND (NOT $2 OR r.group_id IS NULL)
		AND ($3::timestamptz IS NULL OR (r.created_at, r.id) < ($3, $4))
		ORDER BY r.created_at DESC, r.id DESC LIMIT $5`, status, outsideGroups, at, from, limit)
	if err != nil {
		return nil, fmt.Errorf("store: reports: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Report, error) { return scanReport(r) })
	if err != nil {
		return nil, fmt.Errorf("store: reports: %w", err)
	}
	return out, nil
}

// ResolveReport marks an open report resolved; false when it was resolved
// already.
func ResolveReport(ctx context.Context, tx pgx.Tx, id, by uuid.UUID, resolution, note string) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE social.reports SET status = 'resolved', resolution = $3, note = $4, resolved_by = $2, resolved_at = now()
		WHERE id = $1 AND status = 'open'`, id, by, resolution, note)
	if err != nil {
		return false, fmt.Errorf("store: resolve report: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// ForgetReports removes the reports a deleted user made (reports of it
// stay for the group's admins, without its name).
func ForgetReports(ctx context.Context, tx pgx.Tx, reporter uuid.UUID) error {
	if _, err := tx.Exec(ctx, `DELETE FROM social.reports WHERE reporter_id = $1`, reporter); err != nil {
		return fmt.Errorf("store: forget reports: %w", err)
	}
	return nil
}
