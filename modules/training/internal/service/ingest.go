package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/storage"
)

// MaxPointsPerBatch bounds the points of one message or request.
const MaxPointsPerBatch = 10_000

// LateGrace is how long after a session is finished its points are still
// taken: the app may finish a session (over HTTP) while its last telemetry
// messages are still on their way (over NATS). Such late points, when
// recorded before the finish, are stored and the session's figures
// computed again (evt.training.session.updated).
const LateGrace = 10 * time.Minute

// Telemetry is one message of points for a session of a user: one NATS
// message on live.telemetry.<user>.<session>, or one HTTP request.
type Telemetry struct {
	User, Session uuid.UUID
	Points        []telemetry.Point
}

// DecodeTelemetry reads a message of points (api.TelemetryMessage) that
// user sent for one of its sessions. Errors: invalid (payload malformed,
// or more than MaxPointsPerBatch points).
func (s *Service) DecodeTelemetry(user, session uuid.UUID, data []byte) (Telemetry, error) {
	m := Telemetry{User: user, Session: session}
	var err error
	if m.Points, err = s.decoder.Batch(data); err != nil {
		return m, bus.Invalid("payload", err.Error())
	}
	if len(m.Points) > MaxPointsPerBatch {
		return m, bus.Invalid("payload", fmt.Sprintf("at most %d points per message", MaxPointsPerBatch))
	}
	return m, nil
}

// Ingested is what became of a batch of telemetry messages.
type Ingested struct {
	// Results and Errs are per message, in order. An error is a
	// *bus.Error saying why the message can never be stored: not_found
	// (another user's session, or an unknown one), conflict (the session
	// is closed); its points were not kept.
	Results []api.PointsResult
	Errs    []error
	// Stored counts the new points of the whole batch.
	Stored int64
}

