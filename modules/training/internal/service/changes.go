package service

import (
	"context"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/patch"
	"github.com/athlos/athlos/internal/kit/sport"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/calories"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage"
)

// Changes are what PATCH changes of a session (JSON merge patch: nil or
// absent fields stay).
type Changes struct {
	Title, Notes, Sport, Visibility *string
	// Gear, when not nil, replaces the session's gear (empty: none).
	Gear []uuid.UUID
	// PerceivedEffort is Foster's CR-10: 0 (rest) to 10 (maximal), 0 a
	// rating like the others; null removes it.
	PerceivedEffort patch.Field[int]
}

// PatchSession changes one of user's sessions. Changing a finished
// session's sport computes its figures again; changing its sport, gear or
// perceived effort (a load input) publishes evt.training.session.updated. Errors: invalid (the field
// under body., body.gear_ids[i] not the user's gear), not_found (another
// user's session, or an unknown one).
func (s *Service) PatchSession(ctx context.Context, user, id uuid.UUID, in Changes) (api.Session, error) {
	if in.Sport != nil && !sport.Valid(*in.Sport) {
		return api.Session{}, bus.Invalid("body.sport", "must be one of the sports in the API document")
	}
	if in.Visibility != nil && !sport.ValidVisibility(*in.Visibility) {
		return api.Session{}, bus.Invalid("body.visibility", "must be private, followers or public")
	}
	effort := in.PerceivedEffort
	if effort.Set && !effort.Null && (effort.Value < 0 || effort.Value > 10) {
		return api.Session{}, bus.Invalid("body.perceived_effort", "must be 0 (rest) to 10 (maximal) on Foster's CR-10, or null to remove it")
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
	gear := in.Gear
	if len(gear) > 10 {
		return api.Session{}, bus.Invalid("body.gear_ids", "at most 10")
	}
	var out store.SessionRow
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
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
		if effort.Set {
			var v any
			if !effort.Null {
				v = effort.Value
			}
			if err := store.SetParameter(ctx, tx, id, "perceived_effort", v); err != nil {
				return err
			}
		}
		// Those let in because the session was public lose the grant, and
		// the owner's co-members when it turns private.
		if in.Visibility != nil && *in.Visibility != sport.Public && row.Visibility == sport.Public {
			if err := removeWatchers(ctx, tx, id, store.WatchPublic); err != nil {
				return err
			}
		}
		if in.Visibility != nil && *in.Visibility == sport.Private && row.Visibility != sport.Private {
			if err := removeWatchers(ctx, tx, id, store.WatchGroup); err != nil {
				return err
			}
		}
		sportChanged := in.Sport != nil && *in.Sport != row.Sport
		gearChanged := gear != nil && !sameIDs(gear, row.GearIDs)
		// A perceived effort is a load input (session-RPE): analytics hear of it.
		if row.State == session.Finished && (sportChanged || gearChanged || effort.Set) {
			changed, err := store.Session(ctx, tx, user, id)
			if err != nil {
				return err
			}
			at := time.Now().UTC()
			if row.FinishedAt != nil {
				at = *row.FinishedAt
			}
			if err := recomplete(ctx, tx, id, changed, at); err != nil {
				return err
			}
		}
		out, err = store.Session(ctx, tx, user, id)
		return err
	})
	return sessionOut(out), err
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

// DeleteSession deletes one of user's sessions with its points and route,
// and publishes evt.training.session.deleted so other modules take back
// what they counted. Errors: not_found (another user's session, or an
// unknown one).
func (s *Service) DeleteSession(ctx context.Context, user, id uuid.UUID) error {
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		row, err := lockOwnSession(ctx, tx, user, id)
		if err != nil {
			return err
		}
		if err := store.DeleteSession(ctx, tx, id); err != nil {
			return err
		}
		_, err = bus.Enqueue(ctx, tx, api.Module, api.EventSessionDeleted, api.SessionDeleted{
			SessionID: row.ID.String(), UserID: user.String(), Sport: row.Sport, Finished: row.State == session.Finished,
			DeletedAt: time.Now().UTC(), Revision: revision(),
		})
		return err
	})
}

// recomplete computes a finished session's figures again after a change
// and publishes evt.training.session.updated: from its points, or, for a
// session entered by hand (which has none), from the figures it was given
// (its verdict judged again for the new sport).
func recomplete(ctx context.Context, tx pgx.Tx, id uuid.UUID, row store.SessionRow, at time.Time) error {
	if row.Source == session.SourceManual && row.Summary != nil {
		sum := *row.Summary
		if sum.CaloriesMethod != CaloriesEntered {
			// Estimated for the sport it had: estimated again.
			athlete, err := store.GetAthlete(ctx, tx, row.UserID)
			if err != nil {
				return err
			}
			cal := calories.Estimate(calories.Input{Sport: row.Sport, MovingS: sum.MovingTimeS, DistanceM: sum.DistanceM,
				AvgHRBpm: sum.AvgHRBpm, WeightKg: athlete.WeightKg, AgeYears: ageAt(athlete.BirthDate, row.StartedAt), Sex: athlete.Sex})
			sum.CaloriesKcal, sum.CaloriesMethod = cal.KCal, cal.Method
		}
		return storeFigures(ctx, tx, id, row, figures{Summary: sum}, at, api.EventSessionUpdated)
	}
	points, err := store.Points(ctx, tx, id)
	if err != nil {
		return err
	}
	return complete(ctx, tx, id, row, points, at, api.EventSessionUpdated)
}
