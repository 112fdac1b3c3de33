package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/athlos/athlos/storage"
)

// ExerciseRow is an exercise of the catalogue (User nil, Key set) or a
// user's own (User set, Key nil).
type ExerciseRow struct {
	ID           uuid.UUID
	Key          *string
	User         *uuid.UUID
	Name         string
	MuscleGroups []string
	Equipment    string
	CreatedAt    time.Time
}

// ErrInUse means an exercise is named by sessions and cannot be deleted.
var ErrInUse = errors.New("store: exercise in use")

const exerciseColumns = `id, key, user_id, name, muscle_groups, equipment, created_at`

func scanExercise(row pgx.Row) (ExerciseRow, error) {
	var e ExerciseRow
	err := row.Scan(&e.ID, &e.Key, &e.User, &e.Name, &e.MuscleGroups, &e.Equipment, &e.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("store: read exercise: %w", err)
	}
	return e, nil
}

// Exercises lists the exercises a user may use (the catalogue's and its
// own; only its own with own), by id, with ids above after (uuid.Nil:
// from the first), optionally only those working muscle.
func Exercises(ctx context.Context, q storage.Querier, user, after uuid.UUID, own bool, muscle string, limit int) ([]ExerciseRow, error) {
	rows, err := q.Query(ctx, `SELECT `+exerciseColumns+` FROM training.exercises
		WHERE (user_id = $1 OR (user_id IS NULL AND NOT $2)) AND id > $3 AND ($4 = '' OR $4 = ANY(muscle_groups))
		ORDER BY id LIMIT $5`, user, own, after, muscle, limit)
	if err != nil {
		return nil, fmt.Errorf("store: exercises: %w", err)
	}
	defer rows.Close()
	var out []ExerciseRow
	for rows.Next() {
		e, err := scanExercise(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Exercise reads an exercise a user may use (the catalogue's or its own);
// ErrNotFound for another user's.
func Exercise(ctx context.Context, q storage.Querier, user, id uuid.UUID) (ExerciseRow, error) {
	return scanExercise(q.QueryRow(ctx, `SELECT `+exerciseColumns+` FROM training.exercises
		WHERE id = $1 AND (user_id IS NULL OR user_id = $2)`, id, user))
}

// CountOwnExercises counts a user's own exercises.
func CountOwnExercises(ctx context.Context, q storage.Querier, user uuid.UUID) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM training.exercises WHERE user_id = $1`, user).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count exercises: %w", err)
	}
	return n, nil
}

// InsertExercise stores a user's own exercise.
func InsertExercise(ctx context.Context, q storage.Querier, e ExerciseRow) error {
	_, err := q.Exec(ctx, `INSERT INTO training.exercises (id, user_id, name, muscle_groups, equipment, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)`, e.ID, e.User, e.Name, e.MuscleGroups, e.Equipment, e.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: insert exercise: %w", err)
	}
	return nil
}

// ExerciseChange is what may change of a user's own exercise; nil fields
// stay.
type ExerciseChange struct {
	Name         *string
	MuscleGroups []string
	Equipment    *string
}

// UpdateExercise changes one of a user's own exercises and returns it;
// ErrNotFound when it is not the user's own (the catalogue's included).
func UpdateExercise(ctx context.Context, q storage.Querier, user, id uuid.UUID, c ExerciseChange) (ExerciseRow, error) {
	return scanExercise(q.QueryRow(ctx, `UPDATE training.exercises SET name = COALESCE($3, name),
		muscle_groups = COALESCE($4, muscle_groups), equipment = COALESCE($5, equipment), updated_at = now()
		WHERE id = $1 AND user_id = $2 RETURNING `+exerciseColumns, id, user, c.Name, c.MuscleGroups, c.Equipment))
}

// DeleteExercise deletes one of a user's own exercises; ErrNotFound when
// it is not the user's own, ErrInUse when a session names it.
func DeleteExercise(ctx context.Context, q storage.Querier, user, id uuid.UUID) error {
	tag, err := q.Exec(ctx, `DELETE FROM training.exercises WHERE id = $1 AND user_id = $2`, id, user)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return ErrInUse
	}
	if err != nil {
		return fmt.Errorf("store: delete exercise: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// UsableExercises returns which of ids a user may use (the catalogue's
// and its own).
func UsableExercises(ctx context.Context, q storage.Querier, user uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]bool, error) {
	rows, err := q.Query(ctx, `SELECT id FROM training.exercises WHERE id = ANY($1) AND (user_id IS NULL OR user_id = $2)`, ids, user)
	if err != nil {
		return nil, fmt.Errorf("store: usable exercises: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("store: usable exercises: %w", err)
	}
	out := make(map[uuid.UUID]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// DeleteUserExercises erases a user's own exercises (after its sessions).
func DeleteUserExercises(ctx context.Context, q storage.Querier, user uuid.UUID) error {
	if _, err := q.Exec(ctx, `DELETE FROM training.exercises WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("store: delete user exercises: %w", err)
	}
	return nil
}

// SessionExercise is one exercise of a session, as stored (and as read
// back in SessionRow.Exercises, JSON).
type SessionExercise struct {
	ExerciseID uuid.UUID    `json:"exercise_id"`
	Notes      string       `json:"notes"`
	Sets       []SessionSet `json:"sets"`
}

// SessionSet is one set of a session's exercise; nil fields are unknown.
type SessionSet struct {
	Reps      *int     `json:"reps"`
	WeightKg  *float64 `json:"weight_kg"`
	DurationS *float64 `json:"duration_s"`
	RestS     *float64 `json:"rest_s"`
	RPE       *float64 `json:"rpe"`
	Warmup    bool     `json:"warmup"`
}

// sessionExercisesColumn reads a session's exercises and sets as one JSON
// array (SessionExercise), in order.
const sessionExercisesColumn = `COALESCE((SELECT jsonb_agg(jsonb_build_object('exercise_id', e.exercise_id, 'notes', e.notes,
	'sets', COALESCE((SELECT jsonb_agg(jsonb_build_object('reps', x.reps, 'weight_kg', x.weight_kg, 'duration_s', x.duration_s,
		'rest_s', x.rest_s, 'rpe', x.rpe, 'warmup', x.warmup) ORDER BY x.position)
		FROM training.session_sets x WHERE x.session_id = e.session_id AND x.exercise_position = e.position), '[]')) ORDER BY e.position)
	FROM training.session_exercises e WHERE e.session_id = s.id), '[]')`

// ReplaceSessionExercises replaces a session's exercises and sets.
func ReplaceSessionExercises(ctx context.Context, tx pgx.Tx, session uuid.UUID, list []SessionExercise) error {
	if _, err := tx.Exec(ctx, `DELETE FROM training.session_exercises WHERE session_id = $1`, session); err != nil {
		return fmt.Errorf("store: replace session exercises: %w", err)
	}
	batch := &pgx.Batch{}
	for i, e := range list {
		batch.Queue(`INSERT INTO training.session_exercises (session_id, position, exercise_id, notes) VALUES ($1, $2, $3, $4)`,
			session, i, e.ExerciseID, e.Notes)
		for j, s := range e.Sets {
			batch.Queue(`INSERT INTO training.session_sets (session_id, exercise_position, position, reps, weight_kg, duration_s,
				rest_s, rpe, warmup) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				session, i, j, s.Reps, s.WeightKg, s.DurationS, s.RestS, s.RPE, s.Warmup)
		}
	}
	if batch.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("store: replace session exercises: %w", err)
	}
	return nil
}
