package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/page"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/exercise"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/strength"
	"github.com/athlos/athlos/storage"
)

var errNoExercise = bus.Errorf(bus.CodeNotFound, "no such exercise")

// ListExercises returns a page of the exercises user may use, by id: the
// catalogue's and its own (only its own with own), optionally only those
// working muscle. Errors: invalid (query.limit, query.cursor,
// query.muscle_group).
func (s *Service) ListExercises(ctx context.Context, user uuid.UUID, own bool, muscle string, limit int, cursor string) (api.ExerciseList, error) {
	limit, after, err := pageOf(limit, cursor)
	if err != nil {
		return api.ExerciseList{}, err
	}
	if muscle != "" && !contains(exercise.MuscleGroups(), muscle) {
		return api.ExerciseList{}, bus.Invalid("query.muscle_group", "must be one of "+strings.Join(exercise.MuscleGroups(), ", "))
	}
	rows, err := store.Exercises(ctx, s.pool, user, after, own, muscle, limit+1)
	if err != nil {
		return api.ExerciseList{}, err
	}
	rows, next := page.Cut(rows, limit, func(r store.ExerciseRow) [16]byte { return r.ID })
	out := api.ExerciseList{Items: make([]api.Exercise, len(rows)), NextCursor: next}
	for i, r := range rows {
		out.Items[i] = exerciseOut(r)
	}
	return out, nil
}

// GetExercise returns an exercise user may use. Errors: not_found
// (another user's own exercise, or an unknown one).
func (s *Service) GetExercise(ctx context.Context, user, id uuid.UUID) (api.Exercise, error) {
	row, err := store.Exercise(ctx, s.pool, user, id)
	if errors.Is(err, store.ErrNotFound) {
		return api.Exercise{}, errNoExercise
	}
	return exerciseOut(row), err
}

// CreateExercise adds one of user's own exercises, which only user sees.
// With an idempotency key, a retry gets the first answer (bus.Once).
// Errors: invalid (body.name, body.muscle_groups[i], body.equipment),
// conflict (exercise.MaxOwn reached).
func (s *Service) CreateExercise(ctx context.Context, user uuid.UUID, in exercise.Exercise) (api.Exercise, error) {
	in.Name = strings.TrimSpace(in.Name)
	if err := in.Validate(); err != nil {
		return api.Exercise{}, bus.FieldInvalid("body.", err)
	}
	return bus.Once(ctx, s.pool, s.keys, func(tx pgx.Tx) (api.Exercise, error) {
		if err := s.refuseDeleted(ctx, tx, user); err != nil {
			return api.Exercise{}, err
		}
		n, err := store.CountOwnExercises(ctx, tx, user)
		if err != nil {
			return api.Exercise{}, err
		}
		if n >= exercise.MaxOwn {
			return api.Exercise{}, bus.Errorf(bus.CodeConflict, "at most %d exercises of your own", exercise.MaxOwn)
		}
		id, err := uuid.NewV7()
		if err != nil {
			return api.Exercise{}, err
		}
		row := store.ExerciseRow{ID: id, User: &user, Name: in.Name, MuscleGroups: in.MuscleGroups, Equipment: in.Equipment,
			CreatedAt: time.Now().UTC()}
		if err := store.InsertExercise(ctx, tx, row); err != nil {
			return api.Exercise{}, err
		}
		return exerciseOut(row), nil
	})
}

// ExerciseChanges are what PATCH changes of an exercise (nil: stays).
type ExerciseChanges struct {
	Name, Equipment *string
	MuscleGroups    *[]string
}

