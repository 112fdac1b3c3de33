package service

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/analytics"
	"github.com/athlos/athlos/modules/training/internal/load"
	"github.com/athlos/athlos/modules/training/internal/performance"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/strength"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/storage"
)

// Kinds of session events the analytics read model applies.
const (
	SessionCompleted = "completed"
	SessionUpdated   = "updated"
	SessionDeleted   = "deleted"
	// SessionBackfill computes the figures of a session finished before
	// the read model existed: no record event (the records are history).
	SessionBackfill = "backfill"
)

// SessionEvent is one of the module's own session events, as the
// analytics need it.
type SessionEvent struct {
	Kind     string // SessionCompleted, SessionUpdated or SessionDeleted
	Session  uuid.UUID
	User     uuid.UUID
	Revision int64
	// Published is when the event entered the stream (zero: now).
	Published time.Time
}

// RecordEventMaxAge is the age of a session event past which the records
// it sets are kept without an event: a consumer catching up (the stream's
// 30 days replayed when the read model is first built) does not announce
// old records to groups.
const RecordEventMaxAge = time.Hour

// ApplySessionEvent brings the analytics read model of one session up to
// date, in tx: its figures (load and model, best efforts, strength
// volume) computed once from the session as it is now (its stored points
// and summary), or forgotten when the session is gone or not finished. So
// applying an event twice, or an older one after a newer, changes nothing;
// an edit or late points (an updated event) replace the figures and a
// deletion takes them back (the records then come from the other
// sessions). When a completed or updated session beats a personal record
// it did not hold before, evt.training.record.set goes out through the
// outbox in tx, unless the event is older than RecordEventMaxAge or a
// backfill.
func (s *Service) ApplySessionEvent(ctx context.Context, tx pgx.Tx, ev SessionEvent) error {
	row, err := store.LockSession(ctx, tx, ev.User, ev.Session)
	// Gone, not finished, or flagged implausible (internal/plausible): it
	// counts in no analytics.
	if errors.Is(err, store.ErrNotFound) || (err == nil && (row.State != session.Finished || row.Summary == nil || !row.Plausible)) {
		return store.DeleteSessionFigures(ctx, tx, ev.Session)
	}
	if err != nil {
		return err
	}
	in, err := store.ReadEventInputs(ctx, tx, ev.User, ev.Session, performance.StandardDistances())
	if err != nil {
		return err
	}
	if in.HasFigures && in.Revision >= ev.Revision {
		return nil // computed for this event, or a later one
	}
	track := in.Track
	if !in.HasTrack { // finished before tracks were kept
		points, err := store.Points(ctx, tx, ev.Session)
		if err != nil {
			return err
		}
		track = trackOf(points)
	}
	f, err := sessionFigures(in.Athlete, row, track)
	if err != nil {
		return err
	}
	before, others, own := in.Efforts, in.Records, in.OwnStrength
	strengthBefore := make(map[string]strength.Best, len(in.StrengthMaxima))
	for _, m := range in.StrengthMaxima {
		strengthBefore[m.Exercise] = strength.Best{Exercise: m.Exercise, OneRM: m.OneRMKg, Formula: m.Formula, MaxWeightKg: m.MaxWeightKg}
	}
	figures := store.SessionFigures{SessionID: row.ID, UserID: row.UserID, Sport: row.Sport, StartedAt: row.StartedAt,
		DistanceM: row.Summary.DistanceM, MovingTimeS: row.Summary.MovingTimeS, ElapsedTimeS: row.Summary.ElapsedTimeS,
		ElevationGainM: row.Summary.ElevationGainM, Load: f.Load.Load, LoadModel: f.Load.Model, Assumed: f.Load.Assumed,
		StrengthVolumeKg: f.StrengthVolume, Revision: ev.Revision}
	if f.Load.TRIMP > 0 {
		t := f.Load.TRIMP
		figures.TRIMP = &t
	}
	for _, b := range f.Strength {
		figures.Strength = append(figures.Strength, store.StrengthBest{Exercise: b.Exercise, Sets: b.Sets, VolumeKg: b.Volume,
			OneRMKg: b.OneRM, Formula: b.Formula, MaxWeightKg: b.MaxWeightKg, MaxReps: b.MaxReps})
	}
	efforts := make([]store.Effort, len(f.BestEfforts))
	for i, e := range f.BestEfforts {
		efforts[i] = store.Effort{DistanceM: e.DistanceM, TimeS: e.TimeS, StartS: e.StartS, EndS: e.EndS}
	}
	if err := store.SaveSessionFigures(ctx, tx, figures, efforts); err != nil {
		return err
	}
	if ev.Kind == SessionDeleted || ev.Kind == SessionBackfill {
		return nil
	}
	if !ev.Published.IsZero() && time.Since(ev.Published) > RecordEventMaxAge {
		return nil
	}
	records := newRecords(others, before, efforts, row.StartedAt)
	for _, r := range strength.NewRecords(strengthBefore, f.Strength) {
		if held(own, r) {
			continue // the session's earlier figures held it already
		}
		records = append(records, api.RecordNew{Kind: r.Kind, Exercise: r.Exercise, Value: r.Value, Previous: r.Previous})
	}
	if len(records) == 0 {
		return nil
	}
	_, err = bus.Enqueue(ctx, tx, api.Module, api.EventRecordSet, api.RecordSet{UserID: row.UserID.String(), SessionID: row.ID.String(),
		Sport: row.Sport, StartedAt: row.StartedAt, Records: records, SetAt: time.Now().UTC(), Visibility: row.Visibility})
	return err
}

