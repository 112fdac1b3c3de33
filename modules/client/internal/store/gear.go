package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/athlos/athlos/modules/client/internal/gear"
	"github.com/athlos/athlos/storage"
)

// ErrNoUser means the user a row refers to does not exist (any more).
var ErrNoUser = errors.New("store: user does not exist")

const gearColumns = `g.id, g.user_id, g.type, g.brand, g.model, g.nickname, g.purchase_date, g.starting_distance_m,
	g.replacement_threshold_m, g.retired, g.usage_distance_m, g.moving_time_s, g.sessions, g.last_used_at,
	g.wear_notified_at, g.created_at, g.updated_at`

func scanGear(r pgx.Row) (gear.Gear, error) {
	var g gear.Gear
	err := r.Scan(&g.ID, &g.UserID, &g.Type, &g.Brand, &g.Model, &g.Nickname, &g.PurchaseDate, &g.StartingDistanceM,
		&g.ThresholdM, &g.Retired, &g.UsageDistanceM, &g.MovingTimeS, &g.Sessions, &g.LastUsedAt,
		&g.WearNotifiedAt, &g.CreatedAt, &g.UpdatedAt)
	if g.PurchaseDate != nil {
		d := time.Date(g.PurchaseDate.Year(), g.PurchaseDate.Month(), g.PurchaseDate.Day(), 0, 0, 0, 0, time.UTC)
		g.PurchaseDate = &d
	}
	g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	if g.LastUsedAt != nil {
		t := g.LastUsedAt.UTC()
		g.LastUsedAt = &t
	}
	return g, err
}

// LockUserGear serialises changes to a user's set of items (the item limit,
// sport defaults) for the transaction.
func LockUserGear(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('client.gear:' || $1::text, 0))`, user); err != nil {
		return fmt.Errorf("store: lock gear: %w", err)
	}
	return nil
}

// CountGear counts a user's items that are not deleted.
func CountGear(ctx context.Context, q storage.Querier, user uuid.UUID) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM client.gear WHERE user_id = $1 AND deleted_at IS NULL`, user).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count gear: %w", err)
	}
	return n, nil
}

