package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/client/api"
)

// maxGearBody bounds a gear request body: 20 components fit many times over.
const maxGearBody = 64 << 10

type gearListInput struct {
	Limit   int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor  string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
	Retired string `query:"retired" enum:"true,false" doc:"only retired (true) or only active (false) items; both when absent"`
}

type gearIDInput struct {
	ID string `path:"id" format:"uuid" doc:"the item's id"`
}

type gearCreateInput struct {
	Body api.GearCreate
}

type gearPatchInput struct {
	ID   string `path:"id" format:"uuid" doc:"the item's id"`
	Body gw.PatchBody[gearPatch]
}

// gearPatch is the documented shape of PATCH /v1/me/gear/{id} (the module
// reads it as api.GearPatch): every field optional; null clears brand,
// model, nickname, purchase_date and replacement_threshold_m.
type gearPatch struct {
	Brand                 *string              `json:"brand,omitempty" nullable:"true" maxLength:"100"`
	Model                 *string              `json:"model,omitempty" nullable:"true" maxLength:"100"`
	Nickname              *string              `json:"nickname,omitempty" nullable:"true" maxLength:"100"`
	PurchaseDate          *string              `json:"purchase_date,omitempty" nullable:"true" format:"date" doc:"YYYY-MM-DD, not in the future"`
	StartingDistanceM     *float64             `json:"starting_distance_m,omitempty" minimum:"0" maximum:"1e8"`
	ReplacementThresholdM *float64             `json:"replacement_threshold_m,omitempty" nullable:"true" exclusiveMinimum:"0" maximum:"1e8" doc:"a new threshold can be announced again"`
	DefaultFor            []string             `json:"default_for,omitempty" nullable:"false" maxItems:"12" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"replaces the list; [] for none"`
	Retired               *bool                `json:"retired,omitempty" doc:"retiring an item drops its sport defaults"`
	Components            []api.ComponentInput `json:"components,omitempty" nullable:"false" maxItems:"20" doc:"replaces the list (bikes only): items with an id keep that component, the others are new, the ones left out are removed"`
}

type createdOutput struct {
	ContentType string `header:"Content-Type" hidden:"true"`
	Location    string `header:"Location" doc:"the new item"`
	Body        []byte
}

// GearRoutes returns the gear operations (/v1/me/gear): the caller's
// equipment, its totals and its wear.
func GearRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		tags := []string{"gear"}
		huma.Register(a, gw.DocumentRaw[api.GearPage](a, huma.Operation{
			OperationID: "list-gear", Method: http.MethodGet, Path: "/v1/me/gear", Tags: tags,
			Summary:     "List my gear",
			Description: "The caller's gear, newest first, one page at a time. Deleted items are not listed.",
			Security:    gw.Authenticated,
		}), func(ctx context.Context, in *gearListInput) (*gw.RawJSON, error) {
			req := api.GearListRequest{Limit: in.Limit, Cursor: in.Cursor}
			if in.Retired != "" {
				r := in.Retired == "true"
				req.Retired = &r
			}
			return gw.Forward(ctx, nc, api.SubjectGearList, req)
		})

		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Gear](a, gw.Idempotent(huma.Operation{
			OperationID: "create-gear", Method: http.MethodPost, Path: "/v1/me/gear", Tags: tags,
			Summary: "Add an item of gear",
			Description: "Only type is required. Components are for bikes. A sport in default_for makes this item the " +
				"default of its type for that sport, taking the place of any other. 409 when the caller already has 100 items.",
			DefaultStatus: http.StatusCreated,
			MaxBodyBytes:  maxGearBody,
			Security:      gw.Authenticated,
		})), http.StatusConflict), func(ctx context.Context, in *gearCreateInput) (*createdOutput, error) {
			out, err := gw.Forward(ctx, nc, api.SubjectGearCreate, in.Body)
			if err != nil {
				return nil, err
			}
			var g struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(out.Body, &g)
			return &createdOutput{ContentType: out.ContentType, Location: "/v1/me/gear/" + g.ID, Body: out.Body}, nil
		})

		huma.Register(a, gw.DocumentRaw[api.Gear](a, huma.Operation{
			OperationID: "get-gear", Method: http.MethodGet, Path: "/v1/me/gear/{id}", Tags: tags,
			Summary:     "Get an item of gear",
			Description: "With its totals (starting distance plus every recorded session) and its components. 404 for an id the caller does not own.",
			Security:    gw.Authenticated,
		}), func(ctx context.Context, in *gearIDInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectGearGet, api.GearIDRequest{ID: in.ID})
		})

		huma.Register(a, gw.DocumentRaw[api.Gear](a, huma.Operation{
			OperationID: "update-gear", Method: http.MethodPatch, Path: "/v1/me/gear/{id}", Tags: tags,
			Summary: "Change an item of gear",
			Description: "Changes only the fields given; null clears an optional one. The type cannot change. A new " +
				"replacement threshold, or a component's new installed_at (a replacement), can announce wear again.",
			MaxBodyBytes: maxGearBody,
			Security:     gw.Authenticated,
		}), func(ctx context.Context, in *gearPatchInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectGearUpdate, struct {
				ID    string          `json:"id"`
				Patch json.RawMessage `json:"patch"`
			}{in.ID, in.Body.Raw})
		})

		huma.Register(a, huma.Operation{
			OperationID: "delete-gear", Method: http.MethodDelete, Path: "/v1/me/gear/{id}", Tags: tags,
			Summary:       "Delete an item of gear",
			Description:   "The item disappears from the API; sessions that used it keep it in their history.",
			DefaultStatus: http.StatusNoContent,
			Security:      gw.Authenticated,
		}, func(ctx context.Context, in *gearIDInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectGearDelete, api.GearIDRequest{ID: in.ID})
		})
	})
}
