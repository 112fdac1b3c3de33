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
// session changes (Apply) in the consumer's transaction. Only the new
// state matters: what a session contributed before is in the
// contributions table, taken back by its id.
func (s *Service) ApplySessions(ctx context.Context, tx pgx.Tx, changes []activity.Change) error {
	out := make([]SessionChange, 0, len(changes))
	for _, c := range changes {
		switch {
		case c.New != nil:
			n := c.New
			out = append(out, SessionChange{SessionID: n.ID, UserID: n.UserID, Existed: c.Old != nil, New: &challenge.Session{Sport: n.Sport,
				StartedAt: n.StartedAt, DistanceM: n.DistanceM, MovingTimeS: n.MovingTimeS, ElevationGainM: n.ElevationGainM,
				Plausible: n.Plausible, BestEfforts: n.BestEfforts}})
		case c.Old != nil:
			out = append(out, SessionChange{SessionID: c.Old.ID, UserID: c.Old.UserID, Existed: true})
		}
	}
	return s.Apply(ctx, tx, out)
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
	parts, err := challengestore.ParticipationsOfUser(ctx, tx, user)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if err := challengestore.Leave(ctx, tx, p); err != nil {
			return err
		}
	}
	return nil
}
