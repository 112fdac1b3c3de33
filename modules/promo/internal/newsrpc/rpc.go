// Package newsrpc serves the news' operations on NATS (rpc.promo.news.*
// for users, rpc.promo.admin.news.* for callers with the role admin): each
// handler decodes the api request, resolves the caller, calls the service
// and encodes the api answer.
package newsrpc

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/modules/promo/internal/newsservice"
)

// Register adds the news' operations to the module's RPC service.
func Register(svc *bus.Service, s *newsservice.Service) error {
	return svc.HandleSubjects(map[string]bus.HandlerFunc{
		api.SubjectNewsFeed: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.NewsFeedRequest) (api.NewsPage, error) {
			return s.Feed(ctx, user, in)
		}),
		api.SubjectNewsGet: bus.AsCaller(func(ctx context.Context, _ uuid.UUID, in api.NewsRef) (api.NewsItem, error) {
			id, err := bus.ParseID("path.id", in.ID)
			if err != nil {
				return api.NewsItem{}, err
			}
			return s.Get(ctx, id)
		}),
		api.SubjectAdminNewsList: asAdmin(func(ctx context.Context, _ uuid.UUID, in api.AdminNewsListRequest) (api.AdminNewsPage, error) {
			return s.AdminList(ctx, in)
		}),
		api.SubjectAdminNewsCreate: asAdmin(func(ctx context.Context, admin uuid.UUID, in api.NewsDraft) (api.AdminNews, error) {
			return s.Create(ctx, admin, in)
		}),
		api.SubjectAdminNewsGet: asAdmin(func(ctx context.Context, _ uuid.UUID, in api.NewsRef) (api.AdminNews, error) {
			id, err := bus.ParseID("path.id", in.ID)
			if err != nil {
				return api.AdminNews{}, err
			}
			return s.AdminGet(ctx, id)
		}),
		api.SubjectAdminNewsPatch: asAdmin(func(ctx context.Context, _ uuid.UUID, in map[string]json.RawMessage) (api.AdminNews, error) {
			var ref string
			if err := json.Unmarshal(in[api.NewsPatchID], &ref); err != nil {
				return api.AdminNews{}, bus.Invalid("path.id", "missing")
			}
			id, err := bus.ParseID("path.id", ref)
			if err != nil {
				return api.AdminNews{}, err
			}
			delete(in, api.NewsPatchID)
			raw, err := json.Marshal(in)
			if err != nil {
				return api.AdminNews{}, fmt.Errorf("news patch: %w", err)
			}
			ch, err := newsservice.DecodePatch(raw)
			if err != nil {
				return api.AdminNews{}, err
			}
			return s.Patch(ctx, id, ch)
		}),
		api.SubjectAdminNewsDelete: asAdmin(func(ctx context.Context, _ uuid.UUID, in api.NewsRef) (struct{}, error) {
			id, err := bus.ParseID("path.id", in.ID)
			if err != nil {
				return struct{}{}, err
			}
			return struct{}{}, s.Delete(ctx, id)
		}),
	})
}

// asAdmin is bus.AsRole for the role admin (forbidden for others).
func asAdmin[Req, Resp any](fn func(ctx context.Context, admin uuid.UUID, in Req) (Resp, error)) bus.HandlerFunc {
	return bus.AsRole(clientapi.RoleAdmin, fn)
}
