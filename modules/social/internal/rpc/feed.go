package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/service"
)

// registerFeed serves rpc.social.feed.get.
func registerFeed(svc *bus.Service, s *service.Service) error {
	return svc.HandleSubjects(map[string]bus.HandlerFunc{
		api.SubjectFeed: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.FeedRequest) (api.FeedPage, error) {
			return s.Feed(ctx, user, in.Limit, in.Cursor)
		}),
	})
}
