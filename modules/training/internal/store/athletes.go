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

// Athlete is what training keeps of a user's profile.
type Athlete struct {
	BirthDate         *time.Time
	Sex               string
	WeightKg          *float64
	DefaultVisibility string
	SportVisibility   map[string]string
	// ThresholdHR is the lactate threshold heart rate, bpm (nil: unknown).
	ThresholdHR *int
	UpdatedAt   time.Time
}

// SaveAthlete stores a profile unless a newer one is stored already.
func SaveAthlete(ctx context.Context, q storage.Querier, user uuid.UUID, a Athlete) error {
	sv, err := json.Marshal(a.SportVisibility)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO training.athletes (user_id, birth_date, sex, weight_kg, default_visibility, sport_visibility, updated_at, threshold_hr)
		VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7, $8)
		ON CONFLICT (user_id) DO UPDATE SET birth_date = EXCLUDED.birth_date, sex = EXCLUDED.sex, weight_kg = EXCLUDED.weight_kg,
		default_visibility = EXCLUDED.default_visibility, sport_visibility = EXCLUDED.sport_visibility, updated_at = EXCLUDED.updated_at,
		threshold_hr = EXCLUDED.threshold_hr
		WHERE training.athletes.updated_at < EXCLUDED.updated_at`,
		user, a.BirthDate, a.Sex, a.WeightKg, a.DefaultVisibility, sv, a.UpdatedAt, a.ThresholdHR)
	if err != nil {
		return fmt.Errorf("store: save athlete: %w", err)
	}
	return nil
}

// GetAthlete reads a user's profile data; the zero Athlete when none came.
func GetAthlete(ctx context.Context, q storage.Querier, user uuid.UUID) (Athlete, error) {
	var a Athlete
	var sex *string
	var sv []byte
	err := q.QueryRow(ctx, `SELECT birth_date, sex, weight_kg, default_visibility, sport_visibility, updated_at, threshold_hr
		FROM training.athletes WHERE user_id = $1`, user).Scan(&a.BirthDate, &sex, &a.WeightKg, &a.DefaultVisibility, &sv, &a.UpdatedAt,
		&a.ThresholdHR)
	if errors.Is(err, pgx.ErrNoRows) {
		return Athlete{}, nil
	}
	if err != nil {
		return a, fmt.Errorf("store: athlete: %w", err)
	}
	if sex != nil {
		a.Sex = *sex
	}
	if err := json.Unmarshal(sv, &a.SportVisibility); err != nil {
		return a, fmt.Errorf("store: athlete sport visibility: %w", err)
	}
	return a, nil
}

// DeleteAthlete forgets a user's profile data.
func DeleteAthlete(ctx context.Context, q storage.Querier, user uuid.UUID) error {
	if _, err := q.Exec(ctx, `DELETE FROM training.athletes WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("store: delete athlete: %w", err)
	}
	return nil
}
