package service

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/sport"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage"
)

// EraseUser deletes everything the module keeps of a user, in tx (the
// client module deleted the account), and refuses new data for the
// account from then on.
func (s *Service) EraseUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if err := store.MarkUserDeleted(ctx, tx, user); err != nil {
		return err
	}
	if err := store.DeleteUserSessions(ctx, tx, user); err != nil {
		return err
	}
	if err := store.DeleteUserExercises(ctx, tx, user); err != nil {
		return err
	}
	if err := store.DeleteAthlete(ctx, tx, user); err != nil {
		return err
	}
	if err := store.DeleteUserDismissals(ctx, tx, user); err != nil {
		return err
	}
	if err := store.DeleteUserPlans(ctx, tx, user); err != nil {
		return err
	}
	if err := store.DeleteUserZones(ctx, tx, user); err != nil {
		return err
	}
	return store.DeleteUserDevices(ctx, tx, user)
}

// Profile is what training keeps of a user's profile (from the client
// module's profile events).
type Profile struct {
	User              uuid.UUID
	Sex               *string
	BirthDate         *string // YYYY-MM-DD
	WeightKg          *float64
	DefaultVisibility string
	SportVisibility   map[string]string
	// ThresholdHRBpm is the lactate threshold heart rate (hrTSS).
	ThresholdHRBpm *int
	UpdatedAt      time.Time
}

// SaveProfile keeps what training needs of a user's profile: body data
// for calorie estimates and the default visibility of new sessions, in
// tx. An older profile than the one kept changes nothing. Errors: invalid
// (birth_date is not a date).
func (s *Service) SaveProfile(ctx context.Context, tx pgx.Tx, p Profile) error {
	a := store.Athlete{WeightKg: p.WeightKg, DefaultVisibility: p.DefaultVisibility,
		SportVisibility: p.SportVisibility, ThresholdHR: p.ThresholdHRBpm, UpdatedAt: p.UpdatedAt}
	if a.DefaultVisibility == "" {
		a.DefaultVisibility = sport.Followers
	}
	if p.Sex != nil {
		a.Sex = *p.Sex
	}
	if p.BirthDate != nil {
		d, err := time.Parse(time.DateOnly, *p.BirthDate)
		if err != nil {
			return bus.Invalid("birth_date", "not a date")
		}
		a.BirthDate = &d
	}
	return store.SaveAthlete(ctx, tx, p.User, a)
}

// errDeletedAccount answers a deleted account's token, which may still be
// valid for a few minutes.
var errDeletedAccount = &bus.Error{Code: bus.CodeUnauthorized, Message: "this account was deleted"}

// refuseDeleted refuses new data for an account that was deleted.
func (s *Service) refuseDeleted(ctx context.Context, q storage.Querier, user uuid.UUID) error {
	deleted, err := store.UserDeleted(ctx, q, user)
	if err != nil {
		return err
	}
	if deleted {
		return errDeletedAccount
	}
	return nil
}

// defaultVisibility is the visibility of a new session of sport when none
// is asked: the user's privacy setting for the sport, else the default one.
func (s *Service) defaultVisibility(ctx context.Context, q storage.Querier, user uuid.UUID, of string) (string, error) {
	a, err := store.GetAthlete(ctx, q, user)
	if err != nil {
		return "", err
	}
	if v := a.SportVisibility[of]; v != "" {
		return v, nil
	}
	if a.DefaultVisibility != "" {
		return a.DefaultVisibility, nil
	}
	return sport.Followers, nil
}
