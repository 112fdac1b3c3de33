package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/page"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/gear"
	"github.com/athlos/athlos/modules/client/internal/store"
	"github.com/athlos/athlos/storage"
)

var errGearNotFound = &bus.Error{Code: bus.CodeNotFound, Message: "no such gear"}

// gearNow is the service's clock at the database's precision, so what a
// change returns equals what a later read returns.
func (s *Service) gearNow() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func newGearID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

func parseGearID(id string) (uuid.UUID, error) {
	u, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return uuid.Nil, bus.Invalid("path.id", "must be a UUID")
	}
	return u, nil
}

// ListGear returns a page of the user's gear, newest first: at most limit
// items (0: page.Default) after cursor (empty: from the start), only
// retired or only active ones when retired is set. It returns invalid
// naming query.limit or query.cursor when they are not what a list takes
// or answered.
func (s *Service) ListGear(ctx context.Context, user uuid.UUID, limit int, cursor string, retired *bool) (api.GearPage, error) {
	size, err := page.Size(limit)
	if err != nil {
		return api.GearPage{}, bus.FieldInvalid("query.", err)
	}
	var after uuid.UUID
	if cursor != "" {
		if after, err = page.After(cursor); err != nil {
			return api.GearPage{}, bus.FieldInvalid("query.", err)
		}
	}
	items, err := store.ListGear(ctx, s.pool, user, after, retired, size+1)
	if err != nil {
		return api.GearPage{}, err
	}
	items, next := page.Cut(items, size, func(g gear.Gear) [16]byte { return g.ID })
	out := api.GearPage{Items: make([]api.Gear, len(items)), NextCursor: next}
	for i, g := range items {
		out.Items[i] = GearView(g)
	}
	return out, nil
}

// GetGear returns one of the user's items. It returns invalid (path.id)
// for an id that is not a UUID, and not_found when the user has no such
// item (another user's, or deleted).
func (s *Service) GetGear(ctx context.Context, user uuid.UUID, id string) (api.Gear, error) {
	gid, err := parseGearID(id)
	if err != nil {
		return api.Gear{}, err
	}
	g, err := store.GetGear(ctx, s.pool, user, gid, false)
	if errors.Is(err, store.ErrNotFound) {
		return api.Gear{}, errGearNotFound
	}
	if err != nil {
		return api.Gear{}, err
	}
	return GearView(g), nil
}

// CreateGear adds an item to the user's gear. With an idempotency key, a
// retry gets the item the first request added (bus.Once). It returns
// invalid naming the body's field that breaks a rule of package gear,
// conflict when the user has gear.MaxItems items already, unauthorized
// when the account no longer exists, and bus.Once's idempotency errors.
func (s *Service) CreateGear(ctx context.Context, user uuid.UUID, in gear.Input) (api.Gear, error) {
	now := s.gearNow()
	g, err := gear.New(in, newGearID(), user, now, newGearID)
	if err != nil {
		return api.Gear{}, bus.FieldInvalid("body.", err)
	}
	for i := range g.Components {
		g.Components[i].Recount = false // a new item has no usage to count
	}
	wears := g.CheckWear(now)
	return bus.Once(ctx, s.pool, s.idem, func(tx pgx.Tx) (api.Gear, error) {
		if err := store.LockUserGear(ctx, tx, user); err != nil {
			return api.Gear{}, err
		}
		n, err := store.CountGear(ctx, tx, user)
		if err != nil {
			return api.Gear{}, err
		}
		if n >= gear.MaxItems {
			return api.Gear{}, bus.Errorf(bus.CodeConflict, "a user may have at most %d items of gear: delete some first", gear.MaxItems)
		}
		losers, err := store.InsertGear(ctx, tx, g)
		if errors.Is(err, store.ErrNoUser) {
			return api.Gear{}, &bus.Error{Code: bus.CodeUnauthorized, Message: "the account no longer exists"}
		}
		if err != nil {
			return api.Gear{}, err
		}
		view := GearView(g)
		if _, err := bus.Enqueue(ctx, tx, api.Module, api.EventGearCreated, api.GearChanged{UserID: user.String(), Gear: view, OccurredAt: now}); err != nil {
			return api.Gear{}, err
		}
		if err := s.afterGearChange(ctx, tx, g, losers, wears, uuid.Nil, now); err != nil {
			return api.Gear{}, err
		}
		return view, nil
	})
}

