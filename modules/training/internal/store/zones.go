package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/wkb"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/modules/training/internal/zone"
	"github.com/athlos/athlos/storage"
)

// Zone is a stored privacy zone: as the user gave it, and the circle that
// hides it.
type Zone struct {
	ID, User uuid.UUID
	zone.Zone
	Mask                 zone.Circle
	CreatedAt, UpdatedAt time.Time
}

const zoneColumns = `id, user_id, ST_Y(center::geometry), ST_X(center::geometry), radius_m,
	ST_Y(mask_center::geometry), ST_X(mask_center::geometry), mask_radius_m, created_at, updated_at`

func scanZone(row pgx.Row) (Zone, error) {
	var z Zone
	err := row.Scan(&z.ID, &z.User, &z.Lat, &z.Lon, &z.RadiusM, &z.Mask.Lat, &z.Mask.Lon, &z.Mask.RadiusM, &z.CreatedAt, &z.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return z, ErrNotFound
	}
	if err != nil {
		return z, fmt.Errorf("store: read privacy zone: %w", err)
	}
	return z, nil
}

// LockZones serialises the changes of one user's zones in tx (so the
// per-user limit holds under concurrent requests).
func LockZones(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('training.privacy_zones:' || $1::text, 0))`, user)
	if err != nil {
		return fmt.Errorf("store: lock privacy zones: %w", err)
	}
	return nil
}

// CountZones counts a user's zones.
func CountZones(ctx context.Context, q storage.Querier, user uuid.UUID) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM training.privacy_zones WHERE user_id = $1`, user).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count privacy zones: %w", err)
	}
	return n, nil
}

// InsertZone stores a new zone with its mask circle and returns it.
func InsertZone(ctx context.Context, tx pgx.Tx, id, user uuid.UUID, z zone.Zone, mask zone.Circle) (Zone, error) {
	return scanZone(tx.QueryRow(ctx, `INSERT INTO training.privacy_zones (id, user_id, center, radius_m, mask_center, mask_radius_m)
		VALUES ($1, $2, ST_SetSRID(ST_MakePoint($4, $3), 4326)::geography, $5, ST_SetSRID(ST_MakePoint($7, $6), 4326)::geography, $8)
		RETURNING `+zoneColumns, id, user, z.Lat, z.Lon, z.RadiusM, mask.Lat, mask.Lon, mask.RadiusM))
}

// LockZone reads one of a user's zones and locks it for tx; ErrNotFound
// for another user's or an unknown one.
func LockZone(ctx context.Context, tx pgx.Tx, user, id uuid.UUID) (Zone, error) {
	return scanZone(tx.QueryRow(ctx, `SELECT `+zoneColumns+` FROM training.privacy_zones WHERE id = $1 AND user_id = $2 FOR UPDATE`, id, user))
}

// UpdateZone replaces a zone's centre, radius and mask circle.
func UpdateZone(ctx context.Context, tx pgx.Tx, id uuid.UUID, z zone.Zone, mask zone.Circle) (Zone, error) {
	return scanZone(tx.QueryRow(ctx, `UPDATE training.privacy_zones SET center = ST_SetSRID(ST_MakePoint($3, $2), 4326)::geography,
		radius_m = $4, mask_center = ST_SetSRID(ST_MakePoint($6, $5), 4326)::geography, mask_radius_m = $7, updated_at = now()
		WHERE id = $1 RETURNING `+zoneColumns, id, z.Lat, z.Lon, z.RadiusM, mask.Lat, mask.Lon, mask.RadiusM))
}

// DeleteZone deletes one of a user's zones; false when it has none of
// that id.
func DeleteZone(ctx context.Context, q storage.Querier, user, id uuid.UUID) (bool, error) {
	tag, err := q.Exec(ctx, `DELETE FROM training.privacy_zones WHERE id = $1 AND user_id = $2`, id, user)
	if err != nil {
		return false, fmt.Errorf("store: delete privacy zone: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Zones lists a user's zones, oldest first.
func Zones(ctx context.Context, q storage.Querier, user uuid.UUID) ([]Zone, error) {
	rows, err := q.Query(ctx, `SELECT `+zoneColumns+` FROM training.privacy_zones WHERE user_id = $1 ORDER BY id`, user)
	if err != nil {
		return nil, fmt.Errorf("store: privacy zones: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Zone, error) { return scanZone(r) })
}

// Masks returns the mask of each of users that has zones (users without
// any are not in the map).
func Masks(ctx context.Context, q storage.Querier, users []uuid.UUID) (map[uuid.UUID]zone.Mask, error) {
	ids := make([][16]byte, len(users)) // binary, not through uuid's driver.Valuer (a string): on the ingest's path
	for i, u := range users {
		ids[i] = u
	}
	rows, err := q.Query(ctx, `SELECT user_id, ST_Y(mask_center::geometry), ST_X(mask_center::geometry), mask_radius_m
		FROM training.privacy_zones WHERE user_id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: privacy masks: %w", err)
	}
	defer rows.Close()
	out := map[uuid.UUID]zone.Mask{}
	for rows.Next() {
		var u uuid.UUID
		var c zone.Circle
		if err := rows.Scan(&u, &c.Lat, &c.Lon, &c.RadiusM); err != nil {
			return nil, fmt.Errorf("store: privacy masks: %w", err)
		}
		out[u] = append(out[u], c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: privacy masks: %w", err)
	}
	return out, nil
}

// MaskOf returns a user's mask (empty without zones).
func MaskOf(ctx context.Context, q storage.Querier, user uuid.UUID) (zone.Mask, error) {
	m, err := Masks(ctx, q, []uuid.UUID{user})
	return m[user], err
}

// DeleteUserZones erases a user's zones.
func DeleteUserZones(ctx context.Context, q storage.Querier, user uuid.UUID) error {
	if _, err := q.Exec(ctx, `DELETE FROM training.privacy_zones WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("store: delete user's privacy zones: %w", err)
	}
	return nil
}

// RouteLine reads a session's route, the simplified line or every point,
// as positions (ErrNotFound when it has none), with its length on the
// ellipsoid: what masking it needs.
func RouteLine(ctx context.Context, q storage.Querier, id uuid.UUID, simplified bool) ([]telemetry.Point, float64, error) {
	var b []byte
	var length float64
	err := q.QueryRow(ctx, `SELECT ST_AsBinary((CASE WHEN $2 THEN simplified ELSE path END)::geometry), ST_Length(path)
		FROM training.routes WHERE session_id = $1`, id, simplified).Scan(&b, &length)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: route line: %w", err)
	}
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return nil, 0, fmt.Errorf("store: route line: %w", err)
	}
	line, ok := g.(*geom.LineString)
	if !ok {
		return nil, 0, fmt.Errorf("store: route line: a %T, not a line", g)
	}
	flat, stride := line.FlatCoords(), line.Stride()
	out := make([]telemetry.Point, 0, len(flat)/stride)
	for i := 0; i+1 < len(flat); i += stride {
		p := telemetry.Point{Lat: flat[i+1], Lon: flat[i]}
		if math.IsNaN(p.Lat) || math.IsNaN(p.Lon) {
			continue
		}
		out = append(out, p)
	}
	return out, length, nil
}
