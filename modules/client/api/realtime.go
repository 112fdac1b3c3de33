package api

import "time"

// Real time (docs/configuration.md, Real-time): the app connects to NATS over WebSocket with its
// access token (the CONNECT "auth_token": a token callback that returns
// the current token at every connect and reconnect, nats.TokenHandler in
// Go or tokenAuthenticator in nats.js), and the client module's auth
// callout grants that user only its own subjects:
//
//   - publish live.telemetry.<user>.* (telemetry of its own sessions)
//     and chat.in.<user>.* (its messages to its groups);
//   - subscribe live.session.<user>.> (the live figures of its own
//     sessions, those it starts after connecting too), notify.<user>,
//     refused.<user>, <inbox prefix>.> (replies, e.g. JetStream publish
//     acks), and whatever the modules that own shared subjects grant at
//     connect time, each under its own prefix (the grant sources the
//     registry, package modules, names from their api packages).
//
// The grants are fixed for the life of a connection. The connection ends
// when the access token expires; the app reconnects with a fresh token. When
// a module changes what a user may see (the user left a group, a session
// stopped being watchable), it publishes its grants-changed event and the
// user's connections are closed, so the app reconnects with the new grants.
//
// A module that grants subjects (a grant source) declares in its own api
// package a grants RPC, answering {"user_id": …} with {"subscribe":
// [subjects]}, all under its own prefix, within RealtimeGrantsTimeout, and
// a grants-changed event {"user_ids": [...]}. A source that runs but does
// not answer is asked once more; still silent, it grants nothing for now and
// the connection ends after 30 s, so that the app reconnects with its
// grants.
const (
	// SubjectRealtimeGet answers the caller's RealtimeInfo (request:
	// RealtimeRequest, filled by the front; needs a caller).
	SubjectRealtimeGet = "rpc.client.realtime.get"
)

// RealtimeGrantsTimeout bounds the wait for a module's grants at connect
// time (the NATS server gives the whole authorisation 2 s).
const RealtimeGrantsTimeout = 750 * time.Millisecond

// RealtimeRequest is what the front passes on for GET /v1/realtime (the
// app sends nothing).
type RealtimeRequest struct {
	// Host is the HTTP request's Host, for the WebSocket URL when none is
	// configured.
	Host string `json:"host,omitempty"`
	// WebSocketURLs are the NATS WebSocket URLs of the front's own node
	// first, then of the other nodes of its cluster, when the front knows
	// them (it runs an embedded NATS server, or has a public URL).
	WebSocketURLs []string `json:"websocket_urls,omitempty"`
	// ExpiresAt is the expiry of the caller's access token.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// RealtimeInfo tells the app how to use NATS: where to connect and which
// subjects it may use with the access token it called with.
type RealtimeInfo struct {
	WebSocketURL string `json:"websocket_url" example:"wss://rt.example.com" doc:"NATS WebSocket URL of the node you called; connect with a token callback that returns your current access token at every (re)connect"`
	// WebSocketURLs lists every node's URL, this one first: give them all
	// to the client as its servers, so that it reconnects to another node
	// when this one is down.
	WebSocketURLs []string  `json:"websocket_urls" doc:"the WebSocket URLs of every node, the one you called first: give them all to the NATS client as its servers"`
	InboxPrefix   string    `json:"inbox_prefix" example:"_INBOX_0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b10" doc:"the only inbox prefix the connection may use (nats.CustomInboxPrefix in Go, inboxPrefix in nats.js): without it every request, a JetStream publish too, goes unanswered and is not stored"`
	Publish       []string  `json:"publish" doc:"subjects the app may publish to (NATS wildcards): live.telemetry.<your id>.* (telemetry of your sessions) and chat.in.<your id>.* (messages to your groups: chat.in.<your id>.<group id>)"`
	Subscribe     []string  `json:"subscribe" doc:"subjects the app may subscribe to (NATS wildcards): live.session.<your id>.> (live figures of your own sessions, those you start later too), notify.<your id>, refused.<your id>, your inbox, and the chat.<group> and live.watch.<session> subjects granted when the connection was made"`
	ExpiresAt     time.Time `json:"expires_at" doc:"when the access token you called with expires: the server closes a connection made with it then; refresh the token before (POST /v1/auth/refresh) so that the reconnect gets the fresh one"`
	// Limits are what the server holds each connection and user to.
	Limits RealtimeLimits `json:"limits"`
}

// RealtimeLimits are the limits of the app's NATS connections, which the
// server applies.
type RealtimeLimits struct {
	MaxPayloadBytes  int `json:"max_payload_bytes" doc:"the largest message the app may publish; the server closes a connection that sends a larger one (the NATS client may believe the server's own, larger, limit)"`
	MaxSubscriptions int `json:"max_subscriptions" doc:"subscriptions per connection; past it a subscription is refused"`
	MaxConnections   int `json:"max_connections" doc:"connections of one user at once on the whole cluster; past it a connection is refused (0: not counted, with an external NATS without system account access)"`
}
