package service

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/route"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/modules/training/internal/zone"
	"github.com/athlos/athlos/storage"
)

// Privacy zones (package zone). A user's zones hide the positions of its
// sessions from everyone else: they are applied whenever a route leaves
// the module for another user (GetSession's and ListSessions' polyline,
// SessionRoute, SessionGPX) and to the position in the live figures
// watchers receive, never to what the owner reads, and never to the
// figures (distances, times, heart rate: only positions are hidden). They
// are applied when read, from the zones as they are at that moment, so a
// zone added, moved or deleted applies to every past session at once,
// with no job to wait for.

var errNoZone = &bus.Error{Code: bus.CodeNotFound, Message: "no such privacy zone"}

// ListZones returns user's privacy zones, oldest first (at most
// zone.MaxPerUser, one page).
func (s *Service) ListZones(ctx context.Context, user uuid.UUID) (api.PrivacyZoneList, error) {
	rows, err := store.Zones(ctx, s.pool, user)
	if err != nil {
		return api.PrivacyZoneList{}, err
	}
	out := api.PrivacyZoneList{Items: make([]api.PrivacyZone, len(rows))}
	for i, z := range rows {
		out.Items[i] = zoneOut(z)
	}
	return out, nil
}

// CreateZone adds a privacy zone for user. Errors: invalid
// (body.center.lat, body.center.lon, body.radius_m), conflict (user has
// zone.MaxPerUser zones already), unauthorized (the account was deleted).
func (s *Service) CreateZone(ctx context.Context, user uuid.UUID, z zone.Zone) (api.PrivacyZone, error) {
	if err := validZone(z); err != nil {
		return api.PrivacyZone{}, err
	}
	var out store.Zone
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := s.refuseDeleted(ctx, tx, user); err != nil {
			return err
		}
		if err := store.LockZones(ctx, tx, user); err != nil {
			return err
		}
		n, err := store.CountZones(ctx, tx, user)
		if err != nil {
			return err
		}
		if n >= zone.MaxPerUser {
			return bus.Errorf(bus.CodeConflict, "at most %d privacy zones per user; delete or move one", zone.MaxPerUser)
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		out, err = store.InsertZone(ctx, tx, id, user, z, zone.MaskOf(z, nil))
		return err
	})
	return zoneOut(out), err
}

// ZoneChange moves (Center) or resizes (RadiusM) a zone; nil fields stay.
type ZoneChange struct {
	Center  *api.ZonePlace
	RadiusM *float64
}

// PatchZone changes one of user's zones; a changed zone gets a new mask
// circle. Errors: not_found (another user's zone, or an unknown one),
// invalid (body.center.lat, body.center.lon, body.radius_m).
func (s *Service) PatchZone(ctx context.Context, user, id uuid.UUID, c ZoneChange) (api.PrivacyZone, error) {
	var out store.Zone
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := store.LockZone(ctx, tx, user, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoZone
		}
		if err != nil {
			return err
		}
		z := cur.Zone
		if c.Center != nil {
			z.Lat, z.Lon = c.Center.Lat, c.Center.Lon
		}
		if c.RadiusM != nil {
			z.RadiusM = *c.RadiusM
		}
		if err := validZone(z); err != nil {
			return err
		}
		if z == cur.Zone {
			out = cur
			return nil
		}
		out, err = store.UpdateZone(ctx, tx, id, z, zone.MaskOf(z, nil))
		return err
	})
	return zoneOut(out), err
}

// DeleteZone deletes one of user's zones: what it hid is shown again.
// Errors: not_found (another user's zone, or an unknown one).
func (s *Service) DeleteZone(ctx context.Context, user, id uuid.UUID) error {
	ok, err := store.DeleteZone(ctx, s.pool, user, id)
	if err != nil {
		return err
	}
	if !ok {
		return errNoZone
	}
	return nil
}

func validZone(z zone.Zone) error {
	var fe *zone.FieldError
	if err := zone.Validate(z); errors.As(err, &fe) {
		return bus.Invalid("body."+fe.Field, fe.Reason)
	}
	return nil
}

