package service

import (
	"context"
	"errors"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/internal/auth"
)

// hasher is the auth.Hasher whose refusal when too many passwords wait
// (auth.ErrBusy) is the API's unavailable, with a Retry-After.
type hasher struct{ h *auth.Hasher }

func (x hasher) CheckPassword(ctx context.Context, password string, userInputs ...string) error {
	return busy(x.h.CheckPassword(ctx, password, userInputs...))
}

func (x hasher) Hash(ctx context.Context, password string) (string, error) {
	phc, err := x.h.Hash(ctx, password)
	return phc, busy(err)
}

func (x hasher) Verify(ctx context.Context, password, phc string) (bool, error) {
	ok, err := x.h.Verify(ctx, password, phc)
	return ok, busy(err)
}

func (x hasher) VerifyDummy(ctx context.Context, password string) error {
	return busy(x.h.VerifyDummy(ctx, password))
}

func busy(err error) error {
	if errors.Is(err, auth.ErrBusy) {
		return &bus.Error{Code: bus.CodeUnavailable, Message: "too many sign-ins at once: try again shortly", RetryAfter: 1}
	}
	return err
}
