package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/training/internal/device"
	"github.com/athlos/athlos/storage"
)

// Device is a stored device.
type Device struct {
	ID uuid.UUID
	device.Device
	CreatedAt time.Time
}

// LockUser serialises the changes of one user's devices in tx (so the
// per-user limit holds under concurrent requests).
func LockUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('training.devices:' || $1::text, 0))`, user)
	if err != nil {
		return fmt.Errorf("store: lock user: %w", err)
	}
	return nil
}

// CountDevices counts a user's devices.
func CountDevices(ctx context.Context, tx pgx.Tx, user uuid.UUID) (int, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM training.devices WHERE user_id = $1`, user).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count devices: %w", err)
	}
	return n, nil
}

// InsertDevice stores a device and returns it as stored.
func InsertDevice(ctx context.Context, tx pgx.Tx, id, user uuid.UUID, d device.Device) (Device, error) {
	row := tx.QueryRow(ctx, `INSERT INTO training.devices (id, user_id, kind, manufacturer, model, name, sensors)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+deviceColumns, id, user, d.Kind, d.Manufacturer, d.Model, d.Name, d.Sensors)
	return scanDevice(row)
}

const deviceColumns = `id, kind, manufacturer, model, name, sensors, created_at`

func scanDevice(row pgx.Row) (Device, error) {
	var d Device
	if err := row.Scan(&d.ID, &d.Kind, &d.Manufacturer, &d.Model, &d.Name, &d.Sensors, &d.CreatedAt); err != nil {
		return d, fmt.Errorf("store: read device: %w", err)
	}
	return d, nil
}

// Devices returns up to limit of a user's devices with ids below after
// (uuid.Nil: from the newest), newest first.
func Devices(ctx context.Context, q storage.Querier, user, after uuid.UUID, limit int) ([]Device, error) {
	rows, err := q.Query(ctx, `SELECT `+deviceColumns+` FROM training.devices
		WHERE user_id = $1 AND ($2 = '00000000-0000-0000-0000-000000000000'::uuid OR id < $2)
		ORDER BY id DESC LIMIT $3`, user, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: devices: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Device, error) { return scanDevice(r) })
}

// DeleteDevice deletes a user's device; false when the user has no such
// device (another user's device is "no such device" too).
func DeleteDevice(ctx context.Context, q storage.Querier, user, id uuid.UUID) (bool, error) {
	tag, err := q.Exec(ctx, `DELETE FROM training.devices WHERE user_id = $1 AND id = $2`, user, id)
	if err != nil {
		return false, fmt.Errorf("store: delete device: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DeleteUserDevices erases every device of a user (the account was deleted).
func DeleteUserDevices(ctx context.Context, q storage.Querier, user uuid.UUID) error {
	if _, err := q.Exec(ctx, `DELETE FROM training.devices WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("store: delete user devices: %w", err)
	}
	return nil
}
