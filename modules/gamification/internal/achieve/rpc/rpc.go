// Package rpc serves the achievements' operations on NATS
// (rpc.gamification.achievements.* and rpc.gamification.admin.achievements.*):
// each handler decodes the api request, resolves the caller (an admin for
// the admin operations), calls the service and encodes the api answer.
package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/achieve/service"
)

// Register adds the achievements' operations to the module's RPC service.
func Register(svc *bus.Service, s *service.Service) error {
	return svc.HandleSubjects(map[string]bus.HandlerFunc{
		api.SubjectAchievementsList: bus.AsCaller(func(ctx context.Context, user uuid.UUID, _ struct{}) (api.AchievementList, error) {
			return s.List(ctx, user)
		}),
		api.SubjectMyAchievements: bus.AsCaller(func(ctx context.Context, user uuid.UUID, _ struct{}) (api.MyAchievements, error) {
			return s.Mine(ctx, user)
		}),
		api.SubjectAdminAchievementsList: asAdmin(func(ctx context.Context, _ uuid.UUID, in api.AdminAchievementsRequest) (api.AdminAchievementList, error) {
			return s.AdminList(ctx, in.IncludeRetired)
		}),
		api.SubjectAdminAchievementCreate: asAdmin(func(ctx context.Context, _ uuid.UUID, in api.AchievementDefinition) (api.AdminAchievement, error) {
			return s.Create(ctx, in)
		}),
		api.SubjectAdminAchievementGet: asAdmin(func(ctx context.Context, _ uuid.UUID, in api.AchievementRef) (api.AdminAchievement, error) {
			return s.AdminGet(ctx, in.ID)
		}),
		api.SubjectAdminAchievementReplace: asAdmin(func(ctx context.Context, _ uuid.UUID, in api.AchievementReplace) (api.AdminAchievement, error) {
			return s.Replace(ctx, in.ID, in.Definition)
		}),
		api.SubjectAdminAchievementRetire: asAdmin(func(ctx context.Context, _ uuid.UUID, in api.AchievementRef) (struct{}, error) {
			return struct{}{}, s.Retire(ctx, in.ID)
		}),
		api.SubjectAdminAchievementBackfill: asAdmin(func(ctx context.Context, admin uuid.UUID, in api.AchievementRef) (api.Backfill, error) {
			b, err := s.StartBackfill(ctx, admin, in.ID)
			return service.BackfillView(b), err
		}),
	})
}

// asAdmin is bus.AsRole for the role admin (forbidden for others).
func asAdmin[Req, Resp any](fn func(ctx context.Context, admin uuid.UUID, in Req) (Resp, error)) bus.HandlerFunc {
	return bus.AsRole(clientapi.RoleAdmin, fn)
}
