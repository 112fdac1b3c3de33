package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/storage"
)

// IngestSession is what the ingest needs of a session: its owner, sport,
// state and running figures.
type IngestSession struct {
	ID, User   uuid.UUID
	Sport      string
	State      string
	StartedAt  time.Time
	FinishedAt *time.Time
	Live       stats.Live
	// Manual sessions (entered by hand) take no points, late or not.
	Manual bool
}

// LockIngestSessions reads and locks the sessions with these ids (missing
// ones are left out). The rows are locked in id order, so concurrent
// batches touching the same sessions cannot deadlock, and the running
// figures of a session are updated by one batch at a time.
func LockIngestSessions(ctx context.Context, tx pgx.Tx, ids []uuid.UUID) (map[uuid.UUID]*IngestSession, error) {
	rows, err := tx.Query(ctx, `SELECT id, user_id, sport, state, started_at, finished_at, live,
		source_format IS NOT DISTINCT FROM 'manual' FROM training.sessions
		WHERE id = ANY($1) ORDER BY id FOR UPDATE`, rawUUIDs(ids))
	if err != nil {
		return nil, fmt.Errorf("store: lock sessions: %w", err)
	}
	defer rows.Close()
	out := make(map[uuid.UUID]*IngestSession, len(ids))
	for rows.Next() {
		var s IngestSession
		var live []byte
		if err := rows.Scan((*[16]byte)(&s.ID), (*[16]byte)(&s.User), &s.Sport, &s.State, &s.StartedAt, &s.FinishedAt, &live, &s.Manual); err != nil {
			return nil, fmt.Errorf("store: lock sessions: %w", err)
		}
		if live != nil {
			if err := s.Live.UnmarshalBinary(live); err != nil {
				return nil, fmt.Errorf("store: session %s live figures: %w", s.ID, err)
			}
		}
		out[s.ID] = &s
	}
	return out, rows.Err()
}

// SaveLive stores the running figures of sessions, and the time of their
// latest point.
func SaveLive(ctx context.Context, tx pgx.Tx, sessions []*IngestSession) error {
	if len(sessions) == 0 {
		return nil
	}
	ids := make([][16]byte, len(sessions))
	lives := make([][]byte, len(sessions))
	lasts := make([]*time.Time, len(sessions))
	for i, s := range sessions {
		b, err := s.Live.MarshalBinary()
		if err != nil {
			return fmt.Errorf("store: encode live figures: %w", err)
		}
		ids[i], lives[i] = s.ID, b
		if s.Live.Last != nil {
			lasts[i] = &s.Live.Last.T
		}
	}
	_, err := tx.Exec(ctx, `UPDATE training.sessions s SET live = u.live,
		last_point_at = GREATEST(s.last_point_at, u.last)
		FROM unnest($1::uuid[], $2::bytea[], $3::timestamptz[]) AS u(id, live, last) WHERE s.id = u.id`, ids, lives, lasts)
	if err != nil {
		return fmt.Errorf("store: save live figures: %w", err)
	}
	return nil
}

// rawUUIDs converts ids for pgx's binary encoding: uuid.UUID goes through
// its driver.Valuer, as text, which costs more than the rest of a row.
func rawUUIDs(ids []uuid.UUID) [][16]byte {
	out := make([][16]byte, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// LiveOf reads an open session's running figures (zero when none).
func LiveOf(ctx context.Context, q storage.Querier, id uuid.UUID) (stats.Live, error) {
	var l stats.Live
	var raw []byte
	if err := q.QueryRow(ctx, `SELECT live FROM training.sessions WHERE id = $1`, id).Scan(&raw); err != nil {
		return l, fmt.Errorf("store: live figures: %w", err)
	}
	if raw != nil {
		if err := l.UnmarshalBinary(raw); err != nil {
			return l, fmt.Errorf("store: live figures: %w", err)
		}
	}
	return l, nil
}
