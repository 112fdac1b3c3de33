package training

import "github.com/athlos/athlos/platform"

// Module wires the training module: its RPC service, database pool and outbox
// relay (platform.Module).
var Module = platform.Module("training")
