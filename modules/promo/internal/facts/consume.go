package facts

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
	gamificationapi "github.com/athlos/athlos/modules/gamification/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
)

// PruneEvery is how often each process running promo prunes the sessions
// older than SportsWindow (Prune).
const PruneEvery = time.Hour

// Register starts what keeps the facts: the consumers of client's user,
// profile and gear events, training's session events (in batches,
// SessionsDurable) and gamification's challenge membership events (each
// applied once, in order by its own clock: updated_at, revision, event
// time), the erasure of a deleted user
// (with every eraser, in the same transaction), the consent operations
// (rpc.promo.consent.*) and the periodic prune of old sessions.
func Register(rt *platform.Runtime, erasers ...Eraser) error {
	client := bus.EventStream(clientapi.Module)
	rt.OnEvent(client, clientapi.EventUserRegistered, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		r, err := DecodeRegistration(msg.Data())
		if err != nil {
			return err
		}
		return ApplyRegistration(ctx, tx, r)
	})
	rt.OnEvent(client, clientapi.EventProfileUpdated, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		p, err := DecodeProfile(msg.Data())
		if err != nil {
			return err
		}
		return ApplyProfile(ctx, tx, p)
	})
	rt.OnEvent(client, clientapi.EventUserDeleted, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev clientapi.UserDeleted
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a user.deleted event: "+err.Error())
		}
		id, err := bus.ParseID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		return Erase(ctx, tx, id, ev.DeletedAt, erasers...)
	})
	for _, subject := range []string{clientapi.EventGearCreated, clientapi.EventGearUpdated, clientapi.EventGearDeleted} {
		rt.OnEvent(client, subject, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			g, err := DecodeGear(subject, msg.Data())
			if err != nil {
				return err
			}
			return ApplyGear(ctx, tx, g)
		})
	}
	rt.OnEvent(client, clientapi.EventGearWearLimit, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		w, ok, err := DecodeGearWear(msg.Data())
		if err != nil || !ok {
			return err
		}
		return ApplyGearWear(ctx, tx, w)
	})
	rt.ConsumeBatches(bus.ConsumerConfig{Stream: bus.EventStream(trainingapi.Module), Durable: SessionsDurable,
		Subjects: []string{trainingapi.EventSessionCompleted, trainingapi.EventSessionUpdated, trainingapi.EventSessionDeleted}},
		bus.BatchConfig{Workers: sessionWorkers, MaxMessages: sessionBatchSize, Key: bus.UserKey},
		func(ctx context.Context, msgs []jetstream.Msg) ([]error, error) {
			return handleSessions(ctx, rt.DB, msgs)
		})
	gamification := bus.EventStream(gamificationapi.Module)
	for _, subject := range []string{gamificationapi.EventChallengeJoined, gamificationapi.EventChallengeLeft} {
		joined := subject == gamificationapi.EventChallengeJoined
		rt.OnEvent(gamification, subject, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			user, challenge, at, err := DecodeChallengeMember(msg.Data())
			if err != nil {
				return err
			}
			return ApplyChallenge(ctx, tx, user, challenge, joined, at)
		})
	}
	rt.Every("promo session prune", PruneEvery, func(ctx context.Context) {
		if n, err := Prune(ctx, rt.DB, time.Now()); err != nil && ctx.Err() == nil {
			rt.Log.Warn("pruning old sessions", "err", err)
		} else if n > 0 {
			rt.Log.Debug("old sessions pruned", "sessions", n)
		}
	})
	return registerConsent(rt)
}

// Batch sizing of the session consumer: the messages are shared among the
// workers by user (bus.UserKey), so a user's events are applied in order by one
// worker, and two workers never wait for each other's users.
const (
	sessionWorkers   = 2
	sessionBatchSize = 500
)

