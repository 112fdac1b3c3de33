package promo

import "github.com/athlos/athlos/platform"

// Module wires the promo module: its RPC service, database pool and outbox
// relay (platform.Module).
var Module = platform.Module("promo")
