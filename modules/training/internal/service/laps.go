package service

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/store"
)

// SessionLaps returns the laps of one of user's sessions, computed when
// it finished (none while it is open). Errors: not_found (another user's
// session, or an unknown one).
func (s *Service) SessionLaps(ctx context.Context, user, id uuid.UUID) (api.LapList, error) {
	if _, err := s.ownSession(ctx, user, id); err != nil {
		return api.LapList{}, err
	}
	laps, err := store.Laps(ctx, s.pool, id)
	if err != nil {
		return api.LapList{}, err
	}
	out := api.LapList{Items: make([]api.Lap, len(laps))}
	for i, l := range laps {
		out.Items[i] = api.Lap{Index: l.Index, StartedAt: l.Start, ElapsedTimeS: l.ElapsedS, MovingTimeS: l.MovingS,
			DistanceM: l.DistanceM, AvgHRBpm: l.AvgHRBpm, MaxHRBpm: l.MaxHRBpm, AvgSpeedMps: l.AvgSpeedMps,
			ElevationGainM: l.ElevationGainM, ElevationLossM: l.ElevationLossM, AvgPowerW: l.AvgPowerW, AvgCadence: l.AvgCadence}
		if l.DistanceM > 0 {
			out.Items[i].AvgPaceSPerKm = l.MovingS / (l.DistanceM / 1000)
		}
	}
	return out, nil
}