// handleSessions applies a batch of session events in one transaction
// (ApplySessionsOnce); malformed ones are refused for good.
func handleSessions(ctx context.Context, pool *pgxpool.Pool, msgs []jetstream.Msg) ([]error, error) {
	errs, ids, sessions := bus.DecodeBatch(msgs, DecodeSession)
	if err := ApplySessionsOnce(ctx, pool, ids, sessions); err != nil {
		return nil, err
	}
	return errs, nil
}

// DecodeRegistration reads a user.registered event.
func DecodeRegistration(data []byte) (Registration, error) {
	var ev clientapi.UserRegistered
	if err := json.Unmarshal(data, &ev); err != nil {
		return Registration{}, bus.Invalid("payload", "not a user.registered event: "+err.Error())
	}
	id, err := bus.ParseID("user_id", ev.UserID)
	if err != nil {
		return Registration{}, err
	}
	if ev.RegisteredAt.IsZero() {
		return Registration{}, bus.Invalid("registered_at", "missing")
	}
	return Registration{UserID: id, Language: ev.Language, RegisteredAt: ev.RegisteredAt}, nil
}

// DecodeProfile reads a profile.updated event, keeping only the facts
// promo may use: birth date, country and language. The health data the
// event carries (weight, heart rates) is dropped here and never stored.
func DecodeProfile(data []byte) (Profile, error) {
	var ev clientapi.ProfileUpdated
	if err := json.Unmarshal(data, &ev); err != nil {
		return Profile{}, bus.Invalid("payload", "not a profile.updated event: "+err.Error())
	}
	id, err := bus.ParseID("user_id", ev.UserID)
	if err != nil {
		return Profile{}, err
	}
	if ev.UpdatedAt.IsZero() {
		return Profile{}, bus.Invalid("updated_at", "missing")
	}
	p := Profile{UserID: id, Language: ev.Language, UpdatedAt: ev.UpdatedAt}
	if ev.BirthDate != nil {
		b, err := time.Parse(time.DateOnly, *ev.BirthDate)
		if err != nil {
			return Profile{}, bus.Invalid("birth_date", "not a YYYY-MM-DD date")
		}
		p.BirthDate = &b
	}
	if ev.Country != nil {
		p.Country = normaliseCountry(*ev.Country)
	}
	return p, nil
}

// normaliseCountry is an ISO 3166-1 alpha-2 code in upper case, "" for
// anything else (unknown).
func normaliseCountry(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return ""
	}
	return s
}

// DecodeGear reads a gear.created, gear.updated or gear.deleted event.
func DecodeGear(subject string, data []byte) (GearItem, error) {
	var g GearItem
	if subject == clientapi.EventGearDeleted {
		var ev clientapi.GearDeleted
		if err := json.Unmarshal(data, &ev); err != nil {
			return g, bus.Invalid("payload", "not a gear.deleted event: "+err.Error())
		}
		var err error
		if g.UserID, err = bus.ParseID("user_id", ev.UserID); err != nil {
			return g, err
		}
		if g.ID, err = bus.ParseID("gear_id", ev.GearID); err != nil {
			return g, err
		}
		if ev.DeletedAt.IsZero() {
			return g, bus.Invalid("deleted_at", "missing")
		}
		g.Deleted, g.ChangedAt = true, ev.DeletedAt
		return g, nil
	}
	var ev clientapi.GearChanged
	if err := json.Unmarshal(data, &ev); err != nil {
		return g, bus.Invalid("payload", "not a gear event: "+err.Error())
	}
	var err error
	if g.UserID, err = bus.ParseID("user_id", ev.UserID); err != nil {
		return g, err
	}
	if g.ID, err = bus.ParseID("gear.id", ev.Gear.ID); err != nil {
		return g, err
	}
	if ev.Gear.Type == "" {
		return g, bus.Invalid("gear.type", "missing")
	}
	g.ChangedAt = ev.OccurredAt
	if g.ChangedAt.IsZero() {
		g.ChangedAt = ev.Gear.UpdatedAt
	}
	if g.ChangedAt.IsZero() {
		return g, bus.Invalid("occurred_at", "missing")
	}
	g.Type, g.DistanceM, g.ReplacementThresholdM, g.Retired = ev.Gear.Type, ev.Gear.DistanceM, ev.Gear.ReplacementThresholdM, ev.Gear.Retired
	return g, nil
}

