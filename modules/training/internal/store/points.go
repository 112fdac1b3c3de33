package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/storage"
)

var pointColumns = []string{"session_id", "t", "pos", "ele", "acc", "speed", "hr", "cad", "pwr", "temp", "dist"}

// PointRows are points ready for COPY, of one or several sessions.
type PointRows [][]any

// Add appends a session's points to the rows. Positions are encoded in Go
// as EWKB (SRID 4326), not built in SQL; a point without one (indoor) has
// NULL.
func (r *PointRows) Add(session uuid.UUID, points []telemetry.Point) {
	id := [16]byte(session) // binary, not through uuid's driver.Valuer (a string)
	for _, p := range points {
		var pos any
		if p.HasPosition() {
			pos = pointEWKB(p.Lon, p.Lat)
		}
		var dist any
		if p.Dist != nil {
			dist = *p.Dist
		}
		*r = append(*r, []any{id, p.T, pos, f32(p.Ele), f32(p.Acc), f32(p.Speed), i16(p.HR), i16(p.Cad), i16(p.Pwr), f32(p.Temp), dist})
	}
}

// pointEWKB encodes a point as little-endian EWKB with SRID 4326: what
// go-geom's ewkb.Marshal writes (a test checks it), without its
// allocations, on the ingest's hot path.
func pointEWKB(x, y float64) []byte {
	b := make([]byte, 25)
	b[0] = 1                                         // little endian
	binary.LittleEndian.PutUint32(b[1:], 0x20000001) // point, with SRID
	binary.LittleEndian.PutUint32(b[5:], 4326)       // WGS 84
	binary.LittleEndian.PutUint64(b[9:], math.Float64bits(x))
	binary.LittleEndian.PutUint64(b[17:], math.Float64bits(y))
	return b
}

// ErrDuplicatePoint means rows held a point stored before: the COPY
// failed and its transaction must be rolled back.
var ErrDuplicatePoint = errors.New("store: a point is stored already")

// WritePoints stores rows in tx and returns how many were new. Without
// dedupe it COPYs them straight into training.points, the fast path; when
// the rows hold a point stored before (a redelivery), COPY aborts on the
// key and WritePoints returns ErrDuplicatePoint: the caller rolls back and
// writes again with dedupe, which goes through a staging table with
// INSERT … ON CONFLICT DO NOTHING, so a redelivered point changes nothing.
// (A savepoint would spare the retry but cost two round trips on every
// batch; duplicates are rare.)
//
// The map counts the new points of each session on the deduplicating
// path; it is nil on the fast path, where every point was new.
func WritePoints(ctx context.Context, tx pgx.Tx, rows PointRows, dedupe bool) (int64, map[uuid.UUID]int64, error) {
	if len(rows) == 0 {
		return 0, nil, nil
	}
	if dedupe {
		return writePointsDeduplicated(ctx, tx, rows)
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"training", "points"}, pointColumns, pgx.CopyFromRows(rows))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return 0, nil, ErrDuplicatePoint
	}
	if err != nil {
		return 0, nil, fmt.Errorf("store: copy points: %w", err)
	}
	return n, nil, nil
}

func writePointsDeduplicated(ctx context.Context, tx pgx.Tx, rows PointRows) (int64, map[uuid.UUID]int64, error) {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS points_stage
		(LIKE training.points INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`); err != nil {
		return 0, nil, fmt.Errorf("store: staging table: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"points_stage"}, pointColumns, pgx.CopyFromRows(rows)); err != nil {
		return 0, nil, fmt.Errorf("store: copy points to staging: %w", err)
	}
	// DISTINCT ON: a batch may also repeat a time within itself.
	res, err := tx.Query(ctx, `WITH fresh AS (INSERT INTO training.points
		SELECT DISTINCT ON (session_id, t) * FROM points_stage ON CONFLICT (session_id, t) DO NOTHING RETURNING session_id)
		SELECT session_id, count(*) FROM fresh GROUP BY session_id`)
	if err != nil {
		return 0, nil, fmt.Errorf("store: insert staged points: %w", err)
	}
	perSession := map[uuid.UUID]int64{}
	var total int64
	for res.Next() {
		var id [16]byte
		var n int64
		if err := res.Scan(&id, &n); err != nil {
			res.Close()
			return 0, nil, fmt.Errorf("store: insert staged points: %w", err)
		}
		perSession[id] = n
		total += n
	}
	res.Close()
	if err := res.Err(); err != nil {
		return 0, nil, fmt.Errorf("store: insert staged points: %w", err)
	}
	return total, perSession, nil
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

// Points reads a session's points in time order (those without a
// position with NaN coordinates).
func Points(ctx context.Context, q storage.Querier, session uuid.UUID) ([]telemetry.Point, error) {
	rows, err := q.Query(ctx, `SELECT t, ST_Y(pos::geometry), ST_X(pos::geometry), ele, acc, speed, hr, cad, pwr, temp, dist
		FROM training.points WHERE session_id = $1 ORDER BY t`, session)
	if err != nil {
		return nil, fmt.Errorf("store: points: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (telemetry.Point, error) {
		var p telemetry.Point
		var ele, acc, speed, temp *float32
		var lat, lon *float64
		var hr, cad, pwr *int16
		if err := r.Scan(&p.T, &lat, &lon, &ele, &acc, &speed, &hr, &cad, &pwr, &temp, &p.Dist); err != nil {
			return p, err
		}
		p.Lat, p.Lon = math.NaN(), math.NaN()
		if lat != nil && lon != nil {
			p.Lat, p.Lon = *lat, *lon
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
