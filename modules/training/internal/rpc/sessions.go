package rpc

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
)

// registerSessions serves rpc.training.sessions.*: the caller's sessions.
func registerSessions(svc *bus.Service, s *service.Service) error {
	return handlers(svc, map[string]bus.HandlerFunc{
		api.SubjectSessionStart: asCaller(func(ctx context.Context, user uuid.UUID, in api.SessionStart) (api.Session, error) {
			start, err := startOf(in)
			if err != nil {
				return api.Session{}, err
			}
			if in.Manual() {
				return recordManual(ctx, s, user, start, in.ManualSession)
			}
			return s.StartSession(ctx, user, start)
		}),
		api.SubjectSessionGet: onSession(refID, func(ctx context.Context, user, id uuid.UUID, _ api.SessionRef) (api.Session, error) {
			return s.GetSession(ctx, user, id)
		}),
		api.SubjectSessionList: asCaller(func(ctx context.Context, user uuid.UUID, in api.SessionListRequest) (api.SessionList, error) {
			f := service.SessionFilter{Sport: in.Sport, From: in.From, To: in.To}
			if in.UserID != "" {
				var err error
				if f.Owner, err = parseID("query.user_id", in.UserID); err != nil {
					return api.SessionList{}, err
				}
			}
			return s.ListSessions(ctx, user, f, in.Limit, in.Cursor)
		}),
		api.SubjectSessionAction: onSession(func(r api.SessionAction) string { return r.ID }, func(ctx context.Context, user, id uuid.UUID, in api.SessionAction) (api.Session, error) {
			return s.ActOnSession(ctx, user, id, in.Action)
		}),
		api.SubjectSessionPoints: onSession(func(r api.SessionPoints) string { return r.ID }, func(ctx context.Context, user, id uuid.UUID, in api.SessionPoints) (api.PointsResult, error) {
			return s.AddPoints(ctx, user, id, in.Points)
		}),
		// GeoJSON the service composed: passed on as it is.
		api.SubjectSessionRoute: asCallerEncoded(func(ctx context.Context, user uuid.UUID, in api.RouteRequest) ([]byte, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return nil, err
			}
			return s.SessionRoute(ctx, user, id, in.Simplified)
		}),
		api.SubjectSessionPatch: onSession(func(r api.SessionPatch) string { return r.ID }, func(ctx context.Context, user, id uuid.UUID, in api.SessionPatch) (api.Session, error) {
			changes, err := changesOf(in.SessionChanges)
			if err != nil {
				return api.Session{}, err
			}
			return s.PatchSession(ctx, user, id, changes)
		}),
		api.SubjectSessionDelete: onSession(refID, func(ctx context.Context, user, id uuid.UUID, _ api.SessionRef) (api.Empty, error) {
			return api.Empty{}, s.DeleteSession(ctx, user, id)
		}),
		// The GPX document is the answer as it is, not JSON.
		api.SubjectSessionGPX: asCallerEncoded(func(ctx context.Context, user uuid.UUID, in api.SessionRef) ([]byte, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return nil, err
			}
			return s.SessionGPX(ctx, user, id)
		}),
	})
}

// onSession adapts a use case on one of the caller's sessions: as
// asCaller, with the session's id (idOf, from the path) parsed.
func onSession[Req, Resp any](idOf func(Req) string, fn func(ctx context.Context, user, id uuid.UUID, in Req) (Resp, error)) bus.HandlerFunc {
	return asCaller(func(ctx context.Context, user uuid.UUID, in Req) (Resp, error) {
		id, err := parseID("path.id", idOf(in))
		if err != nil {
			var zero Resp
			return zero, err
		}
		return fn(ctx, user, id, in)
	})
}

// refID is the id of the session a SessionRef names.
func refID(r api.SessionRef) string { return r.ID }

// startOf maps a start request to the service's input.
func startOf(in api.SessionStart) (service.Start, error) {
	out := service.Start{Sport: in.Sport, Visibility: in.Visibility, Title: in.Title}
	if in.DeviceID != "" {
		id, err := parseID("body.device_id", in.DeviceID)
		if err != nil {
			return out, err
		}
		out.Device = &id
	}
	gear, err := gearOf(in.GearIDs)
	out.Gear = gear
	return out, err
}

// changesOf maps a PATCH body to the service's input: perceived effort
// is a merge patch field (null removes it; 0 too, the older form).
func changesOf(in api.SessionChanges) (service.Changes, error) {
	out := service.Changes{Title: in.Title, Notes: in.Notes, Sport: in.Sport, Visibility: in.Visibility,
		PerceivedEffort: in.PerceivedEffort, Manual: service.ManualChanges{StartedAt: in.StartedAt, ElapsedS: in.ElapsedTimeS,
			MovingS: in.MovingTimeS, DistanceM: in.DistanceM, ElevationGainM: in.ElevationGainM, AvgHRBpm: in.AvgHRBpm,
			MaxHRBpm: in.MaxHRBpm, CaloriesKcal: in.CaloriesKcal}}
	if in.GearIDs != nil {
		gear, err := gearOf(*in.GearIDs)
		if err != nil {
			return out, err
		}
		out.Gear = append([]uuid.UUID{}, gear...) // [] removes the gear
	}
	return out, nil
}

// gearOf parses the gear ids of a request (body.gear_ids[i]).
func gearOf(ids []string) ([]uuid.UUID, error) {
	var out []uuid.UUID
	for i, g := range ids {
		id, err := parseID(fmt.Sprintf("body.gear_ids[%d]", i), g)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}
