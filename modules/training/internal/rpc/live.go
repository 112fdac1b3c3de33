package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
)

// registerLive serves live tracking: share links, watching, and the
// real-time grants the client module's auth callout asks for.
func registerLive(svc *bus.Service, s *service.Service) error {
	return handlers(svc, map[string]bus.HandlerFunc{
		api.SubjectSessionShare: onSession(refID, func(ctx context.Context, user, id uuid.UUID, _ api.SessionRef) (api.ShareLink, error) {
			return s.ShareSession(ctx, user, id)
		}),
		api.SubjectSessionUnshare: onSession(refID, func(ctx context.Context, user, id uuid.UUID, _ api.SessionRef) (api.Empty, error) {
			return api.Empty{}, s.UnshareSession(ctx, user, id)
		}),
		api.SubjectSessionWatch: onSession(func(r api.WatchRequest) string { return r.ID }, func(ctx context.Context, user, id uuid.UUID, in api.WatchRequest) (api.Watch, error) {
			return s.WatchSession(ctx, user, id, in.ShareToken)
		}),
		// The callout asks for any user: the user is in the request, not
		// the caller.
		api.SubjectRealtimeGrants: bus.JSON(func(ctx context.Context, in api.RealtimeGrantsRequest) (api.RealtimeGrants, error) {
			user, err := parseID("user_id", in.UserID)
			if err != nil {
				return api.RealtimeGrants{}, err
			}
			return s.RealtimeGrants(ctx, user)
		}),
	})
}