// OnSessionEvent is the module's consumer step for one session event, in
// the consumer's transaction tx: the analytics (ApplySessionEvent), then
// the user's active plan matched and adapted (AdaptPlan) in a savepoint,
// so that a failed adaptation (adaptErr, for the log) neither holds the
// analytics back nor, once the consumer's deliveries run out, loses them;
// the daily adaptation looks at the plan again.
func (s *Service) OnSessionEvent(ctx context.Context, tx pgx.Tx, ev SessionEvent) (adaptErr, err error) {
	if err := s.ApplySessionEvent(ctx, tx, ev); err != nil {
		return nil, err
	}
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if adaptErr = s.AdaptPlan(ctx, sp, ev.User); adaptErr != nil {
		return adaptErr, sp.Rollback(ctx)
	}
	return nil, sp.Commit(ctx)
}

// held reports whether a session's earlier figures (own) held record r
// already.
func held(own []store.StrengthBest, r strength.Record) bool {
	for _, b := range own {
		if b.Exercise != r.Exercise {
			continue
		}
		switch r.Kind {
		case strength.RecordOneRM:
			return b.OneRMKg > r.Previous
		case strength.RecordMaxWeight:
			return b.MaxWeightKg > r.Previous
		}
	}
	return false
}

// newRecords lists the best efforts of a session that beat the records of
// the other sessions (an earlier session's on a tie keeps it) and that
// the session did not already hold with its figures before (an updated
// event for a session that set a record announces nothing new).
func newRecords(others, before, now []store.Effort, startedAt time.Time) []api.RecordNew {
	prev := map[float64]store.Effort{}
	for _, e := range others {
		prev[e.DistanceM] = e
	}
	held := map[float64]bool{}
	for _, e := range before {
		if p, ok := prev[e.DistanceM]; !ok || beats(e.TimeS, startedAt, p) {
			held[e.DistanceM] = true
		}
	}
	var out []api.RecordNew
	for _, e := range now {
		p, ok := prev[e.DistanceM]
		if !ok || !beats(e.TimeS, startedAt, p) || held[e.DistanceM] {
			continue
		}
		out = append(out, api.RecordNew{Kind: "best_effort", DistanceM: e.DistanceM, Value: e.TimeS, Previous: p.TimeS,
			PreviousSessionID: p.SessionID.String()})
	}
	return out
}

// beats reports whether an effort of timeS in a session started at
// startedAt is the record over r: faster, or as fast and earlier.
func beats(timeS float64, startedAt time.Time, r store.Effort) bool {
	return timeS < r.TimeS || (timeS == r.TimeS && startedAt.Before(r.StartedAt))
}

