package challengeservice

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/modules/gamification/internal/challengestore"
)

// SessionChange is what a training event did to one session, as the
// challenges see it: New is the session now, nil when it was deleted;
// Existed is false for its first completion (nothing to take back).
type SessionChange struct {
	SessionID uuid.UUID
	UserID    uuid.UUID
	Existed   bool
	New       *challenge.Session
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
			ch.Existed = ch.Existed || prev.Existed
		}
		last[ch.SessionID] = ch
	}
	byUser := make(map[uuid.UUID][]uuid.UUID)
	for id, ch := range last {
		byUser[ch.UserID] = append(byUser[ch.UserID], id)
	}
	users := make([]uuid.UUID, 0, len(byUser))
	for u := range byUser {
		users = append(users, u)
	}
	if err := challengestore.LockUsers(ctx, tx, users); err != nil {
		return err
	}
	parts, err := challengestore.ParticipationsOf(ctx, tx, users)
	if err != nil {
		return err
	}
	// A session's first completion has no contributions to take back.
	again := make(map[uuid.UUID][]uuid.UUID)
	for id, ch := range last {
		if ch.Existed {
			again[ch.UserID] = append(again[ch.UserID], id)
		}
	}
	affected, err := challengestore.DeleteContributions(ctx, tx, parts, again)
	if err != nil {
		return err
	}
	contribs := s.contributions(parts, last)
	if err := challengestore.InsertContributions(ctx, tx, contribs); err != nil {
		return err
	}
	for _, c := range contribs {
		affected = append(affected, c.Pair)
	}
	return s.settle(ctx, tx, parts, affected)
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
// from their values: teams, counters and completions.
func (s *Service) settle(ctx context.Context, tx pgx.Tx, parts []challengestore.Participation, affected []challengestore.Pair) error {
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
	values, err := challengestore.Recompute(ctx, tx, recompute)
	if err != nil {
		return err
	}
	counts := make(map[uuid.UUID]challengestore.Counts)
	var teams []challengestore.TeamRef
	reached := make(map[uuid.UUID][]uuid.UUID)
	for _, p := range recompute {
		v, ok := values[challengestore.Pair{ChallengeID: p.ChallengeID, UserID: p.UserID}]
		if !ok {
			continue // unchanged
		}
		p := progress{Participation: p, New: v}
		old, now := p.Value != nil, p.New != nil
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