// PatchExercise changes one of user's own exercises. Errors: invalid (the
// field under body.), not_found (a catalogue exercise, another user's, or
// an unknown one).
func (s *Service) PatchExercise(ctx context.Context, user, id uuid.UUID, in ExerciseChanges) (api.Exercise, error) {
	var out api.Exercise
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		row, err := store.Exercise(ctx, tx, user, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && row.User == nil) {
			return errNoExercise
		}
		if err != nil {
			return err
		}
		next := exercise.Exercise{Name: row.Name, MuscleGroups: row.MuscleGroups, Equipment: row.Equipment}
		c := store.ExerciseChange{Equipment: in.Equipment}
		if in.Name != nil {
			name := strings.TrimSpace(*in.Name)
			next.Name, c.Name = name, &name
		}
		if in.Equipment != nil {
			next.Equipment = *in.Equipment
		}
		if in.MuscleGroups != nil {
			next.MuscleGroups, c.MuscleGroups = *in.MuscleGroups, *in.MuscleGroups
		}
		if err := next.Validate(); err != nil {
			return bus.FieldInvalid("body.", err)
		}
		updated, err := store.UpdateExercise(ctx, tx, user, id, c)
		out = exerciseOut(updated)
		return err
	})
	return out, err
}

// DeleteExercise deletes one of user's own exercises. Errors: not_found
// (a catalogue exercise, another user's, or an unknown one), conflict
// (sessions name it: take it off them first).
func (s *Service) DeleteExercise(ctx context.Context, user, id uuid.UUID) error {
	err := store.DeleteExercise(ctx, s.pool, user, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errNoExercise
	case errors.Is(err, store.ErrInUse):
		return bus.Errorf(bus.CodeConflict, "sessions name this exercise: take it off them first")
	}
	return err
}

// ExerciseDone is one exercise of a session: its catalogue id, notes, its
// sets (strength.Set) and the rest after each (nil: unknown).
type ExerciseDone struct {
	ID    uuid.UUID
	Notes string
	Sets  []strength.Set
	Rests []*float64
}

// SetSessionExercises replaces the exercises and sets of one of user's
// sessions; a finished session's event is published again
// (evt.training.session.updated, with the new strength volume). Errors:
// invalid (body.exercises[i].exercise_id not an exercise user may use,
// body.exercises[i].sets[j].*), not_found (another user's session, or an
// unknown one), conflict (a discarded session).
func (s *Service) SetSessionExercises(ctx context.Context, user, id uuid.UUID, list []ExerciseDone) (api.Session, error) {
	if err := checkExercises(list); err != nil {
		return api.Session{}, err
	}
	var out store.SessionRow
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		row, err := lockOwnSession(ctx, tx, user, id)
		if err != nil {
			return err
		}
		if row.State == session.Discarded {
			return bus.Errorf(bus.CodeConflict, "the session is discarded")
		}
		if err := saveExercises(ctx, tx, user, id, list); err != nil {
			return err
		}
		if out, err = store.Session(ctx, tx, user, id); err != nil {
			return err
		}
		if row.State == session.Finished {
			at := time.Now().UTC()
			if row.FinishedAt != nil {
				at = *row.FinishedAt
			}
			if err := recomplete(ctx, tx, id, out, at); err != nil {
				return err
			}
			out, err = store.Session(ctx, tx, user, id)
		}
		return err
	})
	return sessionOut(out), err
}

// checkExercises checks a list of exercises done, naming the field under
// body.exercises.
func checkExercises(list []ExerciseDone) error {
	done := make([]exercise.Done, len(list))
	for i, e := range list {
		done[i] = exercise.Done{Notes: e.Notes, Rests: e.Rests}
	}
	if err := exercise.ValidateList(done); err != nil {
		return bus.FieldInvalid("body.", err)
	}
	for i, e := range list {
		if err := (strength.Exercise{ID: e.ID.String(), Sets: e.Sets}).Validate(); err != nil {
			return bus.FieldInvalid("body.exercises["+strconv.Itoa(i)+"].", err)
		}
	}
	return nil
}

