// Package store is the achievements' SQL (schema gamification, migration
// 00004): the catalogue, each user's state and unlocks, and backfills.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/athlos/athlos/modules/gamification/internal/achieve"
	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/storage"
)

// Errors of the store.
var (
	ErrNotFound = errors.New("store: not found")
	ErrExists   = errors.New("store: exists already")
)

// Entry is an achievement of the catalogue with its bookkeeping.
type Entry struct {
	achieve.Achievement
	Version              int
	RetiredAt            *time.Time
	CreatedAt, UpdatedAt time.Time
}

const entryColumns = `definition, version, retired_at, created_at, updated_at`

func scanEntry(row pgx.CollectableRow) (Entry, error) {
	var e Entry
	var def []byte
	if err := row.Scan(&def, &e.Version, &e.RetiredAt, &e.CreatedAt, &e.UpdatedAt); err != nil {
		return e, err
	}
	if err := json.Unmarshal(def, &e.Achievement); err != nil {
		return e, fmt.Errorf("store: decode achievement: %w", err)
	}
	return e, nil
}

// Seed adds the achievements the catalogue lacks (an existing one, retired
// or changed, stays as it is) and returns how many it added.
func Seed(ctx context.Context, q storage.Querier, list []achieve.Achievement) (int, error) {
	ids := make([]string, len(list))
	defs := make([]string, len(list))
	for i, a := range list {
		b, err := json.Marshal(a)
		if err != nil {
			return 0, fmt.Errorf("store: encode achievement: %w", err)
		}
		ids[i], defs[i] = a.ID, string(b)
	}
	tag, err := q.Exec(ctx, `INSERT INTO gamification.achievements (id, definition)
		SELECT id, def::jsonb FROM unnest($1::text[], $2::text[]) AS a (id, def) ON CONFLICT (id) DO NOTHING`, ids, defs)
	if err != nil {
		return 0, fmt.Errorf("store: seed catalogue: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Stamp changes whenever the catalogue does (a row added, replaced or
// retired): a process's cached catalogue is read again when it differs.
func Stamp(ctx context.Context, q storage.Querier) (string, error) {
	var s string
	err := q.QueryRow(ctx, `SELECT count(*)::text || '/' || coalesce(max(updated_at)::text, '') FROM gamification.achievements`).Scan(&s)
	if err != nil {
		return "", fmt.Errorf("store: catalogue stamp: %w", err)
	}
	return s, nil
}

// Catalogue returns every achievement, retired ones too, by id.
func Catalogue(ctx context.Context, q storage.Querier) ([]Entry, error) {
	rows, err := q.Query(ctx, `SELECT `+entryColumns+` FROM gamification.achievements ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: read catalogue: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanEntry)
	if err != nil {
		return nil, fmt.Errorf("store: read catalogue: %w", err)
	}
	return list, nil
}

// Get returns one achievement (ErrNotFound).
func Get(ctx context.Context, q storage.Querier, id string) (Entry, error) {
	rows, err := q.Query(ctx, `SELECT `+entryColumns+` FROM gamification.achievements WHERE id = $1`, id)
	if err != nil {
		return Entry{}, fmt.Errorf("store: read achievement: %w", err)
	}
	e, err := pgx.CollectExactlyOneRow(rows, scanEntry)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("store: read achievement: %w", err)
	}
	return e, nil
}

// Create adds an achievement (ErrExists when its id is taken, retired
// ones included).
func Create(ctx context.Context, q storage.Querier, a achieve.Achievement) error {
	def, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("store: encode achievement: %w", err)
	}
	_, err = q.Exec(ctx, `INSERT INTO gamification.achievements (id, definition) VALUES ($1, $2)`, a.ID, def)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("store: create achievement: %w", err)
	}
	return nil
}

// Replace replaces an achievement's definition, raises its version and
// brings it back if it was retired (ErrNotFound).
func Replace(ctx context.Context, q storage.Querier, a achieve.Achievement) error {
	def, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("store: encode achievement: %w", err)
	}
	tag, err := q.Exec(ctx, `UPDATE gamification.achievements SET definition = $2, version = version + 1, retired_at = NULL,
		updated_at = clock_timestamp() WHERE id = $1`, a.ID, def)
	if err != nil {
		return fmt.Errorf("store: replace achievement: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// Retire retires an achievement (ErrNotFound); retiring it again changes
// nothing.
func Retire(ctx context.Context, q storage.Querier, id string) error {
	var found bool
	err := q.QueryRow(ctx, `WITH r AS (UPDATE gamification.achievements SET retired_at = clock_timestamp(), updated_at = clock_timestamp()
		WHERE id = $1 AND retired_at IS NULL RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM gamification.achievements WHERE id = $1)`, id).Scan(&found)
	if err != nil {
		return fmt.Errorf("store: retire achievement: %w", err)
	}
	if !found {
		return ErrNotFound
	}
	return nil
}

// UnlockCounts counts the unlocks of each achievement (those of ids, or
// of all when ids is nil).
func UnlockCounts(ctx context.Context, q storage.Querier, ids []string) (map[string]int, error) {
	rows, err := q.Query(ctx, `SELECT achievement_id, count(*) FROM gamification.user_achievements
		WHERE $1::text[] IS NULL OR achievement_id = ANY($1) GROUP BY achievement_id`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: count unlocks: %w", err)
	}
	out := map[string]int{}
	var id string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error { out[id] = n; return nil })
	if err != nil {
		return nil, fmt.Errorf("store: count unlocks: %w", err)
	}
	return out, nil
}

// UserState is a user's state and points.
type UserState struct {
	State  *achieve.State
	Points int
}

// LockStates reads and locks the states of users (in id order, so two
// transactions never wait for each other in a circle); a user without a
// row gets a new state.
func LockStates(ctx context.Context, tx pgx.Tx, users []uuid.UUID) (map[uuid.UUID]*UserState, error) {
	return readStates(ctx, tx, users, true)
}

// States reads the states of users without locking them.
func States(ctx context.Context, q storage.Querier, users []uuid.UUID) (map[uuid.UUID]*UserState, error) {
	return readStates(ctx, q, users, false)
}

func readStates(ctx context.Context, q storage.Querier, users []uuid.UUID, lock bool) (map[uuid.UUID]*UserState, error) {
	query := `SELECT user_id, state, points FROM gamification.achievement_users WHERE user_id = ANY($1) ORDER BY user_id`
	if lock {
		query += ` FOR UPDATE`
	}
	out := make(map[uuid.UUID]*UserState, len(users))
	if err := scanStates(ctx, q, query, activity.UUIDs(users), out); err != nil {
		return nil, err
	}
	var missing []uuid.UUID
	for _, u := range users {
		if out[u] == nil {
			missing = append(missing, u)
		}
	}
	if lock && len(missing) > 0 {
		// A user's first row is made empty, then locked: two transactions
		// for a new user wait for each other as for a known one.
		if _, err := q.Exec(ctx, `INSERT INTO gamification.achievement_users (user_id, state, updated_at)
			SELECT id, '', now() FROM unnest($1::uuid[]) AS id ORDER BY id ON CONFLICT DO NOTHING`, activity.UUIDs(missing)); err != nil {
			return nil, fmt.Errorf("store: make states: %w", err)
		}
		if err := scanStates(ctx, q, query, activity.UUIDs(missing), out); err != nil {
			return nil, err
		}
	}
	for _, u := range users {
		if out[u] == nil {
			out[u] = &UserState{State: achieve.NewState()}
		}
	}
	return out, nil
}

func scanStates(ctx context.Context, q storage.Querier, query string, users []pgtype.UUID, out map[uuid.UUID]*UserState) error {
	rows, err := q.Query(ctx, query, users)
	if err != nil {
		return fmt.Errorf("store: read states: %w", err)
	}
	var id uuid.UUID
	var data []byte
	var points int
	_, err = pgx.ForEachRow(rows, []any{&id, &data, &points}, func() error {
		st := achieve.NewState()
		if err := st.UnmarshalBinary(data); err != nil {
			return fmt.Errorf("the state of %s: %w", id, err)
		}
		out[id] = &UserState{State: st, Points: points}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: read states: %w", err)
	}
	return nil
}

// SaveStates writes users' states and points (their rows exist: LockStates
// made them).
func SaveStates(ctx context.Context, tx pgx.Tx, states map[uuid.UUID]*UserState, at time.Time) error {
	if len(states) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, 0, len(states))
	data := make([][]byte, 0, len(states))
	points := make([]int32, 0, len(states))
	for id, st := range states {
		b, err := st.State.MarshalBinary()
		if err != nil {
			return fmt.Errorf("store: encode state: %w", err)
		}
		ids, data, points = append(ids, id), append(data, b), append(points, int32(st.Points))
	}
	_, err := tx.Exec(ctx, `UPDATE gamification.achievement_users u SET state = s.state, points = s.points, updated_at = $4
		FROM unnest($1::uuid[], $2::bytea[], $3::int[]) AS s (id, state, points) WHERE u.user_id = s.id`,
		activity.UUIDs(ids), data, points, at)
	if err != nil {
		return fmt.Errorf("store: save states: %w", err)
	}
	return nil
}

// Unlock is one row of a user's unlocks.
type Unlock struct {
	UserID        uuid.UUID
	AchievementID string
	achieve.Unit
	Points     int
	SessionID  *uuid.UUID
	UnlockedAt time.Time
}

// InsertUnlocks adds unlocks and returns those that were new (an unlock
// kept already is not added again).
func InsertUnlocks(ctx context.Context, tx pgx.Tx, list []Unlock) ([]Unlock, error) {
	if len(list) == 0 {
		return nil, nil
	}
	n := len(list)
	users, sessions := make([]uuid.UUID, n), make([]pgtype.UUID, n)
	ids := make([]string, n)
	tiers, reps, points := make([]int32, n), make([]int32, n), make([]int32, n)
	at := make([]time.Time, n)
	for i, u := range list {
		users[i], ids[i], tiers[i], reps[i], points[i] = u.UserID, u.AchievementID, int32(u.Tier), int32(u.Repetition), int32(u.Points)
		at[i] = u.UnlockedAt
		if u.SessionID != nil {
			sessions[i] = pgtype.UUID{Bytes: *u.SessionID, Valid: true}
		}
	}
	rows, err := tx.Query(ctx, `INSERT INTO gamification.user_achievements (user_id, achievement_id, tier, repetition, points, session_id, unlocked_at)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $5::int[], $6::uuid[], $7::timestamptz[])
		ORDER BY 1, 2, 3, 4
		ON CONFLICT DO NOTHING RETURNING user_id, achievement_id, tier, repetition, points, session_id, unlocked_at`,
		activity.UUIDs(users), ids, tiers, reps, points, sessions, at)
	if err != nil {
		return nil, fmt.Errorf("store: insert unlocks: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanUnlock)
	if err != nil {
		return nil, fmt.Errorf("store: insert unlocks: %w", err)
	}
	return out, nil
}

func scanUnlock(row pgx.CollectableRow) (Unlock, error) {
	var u Unlock
	err := row.Scan(&u.UserID, &u.AchievementID, &u.Tier, &u.Repetition, &u.Points, &u.SessionID, &u.UnlockedAt)
	return u, err
}

// UserUnlocks returns a user's unlocks, oldest first.
func UserUnlocks(ctx context.Context, q storage.Querier, user uuid.UUID) ([]Unlock, error) {
	rows, err := q.Query(ctx, `SELECT user_id, achievement_id, tier, repetition, points, session_id, unlocked_at
		FROM gamification.user_achievements WHERE user_id = $1 ORDER BY unlocked_at, achievement_id, tier, repetition`, user)
	if err != nil {
		return nil, fmt.Errorf("store: read unlocks: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanUnlock)
	if err != nil {
		return nil, fmt.Errorf("store: read unlocks: %w", err)
	}
	return out, nil
}

// EraseUser erases a deleted user's state and unlocks.
func EraseUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	_, err := tx.Exec(ctx, `WITH s AS (DELETE FROM gamification.achievement_users WHERE user_id = $1)
		DELETE FROM gamification.user_achievements WHERE user_id = $1`, user)
	if err != nil {
		return fmt.Errorf("store: erase user: %w", err)
	}
	return nil
}

// UsersAfter returns up to limit users with a state, by id, after the
// given one (uuid.Nil: from the first).
func UsersAfter(ctx context.Context, q storage.Querier, after uuid.UUID, limit int) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, `SELECT user_id FROM gamification.achievement_users WHERE user_id > $1 ORDER BY user_id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return out, nil
}
