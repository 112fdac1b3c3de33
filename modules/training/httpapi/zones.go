package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/training/api"
)

type zoneCreateInput struct {
	Body api.PrivacyZoneCreate
}

type zoneIDInput struct {
	ID string `path:"id" format:"uuid" doc:"the privacy zone's id"`
}

type zonePatchInput struct {
	ID   string `path:"id" format:"uuid" doc:"the privacy zone's id"`
	Body zoneChanges
}

// zoneChanges is the body of PATCH /v1/me/privacy-zones/{id}: absent
// fields stay.
type zoneChanges struct {
	Center  *api.ZonePlace `json:"center,omitempty" doc:"moves the zone"`
	RadiusM *float64       `json:"radius_m,omitempty" minimum:"200" maximum:"2000" doc:"metres, 200 to 2000"`
}

// zonesDescription says what a privacy zone hides, from whom.
const zonesDescription = "A privacy zone is a circle (a centre and a radius of 200 m to 2 km; at most 5 per user) inside which " +
	"the positions of the user's sessions are hidden from everyone but the user: in routes (GeoJSON, cut into a " +
	"MultiLineString where needed), GPX (a track segment per visible part), map polylines (the longest visible part) " +
	"and the live position watchers receive. Figures (distance, times, heart rate, splits) stay whole for everyone. " +
	"Zones apply when a route is read: adding, moving or deleting one applies to past sessions at once. " +
	"See docs/api.md, \"Privacy zones\"."

// ZoneRoutes returns the operations on the signed-in user's privacy zones
// (/v1/me/privacy-zones).
func ZoneRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		tags := []string{"privacy zones"}
		huma.Register(a, gw.DocumentRaw[api.PrivacyZoneList](a, huma.Operation{
			OperationID: "list-privacy-zones", Method: http.MethodGet, Path: "/v1/me/privacy-zones", Tags: tags,
			Summary:     "The signed-in user's privacy zones",
			Description: "Oldest first; at most 5, one page (next_cursor is always null). " + zonesDescription,
			Security:    gw.Authenticated,
		}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectZonesList, api.Empty{})
		})
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.PrivacyZone](a, huma.Operation{
			OperationID: "create-privacy-zone", Method: http.MethodPost, Path: "/v1/me/privacy-zones", Tags: tags,
			Summary:       "Add a privacy zone",
			Description:   "At most 5 per user (409). " + zonesDescription,
			DefaultStatus: http.StatusCreated, MaxBodyBytes: 4 << 10,
			Security: gw.Authenticated,
		}), http.StatusConflict), func(ctx context.Context, in *zoneCreateInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectZonesCreate, in.Body)
		})
		huma.Register(a, gw.DocumentRaw[api.PrivacyZone](a, huma.Operation{
			OperationID: "patch-privacy-zone", Method: http.MethodPatch, Path: "/v1/me/privacy-zones/{id}", Tags: tags,
			Summary:      "Move or resize a privacy zone",
			Description:  "Absent fields stay. The change applies to past sessions at once. " + zonesDescription,
			MaxBodyBytes: 4 << 10, Security: gw.Authenticated,
		}), func(ctx context.Context, in *zonePatchInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectZonesPatch, api.PrivacyZonePatch{ID: in.ID, Center: in.Body.Center, RadiusM: in.Body.RadiusM})
		})
		huma.Register(a, huma.Operation{
			OperationID: "delete-privacy-zone", Method: http.MethodDelete, Path: "/v1/me/privacy-zones/{id}", Tags: tags,
			Summary:       "Delete a privacy zone",
			Description:   "What it hid is shown again, in past sessions too.",
			DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
		}, func(ctx context.Context, in *zoneIDInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectZonesDelete, api.PrivacyZoneRef{ID: in.ID})
		})
	})
}
