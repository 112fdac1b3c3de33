package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
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
	return s.view(u)
}

// UserProfile returns what other modules may know of a user.
func (s *Service) UserProfile(ctx context.Context, req api.UserRequest) (api.UserProfile, error) {
	id, err := uuid.Parse(req.UserID)
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
	p, err := s.view(u)
	if err != nil {
		return api.UserProfile{}, err
	}
	return userProfile(p), nil
}

func userProfile(p api.Profile) api.UserProfile {
	out := api.UserProfile{UserID: p.UserID, DisplayName: displayName(p.FirstName, p.LastName), Country: p.Country,
		Language: p.Language, Units: p.Units, TimeZone: p.TimeZone, Sex: p.Sex, WeightKg: p.WeightKg,
		RestingHRBpm: p.RestingHRBpm, MaxHRBpm: p.MaxHRBpm, Privacy: p.Privacy}
	if p.Privacy.ShowAge {
		out.Age = p.Age
	}
	return out
}

func (s *Service) view(u store.UserRow) (api.Profile, error) {
	var priv api.Privacy
	if err := json.Unmarshal(u.Privacy, &priv); err != nil {
		return api.Profile{}, fmt.Errorf("service: privacy of %s: %w", u.ID, err)
	}
	p := api.Profile{UserID: u.ID.String(), Email: u.Email, Role: u.Role, FirstName: u.FirstName, LastName: u.LastName,
		Country: u.Country, Language: u.Language, Units: u.Units, TimeZone: u.TimeZone, Sex: u.Sex, WeightKg: u.WeightKg,
		HeightCm: u.HeightCm, RestingHRBpm: u.RestingHRBpm, MaxHRBpm: u.MaxHRBpm, Privacy: priv,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if u.BirthDate != nil {
		d := u.BirthDate.Format(time.DateOnly)
		p.BirthDate = &d
		age := profile.AgeAt(*u.BirthDate, s.now())
		p.Age = &age
	}
	return p, nil
}

// maxPatchBytes bounds a profile patch (the front bounds bodies too).
const maxPatchBytes = 16 << 10

// PatchProfile applies a JSON merge patch to the caller's profile: named
// fields change, null clears an optional field, others stay. Every value is
// checked before anything is written.
func (s *Service) PatchProfile(ctx context.Context, m *bus.Msg) ([]byte, error) {
	id, err := bus.RequireUserID(ctx)
	if err != nil {
		return nil, err
	}
	if len(m.Data) > maxPatchBytes {
		return nil, &bus.Error{Code: bus.CodeTooLarge, Message: "profile patch too large"}
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(m.Data))
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return nil, bus.Invalid("body", "must be a JSON object")
	}
	var out api.Profile
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		u, err := store.LockUser(ctx, tx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoAccount
		}
		if err != nil {
			return err
		}
		if err := applyPatch(&u, fields, s.now()); err != nil {
			return err
		}
		if u.UpdatedAt, err = store.UpdateProfile(ctx, tx, u); err != nil {
			return err
		}
		if out, err = s.view(u); err != nil {
			return err
		}
		_, err = bus.Enqueue(ctx, tx, api.Module, api.EventProfileUpdated, api.ProfileUpdated{
			UserProfile: userProfile(out), BirthDate: out.BirthDate, UpdatedAt: u.UpdatedAt})
		return err
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// applyPatch changes u by the patch's fields, validating each.
func applyPatch(u *store.UserRow, fields map[string]json.RawMessage, now time.Time) error {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic: the first bad field in name order is reported
	for _, k := range keys {
		raw := fields[k]
		null := bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
		f := "body." + k
		var err error
		switch k {
		case "first_name", "last_name":
			var v string
			if !null {
				if v, err = decode[string](raw, f, "a string"); err != nil {
					return err
				}
				if err := profile.CheckName(k, v); err != nil {
					return bus.FieldInvalid("body.", err)
				}
			}
			if k == "first_name" {
				u.FirstName = v
			} else {
				u.LastName = v
			}
		case "birth_date":
			u.BirthDate = nil
			if !null {
				v, err := decode[string](raw, f, "a date (YYYY-MM-DD)")
				if err != nil {
					return err
				}
				d, perr := time.Parse(time.DateOnly, v)
				if perr != nil {
					return bus.Invalid(f, "must be a date (YYYY-MM-DD)")
				}
				if err := profile.CheckBirthDate(d, now); err != nil {
					return bus.FieldInvalid("body.", err)
				}
				u.BirthDate = &d
			}
		case "country":
			u.Country = nil
			if !null {
				v, err := decode[string](raw, f, "a string")
				if err != nil {
					return err
				}
				c, err := profile.NormalizeCountry(v)
				if err != nil {
					return bus.FieldInvalid("body.", err)
				}
				u.Country = &c
			}
		case "language":
			v, err := decode[string](raw, f, "a string")
			if err != nil {
				return err
			}
			if u.Language, err = profile.NormalizeLanguage(v); err != nil {
				return bus.FieldInvalid("body.", err)
			}
		case "units":
			if u.Units, err = decode[string](raw, f, "metric or imperial"); err != nil {
				return err
			}
		case "time_zone":
			v, err := decode[string](raw, f, "a string")
			if err != nil {
				return err
			}
			if err := profile.CheckTimeZone(v); err != nil {
				return bus.FieldInvalid("body.", err)
			}
			u.TimeZone = v
		case "sex":
			u.Sex, err = optional[string](raw, null, f, "female, male or other")
		case "weight_kg":
			u.WeightKg, err = optional[float64](raw, null, f, "a number")
		case "height_cm":
			u.HeightCm, err = optional[float64](raw, null, f, "a number")
		case "resting_hr_bpm":
			u.RestingHRBpm, err = optional[int](raw, null, f, "a whole number")
		case "max_hr_bpm":
			u.MaxHRBpm, err = optional[int](raw, null, f, "a whole number")
		case "privacy":
			err = patchPrivacy(u, raw, null)
		default:
			return bus.Invalid(f, "unknown field")
		}
		if err != nil {
			return err
		}
	}
	p := profile.Profile{Units: u.Units, Sex: u.Sex, WeightKg: u.WeightKg, HeightCm: u.HeightCm,
		RestingHRBpm: u.RestingHRBpm, MaxHRBpm: u.MaxHRBpm}
	return bus.FieldInvalid("body.", p.CheckRanges())
}

func patchPrivacy(u *store.UserRow, raw json.RawMessage, null bool) error {
	if null {
		return bus.Invalid("body.privacy", "cannot be cleared; set its fields instead")
	}
	var priv profile.Privacy
	if err := json.Unmarshal(u.Privacy, &priv); err != nil {
		return fmt.Errorf("service: stored privacy: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return bus.Invalid("body.privacy", "must be an object")
	}
	for k, v := range fields {
		f := "body.privacy." + k
		var err error
		switch k {
		case "default_visibility":
			priv.DefaultVisibility, err = decode[string](v, f, "private, followers or public")
		case "sport_visibility":
			priv.SportVisibility = nil
			if !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
				priv.SportVisibility, err = decode[map[string]string](v, f, "an object of sport to visibility")
			}
		case "show_in_leaderboards":
			priv.ShowInLeaderboards, err = decode[bool](v, f, "true or false")
		case "show_age":
			priv.ShowAge, err = decode[bool](v, f, "true or false")
		default:
			err = bus.Invalid(f, "unknown field")
		}
		if err != nil {
			return err
		}
	}
	if err := profile.CheckPrivacy(priv); err != nil {
		return bus.FieldInvalid("body.", err)
	}
	b, err := json.Marshal(priv)
	if err != nil {
		return err
	}
	u.Privacy = b
	return nil
}

func decode[T any](raw json.RawMessage, field, want string) (T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, bus.Invalid(field, "must be "+want)
	}
	return v, nil
}

func optional[T any](raw json.RawMessage, null bool, field, want string) (*T, error) {
	if null {
		return nil, nil
	}
	v, err := decode[T](raw, field, want)
	if err != nil {
		return nil, err
	}
	return &v, nil
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
