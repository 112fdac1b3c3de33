package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/patch"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/profile"
	"github.com/athlos/athlos/modules/client/internal/service"
)

// registerProfile adds the profile operations: the caller's own
// (rpc.client.profile.*) and other modules' question about a user
// (rpc.client.user.get).
func registerProfile(svc *bus.Service, s *service.Service) error {
	return handle(svc, []op{
		{api.SubjectProfileGet, bus.JSON(func(ctx context.Context, _ struct{}) (api.Profile, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.Profile{}, err
			}
			return s.Profile(ctx, user)
		})},
		{api.SubjectProfilePatch, func(ctx context.Context, m *bus.Msg) ([]byte, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return nil, err
			}
			p, email, err := profilePatch(m.Data)
			if err != nil {
				return nil, err
			}
			out, err := s.PatchProfile(ctx, user, p, email)
			if err != nil {
				return nil, err
			}
			return json.Marshal(out)
		}},
		{api.SubjectProfileDelete, bus.JSON(func(ctx context.Context, r api.DeleteAccountRequest) (api.Empty, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.Empty{}, err
			}
			return api.Empty{}, s.DeleteAccount(ctx, user, r.Password, r.ClientIP)
		})},
		{api.SubjectUserGet, bus.JSON(func(ctx context.Context, r api.UserRequest) (api.UserProfile, error) {
			return s.UserProfile(ctx, r.UserID)
		})},
	})
}

// maxProfilePatch bounds a profile patch (the front bounds bodies too).
const maxProfilePatch = 16 << 10

// profilePatch decodes a PATCH /v1/me body, a JSON merge patch of
// api.ProfilePatch's fields, into the domain's patch and the new email
// asked for (nil: none). A field of the wrong type or unknown is invalid,
// the first in the order of their names.
func profilePatch(data []byte) (profile.Patch, *string, error) {
	var p profile.Patch
	var email *string
	if len(data) > maxProfilePatch {
		return p, nil, &bus.Error{Code: bus.CodeTooLarge, Message: "profile patch too large"}
	}
	var fields map[string]json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&fields); err != nil || fields == nil {
		return p, nil, bus.Invalid("body", "must be a JSON object")
	}
	for _, k := range sortedKeys(fields) {
		raw, f := fields[k], "body."+k
		var err error
		switch k {
		case "email":
			var e string
			if err = json.Unmarshal(raw, &e); err != nil || isNull(raw) {
				err = bus.Invalid(f, "must be an email address")
			}
			email = &e
		case "first_name":
			p.FirstName, err = field[string](raw, f, "a string")
		case "last_name":
			p.LastName, err = field[string](raw, f, "a string")
		case "birth_date":
			p.BirthDate, err = field[string](raw, f, "a date (YYYY-MM-DD)")
		case "country":
			p.Country, err = field[string](raw, f, "a string")
		case "language":
			p.Language, err = field[string](raw, f, "a string")
		case "units":
			p.Units, err = field[string](raw, f, "metric or imperial")
		case "time_zone":
			p.TimeZone, err = field[string](raw, f, "a string")
		case "sex":
			p.Sex, err = field[string](raw, f, "female, male or other")
		case "weight_kg":
			p.WeightKg, err = field[float64](raw, f, "a number")
		case "height_cm":
			p.HeightCm, err = field[float64](raw, f, "a number")
		case "resting_hr_bpm":
			p.RestingHRBpm, err = field[int](raw, f, "a whole number")
		case "max_hr_bpm":
			p.MaxHRBpm, err = field[int](raw, f, "a whole number")
		case "threshold_hr_bpm":
			p.ThresholdHRBpm, err = field[int](raw, f, "a whole number")
		case "privacy":
			p.Privacy, err = privacyPatch(raw)
		default:
			err = bus.Invalid(f, "unknown field")
		}
		if err != nil {
			return p, nil, err
		}
	}
	return p, email, nil
}

// privacyPatch decodes the privacy part of a profile patch (null is left
// to the domain, which refuses it).
func privacyPatch(raw json.RawMessage) (patch.Field[profile.PrivacyPatch], error) {
	if isNull(raw) {
		return patch.Null[profile.PrivacyPatch](), nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return patch.Field[profile.PrivacyPatch]{}, bus.Invalid("body.privacy", "must be an object")
	}
	var p profile.PrivacyPatch
	for _, k := range sortedKeys(fields) {
		raw, f := fields[k], "body.privacy."+k
		var err error
		switch k {
		case "default_visibility":
			p.DefaultVisibility, err = field[string](raw, f, "private, followers or public")
		case "sport_visibility":
			p.SportVisibility, err = field[map[string]string](raw, f, "an object of sport to visibility")
		case "show_in_leaderboards":
			p.ShowInLeaderboards, err = field[bool](raw, f, "true or false")
		case "show_age":
			p.ShowAge, err = field[bool](raw, f, "true or false")
		default:
			err = bus.Invalid(f, "unknown field")
		}
		if err != nil {
			return patch.Field[profile.PrivacyPatch]{}, err
		}
	}
	return patch.Val(p), nil
}

// field decodes one field of a merge patch: null, or a value of type T
// (else invalid: the field "must be " want).
func field[T any](raw json.RawMessage, name, want string) (patch.Field[T], error) {
	if isNull(raw) {
		return patch.Null[T](), nil
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return patch.Field[T]{}, bus.Invalid(name, "must be "+want)
	}
	return patch.Val(v), nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