// InsertGear stores a new item, its components and its sport defaults;
// ErrNoUser if the user is gone. It returns the items that lost a default
// to it.
func InsertGear(ctx context.Context, tx pgx.Tx, g gear.Gear) ([]uuid.UUID, error) {
	_, err := tx.Exec(ctx, `INSERT INTO client.gear (id, user_id, type, brand, model, nickname, purchase_date,
		starting_distance_m, replacement_threshold_m, retired, wear_notified_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		g.ID, g.UserID, g.Type, g.Brand, g.Model, g.Nickname, g.PurchaseDate, g.StartingDistanceM, g.ThresholdM,
		g.Retired, g.WearNotifiedAt, g.CreatedAt, g.UpdatedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return nil, ErrNoUser
	}
	if err != nil {
		return nil, fmt.Errorf("store: insert gear: %w", err)
	}
	if err := saveComponents(ctx, tx, g); err != nil {
		return nil, err
	}
	return SetDefaults(ctx, tx, g)
}

// UpdateGear writes an item's fields, totals and components (components
// not in g are removed).
func UpdateGear(ctx context.Context, tx pgx.Tx, g gear.Gear) error {
	_, err := tx.Exec(ctx, `UPDATE client.gear SET brand = $2, model = $3, nickname = $4, purchase_date = $5,
		starting_distance_m = $6, replacement_threshold_m = $7, retired = $8, usage_distance_m = $9, moving_time_s = $10,
		sessions = $11, last_used_at = $12, wear_notified_at = $13, updated_at = $14
		WHERE id = $1`,
		g.ID, g.Brand, g.Model, g.Nickname, g.PurchaseDate, g.StartingDistanceM, g.ThresholdM, g.Retired,
		g.UsageDistanceM, g.MovingTimeS, g.Sessions, g.LastUsedAt, g.WearNotifiedAt, g.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: update gear: %w", err)
	}
	return saveComponents(ctx, tx, g)
}

func saveComponents(ctx context.Context, tx pgx.Tx, g gear.Gear) error {
	ids := make([]uuid.UUID, len(g.Components))
	for i, c := range g.Components {
		ids[i] = c.ID
	}
	if _, err := tx.Exec(ctx, `DELETE FROM client.gear_components WHERE gear_id = $1 AND NOT (id = ANY($2))`, g.ID, ids); err != nil {
		return fmt.Errorf("store: remove components: %w", err)
	}
	if len(g.Components) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for i, c := range g.Components {
		b.Queue(`INSERT INTO client.gear_components (id, gear_id, position, type, brand, model, installed_at,
			replacement_threshold_m, distance_m, moving_time_s, sessions, wear_notified_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (id) DO UPDATE SET position = $3, type = $4, brand = $5, model = $6, installed_at = $7,
			replacement_threshold_m = $8, distance_m = $9, moving_time_s = $10, sessions = $11, wear_notified_at = $12`,
			c.ID, g.ID, i, c.Type, c.Brand, c.Model, c.InstalledAt, c.ThresholdM, c.DistanceM, c.MovingTimeS, c.Sessions, c.WearNotifiedAt)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("store: save components: %w", err)
	}
	return nil
}

// SetDefaults makes g the default of its type for exactly the sports in
// g.DefaultFor, taking each from any other item of the user. It returns
// the items that lost a default.
func SetDefaults(ctx context.Context, tx pgx.Tx, g gear.Gear) ([]uuid.UUID, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM client.gear_defaults WHERE gear_id = $1`, g.ID); err != nil {
		return nil, fmt.Errorf("store: clear defaults: %w", err)
	}
	if len(g.DefaultFor) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT gear_id FROM client.gear_defaults
		WHERE user_id = $1 AND gear_type = $2 AND sport = ANY($3) AND gear_id <> $4 ORDER BY gear_id`,
		g.UserID, g.Type, g.DefaultFor, g.ID)
	if err != nil {
		return nil, fmt.Errorf("store: defaults: %w", err)
	}
	losers, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("store: defaults: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO client.gear_defaults (user_id, sport, gear_type, gear_id)
		SELECT $1, s, $2, $3 FROM unnest($4::text[]) AS s
		ON CONFLICT (user_id, sport, gear_type) DO UPDATE SET gear_id = EXCLUDED.gear_id`,
		g.UserID, g.Type, g.ID, g.DefaultFor); err != nil {
		return nil, fmt.Errorf("store: set defaults: %w", err)
	}
	return losers, nil
}

// TouchGear bumps an item's updated_at (it lost a default).
func TouchGear(ctx context.Context, q storage.Querier, id uuid.UUID, at time.Time) error {
	if _, err := q.Exec(ctx, `UPDATE client.gear SET updated_at = $2 WHERE id = $1`, id, at); err != nil {
		return fmt.Errorf("store: touch gear: %w", err)
	}
	return nil
}

