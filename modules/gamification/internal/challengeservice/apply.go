package challengeservice

import (
	"bytes"
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/modules/gamification/internal/challengestore"
)

// SessionChange is what a training event did to one session, as the
// challenges see it: Old is the session as it was applied before (nil for
// its first completion), New as it is now (nil when it was deleted).
type SessionChange struct {
	SessionID uuid.UUID
	UserID    uuid.UUID
	Old, New  *challenge.Session
}

// Apply applies a batch of session changes inside the module's consumer
// transaction tx: each changed session's contributions to the user's open
// challenges are taken back and, when the session still exists, made
// again from what it is now (challenge.Contribute); the participants'
// values, their teams' values and the challenges' counters follow. A
// participant reaching a target, or a group goal reached, completes here,
// exactly once (its completed_at is set in the statement that selects
// it), with its completed events in the outbox. A batch may name a
// session more than once: the last change wins.
func (s *Service) Apply(ctx context.Context, tx pgx.Tx, changes []SessionChange) error {
	if len(changes) == 0 {
		return nil
	}
	last := make(map[uuid.UUID]SessionChange, len(changes))
	for _, ch := range changes {
		if prev, ok := last[ch.SessionID]; ok {
			ch.Old = prev.Old // from the state before the batch to the last
		}
		last[ch.SessionID] = ch
	}
	seen := make(map[uuid.UUID]bool)
	var users []uuid.UUID
	for _, ch := range last {
		if !seen[ch.UserID] {
			seen[ch.UserID] = true
			users = append(users, ch.UserID)
		}
	}
	if err := challengestore.LockUsers(ctx, tx, users); err != nil {
		return err
	}
	parts, err := challengestore.ParticipationsOf(ctx, tx, users)
	if err != nil {
		return err
	}
	// Then their challenges' shared locks (the end sweep waits for them),
	// keeping those still open once held.
	ids := make([]uuid.UUID, 0, len(parts))
	for _, p := range parts {
		ids = append(ids, p.ChallengeID)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	open, err := challengestore.LockOpen(ctx, tx, slices.Compact(ids))
	if err != nil {
		return err
	}
	parts = slices.DeleteFunc(parts, func(p challengestore.Participation) bool { return !open[p.ChallengeID] })
	// Totals add the difference each session makes; the other aggregates
	// keep each session's contribution (a deletion may take the best or a
	// day's only session away): a session seen before has its taken back
	// and made again.
	var totals, kept []challengestore.Participation
	for _, p := range parts {
		if challenge.AggregateOf(p.Def.Kind, p.Def.Metric) == challenge.Sum {
			totals = append(totals, p)
		} else {
			kept = append(kept, p)
		}
	}
	again := make(map[uuid.UUID][]uuid.UUID)
	for id, ch := range last {
		if ch.Old != nil {
			again[ch.UserID] = append(again[ch.UserID], id)
		}
	}
	affected, err := challengestore.DeleteContributions(ctx, tx, kept, again)
	if err != nil {
		return err
	}
	contribs := s.contributions(kept, last)
	if err := challengestore.InsertContributions(ctx, tx, contribs); err != nil {
		return err
	}
	// A participant who lost a contribution (an edited or deleted
	// session), or counts active days, is recomputed from all of theirs;
	// one who only gained, on a best (the fastest, the longest), keeps the
	// better of their value and the new ones, without reading the others.
	bests, recompute := newBests(kept, affected, contribs)
	values, err := challengestore.Add(ctx, tx, s.deltas(totals, last))
	if err != nil {
		return err
	}
	set, err := challengestore.SetValues(ctx, tx, bests)
	if err != nil {
		return err
	}
	for p, v := range set {
		values[p] = v
	}
	return s.settle(ctx, tx, parts, recompute, values)
}

// newBests splits the participations of kept (aggregates other than
// sums) changed by a batch: those that lost a contribution (lost) or
// count active days are to be recomputed from their contributions; for
// the others, on a best, it returns their new best where the batch's new
// contributions (added) beat their value.
func newBests(kept []challengestore.Participation, lost []challengestore.Pair, added []challengestore.Contribution) (
	[]challengestore.Best, []challengestore.Pair) {
	recompute := append([]challengestore.Pair(nil), lost...)
	full := make(map[challengestore.Pair]bool, len(lost))
	for _, p := range lost {
		full[p] = true
	}
	byPair := make(map[challengestore.Pair]challengestore.Participation, len(kept))
	for _, p := range kept {
		byPair[challengestore.Pair{ChallengeID: p.ChallengeID, UserID: p.UserID}] = p
	}
	best := make(map[challengestore.Pair]float64)
	for _, c := range added {
		p := byPair[c.Pair]
		agg := challenge.AggregateOf(p.Def.Kind, p.Def.Metric)
		if full[c.Pair] || agg != challenge.Min && agg != challenge.Max {
			recompute = append(recompute, c.Pair)
			continue
		}
		cur, ok := best[c.Pair]
		if !ok && p.Value != nil {
			cur, ok = *p.Value, true
		}
		if !ok || agg == challenge.Min && c.Value < cur || agg == challenge.Max && c.Value > cur {
			best[c.Pair] = c.Value
		}
	}
	var out []challengestore.Best
	for pair, v := range best {
		p := byPair[pair]
		if p.Value != nil && *p.Value == v {
			continue
		}
		out = append(out, challengestore.Best{Pair: pair, Value: v, LowerIsBetter: challenge.LowerIsBetter(p.Def.Kind)})
	}
	return out, recompute
}

// deltas returns what the changes add to the totals of parts: each
// session's new contribution less its old one (challenge.Contribute on
// both, with the same participation), and the change in sessions counted.
func (s *Service) deltas(parts []challengestore.Participation, changes map[uuid.UUID]SessionChange) []challengestore.Delta {
	byUser := make(map[uuid.UUID][]challengestore.Participation)
	for _, p := range parts {
		byUser[p.UserID] = append(byUser[p.UserID], p)
	}
	sums := make(map[challengestore.Pair]*challengestore.Delta)
	for _, ch := range changes {
		for _, p := range byUser[ch.UserID] {
			var d challengestore.Delta
			for _, side := range [...]struct {
				sign    int
				session *challenge.Session
			}{{-1, ch.Old}, {1, ch.New}} {
				if side.session == nil {
					continue
				}
				if c, ok := challenge.Contribute(p.Def, p.JoinedAt, s.zone(p.TimeZone), *side.session); ok {
					d.Value += float64(side.sign) * c.Value
					d.Counted += side.sign
				}
			}
			if d.Value == 0 && d.Counted == 0 {
				continue
			}
			pair := challengestore.Pair{ChallengeID: p.ChallengeID, UserID: p.UserID}
			if sums[pair] == nil {
				sums[pair] = &challengestore.Delta{Pair: pair}
			}
			sums[pair].Value += d.Value
			sums[pair].Counted += d.Counted
		}
	}
	out := make([]challengestore.Delta, 0, len(sums))
	for _, d := range sums {
		out = append(out, *d)
	}
	return out
}

func (s *Service) contributions(parts []challengestore.Participation, changes map[uuid.UUID]SessionChange) []challengestore.Contribution {
	byUser := make(map[uuid.UUID][]challengestore.Participation)
	for _, p := range parts {
		byUser[p.UserID] = append(byUser[p.UserID], p)
	}
	var out []challengestore.Contribution
	for _, ch := range changes {
		if ch.New == nil {
			continue
		}
		for _, p := range byUser[ch.UserID] {
			c, ok := challenge.Contribute(p.Def, p.JoinedAt, s.zone(p.TimeZone), *ch.New)
			if ok {
				out = append(out, challengestore.Contribution{Pair: challengestore.Pair{ChallengeID: p.ChallengeID, UserID: p.UserID},
					SessionID: ch.SessionID, Contribution: c})
			}
		}
	}
	return out
}

// settle recomputes the affected participants (of parts) and what follows
// from their values and those added (values): teams, counters and
// completions.
func (s *Service) settle(ctx context.Context, tx pgx.Tx, parts []challengestore.Participation, affected []challengestore.Pair,
	values map[challengestore.Pair]*float64) error {
	changed := make(map[challengestore.Pair]bool, len(affected))
	for _, p := range affected {
		changed[p] = true
	}
	var recompute []challengestore.Participation
	for _, p := range parts {
		if changed[challengestore.Pair{ChallengeID: p.ChallengeID, UserID: p.UserID}] {
			recompute = append(recompute, p)
		}
	}
	recomputed, err := challengestore.Recompute(ctx, tx, recompute)
	if err != nil {
		return err
	}
	for p, v := range recomputed {
		values[p] = v
	}
	counts := make(map[uuid.UUID]challengestore.Counts)
	var teams []challengestore.TeamRef
	reached := make(map[uuid.UUID][]uuid.UUID)
	for _, p := range parts {
		v, ok := values[challengestore.Pair{ChallengeID: p.ChallengeID, UserID: p.UserID}]
		if !ok {
			continue // unchanged
		}
		p := progress{Participation: p, New: v}
		old, now := p.Value != nil, p.New != nil
		if old && now && *p.Value == *p.New {
			continue // unchanged
		}
		c := counts[p.ChallengeID]
		switch {
		case now && !old:
			c.Ranked++
		case old && !now:
			c.Ranked--
		}
		if p.Def.Kind == challenge.GroupGoal {
			c.Total += value(p.New) - value(p.Value)
		}
		counts[p.ChallengeID] = c
		if p.TeamID != nil {
			teams = append(teams, challengestore.TeamRef{ChallengeID: p.ChallengeID, TeamID: *p.TeamID})
		}
		if !p.Completed && p.Def.Kind != challenge.GroupGoal && p.Target != nil && now && challenge.Reached(p.Def.Kind, *p.New, *p.Target) {
			reached[p.ChallengeID] = append(reached[p.ChallengeID], p.UserID)
		}
	}
	// The challenges' rows, before their teams and counters: from here to
	// the commit, batches adding to the same challenges take turns.
	locks := make([]uuid.UUID, 0, len(counts)+len(reached))
	for id := range counts {
		locks = append(locks, id)
	}
	for id := range reached {
		locks = append(locks, id)
	}
	for _, t := range teams {
		locks = append(locks, t.ChallengeID)
	}
	if err := challengestore.LockCounters(ctx, tx, locks); err != nil {
		return err
	}
	if err := challengestore.RecomputeTeams(ctx, tx, teams); err != nil {
		return err
	}
	goals, err := challengestore.AddCounts(ctx, tx, counts)
	if err != nil {
		return err
	}
	at := s.now().UTC()
	var events []bus.Event
	for id, users := range reached {
		done, err := challengestore.CompleteParticipants(ctx, tx, id, users, at)
		if err != nil {
			return err
		}
		if events, err = s.completed(ctx, tx, id, done, at, events); err != nil {
			return err
		}
	}
	for _, id := range goals {
		done, err := challengestore.CompleteGoal(ctx, tx, id, at)
		if err != nil {
			return err
		}
		if events, err = s.completed(ctx, tx, id, done, at, events); err != nil {
			return err
		}
	}
	return bus.EnqueueAll(ctx, tx, api.Module, events)
}

// progress is a participant's new value.
type progress struct {
	challengestore.Participation
	New *float64
}

func value(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}

// completed appends the completed events of done, participants of the
// challenge id, to events.
func (s *Service) completed(ctx context.Context, tx pgx.Tx, id uuid.UUID, done []challengestore.Completion, at time.Time,
	events []bus.Event) ([]bus.Event, error) {
	if len(done) == 0 {
		return events, nil
	}
	c, err := challengestore.Get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	for _, d := range done {
		e := api.ChallengeCompleted{ChallengeID: c.ID.String(), Title: c.Title, Kind: string(c.Kind), UserID: d.UserID.String(),
			Rank: d.Rank, Value: d.Value, Unit: challenge.Unit(c.Kind, c.Metric), CompletedAt: at}
		if c.GroupID != nil {
			e.GroupID = c.GroupID.String()
		}
		if d.TeamID != nil {
			e.TeamID = d.TeamID.String()
		}
		events = append(events, bus.Event{Subject: api.EventChallengeCompleted, Payload: e})
	}
	return events, nil
}

func (s *Service) zone(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	if l, ok := s.zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = time.UTC
	}
	s.zones.Store(name, l)
	return l
}
