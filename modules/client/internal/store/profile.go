package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// UserRow is a user's profile row.
type UserRow struct {
	ID           uuid.UUID
	Email        string
	Role         string
	FirstName    string
	LastName     string
	BirthDate    *time.Time
	Country      *string
	Language     string
	Units        string
	TimeZone     string
	Sex          *string
	WeightKg     *float64
	HeightCm     *float64
	RestingHRBpm *int
	MaxHRBpm     *int
	Privacy      Privacy
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Privacy is the users.privacy column (JSON): the store's own type, so
// that how a stored row decodes changes only with a migration.
type Privacy struct {
	DefaultVisibility  string            `json:"default_visibility"`
	SportVisibility    map[string]string `json:"sport_visibility,omitempty"`
	ShowInLeaderboards bool              `json:"show_in_leaderboards"`
	ShowAge            bool              `json:"show_age"`
}

const userColumns = `id, email, role, first_name, last_name, birth_date, country, language, units, time_zone,
	sex, weight_kg, height_cm, resting_hr_bpm, max_hr_bpm, privacy, created_at, updated_at`

func scanUser(row pgx.Row) (UserRow, error) {
	var u UserRow
	var privacy []byte
	err := row.Scan(&u.ID, &u.Email, &u.Role, &u.FirstName, &u.LastName, &u.BirthDate, &u.Country, &u.Language, &u.Units,
		&u.TimeZone, &u.Sex, &u.WeightKg, &u.HeightCm, &u.RestingHRBpm, &u.MaxHRBpm, &privacy, &u.CreatedAt, &u.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("store: read user: %w", err)
	}
	if err := json.Unmarshal(privacy, &u.Privacy); err != nil {
		return u, fmt.Errorf("store: privacy of user %s: %w", u.ID, err)
	}
	return u, nil
}

// User reads a user's profile; ErrNotFound when there is no such user.
func User(ctx context.Context, q storage.Querier, id uuid.UUID) (UserRow, error) {
	return scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM client.users WHERE id = $1`, id))
}

// LockUser reads a user's profile and locks the row for the transaction;
// ErrNotFound when there is no such user.
func LockUser(ctx context.Context, tx pgx.Tx, id uuid.UUID) (UserRow, error) {
	return scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM client.users WHERE id = $1 FOR UPDATE`, id))
}

// UpdateProfile writes the profile fields of u and returns the new
// updated_at.
func UpdateProfile(ctx context.Context, tx pgx.Tx, u UserRow) (time.Time, error) {
	var at time.Time
	privacy, err := json.Marshal(u.Privacy)
	if err != nil {
		return at, fmt.Errorf("store: update profile: %w", err)
	}
	err = tx.QueryRow(ctx, `UPDATE client.users SET first_name = $2, last_name = $3, birth_date = $4, country = $5,
		language = $6, units = $7, time_zone = $8, sex = $9, weight_kg = $10, height_cm = $11, resting_hr_bpm = $12,
		max_hr_bpm = $13, privacy = $14, updated_at = now() WHERE id = $1 RETURNING updated_at`,
		u.ID, u.FirstName, u.LastName, u.BirthDate, u.Country, u.Language, u.Units, u.TimeZone, u.Sex, u.WeightKg,
		u.HeightCm, u.RestingHRBpm, u.MaxHRBpm, privacy).Scan(&at)
	if err != nil {
		return at, fmt.Errorf("store: update profile: %w", err)
	}
	return at, nil
}

// DeleteUser erases a user; their refresh tokens go with them (ON DELETE
// CASCADE). ErrNotFound when there is no such user.
func DeleteUser(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	tag, err := tx.Exec(ctx, `DELETE FROM client.users WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: delete user: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
