package service

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/profile"
	"github.com/athlos/athlos/modules/client/internal/store"
	"github.com/athlos/athlos/storage"
)

var errNoAccount = &bus.Error{Code: bus.CodeNotFound, Message: "the account does not exist"}

// Profile returns the user's own profile; not_found when the account does
// not exist (any more).
func (s *Service) Profile(ctx context.Context, id uuid.UUID) (api.Profile, error) {
	u, err := store.User(ctx, s.pool, id)
	if errors.Is(err, store.ErrNotFound) {
		return api.Profile{}, errNoAccount
	}
	if err != nil {
		return api.Profile{}, err
	}
	return s.view(u), nil
}

// UserProfile returns what other modules may know of the user with id
// userID (a UUID). It returns invalid (user_id) for an id that is not a
// UUID, and not_found when there is no such user.
func (s *Service) UserProfile(ctx context.Context, userID string) (api.UserProfile, error) {
	id, err := uuid.Parse(userID)
	if err != nil {
		return api.UserProfile{}, bus.Invalid("user_id", "must be a UUID")
	}
	u, err := store.User(ctx, s.pool, id)
	if errors.Is(err, store.ErrNotFound) {
		return api.UserProfile{}, &bus.Error{Code: bus.CodeNotFound, Message: "no such user"}
	}
	if err != nil {
		return api.UserProfile{}, err
	}
	return userProfile(s.view(u)), nil
}

func userProfile(p api.Profile) api.UserProfile {
	out := api.UserProfile{UserID: p.UserID, DisplayName: displayName(p.FirstName, p.LastName), Country: p.Country,
		Language: p.Language, Units: p.Units, TimeZone: p.TimeZone, Sex: p.Sex, WeightKg: p.WeightKg,
		RestingHRBpm: p.RestingHRBpm, MaxHRBpm: p.MaxHRBpm, ThresholdHRBpm: p.ThresholdHRBpm, Privacy: p.Privacy}
	if p.Privacy.ShowAge {
		out.Age = p.Age
	}
	return out
}

// view is the user's own view of the account.
func (s *Service) view(u store.UserRow) api.Profile {
	p := api.Profile{UserID: u.ID.String(), Email: u.Email, Role: u.Role, FirstName: u.FirstName, LastName: u.LastName,
		Country: u.Country, Language: u.Language, Units: u.Units, TimeZone: u.TimeZone, Sex: u.Sex, WeightKg: u.WeightKg,
		HeightCm: u.HeightCm, RestingHRBpm: u.RestingHRBpm, MaxHRBpm: u.MaxHRBpm, ThresholdHRBpm: u.ThresholdHRBpm,
		Privacy: api.Privacy{DefaultVisibility: u.Privacy.DefaultVisibility, SportVisibility: u.Privacy.SportVisibility,
			ShowInLeaderboards: u.Privacy.ShowInLeaderboards, ShowAge: u.Privacy.ShowAge},
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if u.BirthDate != nil {
		d := u.BirthDate.Format(time.DateOnly)
		p.BirthDate = &d
		age := profile.AgeAt(*u.BirthDate, s.now())
		p.Age = &age
	}
	return p
}

// PatchProfile applies a patch to the user's profile (JSON merge patch
// semantics, profile.Patch); every value is checked before anything is
// written. It returns not_found when the account does not exist (any
// more), and invalid naming the first field (body.<name>) that breaks a
// rule of package profile.
func (s *Service) PatchProfile(ctx context.Context, id uuid.UUID, p profile.Patch) (api.Profile, error) {
	var out api.Profile
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		u, err := store.LockUser(ctx, tx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoAccount
		}
		if err != nil {
			return err
		}
		changed, err := profileOf(u).Apply(p, s.now())
		if err != nil {
			return bus.FieldInvalid("body.", err)
		}
		setProfile(&u, changed)
		if u.UpdatedAt, err = store.UpdateProfile(ctx, tx, u); err != nil {
			return err
		}
		out = s.view(u)
		_, err = bus.Enqueue(ctx, tx, api.Module, api.EventProfileUpdated, api.ProfileUpdated{
			UserProfile: userProfile(out), BirthDate: out.BirthDate, UpdatedAt: u.UpdatedAt})
		return err
	})
	if err != nil {
		return api.Profile{}, err
	}
	return out, nil
}

// profileOf is the profile of a user's row.
func profileOf(u store.UserRow) profile.Profile {
	return profile.Profile{FirstName: u.FirstName, LastName: u.LastName, BirthDate: u.BirthDate, Country: u.Country,
		Language: u.Language, Units: u.Units, TimeZone: u.TimeZone, Sex: u.Sex, WeightKg: u.WeightKg, HeightCm: u.HeightCm,
		RestingHRBpm: u.RestingHRBpm, MaxHRBpm: u.MaxHRBpm, ThresholdHRBpm: u.ThresholdHRBpm, Privacy: profile.Privacy(u.Privacy)}
}

// setProfile writes p into a user's row.
func setProfile(u *store.UserRow, p profile.Profile) {
	u.FirstName, u.LastName, u.BirthDate, u.Country = p.FirstName, p.LastName, p.BirthDate, p.Country
	u.Language, u.Units, u.TimeZone, u.Sex = p.Language, p.Units, p.TimeZone, p.Sex
	u.WeightKg, u.HeightCm, u.RestingHRBpm, u.MaxHRBpm = p.WeightKg, p.HeightCm, p.RestingHRBpm, p.MaxHRBpm
	u.ThresholdHRBpm = p.ThresholdHRBpm
	u.Privacy = store.Privacy(p.Privacy)
}

// DeleteAccount erases the user's account: the row and its sessions go
// at once, and evt.client.user.deleted tells every module (and the front,
// which stops accepting the user's access tokens) to erase the rest. It
// returns not_found when the account does not exist (any more).
func (s *Service) DeleteAccount(ctx context.Context, id uuid.UUID) error {
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		err := store.DeleteUser(ctx, tx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoAccount
		}
		if err != nil {
			return err
		}
		_, err = bus.Enqueue(ctx, tx, api.Module, api.EventUserDeleted, api.UserDeleted{UserID: id.String(), DeletedAt: s.now()})
		return err
	})
}
