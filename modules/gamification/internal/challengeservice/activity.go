package challengeservice

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/modules/gamification/internal/challengestore"
)

// ApplySessions is the challenges' activity.Applier: it applies the batch's
// session changes (Apply) in the consumer's transaction.
func (s *Service) ApplySessions(ctx context.Context, tx pgx.Tx, changes []activity.Change) error {
	out := make([]SessionChange, 0, len(changes))
	for _, c := range changes {
		ch := SessionChange{Old: session(c.Old), New: session(c.New)}
		switch {
		case c.New != nil:
			ch.SessionID, ch.UserID = c.New.ID, c.New.UserID
		case c.Old != nil:
			ch.SessionID, ch.UserID = c.Old.ID, c.Old.UserID
		default:
			continue
		}
		out = append(out, ch)
	}
	return s.Apply(ctx, tx, out)
}

func session(a *activity.Session) *challenge.Session {
	if a == nil {
		return nil
	}
	return &challenge.Session{Sport: a.Sport, StartedAt: a.StartedAt, DistanceM: a.DistanceM, MovingTimeS: a.MovingTimeS,
		ElevationGainM: a.ElevationGainM, Plausible: a.Plausible, BestEfforts: a.BestEfforts}
}

// EraseUser is the challenges' activity.Eraser: a deleted account's
// participations go, with what they contributed (counts, a group goal's
// total and team values follow, as on leaving; no left event: the
// account is gone). The challenges the user created stay, without
// anything personal but the creator's id.
func (s *Service) EraseUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if err := challengestore.LockUsers(ctx, tx, []uuid.UUID{user}); err != nil {
		return err
	}
	if err := challengestore.LockChallengesOf(ctx, tx, []uuid.UUID{user}, false); err != nil {
		return err
	}
	parts, err := challengestore.ParticipationsOfUser(ctx, tx, user)
	if err != nil {
		return err
	}
	ids := make([]uuid.UUID, len(parts))
	for i, p := range parts {
		ids[i] = p.ChallengeID
	}
	if err := challengestore.LockCounters(ctx, tx, ids); err != nil {
		return err
	}
	for _, p := range parts {
		if err := challengestore.Leave(ctx, tx, p); err != nil {
			return err
		}
	}
	return nil
}
