package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/athlos/athlos/storage"
)

// GearOwner is what training knows of an item of gear.
type GearOwner struct {
	User    uuid.UUID
	Deleted bool
}

// SaveGear records who owns an item (from the client module's events).
func SaveGear(ctx context.Context, q storage.Querier, gear, user uuid.UUID) error {
	if _, err := q.Exec(ctx, `INSERT INTO training.gear (gear_id, user_id) VALUES ($1, $2)
		ON CONFLICT (gear_id) DO NOTHING`, gear, user); err != nil {
		return fmt.Errorf("store: save gear: %w", err)
	}
	return nil
}

// DeleteGear records that an item was deleted (it stays on the sessions
// that used it).
func DeleteGear(ctx context.Context, q storage.Querier, gear, user uuid.UUID) error {
	if _, err := q.Exec(ctx, `INSERT INTO training.gear (gear_id, user_id, deleted) VALUES ($1, $2, true)
		ON CONFLICT (gear_id) DO UPDATE SET deleted = true`, gear, user); err != nil {
		return fmt.Errorf("store: delete gear: %w", err)
	}
	return nil
}

// GearOwners returns what is known of the given items.
func GearOwners(ctx context.Context, q storage.Querier, ids []uuid.UUID) (map[uuid.UUID]GearOwner, error) {
	rows, err := q.Query(ctx, `SELECT gear_id, user_id, deleted FROM training.gear WHERE gear_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: gear owners: %w", err)
	}
	defer rows.Close()
	out := make(map[uuid.UUID]GearOwner, len(ids))
	for rows.Next() {
		var id uuid.UUID
		var o GearOwner
		if err := rows.Scan(&id, &o.User, &o.Deleted); err != nil {
			return nil, fmt.Errorf("store: gear owners: %w", err)
		}
		out[id] = o
	}
	return out, rows.Err()
}
