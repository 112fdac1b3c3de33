package client

import "github.com/athlos/athlos/platform"

// Module wires the client module: its RPC service, database pool and outbox
// relay (platform.Module).
var Module = platform.Module("client")
