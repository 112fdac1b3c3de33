package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/plausible"
	"github.com/athlos/athlos/modules/training/internal/service"
)

// recordManual maps a start request with elapsed_time_s (a manual
// session) to the service's input and records it.
func recordManual(ctx context.Context, s *service.Service, user uuid.UUID, start service.Start, in api.ManualSession) (api.Session, error) {
	if in.ElapsedTimeS == nil {
		return api.Session{}, bus.Invalid("body.elapsed_time_s", "is required with started_at (a manual session)")
	}
	if in.StartedAt == nil {
		return api.Session{}, bus.Invalid("body.started_at", "is required with elapsed_time_s (a manual session)")
	}
	m := plausible.Manual{StartedAt: *in.StartedAt, ElapsedS: *in.ElapsedTimeS, MovingS: in.MovingTimeS, DistanceM: in.DistanceM,
		ElevationGainM: in.ElevationGainM, AvgHRBpm: in.AvgHRBpm, MaxHRBpm: in.MaxHRBpm, CaloriesKcal: in.CaloriesKcal,
		PerceivedEffort: in.PerceivedEffort}
	exercises, err := exercisesOf(in.Exercises)
	if err != nil {
		return api.Session{}, err
	}
	return s.RecordManualSession(ctx, user, service.ManualStart{Start: start, Manual: m, Exercises: exercises})
}
