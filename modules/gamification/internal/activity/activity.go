// Package activity is what the gamification module knows of its users'
// activity, from the other modules' events: finished sessions (training),
// users with their time zone, country and leaderboard opt-out (client), and
// group memberships (social). It keeps these read models in the module's
// schema and hands every session change to the module's features
// (achievements, challenges, leaderboards) through Applier, in the
// transaction that applies the event, so a feature's state and the read
// model commit together, exactly once.
//
// Session events are consumed in batches (one durable consumer of
// training's completed, updated and deleted): each message is applied once
// (its id is recorded in processed_messages), and each session's events in
// revision order: an event whose revision is not above the last applied
// one of its session is dropped (late, out of order, or redelivered), so a
// session's final state never depends on the order of arrival. Within a
// batch only the newest event of a session counts: the Change goes from the
// stored state straight to it.
//
// A deleted user (evt.client.user.deleted) is erased: their user row,
// memberships and sessions; every Applier that is also an Eraser erases
// its own rows of the user in the same transaction, first. Later events of
// theirs are not applied. Every Applier that is a ZoneWatcher hears of a
// user's new time zone.
package activity

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/gamification/api"
)

// Session is what gamification knows of a finished session (from
// training's events).
type Session struct {
	ID, UserID                                                             uuid.UUID
	Sport                                                                  string
	StartedAt, CompletedAt                                                 time.Time
	DistanceM, MovingTimeS, ElapsedTimeS, ElevationGainM, StrengthVolumeKg float64
	// Plausible is training's verdict: challenges and leaderboards leave
	// implausible sessions out.
	Plausible bool
	// BestEfforts maps training's BestEffort.Name ("5k") to its elapsed
	// seconds.
	BestEfforts map[string]float64
	// Revision is training's revision of the event applied.
	Revision int64
}

// Change is what one training event did: Old nil = first completion; New
// nil = deletion. Events older than the applied revision produce no
// Change (late/out-of-order events are dropped).
type Change struct{ Old, New *Session }

// Applier keeps a feature's state from session changes, inside the
// consumer's transaction (so a feature's state and the read model commit
// together, exactly once). Changes are in the order of their session ids;
// an Applier that locks rows of its own should lock them in a fixed order
// (say, by user id) so two batches never deadlock. An error rolls the
// batch back; the consumer tries its halves again.
type Applier interface {
	ApplySessions(ctx context.Context, tx pgx.Tx, changes []Change) error
}

// Preparer is an Applier that makes, before a batch's transaction begins,
// what the batch's sessions need to exist and that is harmless should the
// batch roll back (the leaderboards: the slots of new periods and
// sports). It is given the batch's sessions as the events have them and
// holds no connection of the caller's: whatever it writes commits at
// once, and batches that need the same new row wait for that statement
// only, not for each other's whole transaction.
type Preparer interface {
	Prepare(ctx context.Context, sessions []*Session) error
}

// Batch is what an Applier of a batch leaves for a later one of the same
// batch, in its transaction: the achievements' unlocks, whose points the
// leaderboards add in their one write of the batch's totals (module.go
// puts the leaderboards after the achievements). Apply fails a batch
// whose points no Applier took.
type Batch struct {
	// Points are unlocks of the batch whose points are not on the boards
	// yet; the Applier that puts them there empties it.
	Points []api.AchievementUnlocked
}

type batchKey struct{}

// BatchOf is the batch Apply is applying in ctx, nil outside one.
func BatchOf(ctx context.Context) *Batch {
	b, _ := ctx.Value(batchKey{}).(*Batch)
	return b
}

// Eraser is an Applier (or any feature) that keeps rows of a user: on
// evt.client.user.deleted it erases them, in the transaction that erases
// the read models' rows, before those (the user's sessions are still
// there to read).
type Eraser interface {
	EraseUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) error
}

// ZoneWatcher is an Applier (or any feature) whose state depends on the
// users' time zones (local days, weeks and hours): when a user's zone
// changes (evt.client.profile.updated), TimeZoneChanged runs in the
// transaction that saves the new zone, which activity.Locations already
// gives.
type ZoneWatcher interface {
	TimeZoneChanged(ctx context.Context, tx pgx.Tx, user uuid.UUID) error
}

// Event is one training event as applied: a completion or update (Session
// set) or a deletion (Session nil).
type Event struct {
	SessionID, UserID uuid.UUID
	Revision          int64
	// Session is the session's new state; nil for a deletion.
	Session *Session
}

// newest keeps the event of the highest revision of each session (the
// first of equals), ordered by session id.
func newest(events []Event) []Event {
	byID := make(map[uuid.UUID]int, len(events))
	var out []Event
	for _, e := range events {
		if i, ok := byID[e.SessionID]; ok {
			if e.Revision > out[i].Revision {
				out[i] = e
			}
			continue
		}
		byID[e.SessionID] = len(out)
		out = append(out, e)
	}
	sortByID(out)
	return out
}
