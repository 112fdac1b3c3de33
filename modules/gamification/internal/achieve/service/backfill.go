package service

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/internal/achieve"
	"github.com/athlos/athlos/modules/gamification/internal/achieve/store"
	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/rules"
	"github.com/athlos/athlos/storage"
)

// BackfillBatch is how many users one transaction of a backfill
// evaluates (Service.backfillBatch).
const BackfillBatch = 200

// MaxBackfillUnits bounds the unlocks a backfill adds to one user (a
// repeatable achievement far past its last tier).
const MaxBackfillUnits = 1000

// StartBackfill starts applying an achievement's rule to every user's
// history (or returns the run going on already) and wakes the worker. It
// is not_found for an unknown achievement, conflict for a retired one.
func (s *Service) StartBackfill(ctx context.Context, admin uuid.UUID, id string) (store.Backfill, error) {
	var b store.Backfill
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		e, err := store.Get(ctx, tx, id)
		if err != nil {
			return notFound(err)
		}
		if e.RetiredAt != nil {
			return bus.Errorf(bus.CodeConflict, "achievement %s is retired: replace it to bring it back first", id)
		}
		b, _, err = store.StartBackfill(ctx, tx, id, e.Version, admin, s.now())
		return err
	})
	if err != nil {
		return b, err
	}
	s.Wake()
	return b, nil
}

// Wake makes the backfill worker look for work at once.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// RunBackfills works on running backfills until ctx ends: at once (a run
// that stopped halfway, say by a crash, goes on from its last batch), when
// woken, and every period. Several processes share the work: a batch
// locks its backfill.
func (s *Service) RunBackfills(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		for {
			worked, err := s.BackfillStep(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("achievement backfill batch failed; will try again", "err", err)
			}
			if !worked || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// BackfillStep evaluates one batch of users of a running backfill, in one
// transaction, and reports whether there was one. Each user's unlocks of
// the rule over their whole history (rules.Evaluate, the reference) are
// added where missing: what they unlocked already is not unlocked again,
// so running it twice, or a batch again after a crash, unlocks once.
func (s *Service) BackfillStep(ctx context.Context) (bool, error) {
	worked := false
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		b, err := store.ClaimBackfill(ctx, tx)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		worked = true
		_, byID, err := s.catalogue(ctx, tx)
		if err != nil {
			return err
		}
		e := byID[b.AchievementID]
		users, err := store.UsersAfter(ctx, tx, b.Cursor, s.backfillBatch)
		if err != nil {
			return err
		}
		now := s.now()
		if e == nil || e.RetiredAt != nil || len(users) == 0 {
			// Done (or retired since: nothing more to unlock).
			return store.AdvanceBackfill(ctx, tx, b.ID, b.Cursor, 0, 0, true, now)
		}
		added, err := s.backfillUsers(ctx, tx, &e.Achievement, users, byID, now)
		if err != nil {
			return err
		}
		return store.AdvanceBackfill(ctx, tx, b.ID, users[len(users)-1], len(users), added, len(users) < s.backfillBatch, now)
	})
	return worked, err
}

// backfillUsers evaluates a over users' histories and adds their missing
// unlocks; it returns how many it added.
func (s *Service) backfillUsers(ctx context.Context, tx pgx.Tx, a *achieve.Achievement, users []uuid.UUID,
	byID map[string]*store.Entry, now time.Time) (int, error) {
	states, err := store.LockStates(ctx, tx, users)
	if err != nil {
		return 0, err
	}
	locs, err := activity.Locations(ctx, tx, users)
	if err != nil {
		return 0, err
	}
	sessions, err := activity.SessionsOf(ctx, tx, users)
	if err != nil {
		return 0, err
	}
	var unlocks []store.Unlock
	for _, u := range users {
		st := states[u].State
		p := rules.Evaluate(a.Rule, achieve.History(sessions[u], st.Records, st.Challenges, locs[u]))
		n := min(achieve.Units(p), MaxBackfillUnits)
		for k := 1; k <= n; k++ {
			unit := a.UnitAt(k)
			unlocks = append(unlocks, store.Unlock{UserID: u, AchievementID: a.ID, Unit: unit, Points: a.Points(unit), UnlockedAt: now})
		}
		st.Unlocked[a.ID] = max(st.Unlocked[a.ID], n)
	}
	added, err := s.unlock(ctx, tx, unlocks, states, byID)
	if err != nil {
		return 0, err
	}
	return added, store.SaveStates(ctx, tx, states, now)
}

// notFound turns the store's ErrNotFound into a not_found error.
func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return bus.Errorf(bus.CodeNotFound, "no such achievement")
	}
	return err
}
