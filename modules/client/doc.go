// Package client is the client module: accounts and sign-in, access and
// refresh tokens, the user's profile, sports gear, and who may use which
// NATS subject (the auth callout for the app's WebSocket connections).
//
// It is laid out on the skeleton every module follows (docs/architecture.md,
// A module, file by file):
//
//	module.go            wiring: the service, its RPC handlers, its consumers, its loops
//	config.go            Config (access-token life, the registry's grant sources) and flags
//	callout.go           wiring of the auth callout (its keys, the system account connection)
//	admin.go             Admin, for the `athlos admin` command
//	api/                 its contract: subjects, payloads, the access-token format
//	httpapi/             its HTTP operations and real-time channels
//	internal/auth        passwords (argon2id), tokens, signing keys, TOTP and recovery codes
//	internal/profile     the profile's rules and its PATCH
//	internal/gear        gear's rules: items, components, totals, wear
//	internal/throttle    login, second-factor and registration throttling rules
//	internal/mail        outgoing mail: templates (en, de), SMTP or the log, the mail outbox and its sender
//	internal/callout     the NATS auth callout
//	internal/service     use cases
//	internal/store       SQL, schema client
//	internal/rpc         rpc.client.* handlers
//	internal/consume     consumers of events
//	internal/export      the data export's archive (a zip of every module's part)
//	internal/peers       the other modules' parts of an export, asked over NATS
//
// Schema: client (migrations/client): users, refresh_tokens (one family
// per sign-in, rotated on every refresh), signing_keys (Ed25519, sealed
// with the process's secret key), login_failures (throttling; a refusal
// names its policy for the RateLimit headers), known_devices, gear,
// gear_components, gear_defaults, gear_usage, gear_sessions,
// two_factor (each account's TOTP secret, sealed, and the last time step
// accepted), recovery_codes (SHA-256), login_challenges (logins waiting
// for their second factor), idempotency_keys (bus.Once: gear.create with the client's
// Idempotency-Key answers a retry with the first answer), mail_outbox
// (mail written with the change it tells of, sent by every process with
// retries: internal/mail), exports and export_parts (data exports: a job
// row each, claimed by any process with a lease and built again after a
// crash; the archive in 1 MiB parts, deleted 7 days after it is ready),
// outbox and processed_messages (events applied once).
//
// email_tokens (the mailed links' single-use tokens, by hash: password
// reset, email verification, email change), password_reset_requests
// (reset requests, looked up after the answer so that any address gets
// the same one), users.email_verified_at.
//
// Sends mail (SMTP, --smtp-url; without one, to the log) from the mail
// outbox: at registration a verification link, a password-reset link, an
// email change's link to the new address and a notice to the old one.
// Stream: EVT_CLIENT (evt.client.>).
//
// Publishes (through the outbox client.outbox):
//
//	evt.client.user.registered         api.UserRegistered
//	evt.client.profile.updated         api.ProfileUpdated
//	evt.client.user.deleted            api.UserDeleted (every module erases the user's data)
//	evt.client.keys.rotated            {} (fronts and client processes reload the keys)
//	evt.client.session.revoked         api.SessionRevoked (logout, password change, a reused refresh token: fronts and the callout refuse those sessions' tokens at once)
//	evt.client.gear.created|updated    api.GearChanged (updated also when a session moves its totals)
//	evt.client.gear.deleted            api.GearDeleted
//	evt.client.gear.wear_limit_reached api.GearWearLimitReached
//	evt.client.export.ready            api.ExportReadyEvent (a user's data export is ready: social notifies them)
//
// Answers (rpc.client.*, payloads in package api; internal/rpc):
//
//	auth.register, auth.login, auth.refresh, auth.logout, auth.password
//	auth.login_2fa    a login's second step (challenge and code)
//	twofactor.get, twofactor.totp.start, twofactor.totp.confirm, twofactor.disable,
//	twofactor.recovery_codes   the caller's two-factor sign-in
//	auth.password_reset, auth.password_reset_confirm   a reset link (any address: the same answer), its use
//	auth.verify_email, auth.verify_email_resend        a verification or email change link's use, a new link
//	keys.get          the JWKS the front verifies access tokens with
//	profile.get, profile.patch, profile.delete   the caller's profile and account (a new email: a link; deletion: the password)
//	user.get          a user's profile for other modules
//	gear.list, gear.create, gear.get, gear.update, gear.delete   the caller's gear
//	realtime.get      what the caller may use on NATS WebSocket (GET /v1/realtime)
//	export.create, export.get, export.part   the caller's data export and its archive's parts
//	status.get        module status (every module)
//	$SYS.REQ.USER.AUTH   the NATS auth callout for app connections (queue group athlos-client-callout)
//
// Calls: at every app connection, the grants RPC of each grant source the
// registry names (Config.Grants; today the training module's
// rpc.training.realtime.grants). A module that is not running grants
// nothing. At a connection made with a watch credential of the
// live-tracking page (a token starting "lw1."), rpc.training.live.authorize. To build a data export, on the user's behalf, page by page
// (internal/peers): its own rpc.client.profile.get and gear.list,
// rpc.training.sessions.list, export.gpx, plans.list and plans.get,
// rpc.social.export.memberships and export.messages,
// rpc.gamification.achievements.mine and challenges.list (filter mine),
// rpc.promo.consent.get (optional).
//
// Consumes:
//
//	evt.training.session.completed, .updated, .deleted   trainingapi.SessionCompleted, SessionDeleted: one durable
//	                                 consumer, client__evt_training_session, so they are handled in order: gear
//	                                 totals (added, replaced, taken back) (internal/consume)
//	evt.client.keys.rotated          every process reloads the signing keys (internal/consume)
//	each grant source's grants-changed event (today evt.training.realtime.grants_changed),
//	evt.client.user.deleted, evt.client.session.revoked   the callout closes the users' app
//	                                 connections (one process), and every process refuses deleted users' and
//	                                 revoked sessions' tokens
//	evt.training.live.link_closed    the callout closes the connections of that session's watch credentials
//	                                 (NATS user live-watch:<session>; one process)
//
// HTTP (package httpapi, served by the front): /v1/auth/*,
// /.well-known/jwks.json, /v1/me, /v1/me/2fa, /v1/me/gear, /v1/me/export
// (and its download), /v1/realtime; and in the
// real-time document (/asyncapi.json, httpapi.Channels) refused.<user>.
//
// Access tokens live --access-token-ttl (Config.AccessTokenTTL, 15
// minutes and at most that); an app's NATS connection is closed when the
// token it was made with expires, and reconnects with the fresh token its
// token callback returns.
package client
