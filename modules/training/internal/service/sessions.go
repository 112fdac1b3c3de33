package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/page"
	"github.com/athlos/athlos/internal/kit/sport"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/zone"
	"github.com/athlos/athlos/storage"
)

// Start is a live session to start.
type Start struct {
	Sport string
	// Visibility "" is the user's privacy setting for the sport.
	Visibility string
	Title      string
	Device     *uuid.UUID
	Gear       []uuid.UUID
}

// StartSession starts a live session for user. With an idempotency key,
// a retry gets the session the first request started (bus.Once). Errors:
// invalid (body.sport, body.title, body.visibility, body.device_id not
// one of the user's devices, body.gear_ids[i] not the user's gear),
// unauthorized (the account was deleted).
func (s *Service) StartSession(ctx context.Context, user uuid.UUID, in Start) (api.Session, error) {
	if !sport.Valid(in.Sport) {
		return api.Session{}, bus.Invalid("body.sport", "must be one of the sports in the API document")
	}
	if !session.ValidTitle(in.Title) {
		return api.Session{}, bus.Invalid("body.title", "must not contain control characters")
	}
	if in.Visibility != "" && !sport.ValidVisibility(in.Visibility) {
		return api.Session{}, bus.Invalid("body.visibility", "must be private, followers or public")
	}
	return bus.Once(ctx, s.pool, s.keys, func(tx pgx.Tx) (api.Session, error) {
		ns := store.NewSession{User: user, Sport: in.Sport, Visibility: in.Visibility, Title: in.Title, Device: in.Device, Gear: in.Gear}
		if err := s.prepareSession(ctx, tx, user, &ns); err != nil {
			return api.Session{}, err
		}
		ns.StartedAt = time.Now().UTC()
		if err := store.InsertSession(ctx, tx, ns); err != nil {
			return api.Session{}, err
		}
		out, err := store.Session(ctx, tx, user, ns.ID)
		return sessionOut(out), err
	})
}

// GetSession returns a session user may see: one of its own, or
// another's that is public, or of visibility followers when user shares a
// group with its owner (without the owner's notes and device, and with
// its map polyline masked by the owner's privacy zones). Errors:
// not_found (a session user may not see, or an unknown one).
func (s *Service) GetSession(ctx context.Context, user, id uuid.UUID) (api.Session, error) {
	row, owner, err := s.visibleSession(ctx, user, id)
	if err != nil {
		return api.Session{}, err
	}
	out := sessionOut(row)
	if !owner {
		out.Notes, out.DeviceID = "", nil
		mask, err := s.maskFor(ctx, user, row.UserID)
		if err != nil {
			return api.Session{}, err
		}
		maskSession(mask, id, &out)
	}
	return out, nil
}

// lockOwnSession reads and locks one of user's sessions for tx; another
// user's is "not found".
func lockOwnSession(ctx context.Context, tx pgx.Tx, user, id uuid.UUID) (store.SessionRow, error) {
	row, err := store.LockSession(ctx, tx, user, id)
	if errors.Is(err, store.ErrNotFound) {
		return row, errNoSession
	}
	return row, err
}

// ownSession reads one of user's sessions; another user's is "not found".
func (s *Service) ownSession(ctx context.Context, user, id uuid.UUID) (store.SessionRow, error) {
	row, err := store.Session(ctx, s.pool, user, id)
	if errors.Is(err, store.ErrNotFound) {
		return row, errNoSession
	}
	return row, err
}

// ActOnSession pauses, resumes, finishes or discards one of user's
// sessions (action: session.Pause, Resume, Finish, Discard). Finishing
// computes the figures from the stored points and publishes
// evt.training.session.completed through the outbox, in one transaction.
// Errors: not_found (another user's session, or an unknown one), conflict
// (the session's state does not allow the action).
func (s *Service) ActOnSession(ctx context.Context, user, id uuid.UUID, action string) (api.Session, error) {
	row, _, err := s.transition(ctx, user, id, action, time.Time{})
	return sessionOut(row), err
}

// transition moves a session through its states in one transaction;
// finishing computes and stores its figures and publishes
// evt.training.session.completed. With idleSince set, it happens only if
// the session has had no point (nor started) since then, and the session
// finishes at its last point; otherwise done is false and nothing changes.
func (s *Service) transition(ctx context.Context, user, id uuid.UUID, action string, idleSince time.Time) (out store.SessionRow, done bool, err error) {
	var live stats.Live
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		row, err := lockOwnSession(ctx, tx, user, id)
		if err != nil {
			return err
		}
		finished := time.Now().UTC()
		if !idleSince.IsZero() {
			last := row.StartedAt
			if row.LastPointAt != nil && row.LastPointAt.After(last) {
				last = *row.LastPointAt
			}
			if !session.Open(row.State) || last.After(idleSince) {
				return nil // it moved on meanwhile
			}
			finished = last
			if row.LastPointAt == nil {
				action = session.Discard // decided on the locked row
			}
		}
		next, err := session.Next(row.State, action)
		var ill *session.IllegalTransition
		if errors.As(err, &ill) {
			return bus.Errorf(bus.CodeConflict, "%s", ill.Error())
		}
		if err != nil {
			return err
		}
		if live, err = store.LiveOf(ctx, tx, id); err != nil {
			return err
		}
		var finishedAt *time.Time
		if next == session.Finished {
			finishedAt = &finished
		}
		if err := store.SetState(ctx, tx, id, next, finishedAt); err != nil {
			return err
		}
		if !session.Open(next) {
			// Nothing more to watch: the link's page connections close.
			if err := linkClosed(ctx, tx, id); err != nil {
				return err
			}
		}
		if next == session.Finished {
			points, err := store.Points(ctx, tx, id)
			if err != nil {
				return err
			}
			if err := complete(ctx, tx, id, row, points, finished, api.EventSessionCompleted); err != nil {
				return err
			}
		}
		done = true
		out, err = store.Session(ctx, tx, user, id)
		return err
	})
	if err == nil && done {
		// Watchers see the new state at once.
		s.offerLive(ctx, []ownedLive{{user, id, liveStats(id, out.State, live, time.Now().UTC())}})
	}
	return out, done, err
}

