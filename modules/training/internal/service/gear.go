package service

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage"
)

// GearLookup asks the module that owns gear (client) whether user owns an
// item training has not heard of yet: one created a moment ago, or before
// training kept a record of gear.
type GearLookup interface {
	OwnsGear(ctx context.Context, user, gear uuid.UUID) (bool, error)
}

// checkGear refuses any item that is not the user's own (another user's,
// unknown, or deleted), naming its place in the request (field(i)).
func (s *Service) checkGear(ctx context.Context, q storage.Querier, user uuid.UUID, ids []uuid.UUID, field func(i int) string) error {
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
			owned, err := s.gear.OwnsGear(ctx, user, id)
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

// SaveGearOwner records, in tx, that user owns an item of gear, or owned
// it until it was deleted (the client module's gear events): a session
// takes only its user's own gear.
func (s *Service) SaveGearOwner(ctx context.Context, tx pgx.Tx, user, gear uuid.UUID, deleted bool) error {
	if deleted {
		return store.DeleteGear(ctx, tx, gear, user)
	}
	return store.SaveGear(ctx, tx, gear, user)
}
