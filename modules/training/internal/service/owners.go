package service

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/internal/store"
)

// GearLookup asks the module that owns gear (client) whether the caller
// owns an item training has not heard of yet: one created a moment ago,
// or before training kept a record of gear.
type GearLookup interface {
	OwnsGear(ctx context.Context, gear uuid.UUID) (bool, error)
}

// errDeletedAccount answers a deleted account's token, which may still be
// valid for a few minutes.
var errDeletedAccount = &bus.Error{Code: bus.CodeUnauthorized, Message: "this account was deleted"}

// refuseDeleted refuses new data for an account that was deleted.
func (s *Service) refuseDeleted(ctx context.Context, q store.Querier, user uuid.UUID) error {
	deleted, err := store.UserDeleted(ctx, q, user)
	if err != nil {
		return err
	}
	if deleted {
		return errDeletedAccount
	}
	return nil
}

// checkGear refuses any item that is not the user's own (another user's,
// unknown, or deleted), naming its place in the request (field(i)).
func (s *Service) checkGear(ctx context.Context, q store.Querier, user uuid.UUID, ids []uuid.UUID, field func(i int) string) error {
	if len(ids) == 0 {
		return nil
	}
	known, err := store.GearOwners(ctx, q, ids)
	if err != nil {
		return err
	}
	for i, id := range ids {
		o, ok := known[id]
		switch {
		case ok && o.User != user:
			return bus.Invalid(field(i), "is not one of your gear")
		case ok && o.Deleted:
			return bus.Invalid(field(i), "was deleted")
		case ok:
		case s.gear == nil:
			return bus.Invalid(field(i), "is not one of your gear")
		default:
			owned, err := s.gear.OwnsGear(ctx, id)
			if err != nil {
				return err
			}
			if !owned {
				return bus.Invalid(field(i), "is not one of your gear")
			}
			if err := store.SaveGear(ctx, q, id, user); err != nil {
				return err
			}
		}
	}
	return nil
}

// SaveGearEvent records who owns an item (evt.client.gear.created and
// updated).
func (s *Service) SaveGearEvent(ctx context.Context, tx pgx.Tx, userID, gearID string, deleted bool) error {
	user, err := uuid.Parse(userID)
	if err != nil {
		return bus.Invalid("user_id", fmt.Sprintf("%q is not a UUID", userID))
	}
	gear, err := uuid.Parse(gearID)
	if err != nil {
		return bus.Invalid("gear_id", fmt.Sprintf("%q is not a UUID", gearID))
	}
	if deleted {
		return store.DeleteGear(ctx, tx, gear, user)
	}
	return store.SaveGear(ctx, tx, gear, user)
}
