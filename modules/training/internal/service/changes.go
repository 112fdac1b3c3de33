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
	"github.com/athlos/athlos/modules/training/internal/plausible"
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
	// Manual changes the figures of a session entered by hand.
	Manual ManualChanges
}

// ManualChanges are changes to the figures of a session entered by hand
// (a merge patch of what RecordManualSession took: nil or unset fields
// stay, null clears an optional one).
type ManualChanges struct {
	StartedAt                                                  patch.Field[time.Time]
	ElapsedS                                                   patch.Field[float64]
	MovingS, DistanceM, ElevationGainM, AvgHRBpm, CaloriesKcal patch.Field[float64]
	MaxHRBpm                                                   patch.Field[int]
}

// field names the first figure c changes ("" for none), as the request
// names it.
func (c ManualChanges) field() string {
	for _, f := range []struct {
		name string
		set  bool
	}{{"started_at", c.StartedAt.Set}, {"elapsed_time_s", c.ElapsedS.Set}, {"moving_time_s", c.MovingS.Set},
		{"distance_m", c.DistanceM.Set}, {"elevation_gain_m", c.ElevationGainM.Set}, {"avg_hr_bpm", c.AvgHRBpm.Set},
		{"max_hr_bpm", c.MaxHRBpm.Set}, {"calories_kcal", c.CaloriesKcal.Set}} {
		if f.set {
			return f.name
		}
	}
	return ""
}

// apply changes the figures of m; the start and the length can't be
// removed.
func (c ManualChanges) apply(m plausible.Manual) (plausible.Manual, error) {
	switch {
	case c.StartedAt.Null:
		return m, bus.Invalid("body.started_at", "is required: null can't remove it")
	case c.ElapsedS.Null:
		return m, bus.Invalid("body.elapsed_time_s", "is required: null can't remove it")
	}
	if c.StartedAt.Set {
		m.StartedAt = c.StartedAt.Value.UTC()
	}
	if c.ElapsedS.Set {
		m.ElapsedS = c.ElapsedS.Value
	}
	m.MovingS = patched(m.MovingS, c.MovingS)
	m.DistanceM = patched(m.DistanceM, c.DistanceM)
	m.ElevationGainM = patched(m.ElevationGainM, c.ElevationGainM)
	m.AvgHRBpm = patched(m.AvgHRBpm, c.AvgHRBpm)
	m.MaxHRBpm = patched(m.MaxHRBpm, c.MaxHRBpm)
	m.CaloriesKcal = patched(m.CaloriesKcal, c.CaloriesKcal)
	return m, nil
}

// patched is v after a merge patch field: unset keeps it, null clears it.
func patched[T any](v *T, f patch.Field[T]) *T {
	switch {
	case !f.Set:
		return v
	case f.Null:
		return nil
	}
	return &f.Value
}

// manualOf reads back the figures a session entered by hand was given:
// a distance or climb of 0, a moving time equal to the elapsed time and
// estimated calories count as not given.
func manualOf(row store.SessionRow) plausible.Manual {
	sum := row.Summary
	m := plausible.Manual{Sport: row.Sport, StartedAt: row.StartedAt, ElapsedS: sum.ElapsedTimeS, AvgHRBpm: sum.AvgHRBpm, MaxHRBpm: sum.MaxHRBpm}
	given := func(v float64, unset float64) *float64 {
		if v == unset {
			return nil
		}
		return &v
	}
	m.MovingS = given(sum.MovingTimeS, sum.ElapsedTimeS)
	m.DistanceM = given(sum.DistanceM, 0)
	m.ElevationGainM = given(sum.ElevationGainM, 0)
	if sum.CaloriesMethod == CaloriesEntered {
		m.CaloriesKcal = &sum.CaloriesKcal
	}
	return m
}

// PatchSession changes one of user's sessions. Changing a finished
// session's sport computes its figures again; changing its sport, gear or
// perceived effort (a load input), or the figures of a session entered
// by hand (checked as RecordManualSession checks them, calories estimated
// again unless given), publishes evt.training.session.updated. Errors:
// invalid (the field under body., body.gear_ids[i] not the user's gear, a
// figure of a session that was recorded rather than entered by hand),
// not_found (another user's session, or an unknown one).
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
		change := store.SessionChange{Title: in.Title, Notes: in.Notes, Sport: in.Sport, Visibility: in.Visibility, Gear: gear}
		var manual *store.Summary // the new figures of a session entered by hand
		if field := in.Manual.field(); field != "" {
			if row.Source != session.SourceManual || row.Summary == nil {
				return bus.Invalid("body."+field, "only a session entered by hand (source manual) has figures to change: a recorded session's come from its points")
			}
			m, err := in.Manual.apply(manualOf(row))
			if err != nil {
				return err
			}
			if in.Sport != nil {
				m.Sport = *in.Sport
			}
			if err := m.Validate(time.Now().UTC()); err != nil {
				return bus.FieldInvalid("body.", err)
			}
			athlete, err := store.GetAthlete(ctx, tx, user)
			if err != nil {
				return err
			}
			sum := manualSummary(m, athlete)
			finished := m.StartedAt.Add(time.Duration(m.ElapsedS * float64(time.Second)))
			manual, change.StartedAt, change.FinishedAt = &sum, &m.StartedAt, &finished
		}
		if err := store.UpdateSession(ctx, tx, id, change); err != nil {
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
			if err := removeWatchers(ctx, tx, id, store.WatchFollower); err != nil {
				return err
			}
		}
		sportChanged := in.Sport != nil && *in.Sport != row.Sport
		gearChanged := gear != nil && !sameIDs(gear, row.GearIDs)
		// A new title or visibility: the social feed hears of it.
		cardChanged := (in.Title != nil && *in.Title != row.Title) || (in.Visibility != nil && *in.Visibility != row.Visibility)
		// A perceived effort is a load input (session-RPE): analytics hear of it.
		if row.State == session.Finished && (sportChanged || gearChanged || effort.Set || manual != nil || cardChanged) {
			changed, err := store.Session(ctx, tx, user, id)
			if err != nil {
				return err
			}
			at := time.Now().UTC()
			if changed.FinishedAt != nil {
				at = *changed.FinishedAt
			}
			switch {
			case manual != nil:
				err = storeFigures(ctx, tx, id, changed, figures{Summary: *manual}, at, api.EventSessionUpdated)
			case !sportChanged && !gearChanged && !effort.Set && changed.Summary != nil:
				// Only the card changed: the figures stay, the event tells.
				err = storeFigures(ctx, tx, id, changed, figures{Summary: *changed.Summary}, at, api.EventSessionUpdated)
			default:
				err = recomplete(ctx, tx, id, changed, at)
			}
			if err != nil {
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
		rev, err := store.NextRevision(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := linkClosed(ctx, tx, id); err != nil {
			return err
		}
		if err := store.DeleteSession(ctx, tx, id); err != nil {
			return err
		}
		_, err = bus.Enqueue(ctx, tx, api.Module, api.EventSessionDeleted, api.SessionDeleted{
			SessionID: row.ID.String(), UserID: user.String(), Sport: row.Sport, Finished: row.State == session.Finished,
			DeletedAt: time.Now().UTC(), Revision: rev,
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