// sessionFigures computes a finished session's analytics from its row and
// points. A profile the load model refuses (a resting heart rate above
// the maximum) counts as unknown rather than leaving the session out.
func sessionFigures(a store.AthleteFacts, row store.SessionRow, track []store.TrackSample) (analytics.SessionFigures, error) {
	sum := analytics.SessionSummary{ID: row.ID.String(), Start: row.StartedAt, Sport: row.Sport, ElapsedS: row.Summary.ElapsedTimeS,
		MovingS: row.Summary.MovingTimeS, DistanceM: row.Summary.DistanceM, ElevationGainM: row.Summary.ElevationGainM}
	if row.Summary.AvgHRBpm != nil {
		sum.AvgHR = *row.Summary.AvgHRBpm
	}
	sum.Exercises = strengthExercises(row.Exercises)
	if raw, ok := row.Parameters["perceived_effort"]; ok {
		var e float64
		if json.Unmarshal(raw, &e) == nil {
			sum.Effort = &e
		}
	}
	sum.Track = make([]performance.Sample, len(track))
	for i, p := range track {
		sum.Track[i] = performance.Sample{T: p.T, D: p.D}
		if p.HR > 0 {
			sum.HR = append(sum.HR, load.HRSample{T: p.T, BPM: float64(p.HR)})
		}
	}
	p := analytics.Profile{Athlete: athleteOf(a, row.StartedAt)}
	f, err := analytics.Session(p, sum)
	if err != nil {
		p.Athlete = load.Athlete{Sex: p.Athlete.Sex, AgeYears: p.Athlete.AgeYears}
		return analytics.Session(p, sum)
	}
	return f, nil
}

// trackOf is what the analytics need of a session's points: seconds from
// the first point, metres covered (the geodesic distance stats uses) and
// heart rate.
func trackOf(points []telemetry.Point) []store.TrackSample {
	out := make([]store.TrackSample, len(points))
	segs := stats.Segments(points)
	d := 0.0
	for i, p := range points {
		d += segs[i].DistanceM
		out[i] = store.TrackSample{T: p.T.Sub(points[0].T).Seconds(), D: d}
		if p.HR != nil {
			out[i].HR = *p.HR
		}
	}
	return out
}

// athleteOf is the load model's athlete from the profile's facts, aged on
// the day of at.
func athleteOf(a store.AthleteFacts, at time.Time) load.Athlete {
	out := load.Athlete{Sex: a.Sex}
	if age := ageAt(a.BirthDate, at); age != nil && *age >= 0 && *age <= 120 {
		out.AgeYears = *age
	}
	if a.RestingHRBpm != nil {
		out.RestingHR = float64(*a.RestingHRBpm)
	}
	if a.MaxHRBpm != nil {
		out.MaxHR = float64(*a.MaxHRBpm)
	}
	if a.ThresholdHRBpm != nil {
		out.ThresholdHR = float64(*a.ThresholdHRBpm)
	}
	return out
}

// BackfillAnalytics computes the analytics figures of the finished
// sessions that have none (finished before the read model existed, whose
// events are no longer in the stream), a batch at a time, until none is
// left or ctx ends; a session whose figures cannot be computed is logged
// and skipped. Several processes may run it at once: each session is
// locked while it is computed, and computed once.
func (s *Service) BackfillAnalytics(log *slog.Logger) func(ctx context.Context) {
	return func(ctx context.Context) {
		after, done := uuid.Nil, 0
		for ctx.Err() == nil {
			batch, err := store.SessionsWithoutFigures(ctx, s.pool, after, 100)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("analytics backfill", "err", err)
				}
				return
			}
			if len(batch) == 0 {
				break
			}
			for _, r := range batch {
				after = r.ID
				err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
					return s.ApplySessionEvent(ctx, tx, SessionEvent{Kind: SessionBackfill, Session: r.ID, User: r.User, Revision: 1})
				})
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					log.Warn("analytics backfill of a session", "session", r.ID, "err", err)
					continue
				}
				done++
			}
		}
		if done > 0 {
			log.Info("analytics backfilled", "sessions", done)
		}
	}
}
