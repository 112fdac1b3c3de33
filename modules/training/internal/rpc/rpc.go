// Package rpc serves the training module's operations on NATS
// (rpc.training.*).
package rpc

import (
	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/internal/service"
)

// Register adds the training module's endpoints to its service.
func Register(svc *bus.Service, s *service.Service) error {
	for op, h := range map[string]bus.HandlerFunc{
		"devices.list":     bus.JSON(s.ListDevices),
		"devices.create":   bus.JSON(s.CreateDevice),
		"devices.delete":   bus.JSON(s.DeleteDevice),
		"sessions.start":   bus.JSON(s.StartSession),
		"sessions.get":     bus.JSON(s.GetSession),
		"sessions.action":  bus.JSON(s.ActOnSession),
		"sessions.points":  bus.JSON(s.AddPoints),
		"sessions.list":    bus.JSON(s.ListSessions),
		"sessions.gpx":     s.SessionGPX,
		"sessions.share":   bus.JSON(s.ShareSession),
		"sessions.unshare": bus.JSON(s.UnshareSession),
		"sessions.watch":   bus.JSON(s.WatchSession),
		"realtime.grants":  bus.JSON(s.RealtimeGrants),
		"sessions.route":   bus.JSON(s.SessionRoute),
		"sessions.patch":   bus.JSON(s.PatchSession),
		"sessions.delete":  bus.JSON(s.DeleteSession),
		"sessions.import":  bus.JSON(s.ImportSession),
	} {
		if err := svc.Handle(op, h); err != nil {
			return err
		}
	}
	return nil
}
