package service

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/twpayne/go-geom/encoding/ewkb"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/calories"
	"github.com/athlos/athlos/modules/training/internal/lap"
	"github.com/athlos/athlos/modules/training/internal/plausible"
	"github.com/athlos/athlos/modules/training/internal/route"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// complete computes and stores a finished session's figures and route
// from its points, and publishes event (completed, or updated when they
// are computed again) through the outbox, all in tx.
func complete(ctx context.Context, tx pgx.Tx, id uuid.UUID, row store.SessionRow, points []telemetry.Point, at time.Time, event string) error {
	athlete, err := store.GetAthlete(ctx, tx, row.UserID)
	if err != nil {
		return err
	}
	marks, err := store.LapMarks(ctx, tx, id)
	if err != nil {
		return err
	}
	f, err := computeFigures(points, row.Sport, row.StartedAt, athlete, marks)
	if err != nil {
		return err
	}
	return storeFigures(ctx, tx, id, row, f, at, event)
}

// figures are a finished session's computed summary and route, ready to
// be stored.
type figures struct {
	Summary store.Summary
	// Path and Simplified are EWKB LineStrings (nil with fewer than two
	// positioned points: indoors).
	Path, Simplified []byte
	// Laps are computed from the points (FromPoints): they replace the
	// stored ones. A manual session's figures have no points, and leave
	// its laps (none) alone.
	Laps       []lap.Lap
	FromPoints bool
	// Track is what the analytics read of the points (trackOf), stored
	// when the figures come from points.
	Track []store.TrackSample
}

// computeFigures computes a session's figures and route (no database):
// an import runs it while its points are being written.
// Laps start at the points of the times in lapStarts.
func computeFigures(points []telemetry.Point, sport string, startedAt time.Time, athlete store.Athlete, lapStarts []time.Time) (figures, error) {
	sum := stats.Compute(points, sport)
	f := figures{Summary: summaryOf(sum, calories.Estimate(calories.Input{
		Sport: sport, MovingS: sum.MovingS, DistanceM: sum.DistanceM, AvgHRBpm: sum.AvgHRBpm, AvgPowerW: sum.AvgPowerW,
		WeightKg: athlete.WeightKg, AgeYears: ageAt(athlete.BirthDate, startedAt), Sex: athlete.Sex,
	})), Laps: lap.Compute(points, lapStarts, sport), FromPoints: true, Track: trackOf(points)}
	// The route is the positioned points' (none indoors; a run that lost
	// GPS in a tunnel keeps the line across it).
	positioned := route.Positioned(points)
	if len(positioned) < 2 {
		return f, nil
	}
	idx, _ := route.SimplifyTo(positioned, route.MapPoints)
	simplified := route.Pick(positioned, idx)
	var err error
	if f.Path, err = lineEWKB(positioned); err != nil {
		return f, err
	}
	if f.Simplified, err = lineEWKB(simplified); err != nil {
		return f, err
	}
	f.Summary.MapPolyline = route.EncodePolyline(simplified)
	return f, nil
}