// SoftDeleteGear marks an item deleted and drops its defaults; its usage
// records stay. ErrNotFound unless the user has it.
func SoftDeleteGear(ctx context.Context, tx pgx.Tx, user, id uuid.UUID, at time.Time) error {
	tag, err := tx.Exec(ctx, `UPDATE client.gear SET deleted_at = $3, updated_at = $3
		WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL`, id, user, at)
	if err != nil {
		return fmt.Errorf("store: delete gear: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	if _, err := tx.Exec(ctx, `DELETE FROM client.gear_defaults WHERE gear_id = $1`, id); err != nil {
		return fmt.Errorf("store: delete gear defaults: %w", err)
	}
	return nil
}

// GetGear reads one of a user's items (not deleted), with its components
// and defaults; ErrNotFound otherwise. With lock, the item's row is
// locked for the transaction (q must then be a transaction).
func GetGear(ctx context.Context, q storage.Querier, user, id uuid.UUID, lock bool) (gear.Gear, error) {
	sql := `SELECT ` + gearColumns + ` FROM client.gear g WHERE g.id = $1 AND g.user_id = $2 AND g.deleted_at IS NULL`
	if lock {
		sql += ` FOR UPDATE`
	}
	g, err := scanGear(q.QueryRow(ctx, sql, id, user))
	if errors.Is(err, pgx.ErrNoRows) {
		return g, ErrNotFound
	}
	if err != nil {
		return g, fmt.Errorf("store: get gear: %w", err)
	}
	items := []gear.Gear{g}
	if err := fill(ctx, q, items); err != nil {
		return g, err
	}
	return items[0], nil
}

// ListGear returns up to limit of a user's items (not deleted), newest
// first, after the item with id after (uuid.Nil: from the start),
// optionally only retired or only active ones.
func ListGear(ctx context.Context, q storage.Querier, user uuid.UUID, after uuid.UUID, retired *bool, limit int) ([]gear.Gear, error) {
	rows, err := q.Query(ctx, `SELECT `+gearColumns+` FROM client.gear g
		WHERE g.user_id = $1 AND g.deleted_at IS NULL AND ($2::uuid IS NULL OR g.id < $2)
		AND ($3::boolean IS NULL OR g.retired = $3)
		ORDER BY g.id DESC LIMIT $4`, user, nilUUID(after), retired, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list gear: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gear.Gear, error) { return scanGear(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list gear: %w", err)
	}
	if err := fill(ctx, q, items); err != nil {
		return nil, err
	}
	return items, nil
}

// GearByIDs reads the given items of a user (not deleted), with their
// components, ordered by id. With lock, their rows are locked in that order.
func GearByIDs(ctx context.Context, q storage.Querier, user uuid.UUID, ids []uuid.UUID, lock bool) ([]gear.Gear, error) {
	sql := `SELECT ` + gearColumns + ` FROM client.gear g
		WHERE g.id = ANY($1) AND g.user_id = $2 AND g.deleted_at IS NULL ORDER BY g.id`
	if lock {
		sql += ` FOR UPDATE`
	}
	rows, err := q.Query(ctx, sql, ids, user)
	if err != nil {
		return nil, fmt.Errorf("store: gear by ids: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gear.Gear, error) { return scanGear(r) })
	if err != nil {
		return nil, fmt.Errorf("store: gear by ids: %w", err)
	}
	if err := fill(ctx, q, items); err != nil {
		return nil, err
	}
	return items, nil
}

// fill reads the components and defaults of items.
func fill(ctx context.Context, q storage.Querier, items []gear.Gear) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(items))
	at := make(map[uuid.UUID]int, len(items))
	for i, g := range items {
		ids[i] = g.ID
		at[g.ID] = i
	}
	rows, err := q.Query(ctx, `SELECT gear_id, id, type, brand, model, installed_at, replacement_threshold_m,
		distance_m, moving_time_s, sessions, wear_notified_at
		FROM client.gear_components WHERE gear_id = ANY($1) ORDER BY gear_id, position`, ids)
	if err != nil {
		return fmt.Errorf("store: components: %w", err)
	}
	for rows.Next() {
		var gid uuid.UUID
		var c gear.Component
		if err := rows.Scan(&gid, &c.ID, &c.Type, &c.Brand, &c.Model, &c.InstalledAt, &c.ThresholdM,
			&c.DistanceM, &c.MovingTimeS, &c.Sessions, &c.WearNotifiedAt); err != nil {
			rows.Close()
			return fmt.Errorf("store: components: %w", err)
		}
		c.InstalledAt = c.InstalledAt.UTC()
		g := &items[at[gid]]
		g.Components = append(g.Components, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: components: %w", err)
	}
	// Sports in the canonical order (that of sport.All), whatever the
	// table's order.
	rows, err = q.Query(ctx, `SELECT gear_id, array_agg(sport) FROM client.gear_defaults WHERE gear_id = ANY($1) GROUP BY gear_id`, ids)
	if err != nil {
		return fmt.Errorf("store: defaults: %w", err)
	}
	for rows.Next() {
		var gid uuid.UUID
		var sports []string
		if err := rows.Scan(&gid, &sports); err != nil {
			rows.Close()
			return fmt.Errorf("store: defaults: %w", err)
		}
		items[at[gid]].DefaultFor = gear.SortSports(sports)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: defaults: %w", err)
	}
	return nil
}

// InsertUsage records that a session used an item; false if it was
// recorded before (under whatever message).
func InsertUsage(ctx context.Context, tx pgx.Tx, g gear.Gear, s gear.Session) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO client.gear_usage (gear_id, session_id, user_id, sport, distance_m,
		moving_time_s, elapsed_time_s, completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (gear_id, session_id) DO NOTHING`,
		g.ID, s.ID, s.UserID, s.Sport, s.DistanceM, s.MovingTimeS, s.ElapsedS, s.CompletedAt)
	if err != nil {
		return false, fmt.Errorf("store: insert usage: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// UsageSince sums an item's recorded sessions completed at or after since.
func UsageSince(ctx context.Context, q storage.Querier, gearID uuid.UUID, since time.Time) (distanceM, movingTimeS float64, sessions int, err error) {
	err = q.QueryRow(ctx, `SELECT coalesce(sum(distance_m), 0), coalesce(sum(moving_time_s), 0), count(*)
		FROM client.gear_usage WHERE gear_id = $1 AND completed_at >= $2`, gearID, since).Scan(&distanceM, &movingTimeS, &sessions)
	if err != nil {
		err = fmt.Errorf("store: usage since: %w", err)
	}
	return
}

func nilUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// TakeSessionUsage returns the usage records of a session (one per item it
// counted for) and removes them.
func TakeSessionUsage(ctx context.Context, tx pgx.Tx, user, session uuid.UUID) (map[uuid.UUID]gear.Usage, error) {
	rows, err := tx.Query(ctx, `DELETE FROM client.gear_usage WHERE session_id = $1 AND user_id = $2
		RETURNING gear_id, distance_m, moving_time_s, completed_at`, session, user)
	if err != nil {
		return nil, fmt.Errorf("store: take session usage: %w", err)
	}
	defer rows.Close()
	out := map[uuid.UUID]gear.Usage{}
	for rows.Next() {
		var id uuid.UUID
		u := gear.Usage{SessionID: session}
		if err := rows.Scan(&id, &u.DistanceM, &u.MovingTimeS, &u.CompletedAt); err != nil {
			return nil, fmt.Errorf("store: take session usage: %w", err)
		}
		out[id] = u
	}
	return out, rows.Err()
}

// AdvanceSession records that revision rev of a session is applied (and
// whether it deleted the session) if it is newer than the last one and
// the session was not deleted; false means the event is old news.
func AdvanceSession(ctx context.Context, tx pgx.Tx, user, session uuid.UUID, rev int64, deleted bool) (bool, error) {
	var ok bool
	// A user that is gone (its account deleted) has no gear: nothing to do.
	err := tx.QueryRow(ctx, `INSERT INTO client.gear_sessions (session_id, user_id, revision, deleted)
		SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM client.users WHERE id = $2)
		ON CONFLICT (session_id) DO UPDATE SET revision = EXCLUDED.revision, deleted = EXCLUDED.deleted
		WHERE client.gear_sessions.revision < EXCLUDED.revision AND NOT client.gear_sessions.deleted
		RETURNING true`, session, user, rev, deleted).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: advance session: %w", err)
	}
	return ok, nil
}
