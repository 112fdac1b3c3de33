package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/training/internal/lap"
	"github.com/athlos/athlos/storage"
)

// AddLapMarks stores where new laps of a session start; a time stored
// before changes nothing (a redelivered point).
func AddLapMarks(ctx context.Context, tx pgx.Tx, session uuid.UUID, times []time.Time) error {
	if len(times) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO training.lap_marks (session_id, t) SELECT $1, unnest($2::timestamptz[])
		ON CONFLICT DO NOTHING`, session, times)
	if err != nil {
		return fmt.Errorf("store: add lap marks: %w", err)
	}
	return nil
}

// LapMarks reads where a session's laps start, in time order.
func LapMarks(ctx context.Context, q storage.Querier, session uuid.UUID) ([]time.Time, error) {
	rows, err := q.Query(ctx, `SELECT t FROM training.lap_marks WHERE session_id = $1 ORDER BY t`, session)
	if err != nil {
		return nil, fmt.Errorf("store: lap marks: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return nil, fmt.Errorf("store: lap marks: %w", err)
	}
	return out, nil
}

// lapColumns are a lap's columns in training.laps, in lap.Lap's order.
var lapColumns = []string{"index", "started_at", "elapsed_time_s", "moving_time_s", "distance_m", "avg_hr_bpm", "max_hr_bpm",
	"avg_speed_mps", "elevation_gain_m", "elevation_loss_m", "avg_power_w", "avg_cadence"}

// ReplaceLaps replaces a session's laps (none: it has no laps).
func ReplaceLaps(ctx context.Context, tx pgx.Tx, session uuid.UUID, laps []lap.Lap) error {
	if _, err := tx.Exec(ctx, `DELETE FROM training.laps WHERE session_id = $1`, session); err != nil {
		return fmt.Errorf("store: replace laps: %w", err)
	}
	if len(laps) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"training", "laps"}, append([]string{"session_id"}, lapColumns...),
		pgx.CopyFromSlice(len(laps), func(i int) ([]any, error) {
			l := laps[i]
			return []any{session, l.Index, l.Start, l.ElapsedS, l.MovingS, l.DistanceM, l.AvgHRBpm, l.MaxHRBpm, l.AvgSpeedMps,
				l.ElevationGainM, l.ElevationLossM, l.AvgPowerW, l.AvgCadence}, nil
		}))
	if err != nil {
		return fmt.Errorf("store: replace laps: %w", err)
	}
	return nil
}

// Laps reads a session's laps, in order.
func Laps(ctx context.Context, q storage.Querier, session uuid.UUID) ([]lap.Lap, error) {
	rows, err := q.Query(ctx, `SELECT `+strings.Join(lapColumns, ", ")+` FROM training.laps WHERE session_id = $1 ORDER BY index`, session)
	if err != nil {
		return nil, fmt.Errorf("store: laps: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[lap.Lap])
	if err != nil {
		return nil, fmt.Errorf("store: laps: %w", err)
	}
	return out, nil
}
