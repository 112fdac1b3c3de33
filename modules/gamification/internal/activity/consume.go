package activity

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
	socialapi "github.com/athlos/athlos/modules/social/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
)

// SessionsDurable is the module's durable consumer of training's session
// events (completed, updated, deleted); it must not change, or the
// consumer would start over.
const SessionsDurable = "gamification__evt_training_session"

// Batch sizing of the session consumer: the messages are shared among the
// workers by user (bus.UserKey), so a user's events are applied in order by
// one worker, and two workers never wait for each other's rows of a user.
// A batch takes up to 1,000 events when they queue up (quiet streams give
// small batches): per event, a batch of 1,000 cost about 15 % less than
// one of 500 (BenchmarkSessionEventsApplied, docs/benchmarks.md).
const (
	sessionWorkers   = 4
	sessionBatchSize = 1000
)

// Register starts the module's consumers of the other modules' events:
// training's session events in batches (each batch one transaction that
// calls every applier with its changes), client's user events (the users
// read model; a deletion erases the user, with every applier that is an
// Eraser) and social's membership events.
func Register(rt *platform.Runtime, appliers ...Applier) {
	var erasers []Eraser
	var watchers []ZoneWatcher
	for _, a := range appliers {
		if e, ok := a.(Eraser); ok {
			erasers = append(erasers, e)
		}
		if w, ok := a.(ZoneWatcher); ok {
			watchers = append(watchers, w)
		}
	}
	rt.ConsumeBatches(bus.ConsumerConfig{Stream: bus.EventStream(trainingapi.Module), Durable: SessionsDurable,
		Subjects: []string{trainingapi.EventSessionCompleted, trainingapi.EventSessionUpdated, trainingapi.EventSessionDeleted}},
		bus.BatchConfig{Workers: sessionWorkers, MaxMessages: sessionBatchSize, Key: bus.UserKey},
		func(ctx context.Context, msgs []jetstream.Msg) ([]error, error) {
			return handleSessions(ctx, rt, msgs, appliers)
		})
	users(rt, erasers, watchers)
	groups(rt)
}

// handleSessions applies a batch of session events in one transaction:
// messages already processed are left out, malformed ones refused for
// good.
func handleSessions(ctx context.Context, rt *platform.Runtime, msgs []jetstream.Msg, appliers []Applier) ([]error, error) {
	errs, ids, events := bus.DecodeBatch(msgs, DecodeSessionEvent)
	if err := ApplyOnce(ctx, rt.DB, ids, events, appliers); err != nil {
		return nil, err
	}
	return errs, nil
}

// ApplyOnce applies training events (events[i] came in the message of id
// msgIDs[i]) in one transaction: those whose message was applied already
// are left out, the others applied (Apply) with appliers, and their ids
// recorded as processed. It is the session consumer's work, without NATS
// (benchmarks and tests call it).
func ApplyOnce(ctx context.Context, pool *pgxpool.Pool, msgIDs []string, events []Event, appliers []Applier) error {
	if len(msgIDs) == 0 {
		return nil
	}
	byID := make(map[string]Event, len(msgIDs))
	sessions := make([]*Session, 0, len(events))
	for i, id := range msgIDs {
		byID[id] = events[i]
		if events[i].Session != nil {
			sessions = append(sessions, events[i].Session)
		}
	}
	for _, a := range appliers {
		if p, ok := a.(Preparer); ok {
			if err := p.Prepare(ctx, sessions); err != nil {
				return err
			}
		}
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("activity: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	fresh, err := recordProcessed(ctx, tx, msgIDs)
	if err != nil {
		return err
	}
	list := make([]Event, 0, len(fresh))
	for _, id := range fresh {
		list = append(list, byID[id])
	}
	if _, err := Apply(ctx, tx, list, appliers); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("activity: commit session events: %w", err)
	}
	return nil
}

// recordProcessed records message ids in processed_messages and returns
// those that were not there yet.
func recordProcessed(ctx context.Context, tx pgx.Tx, ids []string) ([]string, error) {
	rows, err := tx.Query(ctx, `INSERT INTO gamification.processed_messages (consumer, msg_id)
		SELECT $1, id FROM unnest($2::text[]) AS id ON CONFLICT DO NOTHING RETURNING msg_id`, SessionsDurable, ids)
	if err != nil {
		return nil, fmt.Errorf("activity: record processed messages: %w", err)
	}
	fresh, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("activity: record processed messages: %w", err)
	}
	return fresh, nil
}

