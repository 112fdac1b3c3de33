package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/device"
	"github.com/athlos/athlos/modules/training/internal/importer"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage"
)

var errNoSession = &bus.Error{Code: bus.CodeNotFound, Message: "no such session"}

func sessionID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, bus.Invalid(field, "must be a UUID")
	}
	return id, nil
}

// StartSession starts a live session for the caller. With an
// idempotency key, a retry gets the session the first request started
// (bus.Once).
func (s *Service) StartSession(ctx context.Context, in api.SessionStart) (api.Session, error) {
	user, err := bus.RequireUserID(ctx)
	if err != nil {
		return api.Session{}, err
	}
	if !session.ValidSport(in.Sport) {
		return api.Session{}, bus.Invalid("body.sport", "must be one of the sports in the API document")
	}
	if !session.ValidTitle(in.Title) {
		return api.Session{}, bus.Invalid("body.title", "must not contain control characters")
	}
	ns := store.NewSession{User: user, Sport: in.Sport, Visibility: in.Visibility, Title: in.Title}
	if ns.Visibility != "" && !validVisibility(ns.Visibility) {
		return api.Session{}, bus.Invalid("body.visibility", "must be private, followers or public")
	}
	if in.DeviceID != "" {
		id, err := sessionID("body.device_id", in.DeviceID)
		if err != nil {
			return api.Session{}, err
		}
		ns.Device = &id
	}
	for i, g := range in.GearIDs {
		id, err := sessionID(fmt.Sprintf("body.gear_ids[%d]", i), g)
		if err != nil {
			return api.Session{}, err
		}
		ns.Gear = append(ns.Gear, id)
	}
	return bus.Once(ctx, s.pool, s.keys, func(tx pgx.Tx) (api.Session, error) {
		ns := ns
		var err error
		if ns.Visibility == "" {
			if ns.Visibility, err = s.defaultVisibility(ctx, tx, user, in.Sport); err != nil {
				return api.Session{}, err
			}
		}
		if ns.Device != nil {
			ok, err := store.DeviceOwned(ctx, tx, user, *ns.Device)
			if err != nil {
				return api.Session{}, err
			}
			if !ok {
				return api.Session{}, bus.Invalid("body.device_id", "is not one of your devices")
			}
		}
		if err := s.refuseDeleted(ctx, tx, user); err != nil {
			return api.Session{}, err
		}
		if err := s.checkGear(ctx, tx, user, ns.Gear, func(i int) string { return fmt.Sprintf("body.gear_ids[%d]", i) }); err != nil {
			return api.Session{}, err
		}
		if ns.ID, err = uuid.NewV7(); err != nil {
			return api.Session{}, err
		}
		ns.StartedAt = time.Now().UTC()
		if err := store.InsertSession(ctx, tx, ns); err != nil {
			return api.Session{}, err
		}
		out, err := store.Session(ctx, tx, user, ns.ID)
		return out.Session, err
	})
}

func validVisibility(v string) bool { return v == "private" || v == "followers" || v == "public" }

// GetSession returns one of the caller's sessions.
func (s *Service) GetSession(ctx context.Context, in api.SessionRef) (api.Session, error) {
	user, id, err := callerSession(ctx, in.ID)
	if err != nil {
		return api.Session{}, err
	}
	row, err := s.ownSession(ctx, user, id)
	return row.Session, err
}

// callerSession returns the caller and the session id of a request on one
// of the caller's sessions (the id from the path).
func callerSession(ctx context.Context, sessionIDParam string) (user, id uuid.UUID, err error) {
	if user, err = bus.RequireUserID(ctx); err != nil {
		return user, id, err
	}
	id, err = sessionID("path.id", sessionIDParam)
	return user, id, err
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

// ActOnSession pauses, resumes, finishes or discards a session. Finishing
// computes the figures from the stored points and publishes
// evt.training.session.completed through the outbox, in one transaction.
func (s *Service) ActOnSession(ctx context.Context, in api.SessionAction) (api.Session, error) {
	user, id, err := callerSession(ctx, in.ID)
	if err != nil {
		return api.Session{}, err
	}
	row, _, err := s.transition(ctx, user, id, in.Action, time.Time{})
	return row.Session, err
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
		if next == session.Finished {
			points, err := store.Points(ctx, tx, id)
			if err != nil {
				return err
			}
			if _, err := complete(ctx, tx, id, row, points, finished, api.EventSessionCompleted); err != nil {
				return err
			}
		}
		done = true
		out, err = store.Session(ctx, tx, user, id)
		return err
	})
	if err == nil && done {
		// Watchers see the new state at once.
		s.live(user.String(), liveStats(id, out.State, live, time.Now().UTC()))
	}
	return out, done, err
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

// ListSessions returns a page of the caller's sessions, newest first.
func (s *Service) ListSessions(ctx context.Context, in api.SessionListRequest) (api.SessionList, error) {
	user, err := bus.RequireUserID(ctx)
	if err != nil {
		return api.SessionList{}, err
	}
	limit, err := device.PageSize(in.Limit)
	if err != nil {
		return api.SessionList{}, fieldErr("query.", err)
	}
	if in.Sport != "" && !session.ValidSport(in.Sport) {
		return api.SessionList{}, bus.Invalid("query.sport", "is not a sport")
	}
	if in.From != nil && in.To != nil && !in.From.Before(*in.To) {
		return api.SessionList{}, bus.Invalid("query.to", "must be after from")
	}
	var after uuid.UUID
	if in.Cursor != "" {
		if after, err = device.DecodeCursor(in.Cursor); err != nil {
			return api.SessionList{}, fieldErr("query.", err)
		}
	}
	items, err := store.Sessions(ctx, s.pool, user, after, in.Sport, in.From, in.To, limit+1)
	if err != nil {
		return api.SessionList{}, err
	}
	var out api.SessionList
	out.Items, out.NextCursor = page(items, limit, func(x api.Session) string { return x.ID })
	return out, nil
}

// SessionGPX exports one of the caller's sessions as GPX 1.1.
func (s *Service) SessionGPX(ctx context.Context, m *bus.Msg) ([]byte, error) {
	var in api.SessionRef
	if err := json.Unmarshal(m.Data, &in); err != nil {
		return nil, bus.Invalid("body", "malformed request")
	}
	user, id, err := callerSession(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	row, err := s.ownSession(ctx, user, id)
	if err != nil {
		return nil, err
	}
	points, err := store.Points(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := importer.WriteGPX(&buf, row.Title, row.Sport, points); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// defaultVisibility is the visibility of a new session of sport when none
// is asked: the user's privacy setting for the sport, else the default one.
func (s *Service) defaultVisibility(ctx context.Context, q store.Querier, user uuid.UUID, sport string) (string, error) {
	a, err := store.GetAthlete(ctx, q, user)
	if err != nil {
		return "", err
	}
	if v := a.SportVisibility[sport]; v != "" {
		return v, nil
	}
	if a.DefaultVisibility != "" {
		return a.DefaultVisibility, nil
	}
	return "followers", nil
}