// storeFigures stores computed figures and the route, and publishes event
// through the outbox, in tx.
func storeFigures(ctx context.Context, tx pgx.Tx, id uuid.UUID, row store.SessionRow, f figures, at time.Time, event string) error {
	out := f.Summary
	if f.Path != nil {
		if err := store.SaveRoute(ctx, tx, id, f.Path, f.Simplified, out.MapPolyline); err != nil {
			return err
		}
	}
	if err := store.SetSummary(ctx, tx, id, out); err != nil {
		return err
	}
	if f.FromPoints {
		if err := store.ReplaceLaps(ctx, tx, id, f.Laps); err != nil {
			return err
		}
		if err := store.SaveTrack(ctx, tx, id, f.Track); err != nil {
			return err
		}
	}
	verdict := plausible.Check(plausible.Figures{Sport: row.Sport, DistanceM: out.DistanceM, ElapsedS: out.ElapsedTimeS,
		MovingS: out.MovingTimeS, MaxSpeedMps: out.MaxSpeedMps, AvgHRBpm: out.AvgHRBpm, MaxHRBpm: out.MaxHRBpm})
	if err := store.SetVerdict(ctx, tx, id, verdict.Plausible, verdict.Reason); err != nil {
		return err
	}
	rev, err := store.NextRevision(ctx, tx, id)
	if err != nil {
		return err
	}
	_, err = bus.Enqueue(ctx, tx, api.Module, event, api.SessionCompleted{
		SessionID: row.ID.String(), UserID: row.UserID.String(), Sport: row.Sport, StartedAt: row.StartedAt, CompletedAt: at,
		DistanceM: out.DistanceM, MovingTimeS: out.MovingTimeS, ElapsedTimeS: out.ElapsedTimeS, ElevationGainM: out.ElevationGainM,
		AvgHRBpm: out.AvgHRBpm, MaxHRBpm: out.MaxHRBpm, GearIDs: row.GearIDs, AvgPowerW: out.AvgPowerW,
		NormalizedPowerW: out.NormalizedPowerW, CaloriesKcal: out.CaloriesKcal, Imported: row.Source != "live" && row.Source != session.SourceManual,
		Manual: row.Source == session.SourceManual, StrengthVolumeKg: strengthVolume(row.Exercises), Plausible: verdict.Plausible, ImplausibleReason: verdict.Reason,
		Title: row.Title, Visibility: row.Visibility, BestEfforts: bestEffortsOf(out.BestEfforts), Revision: rev,
	})
	return err
}

// bestEffortsOf is the event's copy of a summary's best efforts (nil
// without).
func bestEffortsOf(list []store.BestEffort) []api.BestEffort {
	var out []api.BestEffort
	for _, b := range list {
		out = append(out, api.BestEffort{Name: b.Name, DistanceM: b.DistanceM, ElapsedS: b.ElapsedS})
	}
	return out
}

// strengthVolume is the volume load of a session's sets (0 without).
func strengthVolume(list []store.SessionExercise) float64 {
	if s := strengthOf(list); s != nil {
		return s.VolumeKg
	}
	return 0
}

// lineEWKB encodes points as an EWKB LineString with SRID 4326.
func lineEWKB(points []telemetry.Point) ([]byte, error) {
	line, err := route.LineString(points, false)
	if err != nil {
		return nil, err
	}
	b, err := ewkb.Marshal(line.SetSRID(4326), binary.LittleEndian)
	if err != nil {
		return nil, fmt.Errorf("encode route: %w", err)
	}
	return b, nil
}

// ageAt is the age in whole years on a day, nil when the birth date is
// unknown.
func ageAt(birth *time.Time, day time.Time) *int {
	if birth == nil {
		return nil
	}
	age := day.Year() - birth.Year()
	if day.YearDay() < birth.YearDay() {
		age--
	}
	return &age
}

func summaryOf(s stats.Summary, cal calories.Result) store.Summary {
	out := store.Summary{DistanceM: s.DistanceM, ElapsedTimeS: s.ElapsedS, MovingTimeS: s.MovingS, AvgSpeedMps: s.AvgSpeedMps,
		MaxSpeedMps: s.MaxSpeedMps, AvgPaceSPerKm: s.AvgPaceSPerKm, ElevationGainM: s.ElevationGainM, ElevationLossM: s.ElevationLossM,
		AvgHRBpm: s.AvgHRBpm, MaxHRBpm: s.MaxHRBpm, AvgCadence: s.AvgCadence, AvgPowerW: s.AvgPowerW, NormalizedPowerW: s.NormalizedPowerW,
		CaloriesKcal: cal.KCal, CaloriesMethod: cal.Method, Points: s.Points,
		SplitsKm: splitsOf(s.SplitsKm), SplitsMile: splitsOf(s.SplitsMile), BestEfforts: []store.BestEffort{}}
	for _, b := range s.BestEfforts {
		out.BestEfforts = append(out.BestEfforts, store.BestEffort{Name: b.Name, DistanceM: b.DistanceM, ElapsedS: b.ElapsedS})
	}
	return out
}

func splitsOf(in []stats.Split) []store.Split {
	out := make([]store.Split, len(in))
	for i, s := range in {
		out[i] = store.Split{Index: s.Index, DistanceM: s.DistanceM, ElapsedS: s.ElapsedS, ElevDiffM: s.ElevDiffM, AvgHRBpm: s.AvgHRBpm}
	}
	return out
}
