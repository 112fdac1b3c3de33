package rpc

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/exercise"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/modules/training/internal/strength"
)

// registerExercises serves rpc.training.exercises.* (the catalogue and
// the caller's own exercises) and rpc.training.sessions.exercises (a
// session's exercises and sets).
func registerExercises(svc *bus.Service, s *service.Service) error {
	onExercise := func(fn func(ctx context.Context, user, id uuid.UUID) (api.Exercise, error)) bus.HandlerFunc {
		return asCaller(func(ctx context.Context, user uuid.UUID, in api.ExerciseRef) (api.Exercise, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return api.Exercise{}, err
			}
			return fn(ctx, user, id)
		})
	}
	return handlers(svc, map[string]bus.HandlerFunc{
		api.SubjectExercisesList: asCaller(func(ctx context.Context, user uuid.UUID, in api.ExerciseListRequest) (api.ExerciseList, error) {
			return s.ListExercises(ctx, user, in.Own, in.MuscleGroup, in.Limit, in.Cursor)
		}),
		api.SubjectExercisesGet: onExercise(s.GetExercise),
		api.SubjectExercisesCreate: asCaller(func(ctx context.Context, user uuid.UUID, in api.ExerciseCreate) (api.Exercise, error) {
			return s.CreateExercise(ctx, user, exercise.Exercise{Name: in.Name, MuscleGroups: in.MuscleGroups, Equipment: in.Equipment})
		}),
		api.SubjectExercisesPatch: asCaller(func(ctx context.Context, user uuid.UUID, in api.ExercisePatch) (api.Exercise, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return api.Exercise{}, err
			}
			return s.PatchExercise(ctx, user, id, service.ExerciseChanges{Name: in.Name, Equipment: in.Equipment, MuscleGroups: in.MuscleGroups})
		}),
		api.SubjectExercisesDelete: asCaller(func(ctx context.Context, user uuid.UUID, in api.ExerciseRef) (api.Empty, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return api.Empty{}, err
			}
			return api.Empty{}, s.DeleteExercise(ctx, user, id)
		}),
		api.SubjectSessionExercises: onSession(func(r api.SessionExercisesPut) string { return r.ID },
			func(ctx context.Context, user, id uuid.UUID, in api.SessionExercisesPut) (api.Session, error) {
				list, err := exercisesOf(in.Exercises)
				if err != nil {
					return api.Session{}, err
				}
				return s.SetSessionExercises(ctx, user, id, list)
			}),
	})
}

// exercisesOf maps a request's exercises to the service's input
// (body.exercises[i].exercise_id must be a UUID).
func exercisesOf(in []api.SessionExercise) ([]service.ExerciseDone, error) {
	out := make([]service.ExerciseDone, len(in))
	for i, e := range in {
		id, err := parseID(fmt.Sprintf("body.exercises[%d].exercise_id", i), e.ExerciseID)
		if err != nil {
			return nil, err
		}
		out[i] = service.ExerciseDone{ID: id, Notes: e.Notes, Sets: make([]strength.Set, len(e.Sets)), Rests: make([]*float64, len(e.Sets))}
		for j, s := range e.Sets {
			out[i].Sets[j] = strength.Set{Reps: s.Reps, WeightKg: s.WeightKg, DurationS: s.DurationS, RPE: s.RPE, Warmup: s.Warmup}
			out[i].Rests[j] = s.RestS
		}
	}
	return out, nil
}
