package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/callout"
)

// RegisterRealtime adds rpc.client.realtime.get (GET /v1/realtime): what
// the caller may use on NATS WebSocket, as the auth callout c grants it.
func RegisterRealtime(svc *bus.Service, c *callout.Callout) error {
	return svc.HandleSubject(api.SubjectRealtimeGet, bus.JSON(func(ctx context.Context, r api.RealtimeRequest) (api.RealtimeInfo, error) {
		caller, err := bus.RequireCaller(ctx)
		if err != nil {
			return api.RealtimeInfo{}, err
		}
		// The user id becomes part of subjects: a canonical UUID only.
		if id, err := uuid.Parse(caller.UserID); err != nil || id.String() != caller.UserID {
			return api.RealtimeInfo{}, &bus.Error{Code: bus.CodeUnauthorized, Message: "bad caller"}
		}
		return c.Info(ctx, caller.UserID, r), nil
	}))
}
