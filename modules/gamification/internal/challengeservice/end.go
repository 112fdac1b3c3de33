package challengeservice

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/modules/gamification/internal/challengestore"
	"github.com/athlos/athlos/storage"
)

// EndSweepEvery is how often each process running the module finalises
// the challenges whose end passed challenge.FinaliseGrace ago.
const EndSweepEvery = 30 * time.Second

// EndDue finalises the challenges whose end passed challenge.FinaliseGrace
// ago (until then late sessions that started in the window still count),
// one transaction each: a ranked challenge (no target) completes every ranked participant
// with the final rank (its team's in a team challenge) and writes their
// completed events; every challenge is marked ended, so its results are
// final. Several processes may run it at once (each challenge is locked,
// others skipped); a crash leaves the challenge to the next run, nothing
// half done. It returns how many challenges it closed.
func (s *Service) EndDue(ctx context.Context) (int, error) {
	n := 0
	for {
		done := false
		err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			now := s.now().UTC()
			c, err := challengestore.NextToEnd(ctx, tx, now)
			if errors.Is(err, challengestore.ErrNotFound) {
				done = true
				return nil
			}
			if err != nil {
				return err
			}
			if c.CompletedAt == nil && challenge.Ranked(c.Kind, c.Target) {
				finals, err := challengestore.CompleteRanked(ctx, tx, c, now)
				if err != nil {
					return err
				}
				events, err := s.completed(ctx, tx, c.ID, finals, now, nil)
				if err != nil {
					return err
				}
				if err := bus.EnqueueAll(ctx, tx, api.Module, events); err != nil {
					return err
				}
			}
			return challengestore.MarkEnded(ctx, tx, c.ID, now)
		})
		if err != nil || done {
			return n, err
		}
		n++
	}
}
