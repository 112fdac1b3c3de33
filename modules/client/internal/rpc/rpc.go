// Package rpc serves the client module's operations on NATS
// (rpc.client.*): each handler decodes the api request, resolves the
// caller (bus.RequireUserID), maps the request to the service's input,
// calls the service and encodes the api answer. Each is registered by its
// api subject (bus.Service.HandleSubject).
package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/service"
)

// op is an operation: its api subject and its handler.
type op struct {
	subject string
	h       bus.HandlerFunc
}

func handle(svc *bus.Service, ops []op) error {
	for _, o := range ops {
		if err := svc.HandleSubject(o.subject, o.h); err != nil {
			return err
		}
	}
	return nil
}

// Register adds the client module's operations to its RPC service:
// accounts and tokens, keys, the profile and gear (the real-time
// operation is RegisterRealtime's).
func Register(svc *bus.Service, s *service.Service) error {
	err := handle(svc, []op{
		{api.SubjectRegister, bus.JSON(func(ctx context.Context, r api.RegisterRequest) (api.TokenResponse, error) {
			return tokens(s.Register(ctx, service.Registration{Email: r.Email, Password: r.Password, FirstName: r.FirstName,
				LastName: r.LastName, Language: r.Language, ClientIP: r.ClientIP}))
		})},
		{api.SubjectLogin, bus.JSON(func(ctx context.Context, r api.LoginRequest) (api.TokenResponse, error) {
			return tokens(s.Login(ctx, service.Credentials{Email: r.Email, Password: r.Password, DeviceToken: r.DeviceToken,
				ClientIP: r.ClientIP}))
		})},
		{api.SubjectRefresh, bus.JSON(func(ctx context.Context, r api.RefreshRequest) (api.TokenResponse, error) {
			return tokens(s.Refresh(ctx, r.RefreshToken))
		})},
		{api.SubjectLogout, bus.JSON(func(ctx context.Context, r api.RefreshRequest) (api.Empty, error) {
			return api.Empty{}, s.Logout(ctx, r.RefreshToken)
		})},
		{api.SubjectChangePassword, bus.JSON(func(ctx context.Context, r api.ChangePasswordRequest) (api.Empty, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.Empty{}, err
			}
			c, _ := bus.CallerFrom(ctx)
			session, _ := uuid.Parse(c.SessionID)
			return api.Empty{}, s.ChangePassword(ctx, service.ChangePasswordInput{UserID: user, SessionID: session,
				CurrentPassword: r.CurrentPassword, NewPassword: r.NewPassword})
		})},
		{api.SubjectKeysGet, bus.JSON(func(context.Context, struct{}) (api.JWKS, error) { return s.JWKS(), nil })},
		{api.SubjectPasswordReset, bus.JSON(func(ctx context.Context, r api.PasswordResetRequest) (api.Empty, error) {
			return api.Empty{}, s.RequestPasswordReset(ctx, r.Email, r.ClientIP)
		})},
		{api.SubjectPasswordResetConfirm, bus.JSON(func(ctx context.Context, r api.PasswordResetConfirmRequest) (api.Empty, error) {
			return api.Empty{}, s.ConfirmPasswordReset(ctx, r.Token, r.Password)
		})},
		{api.SubjectVerifyEmail, bus.JSON(func(ctx context.Context, r api.VerifyEmailRequest) (api.EmailVerified, error) {
			email, err := s.VerifyEmail(ctx, r.Token)
			return api.EmailVerified{Email: email}, err
		})},
		{api.SubjectResendVerification, bus.JSON(func(ctx context.Context, _ struct{}) (api.Empty, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.Empty{}, err
			}
			return api.Empty{}, s.ResendVerification(ctx, user)
		})},
	})
	if err != nil {
		return err
	}
	if err := registerProfile(svc, s); err != nil {
		return err
	}
	return registerGear(svc, s)
}

// tokens is the answer of a registration, login or refresh.
func tokens(p service.TokenPair, err error) (api.TokenResponse, error) {
	if err != nil {
		return api.TokenResponse{}, err
	}
	return api.TokenResponse{AccessToken: p.AccessToken, TokenType: "Bearer", ExpiresIn: p.ExpiresIn,
		RefreshToken: p.RefreshToken, UserID: p.UserID.String(), DeviceToken: p.DeviceToken}, nil
}
