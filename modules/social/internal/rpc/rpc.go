// Package rpc serves the social module's operations on NATS
// (rpc.social.*): each handler decodes the api request, resolves the
// caller, calls the service and encodes the api answer; it is registered
// by its api subject (bus.Service.HandleSubject).
package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/social/internal/service"
)

// Register adds the social module's operations to its RPC service (it
// answers rpc.social.status.get, as every module's service does).
func Register(svc *bus.Service, s *service.Service) error {
	for _, register := range []func(*bus.Service, *service.Service) error{
		registerGroups,
		// Follows, settings, blocks (follows.go).
		registerFollows,
		// The feed (feed.go).
		registerFeed,
		// Reports (reports.go).
		registerReports,
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

// parseID reads an id the request names; an invalid error on field when
// it is not a UUID.
func parseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, bus.Invalid(field, "must be a UUID")
	}
	return id, nil
}
