package service

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/achieve"
	"github.com/athlos/athlos/modules/gamification/internal/achieve/store"
	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/rules"
)

// MaxNewUnits bounds the unlocks one evaluation adds to one achievement
// (a repeatable one far past its last tier): the rest follow with the
// next evaluation.
const MaxNewUnits = 100

// ApplySessions keeps the users' states and unlocks from session changes
// (activity.Applier), in the consumer's transaction. A user whose changes
// are all first completions gets them added to their state one by one, in
// start order, each evaluated (the session that crosses a tier is the one
// that unlocked it): the hot path, a few updates per session. A user with
// an edit or a deletion in the batch, or a session older than the latest
// calendar period of their state (an import of old sessions), gets their
// state rebuilt from their sessions as stored (progress recomputed), its
// new unlocks naming the session that crossed them in start order
// (rebuilt); what they unlocked stays unlocked, and a streak broken by a
// deleted session is shorter from then on.
func (s *Service) ApplySessions(ctx context.Context, tx pgx.Tx, changes []activity.Change) error {
	cat, byID, err := s.catalogue(ctx, tx)
	if err != nil {
		return err
	}
	byUser := map[uuid.UUID][]activity.Change{}
	for _, c := range changes {
		u := c.New
		if u == nil {
			u = c.Old
		}
		byUser[u.UserID] = append(byUser[u.UserID], c)
	}
	users := sortedUsers(byUser)
	states, err := store.LockStates(ctx, tx, users)
	if err != nil {
		return err
	}
	locs, err := activity.Locations(ctx, tx, users)
	if err != nil {
		return err
	}
	now := s.now()
	var unlocks []store.Unlock
	var rebuild []uuid.UUID
	for _, u := range users {
		st, list := states[u].State, byUser[u]
		if slices.ContainsFunc(list, func(c activity.Change) bool { return c.Old != nil }) {
			rebuild = append(rebuild, u)
			continue
		}
		slices.SortFunc(list, func(a, b activity.Change) int { return a.New.StartedAt.Compare(b.New.StartedAt) })
		for _, c := range list {
			if !achieve.Counts(c.New) {
				continue
			}
			if !st.Add(c.New, locs[u]) {
				// Older than the latest period: the rest of the user's
				// changes go with the rebuild.
				rebuild = append(rebuild, u)
				break
			}
			unlocks = append(unlocks, evaluate(u, st, cat, forSport(c.New.Sport), c.New, now)...)
		}
	}
	if len(rebuild) > 0 {
		sessions, err := activity.SessionsOf(ctx, tx, rebuild)
		if err != nil {
			return err
		}
		for _, u := range rebuild {
			unlocks = append(unlocks, rebuilt(u, states[u].State, cat, sessions[u], locs[u], now)...)
		}
	}
	if _, err := s.unlock(ctx, tx, unlocks, states, byID); err != nil {
		return err
	}
	return store.SaveStates(ctx, tx, states, now)
}

// TimeZoneChanged rebuilds a user's state in their new time zone
// (activity.ZoneWatcher): their days, weeks and hours are the new zone's,
// over their whole history, as rules.Evaluate and a backfill see it; what
// the rebuilt state reaches is unlocked, nothing is taken back.
func (s *Service) TimeZoneChanged(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	cat, byID, err := s.catalogue(ctx, tx)
	if err != nil {
		return err
	}
	users := []uuid.UUID{user}
	states, err := store.LockStates(ctx, tx, users)
	if err != nil {
		return err
	}
	locs, err := activity.Locations(ctx, tx, users)
	if err != nil {
		return err
	}
	sessions, err := activity.SessionsOf(ctx, tx, users)
	if err != nil {
		return err
	}
	now := s.now()
	if _, err := s.unlock(ctx, tx, rebuilt(user, states[user].State, cat, sessions[user], locs[user], now), states, byID); err != nil {
		return err
	}
	return store.SaveStates(ctx, tx, states, now)
}

// EraseUser erases a deleted user's achievements (activity.Eraser).
func (s *Service) EraseUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	return store.EraseUser(ctx, tx, user)
}

// AddRecords counts the personal records a session set
// (evt.training.record.set) and unlocks what they reach (nothing for an
// erased user).
func (s *Service) AddRecords(ctx context.Context, tx pgx.Tx, user uuid.UUID, records int, session uuid.UUID, at time.Time) error {
	return s.addCount(ctx, tx, user, rules.Records, func(st *achieve.State) { st.Records += records }, &session, at)
}

// AddChallenge counts a challenge the user completed
// (evt.gamification.challenge.completed) and unlocks what it reaches
// (nothing for an erased user).
func (s *Service) AddChallenge(ctx context.Context, tx pgx.Tx, user uuid.UUID, at time.Time) error {
	return s.addCount(ctx, tx, user, rules.ChallengesCompleted, func(st *achieve.State) { st.Challenges++ }, nil, at)
}

func (s *Service) addCount(ctx context.Context, tx pgx.Tx, user uuid.UUID, metric rules.Metric, add func(*achieve.State),
	session *uuid.UUID, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	// A late event of an erased user makes no row for them again.
	live, err := activity.LockLive(ctx, tx, []uuid.UUID{user})
	if err != nil || len(live) == 0 {
		return err
	}
	cat, byID, err := s.catalogue(ctx, tx)
	if err != nil {
		return err
	}
	states, err := store.LockStates(ctx, tx, []uuid.UUID{user})
	if err != nil {
		return err
	}
	st := states[user].State
	add(st)
	var by *activity.Session
	if session != nil {
		by = &activity.Session{ID: *session, CompletedAt: at}
	}
	unlocks := evaluate(user, st, cat, func(r rules.Rule) bool { return r.Metric == metric }, by, at)
	if _, err := s.unlock(ctx, tx, unlocks, states, byID); err != nil {
		return err
	}
	return store.SaveStates(ctx, tx, states, s.now())
}

