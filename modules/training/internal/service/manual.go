package service

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/sport"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/calories"
	"github.com/athlos/athlos/modules/training/internal/plausible"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/store"
)

// CaloriesEntered is the calories method of a manual session whose user
// gave the calories.
const CaloriesEntered = "entered"

// ManualStart is a session entered by hand: what a live start takes, and
// its figures.
type ManualStart struct {
	Start
	plausible.Manual
	// Exercises are the exercises and sets done (strength and other
	// indoor sessions).
	Exercises []ExerciseDone
}

// RecordManualSession records a session of user entered by hand (or
// recorded without GPS), finished at once: its figures are stored as
// given (calories estimated when not given), its perceived effort kept,
// and evt.training.session.completed published through the outbox like a
// live session's, so gear, analytics and challenges count it. With an
// idempotency key, a retry gets the first answer (bus.Once). Errors:
// invalid (body.sport, body.title, body.visibility, body.device_id not
// one of the user's devices, body.gear_ids[i] not the user's gear,
// body.started_at in the future, body.elapsed_time_s, body.moving_time_s
// above it, body.distance_m at a speed impossible for the sport, the other
// figures out of range), unauthorized (the account was deleted).
func (s *Service) RecordManualSession(ctx context.Context, user uuid.UUID, in ManualStart) (api.Session, error) {
	if !sport.Valid(in.Start.Sport) {
		return api.Session{}, bus.Invalid("body.sport", "must be one of the sports in the API document")
	}
	if !session.ValidTitle(in.Title) {
		return api.Session{}, bus.Invalid("body.title", "must not contain control characters")
	}
	if in.Visibility != "" && !sport.ValidVisibility(in.Visibility) {
		return api.Session{}, bus.Invalid("body.visibility", "must be private, followers or public")
	}
	in.Manual.Sport = in.Start.Sport
	now := time.Now().UTC()
	if err := in.Manual.Validate(now); err != nil {
		return api.Session{}, bus.FieldInvalid("body.", err)
	}
	if err := checkExercises(in.Exercises); err != nil {
		return api.Session{}, err
	}
	return bus.Once(ctx, s.pool, s.keys, func(tx pgx.Tx) (api.Session, error) {
		ns := store.NewSession{User: user, Sport: in.Start.Sport, Visibility: in.Visibility, Title: in.Title, Device: in.Device,
			Gear: in.Gear, StartedAt: in.StartedAt.UTC(), SourceFormat: session.SourceManual}
		finished := ns.StartedAt.Add(time.Duration(in.ElapsedS * float64(time.Second)))
		ns.FinishedAt = &finished
		if err := s.prepareSession(ctx, tx, user, &ns); err != nil {
			return api.Session{}, err
		}
		if err := store.InsertSession(ctx, tx, ns); err != nil {
			return api.Session{}, err
		}
		if err := saveExercises(ctx, tx, user, ns.ID, in.Exercises); err != nil {
			return api.Session{}, err
		}
		if in.PerceivedEffort != nil {
			if err := store.SetParameter(ctx, tx, ns.ID, "perceived_effort", *in.PerceivedEffort); err != nil {
				return api.Session{}, err
			}
		}
		athlete, err := store.GetAthlete(ctx, tx, user)
		if err != nil {
			return api.Session{}, err
		}
		row, err := store.Session(ctx, tx, user, ns.ID)
		if err != nil {
			return api.Session{}, err
		}
		if err := storeFigures(ctx, tx, ns.ID, row, figures{Summary: manualSummary(in.Manual, athlete)}, finished,
			api.EventSessionCompleted); err != nil {
			return api.Session{}, err
		}
		out, err := store.Session(ctx, tx, user, ns.ID)
		return sessionOut(out), err
	})
}

// manualSummary is the summary of a session entered by hand: the figures
// given, speeds and pace derived, calories estimated unless given.
func manualSummary(m plausible.Manual, athlete store.Athlete) store.Summary {
	out := store.Summary{ElapsedTimeS: m.ElapsedS, MovingTimeS: m.Moving(), AvgHRBpm: m.AvgHRBpm, MaxHRBpm: m.MaxHRBpm,
		SplitsKm: []store.Split{}, SplitsMile: []store.Split{}, BestEfforts: []store.BestEffort{}}
	if m.DistanceM != nil {
		out.DistanceM = *m.DistanceM
	}
	if m.ElevationGainM != nil {
		out.ElevationGainM = *m.ElevationGainM
	}
	if out.DistanceM > 0 && out.MovingTimeS > 0 {
		out.AvgSpeedMps = out.DistanceM / out.MovingTimeS
		out.AvgPaceSPerKm = out.MovingTimeS / (out.DistanceM / 1000)
	}
	if m.CaloriesKcal != nil {
		out.CaloriesKcal, out.CaloriesMethod = *m.CaloriesKcal, CaloriesEntered
		return out
	}
	cal := calories.Estimate(calories.Input{Sport: m.Sport, MovingS: out.MovingTimeS, DistanceM: out.DistanceM, AvgHRBpm: m.AvgHRBpm,
		WeightKg: athlete.WeightKg, AgeYears: ageAt(athlete.BirthDate, m.StartedAt), Sex: athlete.Sex})
	out.CaloriesKcal, out.CaloriesMethod = cal.KCal, cal.Method
	return out
}