// UpdateGear applies a patch to one of the user's items. It returns
// invalid (path.id) for an id that is not a UUID, not_found when the user
// has no such item, and invalid naming the body's field that breaks a
// rule of package gear.
func (s *Service) UpdateGear(ctx context.Context, user uuid.UUID, id string, p gear.Patch) (api.Gear, error) {
	gid, err := parseGearID(id)
	if err != nil {
		return api.Gear{}, err
	}
	now := s.gearNow()
	var out api.Gear
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.LockUserGear(ctx, tx, user); err != nil {
			return err
		}
		g, err := store.GetGear(ctx, tx, user, gid, true)
		if errors.Is(err, store.ErrNotFound) {
			return errGearNotFound
		}
		if err != nil {
			return err
		}
		ng, changed, err := g.Apply(p, now, newGearID)
		if err != nil {
			return bus.FieldInvalid("body.", err)
		}
		if !changed {
			out = GearView(g)
			return nil
		}
		for i := range ng.Components {
			c := &ng.Components[i]
			if !c.Recount {
				continue
			}
			if c.DistanceM, c.MovingTimeS, c.Sessions, err = store.UsageSince(ctx, tx, ng.ID, c.InstalledAt); err != nil {
				return err
			}
			c.Recount = false
		}
		wears := ng.CheckWear(now)
		if err := store.UpdateGear(ctx, tx, ng); err != nil {
			return err
		}
		var losers []uuid.UUID
		if !slices.Equal(g.DefaultFor, ng.DefaultFor) {
			if losers, err = store.SetDefaults(ctx, tx, ng); err != nil {
				return err
			}
		}
		out = GearView(ng)
		if _, err := bus.Enqueue(ctx, tx, api.Module, api.EventGearUpdated, api.GearChanged{UserID: user.String(), Gear: out, OccurredAt: now}); err != nil {
			return err
		}
		return s.afterGearChange(ctx, tx, ng, losers, wears, uuid.Nil, now)
	})
	if err != nil {
		return api.Gear{}, err
	}
	return out, nil
}

// afterGearChange announces the items that lost a sport default to g, and
// g's newly worn-out parts.
func (s *Service) afterGearChange(ctx context.Context, tx pgx.Tx, g gear.Gear, losers []uuid.UUID, wears []gear.Wear, session uuid.UUID, now time.Time) error {
	for _, id := range losers {
		if err := store.TouchGear(ctx, tx, id, now); err != nil {
			return err
		}
		lg, err := store.GetGear(ctx, tx, g.UserID, id, false)
		if err != nil {
			return fmt.Errorf("service: item that lost a default: %w", err)
		}
		if _, err := bus.Enqueue(ctx, tx, api.Module, api.EventGearUpdated, api.GearChanged{UserID: g.UserID.String(), Gear: GearView(lg), OccurredAt: now}); err != nil {
			return err
		}
	}
	for _, w := range wears {
		if _, err := bus.Enqueue(ctx, tx, api.Module, api.EventGearWearLimit, wearEvent(g, w, session, now)); err != nil {
			return err
		}
	}
	return nil
}

// DeleteGear deletes one of the user's items. Its usage records stay, so
// past sessions keep what they were; the item is gone from the API. It
// returns invalid (path.id) for an id that is not a UUID, and not_found
// when the user has no such item.
func (s *Service) DeleteGear(ctx context.Context, user uuid.UUID, id string) error {
	gid, err := parseGearID(id)
	if err != nil {
		return err
	}
	now := s.gearNow()
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.LockUserGear(ctx, tx, user); err != nil {
			return err
		}
		err := store.SoftDeleteGear(ctx, tx, user, gid, now)
		if errors.Is(err, store.ErrNotFound) {
			return errGearNotFound
		}
		if err != nil {
			return err
		}
		_, err = bus.Enqueue(ctx, tx, api.Module, api.EventGearDeleted, api.GearDeleted{UserID: user.String(), GearID: gid.String(), DeletedAt: now})
		return err
	})
}

