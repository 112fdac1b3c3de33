package social

import "github.com/athlos/athlos/platform"

// Module wires the social module: its RPC service, database pool and outbox
// relay (platform.Module).
var Module = platform.Module("social")
