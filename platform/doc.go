// Package platform is the process-wide wiring shared by every module: the
// configuration of one athlos process, its logger, the NATS connection
// (embedded or external), the PostgreSQL pools (managed or given), the
// readiness registry, and Module, the fx kit that gives each module its RPC
// service, database pool, outbox relay and idempotency keys (with their
// sweep).
//
// Only module.go files, the gateway and the composition root (cmd/athlos)
// use this package; domain code never does.
package platform
