// Package rpc serves the client module's operations on NATS
// (rpc.client.*), translating between the api types and the service.
package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/service"
)

// Register adds the client module's endpoints to its service.
func Register(svc *bus.Service, s *service.Service) error {
	ops := []struct {
		op string
		h  bus.HandlerFunc
	}{
		{"auth.register", bus.JSON(s.Register)},
		{"auth.login", bus.JSON(s.Login)},
		{"auth.refresh", bus.JSON(func(ctx context.Context, r api.RefreshRequest) (api.TokenResponse, error) {
			return s.Refresh(ctx, r.RefreshToken)
		})},
		{"auth.logout", bus.JSON(func(ctx context.Context, r api.RefreshRequest) (api.Empty, error) {
			return api.Empty{}, s.Logout(ctx, r.RefreshToken)
		})},
		{"auth.password", bus.JSON(func(ctx context.Context, r api.ChangePasswordRequest) (api.Empty, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.Empty{}, err
			}
			c, _ := bus.CallerFrom(ctx)
			session, _ := uuid.Parse(c.SessionID)
			return api.Empty{}, s.ChangePassword(ctx, service.ChangePasswordInput{UserID: user, SessionID: session,
				CurrentPassword: r.CurrentPassword, NewPassword: r.NewPassword})
		})},
		{"keys.get", bus.JSON(func(context.Context, struct{}) (api.JWKS, error) { return s.JWKS(), nil })},
		{"profile.get", bus.JSON(func(ctx context.Context, _ struct{}) (api.Profile, error) { return s.Profile(ctx) })},
		{"profile.patch", s.PatchProfile},
		{"profile.delete", bus.JSON(func(ctx context.Context, _ struct{}) (api.Empty, error) {
			return api.Empty{}, s.DeleteAccount(ctx)
		})},
		{"user.get", bus.JSON(s.UserProfile)},
	}
	for _, o := range ops {
		if err := svc.Handle(o.op, o.h); err != nil {
			return err
		}
	}
	return nil
}
