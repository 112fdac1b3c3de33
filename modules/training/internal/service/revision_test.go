package service_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// sessionEvents are the revisions of the session events of id in the
// outbox, in publish order, with their subjects.
func sessionEvents(t *testing.T, pool *pgxpool.Pool, id uuid.UUID) (subjects []string, revs []int64) {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT subject, payload FROM training.outbox
		WHERE subject LIKE 'evt.training.session.%' ORDER BY seq`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var subject string
		var payload []byte
		require.NoError(t, rows.Scan(&subject, &payload))
		var ev struct {
			SessionID string `json:"session_id"`
			Revision  int64  `json:"revision"`
		}
		require.NoError(t, json.Unmarshal(payload, &ev))
		if ev.SessionID == id.String() {
			subjects, revs = append(subjects, subject), append(revs, ev.Revision)
		}
	}
	require.NoError(t, rows.Err())
	return subjects, revs
}

// The revisions of a session's events come from a counter on its row, not
// from the clock of the process that writes them: each event's is above
// the one before, even after an event written by a process whose clock ran
// an hour ahead; and the analytics apply an event only once, a redelivered
// older one changing nothing.
func TestSessionRevisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s := service.New(pool, nil, nil, nil, nil)
	user := uuid.New()
	id := finishedRun(t, pool, user, time.Now().Add(-5*time.Hour).UTC().Truncate(time.Second), 600, 3)
	apply := func(kind string, rev int64) {
		t.Helper()
		require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
			return s.ApplySessionEvent(ctx, tx, service.SessionEvent{Kind: kind, Session: id, User: user, Revision: rev})
		}))
	}
	figures := func() (rev int64, sport string) {
		t.Helper()
		require.NoError(t, pool.QueryRow(ctx, `SELECT revision, sport FROM training.session_figures WHERE session_id = $1`, id).Scan(&rev, &sport))
		return rev, sport
	}
	setSport := func(sp string) {
		t.Helper()
		_, err := s.PatchSession(ctx, user, id, service.Changes{Sport: &sp})
		require.NoError(t, err)
	}

	// Two updates in a row.
	setSport("trail_run")
	setSport("run")
	_, revs := sessionEvents(t, pool, id)
	require.Len(t, revs, 2)
	assert.Greater(t, revs[1], revs[0])

	// Applied in order, then the first one redelivered: nothing changes.
	apply(service.SessionUpdated, revs[0])
	apply(service.SessionUpdated, revs[1])
	rev, sp := figures()
	assert.Equal(t, revs[1], rev)
	assert.Equal(t, "run", sp)
	_, err := pool.Exec(ctx, `UPDATE training.sessions SET sport = 'walk' WHERE id = $1`, id) // would show if it were computed again
	require.NoError(t, err)
	apply(service.SessionUpdated, revs[0])
	rev, sp = figures()
	assert.Equal(t, revs[1], rev, "a redelivered older event")
	assert.Equal(t, "run", sp, "a redelivered older event")
	_, err = pool.Exec(ctx, `UPDATE training.sessions SET sport = 'run' WHERE id = $1`, id)
	require.NoError(t, err)

	// An event written before the counter, by a process whose clock ran an
	// hour ahead, was applied (migration 00035 starts the counter above
	// it): the next edit still ranks after it and is applied.
	ahead := time.Now().Add(time.Hour).UnixNano()
	_, err = pool.Exec(ctx, `UPDATE training.sessions SET revision = $2 WHERE id = $1`, id, ahead)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE training.session_figures SET revision = $2 WHERE session_id = $1`, id, ahead)
	require.NoError(t, err)
	setSport("trail_run")
	_, revs = sessionEvents(t, pool, id)
	require.Len(t, revs, 3)
	assert.Equal(t, ahead+1, revs[2])
	apply(service.SessionUpdated, revs[2])
	rev, sp = figures()
	assert.Equal(t, revs[2], rev)
	assert.Equal(t, "trail_run", sp)

	// The deletion ranks after every edit.
	require.NoError(t, s.DeleteSession(ctx, user, id))
	subjects, revs := sessionEvents(t, pool, id)
	require.Len(t, revs, 4)
	assert.Equal(t, api.EventSessionDeleted, subjects[3])
	assert.Greater(t, revs[3], revs[2])
}

// Concurrent edits of one session, from many goroutines (as from several
// processes), get distinct rising revisions in the order they commit.
func TestSessionRevisionsConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s := service.New(pool, nil, nil, nil, nil)
	user := uuid.New()
	id := finishedRun(t, pool, user, time.Now().Add(-5*time.Hour).UTC().Truncate(time.Second), 300, 3)
	const n = 20
	errs := make(chan error, n)
	for k := range n {
		go func() {
			sp := []string{"run", "trail_run"}[k%2]
			_, err := s.PatchSession(ctx, user, id, service.Changes{Sport: &sp})
			errs <- err
		}()
	}
	for range n {
		require.NoError(t, <-errs)
	}
	_, revs := sessionEvents(t, pool, id)
	require.NotEmpty(t, revs)
	for i := 1; i < len(revs); i++ {
		assert.Greater(t, revs[i], revs[i-1], "publish order is commit order")
	}
	var stored int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT revision FROM training.sessions WHERE id = $1`, id).Scan(&stored))
	assert.Equal(t, revs[len(revs)-1], stored)
}

// Migration 00035, on a database with figures computed for events of the
// clock era (one written by a process whose clock ran two hours ahead),
// starts each session's counter above its stored revision, and the others'
// above the migration's time: new events rank after every old one.
func TestRevisionMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s := service.New(pool, nil, nil, nil, nil)
	user := uuid.New()
	computed := finishedRun(t, pool, user, time.Now().Add(-5*time.Hour).UTC().Truncate(time.Second), 100, 3)
	other := finishedRun(t, pool, user, time.Now().Add(-6*time.Hour).UTC().Truncate(time.Second), 100, 3)
	ahead := time.Now().Add(2 * time.Hour).UnixNano()
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		return s.ApplySessionEvent(ctx, tx, service.SessionEvent{Kind: service.SessionCompleted, Session: computed, User: user, Revision: ahead})
	}))
	// Back to the schema before 00035, then its Up section.
	_, err := pool.Exec(ctx, `ALTER TABLE training.sessions DROP COLUMN revision`)
	require.NoError(t, err)
	sql, err := os.ReadFile("../../../../migrations/training/00035_session_revisions.sql")
	require.NoError(t, err)
	up, _, ok := strings.Cut(strings.SplitN(string(sql), "-- +goose Up", 2)[1], "-- +goose Down")
	require.True(t, ok)
	before := time.Now().UnixNano()
	_, err = pool.Exec(ctx, up)
	require.NoError(t, err)
	var rev int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT revision FROM training.sessions WHERE id = $1`, computed).Scan(&rev))
	assert.Equal(t, ahead+1, rev)
	require.NoError(t, pool.QueryRow(ctx, `SELECT revision FROM training.sessions WHERE id = $1`, other).Scan(&rev))
	assert.Greater(t, rev, before-int64(time.Minute), "above the migration's time (the database's clock)")

	// The next edit of the computed session is applied.
	sp := "trail_run"
	_, err = s.PatchSession(ctx, user, computed, service.Changes{Sport: &sp})
	require.NoError(t, err)
	_, revs := sessionEvents(t, pool, computed)
	require.Len(t, revs, 1)
	assert.Greater(t, revs[0], ahead)
}
