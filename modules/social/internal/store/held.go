package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// HeldFact is a fact of a session (an achievement it unlocked) that
// waits for the session's feed card (social.held_facts): its groups hear
// of it only once the card says the session is not private.
type HeldFact struct {
	Kind, SourceKey string
	Session, Actor  uuid.UUID
	Name            string
	Data            json.RawMessage
	Count           int
	HeldAt          time.Time
}

// HoldFact keeps f until its session's card comes (the same fact again
// changes nothing; nothing of a deleted account). The caller holds the
// session's LockSessionCards and found no card.
func HoldFact(ctx context.Context, tx pgx.Tx, f HeldFact) error {
	if _, err := tx.Exec(ctx, `INSERT INTO social.held_facts (kind, source_key, session_id, actor_id, name, data, count, held_at)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE NOT EXISTS (SELECT 1 FROM social.users WHERE user_id = $4 AND deleted)
		ON CONFLICT DO NOTHING`,
		f.Kind, f.SourceKey, f.Session, f.Actor, f.Name, []byte(f.Data), f.Count, f.HeldAt); err != nil {
		return fmt.Errorf("store: hold fact: %w", err)
	}
	return nil
}

// TakeHeldFacts removes and returns the facts held for session (the
// caller holds its LockSessionCards and has written its card).
func TakeHeldFacts(ctx context.Context, tx pgx.Tx, session uuid.UUID) ([]HeldFact, error) {
	rows, err := tx.Query(ctx, `DELETE FROM social.held_facts WHERE session_id = $1
		RETURNING kind, source_key, session_id, actor_id, name, data, count, held_at`, session)
	if err != nil {
		return nil, fmt.Errorf("store: take held facts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (HeldFact, error) {
		var f HeldFact
		var data []byte
		err := row.Scan(&f.Kind, &f.SourceKey, &f.Session, &f.Actor, &f.Name, &data, &f.Count, &f.HeldAt)
		f.Data = data
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: take held facts: %w", err)
	}
	return out, nil
}

// SweepHeldFacts deletes the facts held since before cutoff (a session
// whose card never came: its events are long past); it returns how many
// went.
func SweepHeldFacts(ctx context.Context, q Querier, cutoff time.Time) (int, error) {
	tag, err := q.Exec(ctx, `DELETE FROM social.held_facts WHERE held_at < $1`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("store: sweep held facts: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
