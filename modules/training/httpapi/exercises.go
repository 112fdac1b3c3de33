package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/training/api"
)

type exerciseListInput struct {
	Own         bool   `query:"own" doc:"only your own exercises"`
	MuscleGroup string `query:"muscle_group" enum:"chest,back,lower_back,shoulders,biceps,triceps,forearms,core,glutes,quadriceps,hamstrings,adductors,calves,hip_flexors,full_body" doc:"only exercises working this muscle group"`
	Limit       int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor      string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
}

type exerciseIDInput struct {
	ID string `path:"id" format:"uuid" doc:"the exercise's id"`
}

type exerciseCreateInput struct {
	Body api.ExerciseCreate
}

type exercisePatchInput struct {
	ID   string `path:"id" format:"uuid" doc:"the exercise's id"`
	Body api.ExerciseChanges
}

type sessionExercisesInput struct {
	ID   string `path:"id" format:"uuid" doc:"the session's id"`
	Body struct {
		Exercises []api.SessionExercise `json:"exercises" maxItems:"50" doc:"replaces the session's exercises; [] removes them"`
	}
}

// ExerciseRoutes returns the operations on the exercise catalogue and the
// signed-in user's own exercises (/v1/exercises), and on a session's
// exercises and sets (/v1/sessions/{id}/exercises).
func ExerciseRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		tags := []string{"exercises"}
		huma.Register(a, gw.DocumentRaw[api.ExerciseList](a, huma.Operation{
			OperationID: "list-exercises", Method: http.MethodGet, Path: "/v1/exercises", Tags: tags,
			Summary: "Exercises: the catalogue and your own",
			Description: "The built-in catalogue (about 60 common exercises with stable keys and ids) and your own, by id, " +
				"cursor-paginated; own=true lists only yours, muscle_group filters.",
			Security: gw.Authenticated,
		}), func(ctx context.Context, in *exerciseListInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectExercisesList, api.ExerciseListRequest{Own: in.Own, MuscleGroup: in.MuscleGroup,
				Limit: in.Limit, Cursor: in.Cursor})
		})
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Exercise](a, gw.Idempotent(huma.Operation{
			OperationID: "create-exercise", Method: http.MethodPost, Path: "/v1/exercises", Tags: tags,
			Summary:       "Add an exercise of your own",
			Description:   "Only you see it and may use it in your sessions. At most 500 (409).",
			DefaultStatus: http.StatusCreated, MaxBodyBytes: 16 << 10, Security: gw.Authenticated,
		})), http.StatusConflict), func(ctx context.Context, in *exerciseCreateInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectExercisesCreate, in.Body)
		})
		huma.Register(a, gw.DocumentRaw[api.Exercise](a, huma.Operation{
			OperationID: "get-exercise", Method: http.MethodGet, Path: "/v1/exercises/{id}", Tags: tags,
			Summary: "An exercise of the catalogue, or your own", Description: "Another user's own exercise is 404.",
			Security: gw.Authenticated,
		}), func(ctx context.Context, in *exerciseIDInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectExercisesGet, api.ExerciseRef{ID: in.ID})
		})
		huma.Register(a, gw.DocumentRaw[api.Exercise](a, huma.Operation{
			OperationID: "patch-exercise", Method: http.MethodPatch, Path: "/v1/exercises/{id}", Tags: tags,
			Summary:      "Change an exercise of your own",
			Description:  "Name, muscle groups, equipment; absent fields stay. The catalogue's exercises and other users' are 404.",
			MaxBodyBytes: 16 << 10, Security: gw.Authenticated,
		}), func(ctx context.Context, in *exercisePatchInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectExercisesPatch, api.ExercisePatch{ID: in.ID, ExerciseChanges: in.Body})
		})
		huma.Register(a, gw.DocumentErrors(a, huma.Operation{
			OperationID: "delete-exercise", Method: http.MethodDelete, Path: "/v1/exercises/{id}", Tags: tags,
			Summary:       "Delete an exercise of your own",
			Description:   "409 while sessions name it. The catalogue's exercises and other users' are 404.",
			DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
		}, http.StatusConflict), func(ctx context.Context, in *exerciseIDInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectExercisesDelete, api.ExerciseRef{ID: in.ID})
		})
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Session](a, huma.Operation{
			OperationID: "put-session-exercises", Method: http.MethodPut, Path: "/v1/sessions/{id}/exercises", Tags: []string{"sessions"},
			Summary: "Replace a session's exercises and sets",
			Description: "Strength and other indoor sessions: each exercise (built in or your own) with its sets (reps, weight, " +
				"duration, rest, RPE). The answer's strength has the volume load and per-exercise bests (estimated 1RM, Epley). " +
				"A finished session publishes evt.training.session.updated. An exercise id that is neither built in nor yours is " +
				"a field error; a discarded session is 409.",
			MaxBodyBytes: 256 << 10, Security: gw.Authenticated,
		}), http.StatusConflict), func(ctx context.Context, in *sessionExercisesInput) (*gw.RawJSON, error) {
			list := in.Body.Exercises
			if list == nil {
				list = []api.SessionExercise{}
			}
			return gw.Forward(ctx, nc, api.SubjectSessionExercises, api.SessionExercisesPut{ID: in.ID, Exercises: list})
		})
	})
}
