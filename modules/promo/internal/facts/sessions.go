package facts

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SessionsDurable is the module's durable consumer of training's session
// events (completed, updated, deleted), in batches; it must not change, or
// the consumer would start over.
const SessionsDurable = "promo__evt_training_session"

// ApplySessionsOnce applies session events (sessions[i] came in the message
// of id msgIDs[i]) in one transaction: messages applied already are left
// out, their ids recorded, the users' locks taken shared (in key order),
// erased users' events dropped, and each session written only if its
// revision is higher than the one kept (within the batch, only a session's
// highest revision counts). It is the session consumer's work, without
// NATS.
func ApplySessionsOnce(ctx context.Context, pool *pgxpool.Pool, msgIDs []string, sessions []Session) error {
	if len(msgIDs) == 0 {
		return nil
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("facts: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	rows, err := tx.Query(ctx, `INSERT INTO promo.processed_messages (consumer, msg_id)
		SELECT $1, id FROM unnest($2::text[]) AS id ON CONFLICT DO NOTHING RETURNING msg_id`, SessionsDurable, msgIDs)
	if err != nil {
		return fmt.Errorf("facts: record processed messages: %w", err)
	}
	fresh, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("facts: record processed messages: %w", err)
	}
	isFresh := make(map[string]bool, len(fresh))
	for _, id := range fresh {
		isFresh[id] = true
	}
	newest := make(map[uuid.UUID]Session, len(fresh))
	for i, id := range msgIDs {
		s := sessions[i]
		if !isFresh[id] {
			continue
		}
		if kept, ok := newest[s.ID]; !ok || kept.Revision < s.Revision {
			newest[s.ID] = s
		}
	}
	if len(newest) == 0 {
		return tx.Commit(ctx)
	}
	var users []uuid.UUID
	for _, s := range newest {
		users = append(users, s.UserID)
	}
	slices.SortFunc(users, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	users = slices.Compact(users)
	erased, err := lockUsers(ctx, tx, users)
	if err != nil {
		return err
	}
	n := len(newest)
	ids, owners, revs := make([]uuid.UUID, 0, n), make([]uuid.UUID, 0, n), make([]int64, 0, n)
	sports, started, deleted := make([]string, 0, n), make([]time.Time, 0, n), make([]bool, 0, n)
	for _, s := range newest {
		if erased[s.UserID] {
			continue
		}
		ids, owners, revs = append(ids, s.ID), append(owners, s.UserID), append(revs, s.Revision)
		sports, started, deleted = append(sports, s.Sport), append(started, s.StartedAt), append(deleted, s.Deleted)
	}
	if err := saveSessions(ctx, tx, ids, owners, sports, started, revs, deleted); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("facts: commit session events: %w", err)
	}
	return nil
}

// lockUsers takes the locks of users shared (lockUser, in key order) and
// says which of them were erased.
func lockUsers(ctx context.Context, tx pgx.Tx, users []uuid.UUID) (map[uuid.UUID]bool, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(k) FROM (SELECT DISTINCT hashtextextended('promo.user:' || u::text, 0) AS k
		FROM unnest($1::uuid[]) AS u ORDER BY k) AS keys`, users); err != nil {
		return nil, fmt.Errorf("facts: lock users: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT user_id FROM promo.erased_users WHERE user_id = ANY($1)`, users)
	if err != nil {
		return nil, fmt.Errorf("facts: erased users: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("facts: erased users: %w", err)
	}
	erased := make(map[uuid.UUID]bool, len(list))
	for _, u := range list {
		erased[u] = true
	}
	return erased, nil
}

// saveSessions writes sessions (the arrays of their columns), each only if
// its revision is higher than the one kept, in id order so two batches
// (two processes) lock rows alike. A deletion keeps the sport and start as
// they were, as a tombstone.
func saveSessions(ctx context.Context, tx pgx.Tx, ids, users []uuid.UUID, sports []string, started []time.Time, revs []int64, deleted []bool) error {
	_, err := tx.Exec(ctx, `INSERT INTO promo.user_sessions AS s (session_id, user_id, sport, started_at, revision, deleted)
		SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::bigint[], $6::boolean[]) ORDER BY 1
		ON CONFLICT (session_id) DO UPDATE SET sport = CASE WHEN excluded.deleted THEN s.sport ELSE excluded.sport END,
			started_at = CASE WHEN excluded.deleted THEN s.started_at ELSE excluded.started_at END,
			revision = excluded.revision, deleted = excluded.deleted
		WHERE s.revision < excluded.revision AND s.user_id = excluded.user_id`,
		ids, users, sports, started, revs, deleted)
	if err != nil {
		return fmt.Errorf("facts: save sessions: %w", err)
	}
	return nil
}
