package challengeservice_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
