package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// Backfill is a run of an achievement's rule over every user's history.
type Backfill struct {
	ID            uuid.UUID
	AchievementID string
	Version       int
	Done          bool
	Cursor        uuid.UUID // the last user done (uuid.Nil: none yet)
	Users         int
	Unlocked      int
	StartedAt     time.Time
	FinishedAt    *time.Time
}

const backfillColumns = `id, achievement_id, version, state = 'done', coalesce(cursor, '00000000-0000-0000-0000-000000000000'),
	users, unlocked, started_at, finished_at`

func scanBackfill(row pgx.CollectableRow) (Backfill, error) {
	var b Backfill
	err := row.Scan(&b.ID, &b.AchievementID, &b.Version, &b.Done, &b.Cursor, &b.Users, &b.Unlocked, &b.StartedAt, &b.FinishedAt)
	return b, err
}

func oneBackfill(ctx context.Context, q storage.Querier, query string, args ...any) (Backfill, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return Backfill{}, fmt.Errorf("store: read backfill: %w", err)
	}
	b, err := pgx.CollectExactlyOneRow(rows, scanBackfill)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, ErrNotFound
	}
	if err != nil {
		return b, fmt.Errorf("store: read backfill: %w", err)
	}
	return b, nil
}

// StartBackfill starts a backfill of an achievement's version, or returns
// the one running already (created false).
func StartBackfill(ctx context.Context, tx pgx.Tx, achievement string, version int, by uuid.UUID, at time.Time) (Backfill, bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO gamification.achievement_backfills (id, achievement_id, version, state, requested_by, started_at)
		VALUES ($1, $2, $3, 'running', $4, $5) ON CONFLICT (achievement_id) WHERE state = 'running' DO NOTHING`,
		uuid.New(), achievement, version, by, at)
	if err != nil {
		return Backfill{}, false, fmt.Errorf("store: start backfill: %w", err)
	}
	b, err := oneBackfill(ctx, tx, `SELECT `+backfillColumns+` FROM gamification.achievement_backfills
		WHERE achievement_id = $1 AND state = 'running'`, achievement)
	return b, tag.RowsAffected() > 0, err
}

// LatestBackfills returns the latest backfill of each achievement that had
// one.
func LatestBackfills(ctx context.Context, q storage.Querier) (map[string]Backfill, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT ON (achievement_id) `+backfillColumns+` FROM gamification.achievement_backfills
		ORDER BY achievement_id, started_at DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: read backfills: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanBackfill)
	if err != nil {
		return nil, fmt.Errorf("store: read backfills: %w", err)
	}
	out := make(map[string]Backfill, len(list))
	for _, b := range list {
		out[b.AchievementID] = b
	}
	return out, nil
}

// ClaimBackfill locks a running backfill no other transaction holds
// (ErrNotFound when there is none): one process works on it at a time.
func ClaimBackfill(ctx context.Context, tx pgx.Tx) (Backfill, error) {
	return oneBackfill(ctx, tx, `SELECT `+backfillColumns+` FROM gamification.achievement_backfills
		WHERE state = 'running' ORDER BY started_at LIMIT 1 FOR UPDATE SKIP LOCKED`)
}

// AdvanceBackfill records a batch done: the last user, the users and
// unlocks it added, and whether the run is over.
func AdvanceBackfill(ctx context.Context, tx pgx.Tx, id, cursor uuid.UUID, users, unlocked int, done bool, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE gamification.achievement_backfills SET cursor = $2, users = users + $3, unlocked = unlocked + $4,
		state = CASE WHEN $5 THEN 'done' ELSE 'running' END, finished_at = CASE WHEN $5 THEN $6::timestamptz END WHERE id = $1`,
		id, cursor, users, unlocked, done, at)
	if err != nil {
		return fmt.Errorf("store: advance backfill: %w", err)
	}
	return nil
}
