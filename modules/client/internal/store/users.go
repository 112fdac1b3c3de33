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

// Credentials are what a login needs of a user.
type Credentials struct {
	UserID       uuid.UUID
	PasswordHash string
	Role         string
}

// NewUser is a row to insert.
type NewUser struct {
	ID           uuid.UUID
	Email        string
	PasswordHash string
	Role         string
	FirstName    string
	LastName     string
	Language     string
	Privacy      Privacy
}

// InsertUser inserts a user; ErrDuplicateEmail when the email is taken.
func InsertUser(ctx context.Context, q storage.Querier, u NewUser) error {
	privacy, err := json.Marshal(u.Privacy)
	if err != nil {
		return fmt.Errorf("store: insert user: %w", err)
	}
	_, err = q.Exec(ctx, `INSERT INTO client.users (id, email, password_hash, role, first_name, last_name, language, privacy)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.ID, u.Email, u.PasswordHash, u.Role, u.FirstName, u.LastName, u.Language, privacy)
	if uniqueViolation(err) {
		return ErrDuplicateEmail
	}
	if err != nil {
		return fmt.Errorf("store: insert user: %w", err)
	}
	return nil
}

// CredentialsByEmail returns a user's login data.
func CredentialsByEmail(ctx context.Context, q storage.Querier, email string) (Credentials, error) {
	var c Credentials
	err := q.QueryRow(ctx, `SELECT id, password_hash, role FROM client.users WHERE email = $1`, email).
		Scan(&c.UserID, &c.PasswordHash, &c.Role)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("store: credentials: %w", err)
	}
	return c, nil
}

// CredentialsByID returns a user's login data.
func CredentialsByID(ctx context.Context, q storage.Querier, id uuid.UUID) (Credentials, error) {
	var c Credentials
	err := q.QueryRow(ctx, `SELECT id, password_hash, role FROM client.users WHERE id = $1`, id).
		Scan(&c.UserID, &c.PasswordHash, &c.Role)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("store: credentials: %w", err)
	}
	return c, nil
}

// SetPasswordHash replaces a user's password hash.
func SetPasswordHash(ctx context.Context, q storage.Querier, id uuid.UUID, hash string) error {
	_, err := q.Exec(ctx, `UPDATE client.users SET password_hash = $2, updated_at = now() WHERE id = $1`, id, hash)
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	return nil
}

// SetRole changes the role of the user with email; ErrNotFound if none.
func SetRole(ctx context.Context, q storage.Querier, email, role string) (uuid.UUID, error) {
	var id uuid.UUID
	err := q.QueryRow(ctx, `UPDATE client.users SET role = $2, updated_at = now() WHERE email = $1 RETURNING id`, email, role).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return id, ErrNotFound
	}
	if err != nil {
		return id, fmt.Errorf("store: set role: %w", err)
	}
	return id, nil
}

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
	// ThresholdHRBpm is the lactate threshold heart rate.
	ThresholdHRBpm *int
	Privacy        Privacy
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// EmailVerifiedAt is when the account proved it reads Email (nil: not
	// yet).
	EmailVerifiedAt *time.Time
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
	sex, weight_kg, height_cm, resting_hr_bpm, max_hr_bpm, privacy, created_at, updated_at, threshold_hr_bpm, email_verified_at`

func scanUser(row pgx.Row) (UserRow, error) {
	var u UserRow
	var privacy []byte
	err := row.Scan(&u.ID, &u.Email, &u.Role, &u.FirstName, &u.LastName, &u.BirthDate, &u.Country, &u.Language, &u.Units,
		&u.TimeZone, &u.Sex, &u.WeightKg, &u.HeightCm, &u.RestingHRBpm, &u.MaxHRBpm, &privacy, &u.CreatedAt, &u.UpdatedAt,
		&u.ThresholdHRBpm, &u.EmailVerifiedAt)
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
		max_hr_bpm = $13, privacy = $14, threshold_hr_bpm = $15, updated_at = now() WHERE id = $1 RETURNING updated_at`,
		u.ID, u.FirstName, u.LastName, u.BirthDate, u.Country, u.Language, u.Units, u.TimeZone, u.Sex, u.WeightKg,
		u.HeightCm, u.RestingHRBpm, u.MaxHRBpm, privacy, u.ThresholdHRBpm).Scan(&at)
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
