package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/training/api"
)

type deviceListInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
}

type deviceCreateInput struct {
	Body api.DeviceCreate
}

type deviceIDInput struct {
	ID string `path:"id" format:"uuid" doc:"the device's id"`
}

// DeviceRoutes returns the operations on the signed-in user's recording
// devices (/v1/me/devices).
func DeviceRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		tags := []string{"devices"}
		huma.Register(a, gw.DocumentRaw[api.DeviceList](a, huma.Operation{
			OperationID: "list-devices", Method: http.MethodGet, Path: "/v1/me/devices", Tags: tags,
			Summary: "The signed-in user's recording devices", Description: "Newest first, cursor-paginated.",
			Security: gw.Authenticated,
		}), func(ctx context.Context, in *deviceListInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectDevicesList, api.DeviceListRequest{Limit: in.Limit, Cursor: in.Cursor})
		})
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Device](a, gw.Idempotent(huma.Operation{
			OperationID: "create-device", Method: http.MethodPost, Path: "/v1/me/devices", Tags: tags,
			Summary:       "Add a recording device",
			Description:   "A phone, watch, chest strap, power meter or bike computer and its sensors. At most 50 per user (409).",
			DefaultStatus: http.StatusCreated, MaxBodyBytes: 16 << 10,
			Security: gw.Authenticated,
		})), http.StatusConflict), func(ctx context.Context, in *deviceCreateInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectDevicesCreate, in.Body)
		})
		huma.Register(a, huma.Operation{
			OperationID: "delete-device", Method: http.MethodDelete, Path: "/v1/me/devices/{id}", Tags: tags,
			Summary: "Remove a recording device", Description: "Sessions recorded with it keep their data.",
			DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
		}, func(ctx context.Context, in *deviceIDInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectDevicesDelete, api.DeviceRef{ID: in.ID})
		})
	})
}
