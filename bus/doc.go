// Package bus is Athlos's NATS backbone: the embedded or external NATS
// server behind one connection type, JetStream stream and consumer
// provisioning, typed request/reply on nats micro services with an error
// code that survives the trip, the transactional outbox relay, the
// idempotent-consumer helper, and the idempotency keys of creating
// requests (Once: a retried request with the client's Idempotency-Key gets
// the first answer, recorded in the module's schema in the transaction
// that created the object). For the embedded server it also keeps the
// app's WebSocket address (closed to apps until an auth callout answers),
// the uploads object store, and a free-disk watch that refuses new
// messages before the disk is full and brings JetStream back after a
// failed write (DiskGuard).
//
// Subjects (docs/architecture.md, Subjects):
//
//	evt.<module>.<entity>.<verb_past>   domain events, stream EVT_<MODULE>
//	rpc.<module>.<entity>.<verb>        request/reply, never stored
//	live.telemetry.<userID>.<sessionID> app telemetry, stream TELEMETRY
//	live.session.<userID>.<sessionID>   live figures for the session's owner, not stored
//	live.watch.<sessionID>              the same figures for its watchers, not stored
//	chat.<groupID>                      group chat, stream CHAT
//	notify.<userID>                     notifications, stream NOTIFY
//
// Nothing in this package knows about a particular module; modules pass
// their names and schemas in.
package bus
