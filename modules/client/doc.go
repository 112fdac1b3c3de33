// Package client is the client module: users: accounts and tokens, profiles, sports gear, and who may use which NATS subject (the auth callout).
//
// Schema: client (migrations/client). Stream: EVT_CLIENT (evt.client.>).
//
// Publishes (through the outbox in client.outbox): none yet.
//
// Answers: rpc.client.status.get (bus.ModuleStatus).
//
// Consumes: nothing yet.
package client