// DecodeSessionEvent reads a training event: api.SessionCompleted on
// completed and updated, api.SessionDeleted on deleted. A malformed one is
// an invalid error (refused for good).
func DecodeSessionEvent(subject string, data []byte) (Event, error) {
	if subject == trainingapi.EventSessionDeleted {
		var p trainingapi.SessionDeleted
		if err := json.Unmarshal(data, &p); err != nil {
			return Event{}, bus.Invalid("payload", "not a session.deleted event: "+err.Error())
		}
		return eventHead(p.SessionID, p.UserID, p.Revision)
	}
	var p trainingapi.SessionCompleted
	if err := json.Unmarshal(data, &p); err != nil {
		return Event{}, bus.Invalid("payload", "not a session event: "+err.Error())
	}
	e, err := eventHead(p.SessionID, p.UserID, p.Revision)
	if err != nil {
		return e, err
	}
	switch {
	case p.Sport == "":
		return e, bus.Invalid("sport", "missing")
	case p.StartedAt.IsZero() || p.CompletedAt.IsZero():
		return e, bus.Invalid("started_at", "a session needs its start and completion times")
	}
	s := &Session{ID: e.SessionID, UserID: e.UserID, Sport: p.Sport, StartedAt: p.StartedAt, CompletedAt: p.CompletedAt,
		DistanceM: p.DistanceM, MovingTimeS: p.MovingTimeS, ElapsedTimeS: p.ElapsedTimeS, ElevationGainM: p.ElevationGainM,
		StrengthVolumeKg: p.StrengthVolumeKg, Plausible: p.Plausible, Revision: p.Revision}
	if len(p.BestEfforts) > 0 {
		s.BestEfforts = make(map[string]float64, len(p.BestEfforts))
		for _, b := range p.BestEfforts {
			if b.Name != "" && b.ElapsedS > 0 {
				s.BestEfforts[b.Name] = b.ElapsedS
			}
		}
	}
	e.Session = s
	return e, nil
}

func eventHead(session, user string, revision int64) (Event, error) {
	var e Event
	var err error
	if e.SessionID, err = bus.ParseID("session_id", session); err != nil {
		return e, err
	}
	if e.UserID, err = bus.ParseID("user_id", user); err != nil {
		return e, err
	}
	if revision < 0 {
		return e, bus.Invalid("revision", "must not be negative")
	}
	e.Revision = revision
	return e, nil
}

// users keeps the users read model from the client module's events, tells
// the watchers of a new time zone, and erases a deleted user.
func users(rt *platform.Runtime, erasers []Eraser, watchers []ZoneWatcher) {
	stream := bus.EventStream(clientapi.Module)
	rt.OnEvent(stream, clientapi.EventUserRegistered, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev clientapi.UserRegistered
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a user.registered event: "+err.Error())
		}
		id, err := bus.ParseID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		_, err = SaveUser(ctx, tx, User{ID: id, DisplayName: ev.DisplayName, ShowInLeaderboards: true, UpdatedAt: ev.RegisteredAt}, true)
		return err
	})
	rt.OnEvent(stream, clientapi.EventProfileUpdated, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev clientapi.ProfileUpdated
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a profile.updated event: "+err.Error())
		}
		id, err := bus.ParseID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		return SaveProfile(ctx, tx, User{ID: id, DisplayName: ev.DisplayName, Country: ev.Country, TimeZone: ev.TimeZone,
			ShowInLeaderboards: ev.Privacy.ShowInLeaderboards, UpdatedAt: ev.UpdatedAt}, watchers)
	})
	rt.OnEvent(stream, clientapi.EventUserDeleted, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev clientapi.UserDeleted
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a user.deleted event: "+err.Error())
		}
		id, err := bus.ParseID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		return EraseUser(ctx, tx, id, ev.DeletedAt, erasers)
	})
}

// groups keeps the memberships read model from social's member events
// (joined and role changed: a member with that role; left: no longer)
// and deleted groups; social's seq orders the facts of a membership.
func groups(rt *platform.Runtime) {
	stream := bus.EventStream(socialapi.Module)
	for _, subject := range []string{socialapi.EventMemberJoined, socialapi.EventMemberRoleChanged, socialapi.EventMemberLeft} {
		left := subject == socialapi.EventMemberLeft
		rt.OnEvent(stream, subject, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			var ev socialapi.MemberChanged
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				return bus.Invalid("payload", "not a member event: "+err.Error())
			}
			m := Membership{Role: ev.Role, Seq: ev.Seq}
			var err error
			if m.Group, err = bus.ParseID("group_id", ev.GroupID); err != nil {
				return err
			}
			if m.User, err = bus.ParseID("user_id", ev.UserID); err != nil {
				return err
			}
			switch {
			case left:
				m.Role = ""
			case m.Role != socialapi.RoleOwner && m.Role != socialapi.RoleAdmin && m.Role != socialapi.RoleMember:
				return bus.Invalid("role", "must be owner, admin or member")
			}
			_, err = SaveMembership(ctx, tx, m)
			return err
		})
	}
	rt.OnEvent(stream, socialapi.EventGroupDeleted, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev socialapi.GroupDeleted
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a group.deleted event: "+err.Error())
		}
		group, err := bus.ParseID("group_id", ev.GroupID)
		if err != nil {
			return err
		}
		return CloseGroup(ctx, tx, group, ev.Seq)
	})
}