// IdleSweep is the loop body (platform.Runtime.Every) that closes the
// sessions idle for idle (CloseIdleSessions), logging what it did.
func (s *Service) IdleSweep(idle time.Duration, log *slog.Logger) func(ctx context.Context) {
	return func(ctx context.Context) {
		n, err := s.CloseIdleSessions(ctx, idle)
		if err != nil && ctx.Err() == nil {
			log.Warn("closing idle sessions", "err", err)
		}
		if n > 0 {
			log.Info("closed idle sessions", "sessions", n, "idle_for", idle)
		}
	}
}

// CloseIdleSessions closes open sessions that had no point for idle (nor
// started within it): finished at their last point, with their figures,
// or discarded when they have no point at all. It returns how many it
// closed, and the errors of those it could not close. Several processes
// may run it at once: each session is closed once.
func (s *Service) CloseIdleSessions(ctx context.Context, idle time.Duration) (int, error) {
	since := time.Now().UTC().Add(-idle)
	idleSessions, err := store.IdleSessions(ctx, s.pool, since, 100)
	if err != nil {
		return 0, err
	}
	closed := 0
	var errs []error
	for _, is := range idleSessions {
		// One session that fails does not keep the others open.
		_, done, err := s.transition(ctx, is.User, is.ID, session.Finish, since)
		if err != nil {
			errs = append(errs, fmt.Errorf("close idle session %s: %w", is.ID, err))
			continue
		}
		if done {
			closed++
		}
	}
	return closed, errors.Join(errs...)
}

// SessionFilter picks sessions of a list: of one sport ("": all),
// started within [From, To) (nil: unbounded), of the athlete Owner
// (uuid.Nil: the caller).
type SessionFilter struct {
	Sport    string
	From, To *time.Time
	Owner    uuid.UUID
}

// ListSessions returns a page of user's sessions, newest first: limit
// items (0: page.Default) after the cursor of the previous page ("": the
// first); with f.Owner another athlete's sessions user may see (public
// ones, and followers ones when the two share a group; as GetSession,
// without notes and device, map polylines masked by the owner's privacy
// zones). Errors: invalid (query.limit, query.cursor,
// query.sport, query.to not after from).
func (s *Service) ListSessions(ctx context.Context, user uuid.UUID, f SessionFilter, limit int, cursor string) (api.SessionList, error) {
	limit, after, err := pageOf(limit, cursor)
	if err != nil {
		return api.SessionList{}, err
	}
	if f.Sport != "" && !sport.Valid(f.Sport) {
		return api.SessionList{}, bus.Invalid("query.sport", "is not a sport")
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return api.SessionList{}, bus.Invalid("query.to", "must be after from")
	}
	owner, visible := user, []string(nil)
	var mask zone.Mask
	if f.Owner != uuid.Nil && f.Owner != user {
		owner = f.Owner
		if visible, err = s.visibleOf(ctx, user, owner); err != nil {
			return api.SessionList{}, err
		}
		if mask, err = s.maskFor(ctx, user, owner); err != nil {
			return api.SessionList{}, err
		}
	}
	rows, err := store.VisibleSessions(ctx, s.pool, owner, after, f.Sport, f.From, f.To, visible, limit+1)
	if err != nil {
		return api.SessionList{}, err
	}
	rows, next := page.Cut(rows, limit, func(r store.SessionRow) [16]byte { return r.ID })
	out := api.SessionList{Items: make([]api.Session, len(rows)), NextCursor: next}
	for i, r := range rows {
		if visible != nil {
			r.Notes, r.DeviceID = "", nil
		}
		out.Items[i] = sessionOut(r)
		maskSession(mask, r.ID, &out.Items[i])
	}
	return out, nil
}

// prepareSession completes ns before it is stored, for every way a session
// is created (live or entered by hand): the user's default visibility for
// its sport when none was given, and a new id; it refuses a device or gear
// that is not user's (invalid, naming the field) and a deleted account.
func (s *Service) prepareSession(ctx context.Context, tx pgx.Tx, user uuid.UUID, ns *store.NewSession) error {
	var err error
	if ns.Visibility == "" {
		if ns.Visibility, err = s.defaultVisibility(ctx, tx, user, ns.Sport); err != nil {
			return err
		}
	}
	if ns.Device != nil {
		ok, err := store.DeviceOwned(ctx, tx, user, *ns.Device)
		if err != nil {
			return err
		}
		if !ok {
			return bus.Invalid("body.device_id", "is not one of your devices")
		}
	}
	if err := s.refuseDeleted(ctx, tx, user); err != nil {
		return err
	}
	if err := s.checkGear(ctx, tx, user, ns.Gear, func(i int) string { return fmt.Sprintf("body.gear_ids[%d]", i) }); err != nil {
		return err
	}
	ns.ID, err = uuid.NewV7()
	return err
}
