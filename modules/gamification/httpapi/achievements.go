package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/gamification/api"
)

type achievementIDInput struct {
	ID string `path:"id" pattern:"^[a-z][a-z0-9_]{2,63}$" maxLength:"64" doc:"the achievement's id"`
}

type achievementCreateInput struct {
	Body api.AchievementDefinition
}

type achievementReplaceInput struct {
	ID   string `path:"id" pattern:"^[a-z][a-z0-9_]{2,63}$" maxLength:"64" doc:"the achievement's id"`
	Body api.AchievementDefinition
}

type adminAchievementsInput struct {
	IncludeRetired bool `query:"include_retired" doc:"list retired achievements too"`
}

// achievementOperations registers the achievements' operations: the
// catalogue and the caller's achievements, and the admin API.
func achievementOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"achievements"}
	huma.Register(a, gw.DocumentRaw[api.AchievementList](a, huma.Operation{
		OperationID: "list-achievements", Method: http.MethodGet, Path: "/v1/achievements", Tags: tags,
		Summary: "The achievements' catalogue",
		Description: "Every achievement with its rule, tiers (bronze, silver, gold …) and points, and message keys for the " +
			"app's language (name_key, description_key; tiers: tier.<name>). Hidden achievements are listed once you " +
			"unlocked them; hidden_count says how many remain to discover.",
		Security: gw.Authenticated,
	}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAchievementsList, struct{}{})
	})
	huma.Register(a, gw.DocumentRaw[api.MyAchievements](a, huma.Operation{
		OperationID: "my-achievements", Method: http.MethodGet, Path: "/v1/me/achievements", Tags: tags,
		Summary: "Your achievements, points and level",
		Description: "Each achievement with your progress (value, tiers reached, the next threshold) and what you " +
			"unlocked, with the date and the session that did it; your points (the sum of your unlocks') and level " +
			"(level L needs 50·L·(L−1) points). Only plausible sessions count. A deleted or edited session takes its " +
			"share of the progress back (a streak it held is shorter from then on), but what it unlocked stays " +
			"unlocked. Days, weeks and hours are your time zone's.",
		Security: gw.Authenticated,
	}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectMyAchievements, struct{}{})
	})
	adminAchievementOperations(a, nc)
}

func adminAchievementOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"achievements"}
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.AdminAchievementList](a, huma.Operation{
		OperationID: "admin-list-achievements", Method: http.MethodGet, Path: "/v1/admin/achievements", Tags: tags,
		Summary:     "The whole catalogue (admins)",
		Description: "Hidden achievements too, with their version, unlock count and latest backfill; retired ones with include_retired.",
		Security:    gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *adminAchievementsInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminAchievementsList, api.AdminAchievementsRequest{IncludeRetired: in.IncludeRetired})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.AdminAchievement](a, huma.Operation{
		OperationID: "create-achievement", Method: http.MethodPost, Path: "/v1/admin/achievements", Tags: tags,
		Summary: "Add an achievement (admins)",
		Description: "A rule in the fixed schema (no expression language), checked before it is saved: a rule that " +
			"could not be evaluated is refused naming the field (422). It unlocks from the next session on; " +
			"POST …/backfill applies it to history. 409 when the id is taken (a retired achievement's too).",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: 16 << 10, Security: gw.Authenticated,
	}), http.StatusForbidden, http.StatusConflict), func(ctx context.Context, in *achievementCreateInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminAchievementCreate, in.Body)
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.AdminAchievement](a, huma.Operation{
		OperationID: "admin-get-achievement", Method: http.MethodGet, Path: "/v1/admin/achievements/{id}", Tags: tags,
		Summary:     "An achievement (admins)",
		Description: "Its definition, version, unlock count and latest backfill (poll it to follow a backfill).",
		Security:    gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *achievementIDInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminAchievementGet, api.AchievementRef{ID: in.ID})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.AdminAchievement](a, huma.Operation{
		OperationID: "replace-achievement", Method: http.MethodPut, Path: "/v1/admin/achievements/{id}", Tags: tags,
		Summary: "Change an achievement (admins)",
		Description: "Replaces its definition (checked as on create; the id does not change) and raises its version; a " +
			"retired achievement comes back. What users unlocked stays unlocked, by tier number; POST …/backfill " +
			"applies the new rule to history.",
		MaxBodyBytes: 16 << 10, Security: gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *achievementReplaceInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminAchievementReplace, api.AchievementReplace{ID: in.ID, Definition: in.Body})
	})
	huma.Register(a, gw.DocumentErrors(a, huma.Operation{
		OperationID: "retire-achievement", Method: http.MethodDelete, Path: "/v1/admin/achievements/{id}", Tags: tags,
		Summary: "Retire an achievement (admins)",
		Description: "It is no longer unlocked nor listed; users who unlocked it keep it (listed among their own). " +
			"Retiring it again changes nothing; PUT brings it back.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, http.StatusForbidden), func(ctx context.Context, in *achievementIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectAdminAchievementRetire, api.AchievementRef{ID: in.ID})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Backfill](a, huma.Operation{
		OperationID: "backfill-achievement", Method: http.MethodPost, Path: "/v1/admin/achievements/{id}/backfill", Tags: tags,
		Summary: "Apply an achievement to history (admins)",
		Description: "Evaluates its rule over every user's whole history, in batches of users, and unlocks what is " +
			"missing (what was unlocked already is not unlocked again: running it twice unlocks once). Answers at " +
			"once with the run (202); a run in progress is answered as it is. A run stopped halfway (a crash) goes " +
			"on by itself. 409 for a retired achievement.",
		DefaultStatus: http.StatusAccepted, Security: gw.Authenticated,
	}), http.StatusForbidden, http.StatusConflict), func(ctx context.Context, in *achievementIDInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminAchievementBackfill, api.AchievementRef{ID: in.ID})
	})
}
