package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/importer"
	"github.com/athlos/athlos/modules/training/internal/route"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// SessionRoute returns the route of a finished session user may see (as
// GetSession) as a GeoJSON Feature (api.RouteFeature): every positioned
// point, or the line simplified for maps. Another user than the owner
// gets the parts its owner's privacy zones leave visible (a
// MultiLineString when they cut it in several parts); distance_m stays
// the whole route's. Errors: not_found (a session user may not see, an
// unknown one, one not finished yet, one with fewer than two positioned
// points: an indoor session, or one whose route the owner's zones hide
// whole).
func (s *Service) SessionRoute(ctx context.Context, user, id uuid.UUID, simplified bool) (json.RawMessage, error) {
	row, _, err := s.visibleSession(ctx, user, id)
	if err != nil {
		return nil, err
	}
	mask, err := s.maskFor(ctx, user, row.UserID)
	if err != nil {
		return nil, err
	}
	mask = mask.ForSession(id)
	var geometry json.RawMessage
	var length float64
	if mask.Empty() {
		geometry, length, err = store.RouteGeoJSON(ctx, s.pool, id, simplified)
	} else {
		var line []telemetry.Point
		line, length, err = store.RouteLine(ctx, s.pool, id, simplified)
		if lines := mask.Lines(line); err == nil && len(lines) == 0 {
			return nil, bus.Errorf(bus.CodeNotFound, "the session has no route to show")
		} else if err == nil {
			geometry = geometryJSON(lines)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		if row.State != session.Finished {
			return nil, bus.Errorf(bus.CodeNotFound, "the route is made when the session is finished (it is %s)", row.State)
		}
		return nil, bus.Errorf(bus.CodeNotFound, "the session has no route (fewer than two points with a position: an indoor session has none)")
	}
	if err != nil {
		return nil, err
	}
	// api.RouteFeature, with the geometry as PostGIS wrote it.
	return json.Marshal(struct {
		Type       string              `json:"type"`
		Geometry   json.RawMessage     `json:"geometry"`
		Properties api.RouteProperties `json:"properties"`
	}{"Feature", geometry, api.RouteProperties{SessionID: row.ID.String(), Sport: row.Sport, DistanceM: length, Simplified: simplified}})
}

// SessionGPX exports a session user may see (as GetSession) as GPX 1.1:
// its positioned points (a GPX track point must have a position; a run
// that lost GPS in a tunnel is exported without the points in it).
// Another user than the owner gets the points its owner's privacy zones
// leave visible, a track segment for each visible part. Errors:
// not_found (a session user may not see, or an unknown one), conflict
// (points but none with a position: an indoor session has no route to
// export; its figures are in GET /v1/sessions/{id}).
func (s *Service) SessionGPX(ctx context.Context, user, id uuid.UUID) ([]byte, error) {
	row, _, err := s.visibleSession(ctx, user, id)
	if err != nil {
		return nil, err
	}
	mask, err := s.maskFor(ctx, user, row.UserID)
	if err != nil {
		return nil, err
	}
	mask = mask.ForSession(id)
	points, err := store.Points(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	if len(points) > 0 && len(route.Positioned(points)) == 0 {
		return nil, bus.Errorf(bus.CodeConflict, "the session has no position to export: GPX holds only positioned points, and its %d points have none (an indoor session)", len(points))
	}
	segments := [][]telemetry.Point{points}
	if !mask.Empty() {
		segments = mask.Parts(points)
	}
	var buf bytes.Buffer
	if err := importer.WriteGPXSegments(&buf, row.Title, row.Sport, segments); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
