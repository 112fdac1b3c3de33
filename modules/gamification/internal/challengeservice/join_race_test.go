package challengeservice_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/storage/pgtest"
)

// Ana joins a challenge while a session of hers that started after the
// join's time (entered by hand, its start up to two minutes ahead of the
// server's clock) is applied by the session consumer at the same moment:
// the batch, reading her participations before the join commits, would
// not count it, and the join does not look at sessions. The join holds
// her challenges' user lock, as the batch does, so the batch waits for it
// and counts the session.
func TestASessionAppliedWhileItsUserJoinsCounts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin, ana := w.user("Admin", "", true), w.user("Ana", "", true)
	c := w.create(admin, true, month())
	joinedAt := start.Add(24 * time.Hour)
	w.at(joinedAt)
	run := session(ana, joinedAt.Add(time.Minute), 7000)
	join := func(tx pgx.Tx) error {
		_, err := w.s.JoinIn(w.ctx, tx, ana, uuid.MustParse(c.ID), "")
		return err
	}
	batch := func(tx pgx.Tx) error {
		_, err := activity.Apply(w.ctx, tx, []activity.Event{{SessionID: run.id, UserID: ana, Revision: 1, Session: &activity.Session{
			ID: run.id, UserID: ana, Sport: "run", StartedAt: run.at, CompletedAt: run.at.Add(time.Hour), DistanceM: run.distance,
			MovingTimeS: 2000, ElapsedTimeS: 2000, Plausible: true, Revision: 1}}}, []activity.Applier{w.s})
		return err
	}
	pgtest.Race(t, w.pool, join, batch)
	got := w.get(ana, c)
	require.NotNil(t, got.You)
	assert.Equal(t, 7000.0, value(got.You), "the session started after she joined")
}

// Ana's account is erased while she joins a challenge (a request with a
// token still valid, and the deletion's event, at once): whichever
// commits first, no participation of hers is left.
func TestAJoinRacingTheErasureLeavesNoParticipant(t *testing.T) {
	t.Parallel()
	pgtest.EitherOrder(t, "join", "erasure", func(t *testing.T, pool *pgxpool.Pool) (join, erasure func(pgx.Tx) error, check func()) {
		w := newWorldOn(t, pool)
		w.at(start)
		admin, ana := w.user("Admin", "", true), w.user("Ana", "", true)
		c := w.create(admin, true, month())
		join = func(tx pgx.Tx) error {
			_, err := w.s.JoinIn(w.ctx, tx, ana, uuid.MustParse(c.ID), "")
			if bus.CodeOf(err) == bus.CodeUnauthorized {
				return nil // refused: the erasure came first
			}
			return err
		}
		erasure = func(tx pgx.Tx) error { return activity.EraseUser(w.ctx, tx, ana, start, []activity.Eraser{w.s}) }
		return join, erasure, func() {
			var n int
			require.NoError(t, pool.QueryRow(w.ctx, `SELECT count(*) FROM gamification.challenge_participants WHERE user_id = $1`, ana).Scan(&n))
			assert.Zero(t, n, "no participation of an erased account")
		}
	})
}