// saveExercises stores a session's exercises once each names an exercise
// user may use (body.exercises[i].exercise_id otherwise), in tx.
func saveExercises(ctx context.Context, tx pgx.Tx, user, id uuid.UUID, list []ExerciseDone) error {
	ids := make([]uuid.UUID, len(list))
	for i, e := range list {
		ids[i] = e.ID
	}
	usable, err := store.UsableExercises(ctx, tx, user, ids)
	if err != nil {
		return err
	}
	rows := make([]store.SessionExercise, len(list))
	for i, e := range list {
		if !usable[e.ID] {
			return bus.Invalid(fmt.Sprintf("body.exercises[%d].exercise_id", i), "no such exercise (neither built in nor one of yours)")
		}
		rows[i] = store.SessionExercise{ExerciseID: e.ID, Notes: e.Notes, Sets: make([]store.SessionSet, len(e.Sets))}
		for j, set := range e.Sets {
			st := store.SessionSet{Reps: nonZero(set.Reps), WeightKg: nonZero(set.WeightKg), DurationS: nonZero(set.DurationS),
				RPE: set.RPE, Warmup: set.Warmup}
			if j < len(e.Rests) {
				st.RestS = e.Rests[j]
			}
			rows[i].Sets[j] = st
		}
	}
	return store.ReplaceSessionExercises(ctx, tx, id, rows)
}

func nonZero[T int | float64](v T) *T {
	if v == 0 {
		return nil
	}
	return &v
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// exerciseOut is a stored exercise as the API shows it.
func exerciseOut(r store.ExerciseRow) api.Exercise {
	return api.Exercise{ID: r.ID.String(), Key: r.Key, Own: r.User != nil, Name: r.Name, MuscleGroups: r.MuscleGroups,
		Equipment: r.Equipment, CreatedAt: r.CreatedAt}
}

// strengthOf are the strength figures of a session's stored sets (nil
// without exercises), by strength.DefaultFormula.
func strengthOf(list []store.SessionExercise) *api.StrengthSummary {
	if len(list) == 0 {
		return nil
	}
	bests, err := strength.Bests(strengthExercises(list), strength.DefaultFormula)
	if err != nil {
		return nil // stored sets were checked when they were stored
	}
	out := &api.StrengthSummary{Bests: make([]api.ExerciseBest, len(bests))}
	for i, b := range bests {
		out.VolumeKg += b.Volume
		out.Sets += b.Sets
		out.Bests[i] = api.ExerciseBest{ExerciseID: b.Exercise, Sets: b.Sets, VolumeKg: b.Volume, E1RMKg: b.OneRM, E1RMSet: b.OneRMSet,
			Formula: b.Formula, MaxWeightKg: b.MaxWeightKg, MaxReps: b.MaxReps, BestSetVolume: b.BestSetVolume}
	}
	return out
}

// strengthExercises are a session's stored exercises as package strength
// takes them (nil without).
func strengthExercises(list []store.SessionExercise) []strength.Exercise {
	if len(list) == 0 {
		return nil
	}
	ex := make([]strength.Exercise, len(list))
	for i, e := range list {
		ex[i] = strength.Exercise{ID: e.ExerciseID.String(), Sets: make([]strength.Set, len(e.Sets))}
		for j, s := range e.Sets {
			ex[i].Sets[j] = strength.Set{Reps: deref(s.Reps), WeightKg: deref(s.WeightKg), DurationS: deref(s.DurationS), RPE: s.RPE,
				Warmup: s.Warmup}
		}
	}
	return ex
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// sessionExercisesOut are a session's stored exercises as the API shows
// them.
func sessionExercisesOut(list []store.SessionExercise) []api.SessionExercise {
	if len(list) == 0 {
		return nil
	}
	out := make([]api.SessionExercise, len(list))
	for i, e := range list {
		out[i] = api.SessionExercise{ExerciseID: e.ExerciseID.String(), Notes: e.Notes, Sets: make([]api.ExerciseSet, len(e.Sets))}
		for j, s := range e.Sets {
			out[i].Sets[j] = api.ExerciseSet{Reps: deref(s.Reps), WeightKg: deref(s.WeightKg), DurationS: deref(s.DurationS),
				RestS: s.RestS, RPE: s.RPE, Warmup: s.Warmup}
		}
	}
	return out
}