// recordSession adds a completed session to the totals of the items it
// names, inside tx (the consumer's exactly-once transaction). Items that
// are unknown, deleted or another user's are ignored; an item counts a
// session once, whatever message brings it again. An item or component
// that reaches its threshold is announced once. A malformed event is an
// invalid error naming the field (it can never succeed).
func (s *Service) recordSession(ctx context.Context, tx pgx.Tx, ev gear.SessionEvent, touched map[uuid.UUID]gear.Gear) error {
	sess, err := gear.ParseSession(ev)
	if err != nil {
		return bus.FieldInvalid("", err)
	}
	if len(sess.GearIDs) == 0 {
		return nil
	}
	// Every change to a user's gear takes this lock first, so a session
	// and a change that moves a default between items never deadlock.
	if err := store.LockUserGear(ctx, tx, sess.UserID); err != nil {
		return err
	}
	items, err := store.GearByIDs(ctx, tx, sess.UserID, sess.GearIDs, true)
	if err != nil {
		return err
	}
	now := s.gearNow()
	for _, g := range items {
		fresh, err := store.InsertUsage(ctx, tx, g, sess)
		if err != nil {
			return err
		}
		if !fresh {
			continue
		}
		g.Record(sess.Usage())
		wears := g.CheckWear(now)
		if err := store.UpdateGear(ctx, tx, g); err != nil {
			return err
		}
		touched[g.ID] = g
		if err := s.afterGearChange(ctx, tx, g, nil, wears, sess.ID, now); err != nil {
			return err
		}
	}
	return nil
}

// forgetSession takes a session back out of the totals of the items it
// counted for, inside tx (a deleted session). Nothing happens when it
// counted for none. Ids that are not UUIDs are invalid errors.
func (s *Service) forgetSession(ctx context.Context, tx pgx.Tx, userID, sessionID string, touched map[uuid.UUID]gear.Gear) error {
	user, err := uuid.Parse(userID)
	if err != nil {
		return bus.Invalid("user_id", "must be a UUID")
	}
	session, err := uuid.Parse(sessionID)
	if err != nil {
		return bus.Invalid("session_id", "must be a UUID")
	}
	if err := store.LockUserGear(ctx, tx, user); err != nil {
		return err
	}
	usage, err := store.TakeSessionUsage(ctx, tx, user, session)
	if err != nil || len(usage) == 0 {
		return err
	}
	ids := make([]uuid.UUID, 0, len(usage))
	for id := range usage {
		ids = append(ids, id)
	}
	items, err := store.GearByIDs(ctx, tx, user, ids, true)
	if err != nil {
		return err
	}
	for _, g := range items {
		g.Unrecord(usage[g.ID])
		if err := store.UpdateGear(ctx, tx, g); err != nil {
			return err
		}
		touched[g.ID] = g
	}
	return nil
}

// Kinds of training session events.
const (
	SessionCompleted = "completed"
	SessionUpdated   = "updated"
	SessionDeleted   = "deleted"
)

// ApplySessionEvent keeps the gear totals in step with a training session
// event, inside tx: a completed or updated session replaces what it
// counted before, a deleted one is taken back; each item whose totals
// moved is announced (evt.client.gear.updated). Events carry a revision and
// may arrive out of order: one older than the last applied to its session,
// or for a session deleted already, changes nothing. (Events without a
// revision, from older versions, are applied as they come.) A malformed
// event (ids that are not UUIDs, figures out of range, no completion
// time) is an invalid error naming the field: it can never succeed, and
// the consumer refuses it for good.
func (s *Service) ApplySessionEvent(ctx context.Context, tx pgx.Tx, kind string, ev gear.SessionEvent) error {
	if ev.Revision != 0 {
		user, err := uuid.Parse(ev.UserID)
		if err != nil {
			return bus.Invalid("user_id", "must be a UUID")
		}
		session, err := uuid.Parse(ev.SessionID)
		if err != nil {
			return bus.Invalid("session_id", "must be a UUID")
		}
		if err := store.LockUserGear(ctx, tx, user); err != nil {
			return err
		}
		newer, err := store.AdvanceSession(ctx, tx, user, session, ev.Revision, kind == SessionDeleted)
		if err != nil || !newer {
			return err
		}
	}
	touched := map[uuid.UUID]gear.Gear{}
	if err := s.forgetSession(ctx, tx, ev.UserID, ev.SessionID, touched); err != nil {
		return err
	}
	if kind != SessionDeleted {
		if err := s.recordSession(ctx, tx, ev, touched); err != nil {
			return err
		}
	}
	// Each item whose totals moved is announced once, with its totals as
	// they are now (other modules target or show worn gear from them).
	now := s.gearNow()
	for _, g := range touched {
		if _, err := bus.Enqueue(ctx, tx, api.Module, api.EventGearUpdated,
			api.GearChanged{UserID: g.UserID.String(), Gear: GearView(g), OccurredAt: now}); err != nil {
			return err
		}
	}
	return nil
}