// Ingest is the one pipeline of points, from NATS and from HTTP. It takes
// many messages (of many sessions) in one transaction: the sessions are
// locked, impossible points dropped and counted, the rest written with
// one COPY, the sessions' running figures brought up to date, and all of
// it committed together. A point sent twice is stored once, and counted
// once in the live figures. A database error fails the whole batch, which
// may then be retried as it is. After the commit, each session's live
// figures go to the live callback. The error returned is the database's
// (the messages' own errors are in Ingested.Errs).
func (s *Service) Ingest(ctx context.Context, msgs []Telemetry) (Ingested, error) {
	out := Ingested{Results: make([]api.PointsResult, len(msgs)), Errs: make([]error, len(msgs))}
	ids := make([]uuid.UUID, 0, len(msgs))
	for _, m := range msgs {
		ids = append(ids, m.Session)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	ids = slices.Compact(ids)
	now := time.Now().UTC()
	var touched []*store.IngestSession
	write := func(dedupe bool) error {
		return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			sessions, err := store.LockIngestSessions(ctx, tx, ids)
			if err != nil {
				return err
			}
			touched = touched[:0]
			seen := make(map[uuid.UUID]bool, len(sessions))
			var late []*store.IngestSession
			var rows store.PointRows
			marks := map[uuid.UUID][]time.Time{} // lap starts, by session
			for i, m := range msgs {
				out.Results[i], out.Errs[i] = api.PointsResult{Dropped: map[string]int{}}, nil
				ss := sessions[m.Session]
				if ss == nil || ss.User != m.User {
					out.Errs[i] = errNoSession
					continue
				}
				until, isLate := now, lateFor(ss, now)
				if isLate {
					until = *ss.FinishedAt
				} else if !session.Open(ss.State) {
					out.Errs[i] = bus.Errorf(bus.CodeConflict, "the session is %s and takes no more points", ss.State)
					continue
				}
				res := telemetry.Filter(m.Points, telemetry.Session{Sport: ss.Sport, StartedAt: ss.StartedAt, Until: until}, ss.Live.Last)
				out.Results[i].Accepted = len(res.Accepted)
				for k, v := range res.Dropped {
					out.Results[i].Dropped[k] = v
				}
				if len(res.Accepted) == 0 {
					continue
				}
				rows.Add(ss.ID, res.Accepted)
				for _, p := range res.Accepted {
					if p.Lap {
						marks[ss.ID] = append(marks[ss.ID], p.T)
					}
				}
				if seen[ss.ID] {
					if !isLate {
						ss.Live.Add(res.Accepted, ss.Sport)
					}
					continue
				}
				seen[ss.ID] = true
				if isLate {
					late = append(late, ss)
					continue
				}
				ss.Live.Add(res.Accepted, ss.Sport)
				touched = append(touched, ss)
			}
			var perSession map[uuid.UUID]int64
			if out.Stored, perSession, err = store.WritePoints(ctx, tx, rows, dedupe); err != nil {
				return err
			}
			if err := store.SaveLive(ctx, tx, touched); err != nil {
				return err
			}
			for id, times := range marks {
				if err := store.AddLapMarks(ctx, tx, id, times); err != nil {
					return err
				}
			}
			for _, ss := range late {
				// Only new points change the figures (nil: all were new).
				if perSession != nil && perSession[ss.ID] == 0 {
					continue
				}
				if err := refigure(ctx, tx, ss); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// The fast path first; a batch holding a point stored before (a
	// redelivery) is written again, whole, with the deduplicating path.
	err := write(false)
	if errors.Is(err, store.ErrDuplicatePoint) {
		err = write(true)
	}
	if err != nil {
		return Ingested{}, err
	}
	if len(msgs) == 1 {
		out.Results[0].Stored = out.Stored
	}
	storedAt := time.Now().UTC()
	figs := make([]ownedLive, len(touched))
	for i, ss := range touched {
		figs[i] = ownedLive{ss.User, ss.ID, liveStats(ss.ID, ss.State, ss.Live, storedAt)}
	}
	s.offerLive(ctx, figs)
	return out, nil
}

// liveStats are the figures watchers see.
func liveStats(id uuid.UUID, state string, l stats.Live, at time.Time) api.LiveStats {
	out := api.LiveStats{SessionID: id.String(), State: state, StoredAt: at, Points: l.Points,
		ElapsedTimeS: l.ElapsedS(), MovingTimeS: l.MovingS, DistanceM: l.DistanceM, SpeedMps: l.SpeedMps,
		AvgSpeedMps: l.AvgSpeedMps(), ElevationGainM: l.Climb.GainM}
	if l.SpeedMps > 0 {
		out.PaceSPerKm = stats.Kilometre / l.SpeedMps
	}
	if v := out.AvgSpeedMps; v > 0 {
		out.AvgPaceSPerKm = stats.Kilometre / v
	}
	if l.Last != nil {
		out.LastPointT = l.Last.T
		out.HRBpm, out.PowerW, out.Cadence = l.Last.HR, l.Last.Pwr, l.Last.Cad
	}
	if l.Odometer.HasPos {
		out.Position = &api.Place{Lat: l.Odometer.Lat, Lon: l.Odometer.Lon}
	}
	return out
}

// AddPoints takes a batch of points (a JSON list of api.TelemetryPoint)
// for an open session of user (HTTP offline sync): impossible points are
// dropped and counted by reason, the rest stored (a point sent twice is
// stored once). Errors: invalid (body.points malformed or too many),
// not_found (another user's session, or an unknown one), conflict (the
// session is closed).
func (s *Service) AddPoints(ctx context.Context, user, id uuid.UUID, data []byte) (api.PointsResult, error) {
	points, err := s.decoder.Points(data)
	if err != nil {
		return api.PointsResult{}, bus.Invalid("body.points", "must be a list of points {t, lat, lon, ...}: "+err.Error())
	}
	if len(points) > MaxPointsPerBatch {
		return api.PointsResult{}, bus.Invalid("body.points", fmt.Sprintf("at most %d points per batch", MaxPointsPerBatch))
	}
	res, err := s.Ingest(ctx, []Telemetry{{User: user, Session: id, Points: points}})
	if err != nil {
		return api.PointsResult{}, err
	}
	return res.Results[0], res.Errs[0]
}

// lateFor reports whether a session takes late points: finished within
// LateGrace (a manual session, entered by hand, takes none).
func lateFor(ss *store.IngestSession, now time.Time) bool {
	return !ss.Manual && ss.State == session.Finished && ss.FinishedAt != nil && now.Sub(*ss.FinishedAt) <= LateGrace
}

// refigure computes a finished session's figures again with the late
// points it took, and publishes evt.training.session.updated.
func refigure(ctx context.Context, tx pgx.Tx, ss *store.IngestSession) error {
	row, err := store.Session(ctx, tx, ss.User, ss.ID)
	if err != nil {
		return err
	}
	points, err := store.Points(ctx, tx, ss.ID)
	if err != nil {
		return err
	}
	err = complete(ctx, tx, ss.ID, row, points, *ss.FinishedAt, api.EventSessionUpdated)
	return err
}
