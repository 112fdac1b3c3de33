// Package service holds the training module's use cases. It combines the
// domain rules with the store and returns *bus.Error for everything a
// caller did wrong.
package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/fielderr"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/device"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// Service runs the training module's use cases.
type Service struct {
	pool    *pgxpool.Pool
	live    func(owner string, s api.LiveStats)
	uploads Uploads
	gear    GearLookup
	imports chan struct{} // one token per import running
	decoder telemetry.Decoder
	keys    *bus.Idempotency
}

// New returns the service. live, when not nil, is given a session's live
// figures, with the session's owner, after each change is committed
// (points stored, paused, resumed, finished); it must not block. uploads reads imported files; gear, when
// not nil, answers for gear training has not heard of yet (without it,
// such gear is refused). keys keeps the idempotency keys of the creating
// use cases (sessions, devices, share links); nil takes none.
func New(pool *pgxpool.Pool, live func(owner string, s api.LiveStats), uploads Uploads, gear GearLookup, keys *bus.Idempotency) *Service {
	if live == nil {
		live = func(string, api.LiveStats) {}
	}
	return &Service{pool: pool, live: live, uploads: uploads, gear: gear, imports: make(chan struct{}, ConcurrentImports), keys: keys}
}

var errNoDevice = &bus.Error{Code: bus.CodeNotFound, Message: "no such device"}

func fieldErr(prefix string, err error) error {
	var fe *fielderr.Error
	if errors.As(err, &fe) {
		return bus.Invalid(prefix+fe.Field, fe.Reason)
	}
	return err
}

// CreateDevice adds a device for the caller (at most device.MaxPerUser).
// With an idempotency key, a retry gets the device the first request
// added (bus.Once).
func (s *Service) CreateDevice(ctx context.Context, in api.DeviceCreate) (api.Device, error) {
	user, err := bus.RequireUserID(ctx)
	if err != nil {
		return api.Device{}, err
	}
	d, err := device.Normalize(in)
	if err != nil {
		return api.Device{}, fieldErr("body.", err)
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
		return store.InsertDevice(ctx, tx, id, user, d)
	})
}

// ListDevices returns a page of the caller's devices, newest first.
func (s *Service) ListDevices(ctx context.Context, in api.DeviceListRequest) (api.DeviceList, error) {
	user, err := bus.RequireUserID(ctx)
	if err != nil {
		return api.DeviceList{}, err
	}
	limit, err := device.PageSize(in.Limit)
	if err != nil {
		return api.DeviceList{}, fieldErr("query.", err)
	}
	var after uuid.UUID
	if in.Cursor != "" {
		if after, err = device.DecodeCursor(in.Cursor); err != nil {
			return api.DeviceList{}, fieldErr("query.", err)
		}
	}
	items, err := store.Devices(ctx, s.pool, user, after, limit+1)
	if err != nil {
		return api.DeviceList{}, err
	}
	var out api.DeviceList
	out.Items, out.NextCursor = page(items, limit, func(x api.Device) string { return x.ID })
	return out, nil
}

// DeleteDevice removes one of the caller's devices. Past sessions keep
// their data; another user's device is "not found".
func (s *Service) DeleteDevice(ctx context.Context, in api.DeviceRef) (api.Empty, error) {
	user, err := bus.RequireUserID(ctx)
	if err != nil {
		return api.Empty{}, err
	}
	id, err := uuid.Parse(in.ID)
	if err != nil {
		return api.Empty{}, bus.Invalid("path.id", "must be a UUID")
	}
	ok, err := store.DeleteDevice(ctx, s.pool, user, id)
	if err != nil {
		return api.Empty{}, err
	}
	if !ok {
		return api.Empty{}, errNoDevice
	}
	return api.Empty{}, nil
}

// EraseUser deletes everything the module keeps of a user, in tx (the
// client module deleted the account).
func (s *Service) EraseUser(ctx context.Context, tx pgx.Tx, userID string) error {
	user, err := uuid.Parse(userID)
	if err != nil {
		return bus.Invalid("user_id", fmt.Sprintf("%q is not a UUID", userID))
	}
	if err := store.MarkUserDeleted(ctx, tx, user); err != nil {
		return err
	}
	if err := store.DeleteUserSessions(ctx, tx, user); err != nil {
		return err
	}
	if err := store.DeleteAthlete(ctx, tx, user); err != nil {
		return err
	}
	return store.DeleteUserDevices(ctx, tx, user)
}

// page cuts a list read with limit+1 rows to limit items (never nil) and
// returns the cursor of the next page when there is one.
func page[T any](items []T, limit int, id func(T) string) ([]T, *string) {
	if items == nil {
		items = []T{}
	}
	if len(items) <= limit {
		return items, nil
	}
	items = items[:limit]
	next := device.EncodeCursor(uuid.MustParse(id(items[limit-1])))
	return items, &next
}

// SaveProfile keeps what training needs of a user's profile (from
// evt.client.profile.updated): body data for calorie estimates and the
// default visibility of new sessions. An older profile than the one kept
// changes nothing.
func (s *Service) SaveProfile(ctx context.Context, tx pgx.Tx, p clientapi.ProfileUpdated) error {
	user, err := uuid.Parse(p.UserID)
	if err != nil {
		return bus.Invalid("user_id", fmt.Sprintf("%q is not a UUID", p.UserID))
	}
	a := store.Athlete{WeightKg: p.WeightKg, DefaultVisibility: p.Privacy.DefaultVisibility,
		SportVisibility: p.Privacy.SportVisibility, UpdatedAt: p.UpdatedAt}
	if a.DefaultVisibility == "" {
		a.DefaultVisibility = "followers"
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
	return store.SaveAthlete(ctx, tx, user, a)
}
