// Package rpc serves the social module's operations on NATS
// (rpc.social.*): each handler decodes the api request, resolves the
// caller, calls the service and encodes the api answer; it is registered
// by its api subject (bus.Service.HandleSubject).
package rpc

import (
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
		// The caller's part of their data export (export.go).
		registerExport,
	} {
		if err := register(svc, s); err != nil {
			return err
		}
	}
	return nil
}
