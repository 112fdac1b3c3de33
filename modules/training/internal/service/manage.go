package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage"
)

// SessionRoute returns one of the caller's finished sessions' route as a
// GeoJSON Feature (every point, or the line simplified for maps).
func (s *Service) SessionRoute(ctx context.Context, in api.RouteRequest) (json.RawMessage, error) {
	user, id, err := callerSession(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	row, err := s.ownSession(ctx, user, id)
	if err != nil {
		return nil, err
	}
	geometry, length, err := store.RouteGeoJSON(ctx, s.pool, id, in.Simplified)
	if errors.Is(err, store.ErrNotFound) {
		if row.State != session.Finished {
			return nil, bus.Errorf(bus.CodeNotFound, "the route is made when the session is finished (it is %s)", row.State)
		}
		return nil, bus.Errorf(bus.CodeNotFound, "the session has no route (fewer than two points)")
	}
	if err != nil {
		return nil, err
	}
	// api.RouteFeature, with the geometry as PostGIS wrote it.
	return json.Marshal(struct {
		Type       string              `json:"type"`
		Geometry   json.RawMessage     `json:"geometry"`
		Properties api.RouteProperties `json:"properties"`
	}{"Feature", geometry, api.RouteProperties{SessionID: row.ID, Sport: row.Sport, DistanceM: length, Simplified: in.Simplified}})
}

// PatchSession changes one of the caller's sessions. Changing a finished
// session's sport computes its figures again; changing its sport or gear
// publishes evt.training.session.updated.
func (s *Service) PatchSession(ctx context.Context, in api.SessionPatch) (api.Session, error) {
	user, id, err := callerSession(ctx, in.ID)
	if err != nil {
		return api.Session{}, err
	}
	if in.Sport != nil && !session.ValidSport(*in.Sport) {
		return api.Session{}, bus.Invalid("body.sport", "must be one of the sports in the API document")
	}
	if in.Visibility != nil && !slices.Contains([]string{"private", "followers", "public"}, *in.Visibility) {
		return api.Session{}, bus.Invalid("body.visibility", "must be private, followers or public")
	}
	if in.PerceivedEffort != nil && (*in.PerceivedEffort < 0 || *in.PerceivedEffort > 10) {
		return api.Session{}, bus.Invalid("body.perceived_effort", "must be 1 to 10, or 0 to remove it")
	}
	if in.Title != nil && utf8.RuneCountInString(*in.Title) > 200 {
		return api.Session{}, bus.Invalid("body.title", "at most 200 characters")
	}
	if in.Title != nil && !session.ValidTitle(*in.Title) {
		return api.Session{}, bus.Invalid("body.title", "must not contain control characters")
	}
	if in.Notes != nil && utf8.RuneCountInString(*in.Notes) > 5000 {
		return api.Session{}, bus.Invalid("body.notes", "at most 5000 characters")
	}
	var gear []uuid.UUID
	if in.GearIDs != nil {
		if len(*in.GearIDs) > 10 {
			return api.Session{}, bus.Invalid("body.gear_ids", "at most 10")
		}
		gear = []uuid.UUID{}
		for i, g := range *in.GearIDs {
			gid, err := sessionID(fmt.Sprintf("body.gear_ids[%d]", i), g)
			if err != nil {
				return api.Session{}, err
			}
			gear = append(gear, gid)
		}
	}
	var out store.SessionRow
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		row, err := lockOwnSession(ctx, tx, user, id)
		if err != nil {
			return err
		}
		// Gear the session had may have been deleted since; what is added
		// must be the user's own.
		var added []uuid.UUID
		var addedAt []int
		for i, g := range gear {
			if !slices.Contains(row.GearIDs, g.String()) {
				added, addedAt = append(added, g), append(addedAt, i)
			}
		}
		if err := s.checkGear(ctx, tx, user, added, func(i int) string { return fmt.Sprintf("body.gear_ids[%d]", addedAt[i]) }); err != nil {
			return err
		}
		if err := store.UpdateSession(ctx, tx, id, store.SessionChange{Title: in.Title, Notes: in.Notes, Sport: in.Sport,
			Visibility: in.Visibility, Gear: gear}); err != nil {
			return err
		}
		if in.PerceivedEffort != nil {
			var v any
			if *in.PerceivedEffort > 0 {
				v = *in.PerceivedEffort
			}
			if err := store.SetParameter(ctx, tx, id, "perceived_effort", v); err != nil {
				return err
			}
		}
		// Those let in because the session was public lose the grant.
		if in.Visibility != nil && *in.Visibility != "public" && row.Visibility == "public" {
			if err := removeWatchers(ctx, tx, id, store.WatchPublic); err != nil {
				return err
			}
		}
		sportChanged := in.Sport != nil && *in.Sport != row.Sport
		gearChanged := in.GearIDs != nil && !sameIDs(gear, row.GearIDs)
		if row.State == session.Finished && (sportChanged || gearChanged) {
			changed, err := store.Session(ctx, tx, user, id)
			if err != nil {
				return err
			}
			points, err := store.Points(ctx, tx, id)
			if err != nil {
				return err
			}
			at := time.Now().UTC()
			if row.FinishedAt != nil {
				at = *row.FinishedAt
			}
			if _, err := complete(ctx, tx, id, changed, points, at, api.EventSessionUpdated); err != nil {
				return err
			}
		}
		out, err = store.Session(ctx, tx, user, id)
		return err
	})
	return out.Session, err
}

func sameIDs(a []uuid.UUID, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, id := range a {
		if !slices.Contains(b, id.String()) {
			return false
		}
	}
	return true
}

// DeleteSession deletes one of the caller's sessions with its points and
// route, and publishes evt.training.session.deleted so other modules take
// back what they counted.
func (s *Service) DeleteSession(ctx context.Context, in api.SessionRef) (api.Empty, error) {
	user, id, err := callerSession(ctx, in.ID)
	if err != nil {
		return api.Empty{}, err
	}
	return api.Empty{}, storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		row, err := lockOwnSession(ctx, tx, user, id)
		if err != nil {
			return err
		}
		if err := store.DeleteSession(ctx, tx, id); err != nil {
			return err
		}
		_, err = bus.Enqueue(ctx, tx, api.Module, api.EventSessionDeleted, api.SessionDeleted{
			SessionID: row.ID, UserID: user.String(), Sport: row.Sport, Finished: row.State == session.Finished,
			DeletedAt: time.Now().UTC(), Revision: revision(),
		})
		return err
	})
}