func zoneOut(z store.Zone) api.PrivacyZone {
	return api.PrivacyZone{ID: z.ID.String(), Center: api.Place{Lat: z.Lat, Lon: z.Lon}, RadiusM: z.RadiusM,
		CreatedAt: z.CreatedAt, UpdatedAt: z.UpdatedAt}
}

// maskFor is the mask of owner's zones for viewer: none for the owner
// itself. Each session is cut with zone.Mask.ForSession of it.
func (s *Service) maskFor(ctx context.Context, viewer, owner uuid.UUID) (zone.Mask, error) {
	if viewer == owner {
		return nil, nil
	}
	return store.MaskOf(ctx, s.pool, owner)
}

// maskPolyline returns the part of an encoded polyline a mask leaves
// visible: its longest visible part (a polyline has no gaps; the route
// and the GPX show every part), or "" when none is, or when the
// polyline cannot be read (hiding rather than showing).
func maskPolyline(m zone.Mask, encoded string) string {
	if m.Empty() || encoded == "" {
		return encoded
	}
	ll, err := route.DecodePolyline(encoded)
	if err != nil {
		return ""
	}
	points := make([]telemetry.Point, len(ll))
	for i, p := range ll {
		points[i] = telemetry.Point{Lat: p.Lat, Lon: p.Lon}
	}
	best := zone.Longest(m.Lines(points))
	if best == nil {
		return ""
	}
	return route.EncodePolyline(best)
}

// maskSession hides a session's positions from a viewer other than its
// owner (m: the owner's mask): its map polyline.
func maskSession(m zone.Mask, id uuid.UUID, out *api.Session) {
	if out.Summary != nil {
		out.Summary.MapPolyline = maskPolyline(m.ForSession(id), out.Summary.MapPolyline)
	}
}

// ownedLive are a session's live figures with the session's owner.
type ownedLive struct {
	owner, session uuid.UUID
	stats          api.LiveStats
}

// offerLive hands live figures to the live callback: whole for the owner,
// and for watchers without the position when the owner's privacy zones
// hide it. The zones are read once for all the figures; when they cannot
// be read, watchers get no position (hiding rather than showing).
func (s *Service) offerLive(ctx context.Context, figs []ownedLive) {
	var owners []uuid.UUID
	for _, f := range figs {
		if f.stats.Position != nil {
			owners = append(owners, f.owner)
		}
	}
	var masks map[uuid.UUID]zone.Mask
	failed := false
	if len(owners) > 0 {
		var err error
		masks, err = store.Masks(ctx, s.pool, owners)
		failed = err != nil
	}
	for _, f := range figs {
		p := f.stats.Position
		hide := p != nil && (failed || masks[f.owner].ForSession(f.session).Hides(p.Lat, p.Lon))
		s.live(f.owner.String(), f.stats, hide)
	}
}

// geometryJSON writes lines as a GeoJSON LineString (one) or
// MultiLineString (several), positions [lon, lat] with 7 decimals, as
// PostGIS writes the owner's.
func geometryJSON(lines [][]telemetry.Point) json.RawMessage {
	b := make([]byte, 0, 64+24*countPoints(lines))
	line := func(l []telemetry.Point) {
		b = append(b, '[')
		for i, p := range l {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = strconv.AppendFloat(b, round7(p.Lon), 'f', -1, 64)
			b = append(b, ',')
			b = strconv.AppendFloat(b, round7(p.Lat), 'f', -1, 64)
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	if len(lines) == 1 {
		b = append(b, `{"type":"LineString","coordinates":`...)
		line(lines[0])
		return append(b, '}')
	}
	b = append(b, `{"type":"MultiLineString","coordinates":[`...)
	for i, l := range lines {
		if i > 0 {
			b = append(b, ',')
		}
		line(l)
	}
	return append(b, "]}"...)
}

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

func countPoints(lines [][]telemetry.Point) int {
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	return n
}
