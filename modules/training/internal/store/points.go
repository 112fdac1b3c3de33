package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/ewkb"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

var pointColumns = []string{"session_id", "t", "pos", "ele", "acc", "speed", "hr", "cad", "pwr", "temp"}

// InsertPoints stores points of a session and returns how many were new.
// It COPYs them straight into training.points, the fast path; when the
// batch holds a point already stored (a redelivery), COPY aborts on the
// key, and the batch goes through a staging table with INSERT … ON
// CONFLICT DO NOTHING instead, so a redelivered point changes nothing.
// Positions are encoded in Go as EWKB (SRID 4326), not built in SQL.
func InsertPoints(ctx context.Context, pool *pgxpool.Pool, session uuid.UUID, points []telemetry.Point) (int64, error) {
	if len(points) == 0 {
		return 0, nil
	}
	rows, err := pointRows(session, points)
	if err != nil {
		return 0, err
	}
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"training", "points"}, pointColumns, pgx.CopyFromRows(rows))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return insertPointsDeduplicated(ctx, pool, rows)
	}
	if err != nil {
		return 0, fmt.Errorf("store: copy points: %w", err)
	}
	return n, nil
}

func insertPointsDeduplicated(ctx context.Context, pool *pgxpool.Pool, rows [][]any) (int64, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS points_stage
		(LIKE training.points INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`); err != nil {
		return 0, fmt.Errorf("store: staging table: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"points_stage"}, pointColumns, pgx.CopyFromRows(rows)); err != nil {
		return 0, fmt.Errorf("store: copy points to staging: %w", err)
	}
	// DISTINCT ON: a batch may also repeat a time within itself.
	tag, err := tx.Exec(ctx, `INSERT INTO training.points
		SELECT DISTINCT ON (session_id, t) * FROM points_stage ON CONFLICT (session_id, t) DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("store: insert staged points: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("store: commit points: %w", err)
	}
	return tag.RowsAffected(), nil
}

func pointRows(session uuid.UUID, points []telemetry.Point) ([][]any, error) {
	rows := make([][]any, len(points))
	for i, p := range points {
		pos, err := ewkb.Marshal(geom.NewPointFlat(geom.XY, []float64{p.Lon, p.Lat}).SetSRID(4326), binary.LittleEndian)
		if err != nil {
			return nil, fmt.Errorf("store: encode point: %w", err)
		}
		rows[i] = []any{session, p.T, pos, f32(p.Ele), f32(p.Acc), f32(p.Speed), i16(p.HR), i16(p.Cad), i16(p.Pwr), f32(p.Temp)}
	}
	return rows, nil
}

func f32(v *float64) any {
	if v == nil {
		return nil
	}
	return float32(*v)
}

func i16(v *int) any {
	if v == nil {
		return nil
	}
	return int16(*v)
}

// Points reads a session's points in time order.
func Points(ctx context.Context, q Querier, session uuid.UUID) ([]telemetry.Point, error) {
	rows, err := q.Query(ctx, `SELECT t, ST_Y(pos::geometry), ST_X(pos::geometry), ele, acc, speed, hr, cad, pwr, temp
		FROM training.points WHERE session_id = $1 ORDER BY t`, session)
	if err != nil {
		return nil, fmt.Errorf("store: points: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (telemetry.Point, error) {
		var p telemetry.Point
		var ele, acc, speed, temp *float32
		var hr, cad, pwr *int16
		if err := r.Scan(&p.T, &p.Lat, &p.Lon, &ele, &acc, &speed, &hr, &cad, &pwr, &temp); err != nil {
			return p, err
		}
		p.T = p.T.UTC()
		p.Ele, p.Acc, p.Speed, p.Temp = f64(ele), f64(acc), f64(speed), f64(temp)
		p.HR, p.Cad, p.Pwr = toInt(hr), toInt(cad), toInt(pwr)
		return p, nil
	})
}

func f64(v *float32) *float64 {
	if v == nil {
		return nil
	}
	x := float64(*v)
	return &x
}

func toInt(v *int16) *int {
	if v == nil {
		return nil
	}
	x := int(*v)
	return &x
}
