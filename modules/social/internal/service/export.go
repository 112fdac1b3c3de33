package service

import (
	"context"
	"encoding/base64"
	"encoding/binary"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/page"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/store"
)

// ExportMemberships answers a page of the groups user is in, for their
// data export: each group's name and user's role. Errors: invalid
// (limit, cursor).
func (s *Service) ExportMemberships(ctx context.Context, user uuid.UUID, limit int, cursor string) (api.ExportMembershipPage, error) {
	size, err := page.Size(limit)
	if err != nil {
		return api.ExportMembershipPage{}, bus.FieldInvalid("", err)
	}
	var after uuid.UUID
	if cursor != "" {
		if after, err = page.After(cursor); err != nil {
			return api.ExportMembershipPage{}, bus.FieldInvalid("", err)
		}
	}
	rows, err := store.ExportMemberships(ctx, s.pool, user, after, size+1)
	if err != nil {
		return api.ExportMembershipPage{}, err
	}
	rows, next := page.Cut(rows, size, func(r store.ExportMembershipRow) [16]byte { return r.GroupID })
	out := api.ExportMembershipPage{Items: make([]api.ExportMembership, 0, len(rows)), NextCursor: next}
	for _, r := range rows {
		out.Items = append(out.Items, api.ExportMembership{GroupID: r.GroupID.String(), GroupName: r.GroupName, Role: r.Role,
			JoinedAt: r.JoinedAt.UTC()})
	}
	return out, nil
}

// ExportMessages answers a page of the chat messages user wrote (not
// deleted), in every group, for their data export; no one else's.
// Errors: invalid (limit, cursor).
func (s *Service) ExportMessages(ctx context.Context, user uuid.UUID, limit int, cursor string) (api.ExportMessagePage, error) {
	size, err := page.Size(limit)
	if err != nil {
		return api.ExportMessagePage{}, bus.FieldInvalid("", err)
	}
	var afterGroup uuid.UUID
	var afterID int64
	if cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || len(b) != 24 {
			return api.ExportMessagePage{}, bus.Invalid("cursor", "not a cursor of this listing")
		}
		copy(afterGroup[:], b[:16])
		afterID = int64(binary.BigEndian.Uint64(b[16:]))
	}
	rows, err := store.ExportMessages(ctx, s.pool, user, afterGroup, afterID, size+1)
	if err != nil {
		return api.ExportMessagePage{}, err
	}
	out := api.ExportMessagePage{Items: make([]api.ExportMessage, 0, min(len(rows), size))}
	if len(rows) > size {
		rows = rows[:size]
		last := rows[size-1]
		b := binary.BigEndian.AppendUint64(append([]byte(nil), last.GroupID[:]...), uint64(last.ID))
		c := base64.RawURLEncoding.EncodeToString(b)
		out.NextCursor = &c
	}
	for _, r := range rows {
		m := api.ExportMessage{GroupID: r.GroupID.String(), GroupName: r.GroupName, ID: r.ID, Body: r.Body, ReplyTo: r.ReplyTo,
			CreatedAt: r.CreatedAt.UTC()}
		if r.EditedAt != nil {
			t := r.EditedAt.UTC()
			m.EditedAt = &t
		}
		out.Items = append(out.Items, m)
	}
	return out, nil
}
