package client

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/service"
)

// Admin administers accounts directly on the client module's database, for
// the `athlos admin` command (e.g. to make the first administrator before
// anyone can sign in). Events it causes go through the outbox and are
// published when a process runs the module.
type Admin struct{ s *service.Service }

// NewAdmin returns an Admin on pool; kek is the process's secret key.
func NewAdmin(pool *pgxpool.Pool, kek []byte, log *slog.Logger) (*Admin, error) {
	s, err := service.New(pool, kek, 1, log, nil)
	if err != nil {
		return nil, err
	}
	return &Admin{s: s}, nil
}

// CreateUser creates an account, an administrator when admin is set, and
// returns its id. The password policy applies as for registration.
func (a *Admin) CreateUser(ctx context.Context, email, password string, admin bool) (string, error) {
	if err := a.s.EnsureKeys(ctx); err != nil {
		return "", err
	}
	role := api.RoleUser
	if admin {
		role = api.RoleAdmin
	}
	id, err := a.s.CreateUser(ctx, service.Registration{Email: email, Password: password}, role)
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// Promote makes the account with email an administrator.
func (a *Admin) Promote(ctx context.Context, email string) (string, error) {
	id, err := a.s.Promote(ctx, email)
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// DisableTwoFactor turns two-factor sign-in off (or ends an unconfirmed
// enrolment) for the account with email: for an owner who lost both the
// authenticator and the recovery codes, once identified otherwise, or
// after the secret key (which seals the TOTP secrets) was lost.
func (a *Admin) DisableTwoFactor(ctx context.Context, email string) (string, error) {
	id, err := a.s.ResetTwoFactor(ctx, email)
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// CheckKeys reports whether the secret key given to NewAdmin opens the
// active signing key kept in the database (nil when there is none yet), so
// that the client module will start with it.
func (a *Admin) CheckKeys(ctx context.Context) error {
	return a.s.CheckKeys(ctx)
}

// RotateKeys makes a new token-signing key; earlier keys keep verifying
// the tokens they signed until those expire.
func (a *Admin) RotateKeys(ctx context.Context) error {
	return a.s.RotateKeys(ctx)
}
