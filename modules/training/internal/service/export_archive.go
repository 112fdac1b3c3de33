package service

import (
	"bytes"
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/importer"
	"github.com/athlos/athlos/modules/training/internal/route"
	"github.com/athlos/athlos/modules/training/internal/store"
)

// ExportGPX returns the piece from offset of the GPX 1.1 of one of
// user's own sessions, for their data export: the whole track, as
// SessionGPX gives it to its owner, in pieces of api.ExportChunkBytes.
// Errors: not_found (a session of another user, an unknown one),
// conflict (no positioned point), invalid (offset out of range).
func (s *Service) ExportGPX(ctx context.Context, user, id uuid.UUID, offset int64) (api.ExportChunk, error) {
	row, err := store.SessionAny(ctx, s.pool, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && row.UserID != user {
		return api.ExportChunk{}, errNoSession
	}
	if err != nil {
		return api.ExportChunk{}, err
	}
	points, err := store.Points(ctx, s.pool, id)
	if err != nil {
		return api.ExportChunk{}, err
	}
	if len(route.Positioned(points)) == 0 {
		return api.ExportChunk{}, bus.Errorf(bus.CodeConflict, "the session has no position to export")
	}
	var buf bytes.Buffer
	if err := importer.WriteGPX(&buf, row.Title, row.Sport, points); err != nil {
		return api.ExportChunk{}, err
	}
	total := int64(buf.Len())
	if offset < 0 || offset > total {
		return api.ExportChunk{}, bus.Invalid("offset", "must be between 0 and the file's size")
	}
	end := min(offset+api.ExportChunkBytes, total)
	return api.ExportChunk{Offset: offset, Total: total, Data: buf.Bytes()[offset:end]}, nil
}

// ExportSource returns the piece from offset of the original file of one
// of user's own imported sessions, as it was uploaded, in pieces of
// api.ExportChunkBytes. Errors: not_found (a session of another user, an
// unknown one, or one with no file kept), invalid (offset out of range).
func (s *Service) ExportSource(ctx context.Context, user, id uuid.UUID, offset int64) (api.ExportChunk, error) {
	row, err := store.SessionAny(ctx, s.pool, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && row.UserID != user {
		return api.ExportChunk{}, errNoSession
	}
	if err != nil {
		return api.ExportChunk{}, err
	}
	if offset < 0 {
		return api.ExportChunk{}, bus.Invalid("offset", "must be between 0 and the file's size")
	}
	p, err := store.ImportFile(ctx, s.pool, id, offset, api.ExportChunkBytes)
	if errors.Is(err, store.ErrNotFound) {
		return api.ExportChunk{}, bus.Errorf(bus.CodeNotFound, "the session was not imported from a file")
	}
	if err != nil {
		return api.ExportChunk{}, err
	}
	if offset > p.Total {
		return api.ExportChunk{}, bus.Invalid("offset", "must be between 0 and the file's size")
	}
	ext := p.Format
	if p.Compressed {
		ext += ".gz"
	}
	return api.ExportChunk{Offset: offset, Total: p.Total, Data: p.Data, Ext: ext}, nil
}
