// Package social is the social module: groups by sport, goal and
// location, group chat, and notifications to group members. It is laid out
// on the skeleton every module follows (docs/architecture.md, A module,
// file by file), and has nothing else yet:
//
//	module.go            wiring: the service, its RPC handlers, its consumers
//	api/                 its contract (Module; subjects and payloads to come)
//	httpapi/             its HTTP operations and real-time channels (none yet)
//	internal/service/    use cases
//	internal/store/      SQL, schema social
//	internal/rpc/        rpc.social.* handlers
//	internal/consume/    consumers of other modules' events
//
// Schema: social (migrations/social). Stream: EVT_SOCIAL (evt.social.>).
//
// Publishes (through the outbox in social.outbox): none yet.
//
// Answers: rpc.social.status.get (bus.ModuleStatus).
//
// Consumes: nothing yet.
package social
