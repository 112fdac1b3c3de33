// Package promo is the promo module: personalised offers and news (issue
// 15), targeted with a read model of the users' facts fed by the other
// modules' events, never read from their schemas.
//
//	module.go            wiring: each part starts from a function in its own file
//	facts.go             wiring of the user facts and the marketing consent (internal/facts)
//	news.go              wiring of the news (internal/news*)
//	offers.go            wiring of the offers (internal/offerservice) and their background loops
//	api/                 its contract: subjects and payloads (consent.go: rpc.promo.consent.*;
//	                     news.go: rpc.promo.news.*, rpc.promo.admin.news.*; offers.go: rpc.promo.offers.*,
//	                     rpc.promo.admin.offers.*)
//	httpapi/             its HTTP operations (httpapi.go: the base; consent.go: GET/PUT /v1/me/marketing;
//	                     news.go: /v1/news and /v1/admin/news; offers.go: /v1/offers… and /v1/admin/offers…)
//	internal/facts/      the user facts read model: Facts, Load, the consumers, the erasure (with the
//	                     other parts' Erasers), consent; factstest/ seeds realistic facts for tests and
//	                     benchmarks
//	internal/news/       news: checks, Markdown to sanitised HTML, language fallback, feed cursor;
//	                     newsstore/ (SQL), newsservice/ (use cases), newsrpc/ (operations)
//	internal/offers/     the offers' domain: definition (strict decoding, validation, health-derived
//	                     targeting refused), eligibility with why, ranking, pacing
//	internal/offerstore/ the offers' SQL (migration 00010)
//	internal/offerservice/ the offers' use cases, the per-process cache of active offers and pacing curve
//	internal/offerrpc/   the offers' RPC handlers
//	seed/                factstest.Seed for the load generator (athlos loadgen offers)
//
// Schema: promo (migrations/promo). Stream: EVT_PROMO (evt.promo.>).
//
// Publishes (through the outbox in promo.outbox): none yet.
//
// Answers: rpc.promo.status.get (bus.ModuleStatus), rpc.promo.consent.get and
// rpc.promo.consent.put (the caller's marketing consent); the news'
// operations (news.go): rpc.promo.news.feed and rpc.promo.news.get for
// users, rpc.promo.admin.news.list, .create, .get, .patch and .delete for
// administrators; the offers' (offers.go): rpc.promo.offers.serve, .why,
// .impression, .click, .dismiss for users, rpc.promo.admin.offers.create,
// .list, .get, .patch, .delete, .stats for administrators.
//
// Consumes (each with its durable consumer promo__<event> unless said, exactly
// once through promo.processed_messages):
//   - evt.client.user.registered: a known user, registration time and language
//   - evt.client.profile.updated: birth date, country, language; applied only if
//     newer (updated_at). The weight and heart rates it carries are dropped.
//   - evt.client.user.deleted: erases the user's facts and consent, calls every
//     registered facts.Eraser in the same transaction, and remembers the user in
//     promo.erased_users: a late event of theirs is not applied
//   - evt.client.gear.created, evt.client.gear.updated, evt.client.gear.deleted:
//     type, distance, replacement threshold, retired; ordered by the event's time,
//     a deleted item stays a tombstone
//   - evt.client.gear.wear_limit_reached: an item's distance at the crossing of
//     its replacement threshold, until a newer gear event (components ignored)
//   - evt.training.session.completed, evt.training.session.updated,
//     evt.training.session.deleted, in batches by one durable consumer
//     (promo__evt_training_session, two workers keyed by user, a batch one
//     transaction): sport and start of finished sessions, applied only with a
//     higher revision (a deleted one stays a tombstone); heart rates, power and
//     calories are dropped
//   - evt.gamification.challenge.joined, evt.gamification.challenge.left: the
//     challenges a user takes part in, ordered by the event's time
//
// # User facts (internal/facts, migrations 00003-00004)
//
// Tables: users, consents, user_sessions, user_gear, user_challenges,
// erased_users. Every consumer takes a shared advisory lock of the user and
// checks erased_users; the erasure takes it exclusively, so nothing an event
// writes survives an erasure running at the same time. Every process prunes
// the sessions started more than 90 days ago every hour (facts.PruneEvery;
// harmless twice). facts.Load reads everything of a user in one statement,
// with no cache: an objection (PUT /v1/me/marketing) counts from the next
// request. facts.Personalisable: known, not objected, a birth date and at
// least 18; everyone else gets untargeted offers only.
//
// # Offers (internal/offers, offerstore, offerservice; migration 00010)
//
// Tables: offers (definition as JSON, budget counters used_impressions,
// used_clicks, reserved; CHECK used + reserved <= budget), offer_caps (a
// user's impressions in a window of the frequency cap), offer_reservations
// (held by lists served, ReservationTTL 5 minutes), offer_events (a user's
// impressions and clicks; erased with the user), offer_daily (figures per
// day, anonymous), offer_dismissals, offer_request_hours (pacing). Reserving,
// reporting, sweeping and erasing are SQL functions, one call each, locking
// an offer's row then its cap rows, offer by offer in id order. Every process
// reloads the active offers every second (offerservice.CacheReload; the
// process that made a change at once), sweeps expired reservations every
// 10 s (SKIP LOCKED: each to one process), adds its request count to the
// hour every 5 s, reads the pacing curve every 5 minutes and prunes old cap
// windows. The offers' eraser (offerservice.Eraser) is registered with the
// facts' consumer of evt.client.user.deleted.
//
// # News (internal/news, newsstore, newsservice, newsrpc; migration 00030)
//
// Table: news. Admins write items in Markdown, rendered once on save to
// sanitised HTML (goldmark, then bluemonday's UGC policy; links
// rel="nofollow noopener") and stored with it and the renderer's version;
// users read the items published now (publish_at <= now < expires_at,
// asked of the database on every request: no process caches them) in
// their language or its fallback, ranked in the database by the user facts
// (facts.Load: country and sports only when facts.Personalisable). News
// keep nothing per user, so they give the user facts no eraser.
package promo
