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
		registerPlans, registerExport, registerZones,
	} {
		if err := register(svc, s); err != nil {
			return err
		}
	}
	return nil
}

// handlers registers handlers by their subjects (bus.Service.HandleSubjects).
func handlers(svc *bus.Service, hs map[string]bus.HandlerFunc) error { return svc.HandleSubjects(hs) }

// asCaller adapts a use case run on the caller's behalf (bus.AsCaller).
func asCaller[Req, Resp any](fn func(ctx context.Context, user uuid.UUID, in Req) (Resp, error)) bus.HandlerFunc {
	return bus.AsCaller(fn)
}

// asCallerEncoded is asCaller for a handler that encodes its answer
// itself (bus.AsCallerEncoded).
func asCallerEncoded[Req any](fn func(ctx context.Context, user uuid.UUID, in Req) ([]byte, error)) bus.HandlerFunc {
	return bus.AsCallerEncoded(fn)
}

// parseID reads the id of a session, device or gear the request names
// (bus.ParseID).
func parseID(field, s string) (uuid.UUID, error) { return bus.ParseID(field, s) }
