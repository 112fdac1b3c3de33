package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/service"
)

// RegisterGear adds the gear endpoints (rpc.client.gear.*) to the service.
// Every one needs a caller, who is the owner of the gear.
func RegisterGear(svc *bus.Service, s *service.Service) error {
	ops := []struct {
		op string
		h  bus.HandlerFunc
	}{
		{"gear.list", bus.JSON(func(ctx context.Context, r api.GearListRequest) (api.GearPage, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.GearPage{}, err
			}
			return s.ListGear(ctx, user, r)
		})},
		{"gear.create", bus.JSON(func(ctx context.Context, r api.GearCreate) (api.Gear, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.Gear{}, err
			}
			return s.CreateGear(ctx, user, r)
		})},
		{"gear.get", bus.JSON(func(ctx context.Context, r api.GearIDRequest) (api.Gear, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.Gear{}, err
			}
			return s.GetGear(ctx, user, r.ID)
		})},
		{"gear.update", func(ctx context.Context, m *bus.Msg) ([]byte, error) {
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
			g, err := s.UpdateGear(ctx, user, r)
			if err != nil {
				return nil, err
			}
			return json.Marshal(g)
		}},
		{"gear.delete", bus.JSON(func(ctx context.Context, r api.GearIDRequest) (api.Empty, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.Empty{}, err
			}
			return api.Empty{}, s.DeleteGear(ctx, user, r.ID)
		})},
	}
	for _, o := range ops {
		if err := svc.Handle(o.op, o.h); err != nil {
			return err
		}
	}
	return nil
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