// rebuilt rebuilds user's state st from their sessions and returns the
// unlocks it reaches, each naming the session that crossed it (at its
// completion): sessions are added again in start order to a fresh state
// and an achievement's k-th unit goes to the session after which its
// progress first reaches k. Only a rebuild that unlocks something replays.
func rebuilt(user uuid.UUID, st *achieve.State, cat []*achieve.Achievement, sessions []activity.Session,
	loc *time.Location, now time.Time) []store.Unlock {
	had := maps.Clone(st.Unlocked)
	st.Rebuild(sessions, loc)
	out := evaluate(user, st, cat, sessionMetrics, nil, now)
	if len(out) == 0 {
		return nil
	}
	type pending struct {
		rule rules.Rule
		next int   // the next unit to credit
		list []int // indexes in out of the achievement's unlocks, in unit order
	}
	byID := map[string]*pending{}
	for i, u := range out {
		p := byID[u.AchievementID]
		if p == nil {
			p = &pending{next: had[u.AchievementID] + 1}
			byID[u.AchievementID] = p
		}
		p.list = append(p.list, i)
	}
	for _, a := range cat {
		if p := byID[a.ID]; p != nil {
			p.rule = a.Rule
		}
	}
	left := len(out)
	replay := achieve.NewState()
	replay.Replay(sessions, loc, func(s *activity.Session) bool {
		for id, p := range byID {
			n := achieve.Units(replay.Progress(p.rule))
			for ; len(p.list) > 0 && p.next <= n; p.next++ {
				u := &out[p.list[0]]
				u.SessionID, u.UnlockedAt = &s.ID, s.CompletedAt
				p.list, left = p.list[1:], left-1
			}
			if len(p.list) == 0 {
				delete(byID, id)
			}
		}
		return left > 0
	})
	return out
}

// sessionMetrics are the rules sessions move (not records nor
// challenges).
func sessionMetrics(r rules.Rule) bool {
	return r.Metric != rules.Records && r.Metric != rules.ChallengesCompleted
}

// forSport are the rules a session of sport moves.
func forSport(sport string) func(rules.Rule) bool {
	return func(r rules.Rule) bool { return sessionMetrics(r) && (r.Sport == "" || r.Sport == sport) }
}

// evaluate returns the unlocks of the achievements of cat that relevant
// selects, past what the state unlocked already, and records them in the
// state. by is the session that did it (nil: none), its completion the
// time of the unlock (now without one).
func evaluate(user uuid.UUID, st *achieve.State, cat []*achieve.Achievement, relevant func(rules.Rule) bool,
	by *activity.Session, now time.Time) []store.Unlock {
	var out []store.Unlock
	at := now
	var session *uuid.UUID
	if by != nil {
		session = &by.ID
		if !by.CompletedAt.IsZero() {
			at = by.CompletedAt
		}
	}
	for _, a := range cat {
		if !relevant(a.Rule) {
			continue
		}
		n := achieve.Units(st.Progress(a.Rule))
		have := st.Unlocked[a.ID]
		n = min(n, have+MaxNewUnits)
		for k := have + 1; k <= n; k++ {
			unit := a.UnitAt(k)
			out = append(out, store.Unlock{UserID: user, AchievementID: a.ID, Unit: unit, Points: a.Points(unit),
				SessionID: session, UnlockedAt: at})
		}
		if n > have {
			st.Unlocked[a.ID] = n
		}
	}
	return out
}

// unlock stores unlocks; those that were new add their points to their
// user's and are published (evt.gamification.achievement.unlocked) through
// the outbox, in tx. It returns how many were new.
func (s *Service) unlock(ctx context.Context, tx pgx.Tx, list []store.Unlock, states map[uuid.UUID]*store.UserState,
	byID map[string]*store.Entry) (int, error) {
	added, err := store.InsertUnlocks(ctx, tx, list)
	if err != nil {
		return 0, err
	}
	events := make([]bus.Event, 0, len(added))
	unlocks := make([]api.AchievementUnlocked, 0, len(added))
	for _, u := range added {
		states[u.UserID].Points += u.Points
		a := byID[u.AchievementID]
		ev := api.AchievementUnlocked{UserID: u.UserID.String(), AchievementID: u.AchievementID, Tier: u.Tier,
			Repetition: u.Repetition, Points: u.Points, UnlockedAt: u.UnlockedAt}
		if a != nil {
			ev.Name, ev.NameKey, ev.Hidden = a.Name, a.NameKey, a.Hidden
			ev.TierName = a.Rule.Tiers[u.Tier-1].Name
		}
		if u.SessionID != nil {
			ev.SessionID = u.SessionID.String()
		}
		events = append(events, bus.Event{Subject: api.EventAchievementUnlocked, Payload: ev})
		unlocks = append(unlocks, ev)
	}
	if s.points != nil && len(unlocks) > 0 {
		if err := s.points(ctx, tx, unlocks); err != nil {
			return 0, err
		}
	}
	return len(added), bus.EnqueueAll(ctx, tx, api.Module, events)
}

func sortedUsers[V any](m map[uuid.UUID]V) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(m))
	for u := range m {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return out
}
