package service

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/page"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/device"
	"github.com/athlos/athlos/modules/training/internal/store"
)

// CreateDevice adds a device for user (at most device.MaxPerUser). With
// an idempotency key, a retry gets the device the first request added
// (bus.Once). Errors: invalid (the field under body.), conflict (the user
// has device.MaxPerUser devices already), unauthorized (the account was
// deleted).
func (s *Service) CreateDevice(ctx context.Context, user uuid.UUID, in device.Device) (api.Device, error) {
	d, err := device.Normalize(in)
	if err != nil {
		return api.Device{}, bus.FieldInvalid("body.", err)
	}
	return bus.Once(ctx, s.pool, s.keys, func(tx pgx.Tx) (api.Device, error) {
		if err := s.refuseDeleted(ctx, tx, user); err != nil {
			return api.Device{}, err
		}
		if err := store.LockUser(ctx, tx, user); err != nil {
			return api.Device{}, err
		}
		n, err := store.CountDevices(ctx, tx, user)
		if err != nil {
			return api.Device{}, err
		}
		if n >= device.MaxPerUser {
			return api.Device{}, bus.Errorf(bus.CodeConflict, "at most %d devices per user; delete one first", device.MaxPerUser)
		}
		id, err := uuid.NewV7()
		if err != nil {
			return api.Device{}, err
		}
		row, err := store.InsertDevice(ctx, tx, id, user, d)
		return deviceOut(row), err
	})
}

// ListDevices returns a page of user's devices, newest first: limit
// items (0: page.Default) after the cursor of the previous page ("": the
// first). Errors: invalid (query.limit, query.cursor).
func (s *Service) ListDevices(ctx context.Context, user uuid.UUID, limit int, cursor string) (api.DeviceList, error) {
	limit, after, err := pageOf(limit, cursor)
	if err != nil {
		return api.DeviceList{}, err
	}
	rows, err := store.Devices(ctx, s.pool, user, after, limit+1)
	if err != nil {
		return api.DeviceList{}, err
	}
	rows, next := page.Cut(rows, limit, func(d store.Device) [16]byte { return d.ID })
	out := api.DeviceList{Items: make([]api.Device, len(rows)), NextCursor: next}
	for i, d := range rows {
		out.Items[i] = deviceOut(d)
	}
	return out, nil
}

// DeleteDevice removes one of user's devices. Past sessions keep their
// data. Errors: not_found (another user's device, or an unknown one).
func (s *Service) DeleteDevice(ctx context.Context, user, id uuid.UUID) error {
	ok, err := store.DeleteDevice(ctx, s.pool, user, id)
	if err != nil {
		return err
	}
	if !ok {
		return errNoDevice
	}
	return nil
}

func deviceOut(d store.Device) api.Device {
	return api.Device{ID: d.ID.String(), Kind: d.Kind, Manufacturer: d.Manufacturer, Model: d.Model, Name: d.Name,
		Sensors: d.Sensors, CreatedAt: d.CreatedAt}
}

// pageOf checks a page request (page.Size, page.After): the page size and
// the id the page starts after (uuid.Nil: from the newest). Errors:
// invalid (query.limit, query.cursor).
func pageOf(limit int, cursor string) (int, uuid.UUID, error) {
	size, err := page.Size(limit)
	if err != nil {
		return 0, uuid.Nil, bus.FieldInvalid("query.", err)
	}
	if cursor == "" {
		return size, uuid.Nil, nil
	}
	after, err := page.After(cursor)
	if err != nil {
		return 0, uuid.Nil, bus.FieldInvalid("query.", err)
	}
	return size, after, nil
}
