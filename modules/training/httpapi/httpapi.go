// Package httpapi is the training module's HTTP operations, registered on
// the front, one file per resource: devices (DeviceRoutes), sessions
// (SessionRoutes), imports of workout files (ImportRoutes), live tracking
// (LiveRoutes), training plans (PlanRoutes) and privacy zones (ZoneRoutes). It checks the input's
// shape and forwards to rpc.training.*, passing the module's reply through. Channels describes
// the module's real-time channels for the front's /asyncapi.json.
package httpapi
