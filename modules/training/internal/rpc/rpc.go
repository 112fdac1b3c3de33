// Package rpc serves the training module's operations on NATS
// (rpc.training.*): each handler decodes the api request, resolves the
// caller, maps the request to the service's input (ids parsed, naming the
// field when one is not a UUID), calls the service and encodes its api
// answer. Each is registered by its api subject
// (bus.Service.HandleSubject), so an operation's name and its declared
// subject cannot drift. It also asks the client module about gear
// (GearLookup).
package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/internal/service"
)

// Register adds the training module's operations to its RPC service.
func Register(svc *bus.Service, s *service.Service) error {
	for _, register := range []func(*bus.Service, *service.Service) error{
		registerDevices, registerSessions, registerImports, registerLive, registerExercises, registerLaps, registerAnalytics,
		registerPlans,
	} {
		if err := register(svc, s); err != nil {
			return err
		}
	}
	return nil
}

// handlers registers handlers by their subjects.
func handlers(svc *bus.Service, hs map[string]bus.HandlerFunc) error {
	for subject, h := range hs {
		if err := svc.HandleSubject(subject, h); err != nil {
			return err
		}
	}
	return nil
}

// asCaller adapts a use case run on the caller's behalf: the request is
// decoded into Req (a malformed one is invalid), the caller resolved (a
// request without one is unauthorized) and passed to fn as user.
func asCaller[Req, Resp any](fn func(ctx context.Context, user uuid.UUID, in Req) (Resp, error)) bus.HandlerFunc {
	return bus.JSON(func(ctx context.Context, in Req) (Resp, error) {
		user, err := bus.RequireUserID(ctx)
		if err != nil {
			var zero Resp
			return zero, err
		}
		return fn(ctx, user, in)
	})
}

// asCallerEncoded is asCaller for a handler that encodes its answer
// itself (bus.JSONEncoded).
func asCallerEncoded[Req any](fn func(ctx context.Context, user uuid.UUID, in Req) ([]byte, error)) bus.HandlerFunc {
	return bus.JSONEncoded(func(ctx context.Context, in Req) ([]byte, error) {
		user, err := bus.RequireUserID(ctx)
		if err != nil {
			return nil, err
		}
		return fn(ctx, user, in)
	})
}

// parseID reads the id of a session, device or gear the request names;
// an invalid error on field when it is not a UUID.
func parseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, bus.Invalid(field, "must be a UUID")
	}
	return id, nil
}
