package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/patch"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/gear"
	"github.com/athlos/athlos/modules/client/internal/service"
)

// registerGear adds the gear operations (rpc.client.gear.*). Every one
// needs a caller, who is the owner of the gear.
func registerGear(svc *bus.Service, s *service.Service) error {
	return handle(svc, []op{
		{api.SubjectGearList, bus.JSON(func(ctx context.Context, r api.GearListRequest) (api.GearPage, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.GearPage{}, err
			}
			return s.ListGear(ctx, user, r.Limit, r.Cursor, r.Retired)
		})},
		{api.SubjectGearCreate, bus.JSON(func(ctx context.Context, r api.GearCreate) (api.Gear, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.Gear{}, err
			}
			return s.CreateGear(ctx, user, gearInput(r))
		})},
		{api.SubjectGearGet, bus.JSON(func(ctx context.Context, r api.GearIDRequest) (api.Gear, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.Gear{}, err
			}
			return s.GetGear(ctx, user, r.ID)
		})},
		{api.SubjectGearUpdate, func(ctx context.Context, m *bus.Msg) ([]byte, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return nil, err
			}
			var r api.GearUpdateRequest
			dec := json.NewDecoder(bytes.NewReader(m.Data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&r); err != nil {
				return nil, patchError(err)
			}
			g, err := s.UpdateGear(ctx, user, r.ID, gearPatch(r.Patch))
			if err != nil {
				return nil, err
			}
			return json.Marshal(g)
		}},
		{api.SubjectGearDelete, bus.JSON(func(ctx context.Context, r api.GearIDRequest) (api.Empty, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.Empty{}, err
			}
			return api.Empty{}, s.DeleteGear(ctx, user, r.ID)
		})},
	})
}

// gearInput maps a creation request to the domain's input.
func gearInput(r api.GearCreate) gear.Input {
	return gear.Input{Type: r.Type, Brand: r.Brand, Model: r.Model, Nickname: r.Nickname, PurchaseDate: r.PurchaseDate,
		StartingDistanceM: r.StartingDistanceM, ReplacementThresholdM: r.ReplacementThresholdM, DefaultFor: r.DefaultFor,
		Retired: r.Retired, Components: componentInputs(r.Components)}
}

// gearPatch maps a PATCH body to the domain's patch.
func gearPatch(p api.GearPatch) gear.Patch {
	out := gear.Patch{Brand: p.Brand, Model: p.Model, Nickname: p.Nickname, PurchaseDate: p.PurchaseDate,
		StartingDistanceM: p.StartingDistanceM, ReplacementThresholdM: p.ReplacementThresholdM,
		DefaultFor: p.DefaultFor, Retired: p.Retired}
	if p.Components.Set {
		out.Components = patch.Field[[]gear.ComponentInput]{Set: true, Null: p.Components.Null,
			Value: componentInputs(p.Components.Value)}
	}
	return out
}

func componentInputs(in []api.ComponentInput) []gear.ComponentInput {
	if in == nil {
		return nil
	}
	out := make([]gear.ComponentInput, len(in))
	for i, c := range in {
		out[i] = gear.ComponentInput{ID: c.ID, Type: c.Type, Brand: c.Brand, Model: c.Model, InstalledAt: c.InstalledAt,
			ReplacementThresholdM: c.ReplacementThresholdM}
	}
	return out
}

// patchError names the field of a PATCH body that could not be decoded.
func patchError(err error) error {
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		if name == "type" {
			return bus.Invalid("body.type", "cannot be changed: delete the item and create another")
		}
		return bus.Invalid("body."+name, "unknown field")
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		field, _ := strings.CutPrefix(te.Field, "patch.")
		return bus.Invalid("body."+field, "must be of type "+te.Type.String())
	}
	return &bus.Error{Code: bus.CodeInvalid, Message: "malformed request: " + err.Error()}
}
