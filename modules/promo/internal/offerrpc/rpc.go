// Package offerrpc serves the offers' operations on NATS
// (rpc.promo.offers.* and rpc.promo.admin.offers.*): each handler decodes
// the api request, resolves the caller (an admin for the admin
// operations), calls the service and encodes the api answer.
package offerrpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/modules/promo/internal/offerservice"
)

type none = struct{}

// Register adds the offers' operations to the module's RPC service.
func Register(svc *bus.Service, s *offerservice.Service) error {
	return svc.HandleSubjects(map[string]bus.HandlerFunc{
		api.SubjectOffersServe: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.OffersRequest) (api.OfferList, error) {
			return s.Serve(ctx, user, in.Limit)
		}),
		api.SubjectOfferWhy:        onOffer(s.Why),
		api.SubjectOfferImpression: onOffer(s.Impression),
		api.SubjectOfferClick:      onOffer(s.Click),
		api.SubjectOfferDismiss: onOffer(func(ctx context.Context, user, id uuid.UUID) (none, error) {
			return none{}, s.Dismiss(ctx, user, id)
		}),
		api.SubjectAdminOfferCreate: asAdmin(func(ctx context.Context, in api.OfferCreate) (api.AdminOffer, error) {
			if len(in.Definition) == 0 {
				return api.AdminOffer{}, bus.Invalid("body", "is required")
			}
			return s.Create(ctx, in.Definition)
		}),
		api.SubjectAdminOfferList: asAdmin(s.List),
		api.SubjectAdminOfferGet: asAdmin(func(ctx context.Context, in api.OfferRef) (api.AdminOffer, error) {
			return withID(ctx, in.ID, s.Get)
		}),
		api.SubjectAdminOfferPatch: asAdmin(func(ctx context.Context, in api.OfferPatch) (api.AdminOffer, error) {
			return withID(ctx, in.ID, func(ctx context.Context, id uuid.UUID) (api.AdminOffer, error) {
				return s.Patch(ctx, id, in.Patch)
			})
		}),
		api.SubjectAdminOfferDelete: asAdmin(func(ctx context.Context, in api.OfferRef) (none, error) {
			return withID(ctx, in.ID, func(ctx context.Context, id uuid.UUID) (none, error) { return none{}, s.Delete(ctx, id) })
		}),
		api.SubjectAdminOfferStats: asAdmin(func(ctx context.Context, in api.OfferRef) (api.OfferStats, error) {
			return withID(ctx, in.ID, s.Stats)
		}),
	})
}

// onOffer adapts a user's use case on the offer the request names.
func onOffer[Resp any](fn func(ctx context.Context, user, id uuid.UUID) (Resp, error)) bus.HandlerFunc {
	return bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.OfferRef) (Resp, error) {
		return withID(ctx, in.ID, func(ctx context.Context, id uuid.UUID) (Resp, error) { return fn(ctx, user, id) })
	})
}

// withID parses the path id and runs fn on it.
func withID[Resp any](ctx context.Context, s string, fn func(ctx context.Context, id uuid.UUID) (Resp, error)) (Resp, error) {
	id, err := bus.ParseID("path.id", s)
	if err != nil {
		var zero Resp
		return zero, err
	}
	return fn(ctx, id)
}

// asAdmin is bus.AsRole for the role admin (forbidden for others).
func asAdmin[Req, Resp any](fn func(ctx context.Context, in Req) (Resp, error)) bus.HandlerFunc {
	return bus.AsRole(clientapi.RoleAdmin, func(ctx context.Context, _ uuid.UUID, in Req) (Resp, error) { return fn(ctx, in) })
}
