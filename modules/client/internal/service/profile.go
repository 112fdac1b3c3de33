package service

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/modules/client/internal/profile"
	"github.com/athlos/athlos/modules/client/internal/store"
	"github.com/athlos/athlos/modules/client/internal/throttle"
	"github.com/athlos/athlos/storage"
)

var errNoAccount = &bus.Error{Code: bus.CodeNotFound, Message: "the account does not exist"}

// errWrongPassword is the answer to a wrong password of a signed-in user
// (forbidden, not unauthorized: the access token is fine).
var errWrongPassword = &bus.Error{Code: bus.CodeForbidden, Message: "the password is wrong",
	Fields: []bus.FieldError{{Field: "body.password", Reason: "is not the account's password"}}}

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
	return s.ownView(ctx, s.pool, u)
}

// ownView is view with what only the user sees: the address asked for.
func (s *Service) ownView(ctx context.Context, q storage.Querier, u store.UserRow) (api.Profile, error) {
	p := s.view(u)
	pending, err := store.PendingEmail(ctx, q, u.ID, s.now())
	if err != nil {
		return p, err
	}
	if pending != "" {
		p.PendingEmail = &pending
	}
	return p, nil
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
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, EmailVerified: u.EmailVerifiedAt != nil}
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
// rule of package profile. A new email (non-nil) is not set: a link
// mailed to it confirms it (VerifyEmail); invalid (body.email) for a
// malformed one, conflict when another account has it.
func (s *Service) PatchProfile(ctx context.Context, id uuid.UUID, p profile.Patch, email *string) (api.Profile, error) {
	var out api.Profile
	var mailed bool
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
		if email != nil { // in the language and name of the changed profile
			if mailed, err = s.requestEmailChange(ctx, tx, u, *email); err != nil {
				return err
			}
		}
		if u.UpdatedAt, err = store.UpdateProfile(ctx, tx, u); err != nil {
			return err
		}
		if out, err = s.ownView(ctx, tx, u); err != nil {
			return err
		}
		_, err = bus.Enqueue(ctx, tx, api.Module, api.EventProfileUpdated, api.ProfileUpdated{
			UserProfile: userProfile(out), BirthDate: out.BirthDate, UpdatedAt: u.UpdatedAt})
		return err
	})
	if err != nil {
		return api.Profile{}, err
	}
	if mailed {
		s.wakeMail()
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

// DeleteAccount erases the user's account once password proves it is the
// owner: the row and its sessions go at once, and evt.client.user.deleted
// tells every module (and the front, which stops accepting the user's
// access tokens) to erase the rest. A wrong password is counted as a
// failed login of the account from clientIP (throttle.Keys). It returns
// not_found when the account does not exist (any more), forbidden for a
// wrong password, rate_limited (with Retry-After) while the counters lock
// the account's logins from there, and unavailable when too many passwords
// are being checked at once.
func (s *Service) DeleteAccount(ctx context.Context, id uuid.UUID, password, clientIP string) error {
	u, err := store.User(ctx, s.pool, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNoAccount
	}
	if err != nil {
		return err
	}
	cred, err := store.CredentialsByID(ctx, s.pool, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNoAccount
	}
	if err != nil {
		return err
	}
	keys := throttle.Keys(u.Email, clientIP)
	if locks, err := s.lockedFor(ctx, keys); err != nil {
		return err
	} else if len(locks) > 0 {
		return rateLimited(locks)
	}
	if password == "" || len(password) > 4*auth.MaxPasswordLen {
		return s.failedWith(ctx, keys, errWrongPassword)
	}
	ok, err := s.hasher.Verify(ctx, password, cred.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return s.failedWith(ctx, keys, errWrongPassword)
	}
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
