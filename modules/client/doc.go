// Package client is the client module: accounts and sign-in, access and
// refresh tokens, the user's profile, sports gear, and who may use which
// NATS subject (the auth callout for the app's WebSocket connections).
//
// Schema: client (migrations/client): users, refresh_tokens (one family
// per sign-in, rotated on every refresh), signing_keys (Ed25519, sealed
// with the process's secret key), login_failures (throttling; a refusal
// names its policy for the RateLimit headers), gear, idempotency_keys
// (bus.Once: gear.create with the client's Idempotency-Key answers a retry
// with the first answer).
// Stream: EVT_CLIENT (evt.client.>).
//
// Publishes (through the outbox client.outbox):
//
//	evt.client.user.registered         api.UserRegistered
//	evt.client.profile.updated         api.ProfileUpdated
//	evt.client.user.deleted            api.UserDeleted (every module erases the user's data)
//	evt.client.keys.rotated            {} (fronts and client processes reload the keys)
//	evt.client.session.revoked         api.SessionRevoked (logout, password change, a reused refresh token: fronts and the callout refuse those sessions' tokens at once)
//	evt.client.realtime.grants_changed api.RealtimeGrantsChanged (published by the modules that own grants)
//	evt.client.gear.created|updated|deleted, evt.client.gear.wear_limit_reached
//
// Answers (rpc.client.*, payloads in package api):
//
//	auth.register, auth.login, auth.refresh, auth.logout, auth.password
//	keys.get          the JWKS the front verifies access tokens with
//	profile.get, profile.patch, profile.delete   the caller's profile and account
//	user.get          a user's profile for other modules
//	gear.*            the caller's gear
//	realtime.get      what the caller may use on NATS WebSocket (GET /v1/realtime)
//	status.get        module status (every module)
//	$SYS.REQ.USER.AUTH   the NATS auth callout for app connections (queue group athlos-client-callout)
//
// Calls: rpc.social.realtime.grants and rpc.training.realtime.grants at
// every app connection (a module that is not running grants nothing).
//
// Consumes:
//
//	evt.training.session.completed, .updated, .deleted   one durable consumer, client__evt_training_session,
//	                                 so they are handled in order: gear totals (added, replaced, taken back)
//	evt.client.realtime.grants_changed, evt.client.user.deleted, evt.client.session.revoked   close the user's app connections
//
// HTTP (package httpapi, served by the front): /v1/auth/*,
// /.well-known/jwks.json, /v1/me, /v1/me/gear, /v1/realtime; and in the
// real-time document (/asyncapi.json, httpapi.Channels) refused.<user>.
//
// Access tokens live --access-token-ttl (platform.ClientConfig, 15
// minutes and at most that); an app's NATS connection is closed when the
// token it was made with expires, and reconnects with the fresh token its
// token callback returns.
package client
