package service

import (
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/store"
)

// sessionOut is a stored session as the API shows it.
func sessionOut(r store.SessionRow) api.Session {
	out := api.Session{ID: r.ID.String(), Sport: r.Sport, State: r.State, GearIDs: r.GearIDs, Visibility: r.Visibility,
		Title: r.Title, Notes: r.Notes, Parameters: r.Parameters, Source: r.Source, StartedAt: r.StartedAt,
		FinishedAt: r.FinishedAt, LastPointAt: r.LastPointAt, PointsStored: r.PointsStored}
	out.Exercises, out.Strength = sessionExercisesOut(r.Exercises), strengthOf(r.Exercises)
	if r.DeviceID != nil {
		d := r.DeviceID.String()
		out.DeviceID = &d
	}
	if r.Summary != nil {
		sum := summaryOut(*r.Summary)
		sum.Plausible, sum.ImplausibleReason = r.Plausible, r.ImplausibleReason
		out.Summary = &sum
	}
	return out
}

// summaryOut is a stored summary as the API shows it.
func summaryOut(s store.Summary) api.SessionSummary {
	out := api.SessionSummary{DistanceM: s.DistanceM, ElapsedTimeS: s.ElapsedTimeS, MovingTimeS: s.MovingTimeS,
		AvgSpeedMps: s.AvgSpeedMps, MaxSpeedMps: s.MaxSpeedMps, AvgPaceSPerKm: s.AvgPaceSPerKm,
		ElevationGainM: s.ElevationGainM, ElevationLossM: s.ElevationLossM, AvgHRBpm: s.AvgHRBpm, MaxHRBpm: s.MaxHRBpm,
		AvgCadence: s.AvgCadence, AvgPowerW: s.AvgPowerW, NormalizedPowerW: s.NormalizedPowerW,
		CaloriesKcal: s.CaloriesKcal, CaloriesMethod: s.CaloriesMethod, Points: s.Points, MapPolyline: s.MapPolyline,
		SplitsKm: splitsOut(s.SplitsKm), SplitsMile: splitsOut(s.SplitsMile)}
	if s.BestEfforts != nil {
		out.BestEfforts = make([]api.BestEffort, len(s.BestEfforts))
		for i, b := range s.BestEfforts {
			out.BestEfforts[i] = api.BestEffort{Name: b.Name, DistanceM: b.DistanceM, ElapsedS: b.ElapsedS}
		}
	}
	return out
}

func splitsOut(in []store.Split) []api.Split {
	if in == nil {
		return nil
	}
	out := make([]api.Split, len(in))
	for i, s := range in {
		out[i] = api.Split{Index: s.Index, DistanceM: s.DistanceM, ElapsedS: s.ElapsedS, ElevDiffM: s.ElevDiffM, AvgHRBpm: s.AvgHRBpm}
	}
	return out
}
