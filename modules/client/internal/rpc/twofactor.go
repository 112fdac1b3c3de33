package rpc

import (
	"context"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/service"
)

// registerTwoFactor adds two-factor sign-in: the caller's status,
// enrolment, turning it off and recovery codes (rpc.client.twofactor.*),
// and the login's second step (rpc.client.auth.login_2fa).
func registerTwoFactor(svc *bus.Service, s *service.Service) error {
	return handle(svc, []op{
		{api.SubjectTwoFactorGet, bus.JSON(func(ctx context.Context, _ struct{}) (api.TwoFactorStatus, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.TwoFactorStatus{}, err
			}
			return s.TwoFactorStatus(ctx, user)
		})},
		{api.SubjectTOTPStart, bus.JSON(func(ctx context.Context, _ struct{}) (api.TOTPEnrolment, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.TOTPEnrolment{}, err
			}
			return s.StartTOTP(ctx, user)
		})},
		{api.SubjectTOTPConfirm, bus.JSON(func(ctx context.Context, r api.TOTPConfirmRequest) (api.RecoveryCodes, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.RecoveryCodes{}, err
			}
			return s.ConfirmTOTP(ctx, user, service.Proof{Password: r.Password, Code: r.Code, ClientIP: r.ClientIP})
		})},
		{api.SubjectTwoFactorDisable, bus.JSON(func(ctx context.Context, r api.TwoFactorProofRequest) (api.Empty, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.Empty{}, err
			}
			return api.Empty{}, s.DisableTwoFactor(ctx, user, service.Proof{Password: r.Password, Code: r.Code, ClientIP: r.ClientIP})
		})},
		{api.SubjectRecoveryCodes, bus.JSON(func(ctx context.Context, r api.TwoFactorProofRequest) (api.RecoveryCodes, error) {
			user, err := bus.RequireUserID(ctx)
			if err != nil {
				return api.RecoveryCodes{}, err
			}
			return s.RenewRecoveryCodes(ctx, user, service.Proof{Password: r.Password, Code: r.Code, ClientIP: r.ClientIP})
		})},
		{api.SubjectLoginSecondFactor, bus.JSON(func(ctx context.Context, r api.SecondFactorLoginRequest) (api.TokenResponse, error) {
			return tokens(s.LoginSecondFactor(ctx, service.SecondFactorLogin{Challenge: r.Challenge, Code: r.Code,
				DeviceToken: r.DeviceToken, ClientIP: r.ClientIP}))
		})},
	})
}
