package gamification

import "github.com/athlos/athlos/platform"

// Module wires the gamification module: its RPC service, database pool and outbox
// relay (platform.Module).
var Module = platform.Module("gamification")