// DecodeGearWear reads a gear.wear_limit_reached event; ok is false for a
// component's (promo keeps items only).
func DecodeGearWear(data []byte) (w GearWear, ok bool, err error) {
	var ev clientapi.GearWearLimitReached
	if err := json.Unmarshal(data, &ev); err != nil {
		return w, false, bus.Invalid("payload", "not a gear.wear_limit_reached event: "+err.Error())
	}
	if w.UserID, err = bus.ParseID("user_id", ev.UserID); err != nil {
		return w, false, err
	}
	if w.GearID, err = bus.ParseID("gear_id", ev.GearID); err != nil {
		return w, false, err
	}
	if ev.ReachedAt.IsZero() {
		return w, false, bus.Invalid("reached_at", "missing")
	}
	w.DistanceM, w.ReplacementThresholdM, w.ReachedAt = ev.DistanceM, ev.ReplacementThresholdM, ev.ReachedAt
	return w, ev.ComponentID == "", nil
}

// DecodeSession reads a session.completed, session.updated or
// session.deleted event: the session's sport and start only (never its
// heart rates, power or calories).
func DecodeSession(subject string, data []byte) (Session, error) {
	var s Session
	var sessionID, userID string
	if subject == trainingapi.EventSessionDeleted {
		var ev trainingapi.SessionDeleted
		if err := json.Unmarshal(data, &ev); err != nil {
			return s, bus.Invalid("payload", "not a session.deleted event: "+err.Error())
		}
		sessionID, userID, s.Revision, s.Sport, s.Deleted = ev.SessionID, ev.UserID, ev.Revision, ev.Sport, true
		// A tombstone of a session never seen is pruned with the
		// sessions of its deletion's time.
		s.StartedAt = ev.DeletedAt
		if s.StartedAt.IsZero() {
			s.StartedAt = time.Now()
		}
	} else {
		var ev trainingapi.SessionCompleted
		if err := json.Unmarshal(data, &ev); err != nil {
			return s, bus.Invalid("payload", "not a session event: "+err.Error())
		}
		if ev.Sport == "" {
			return s, bus.Invalid("sport", "missing")
		}
		if ev.StartedAt.IsZero() {
			return s, bus.Invalid("started_at", "missing")
		}
		sessionID, userID, s.Revision, s.Sport, s.StartedAt = ev.SessionID, ev.UserID, ev.Revision, ev.Sport, ev.StartedAt
	}
	var err error
	if s.ID, err = bus.ParseID("session_id", sessionID); err != nil {
		return s, err
	}
	if s.UserID, err = bus.ParseID("user_id", userID); err != nil {
		return s, err
	}
	if s.Revision < 0 {
		return s, bus.Invalid("revision", "must not be negative")
	}
	return s, nil
}

// DecodeChallengeMember reads a challenge.joined or challenge.left event.
func DecodeChallengeMember(data []byte) (user, challenge uuid.UUID, at time.Time, err error) {
	var ev gamificationapi.ChallengeMember
	if err = json.Unmarshal(data, &ev); err != nil {
		return user, challenge, at, bus.Invalid("payload", "not a challenge member event: "+err.Error())
	}
	if user, err = bus.ParseID("user_id", ev.UserID); err != nil {
		return user, challenge, at, err
	}
	if challenge, err = bus.ParseID("challenge_id", ev.ChallengeID); err != nil {
		return user, challenge, at, err
	}
	if ev.At.IsZero() {
		return user, challenge, at, bus.Invalid("at", "missing")
	}
	return user, challenge, ev.At, nil
}
