package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// Dismiss records that a user dismissed a recommendation until expires
// (again: the later expiry stays).
func Dismiss(ctx context.Context, q storage.Querier, user uuid.UUID, id string, at, expires time.Time) error {
	if _, err := q.Exec(ctx, `INSERT INTO training.recommendation_dismissals (user_id, recommendation_id, dismissed_at, expires_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, recommendation_id) DO UPDATE
		SET expires_at = GREATEST(training.recommendation_dismissals.expires_at, EXCLUDED.expires_at)`, user, id, at, expires); err != nil {
		return fmt.Errorf("store: dismiss recommendation: %w", err)
	}
	return nil
}

// Dismissed returns the ids of a user's dismissals that have not expired
// at now.
func Dismissed(ctx context.Context, q storage.Querier, user uuid.UUID, now time.Time) (map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT recommendation_id FROM training.recommendation_dismissals WHERE user_id = $1 AND expires_at > $2`, user, now)
	if err != nil {
		return nil, fmt.Errorf("store: dismissals: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: dismissals: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// DeleteUserDismissals forgets a user's dismissals (and the expired ones
// of everybody).
func DeleteUserDismissals(ctx context.Context, q storage.Querier, user uuid.UUID) error {
	if _, err := q.Exec(ctx, `DELETE FROM training.recommendation_dismissals WHERE user_id = $1 OR expires_at < now() - interval '1 day'`, user); err != nil {
		return fmt.Errorf("store: delete dismissals: %w", err)
	}
	return nil
}

// GearFacts are what the gear rule needs of an item (from the client
// module's gear events).
type GearFacts struct {
	Name                  string
	StartingDistanceM     float64
	ReplacementThresholdM *float64
	Retired               bool
	At                    time.Time // the event's time
}

// SaveGearFacts records an item's facts unless newer ones are stored (the
// owner is recorded by SaveGear first).
func SaveGearFacts(ctx context.Context, q storage.Querier, gear uuid.UUID, f GearFacts) error {
	if _, err := q.Exec(ctx, `UPDATE training.gear SET name = $2, starting_distance_m = $3, replacement_threshold_m = $4, retired = $5, facts_at = $6
		WHERE gear_id = $1 AND (facts_at IS NULL OR facts_at <= $6)`, gear, f.Name, f.StartingDistanceM, f.ReplacementThresholdM, f.Retired, f.At); err != nil {
		return fmt.Errorf("store: save gear facts: %w", err)
	}
	return nil
}

// WornGear is an item with a replacement distance, and the distance it
// has done: its starting distance and the sessions training recorded with
// it.
type WornGear struct {
	ID                    uuid.UUID
	Name                  string
	DistanceM             float64
	ReplacementThresholdM float64
}

// GearWear returns a user's items in use (not deleted nor retired) that
// have a replacement distance.
func GearWear(ctx context.Context, q storage.Querier, user uuid.UUID) ([]WornGear, error) {
	rows, err := q.Query(ctx, `SELECT g.gear_id, COALESCE(g.name, ''), g.starting_distance_m + COALESCE(SUM(f.distance_m), 0), g.replacement_threshold_m
		FROM training.gear g
		LEFT JOIN training.session_gear sg ON sg.gear_id = g.gear_id
		LEFT JOIN training.session_figures f ON f.session_id = sg.session_id
		WHERE g.user_id = $1 AND NOT g.deleted AND NOT g.retired AND g.replacement_threshold_m IS NOT NULL
		GROUP BY g.gear_id`, user)
	if err != nil {
		return nil, fmt.Errorf("store: gear wear: %w", err)
	}
	defer rows.Close()
	var out []WornGear
	for rows.Next() {
		var g WornGear
		if err := rows.Scan(&g.ID, &g.Name, &g.DistanceM, &g.ReplacementThresholdM); err != nil {
			return nil, fmt.Errorf("store: gear wear: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// ActivePlanID returns the id of a user's active plan, without locking it;
// ok is false without one.
func ActivePlanID(ctx context.Context, q storage.Querier, user uuid.UUID) (id uuid.UUID, ok bool, err error) {
	err = q.QueryRow(ctx, `SELECT id FROM training.plans WHERE user_id = $1 AND state = 'active'`, user).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("store: active plan id: %w", err)
	}
	return id, true, nil
}
