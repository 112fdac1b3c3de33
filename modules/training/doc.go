// Package training is the training module: workout sessions of every kind
// (live, imported, entered by hand; endurance and strength), their
// telemetry, laps and routes (PostGIS), the exercise catalogue, recording
// devices, live tracking, workout files in and out, analytics (load,
// fitness, records), recommendations, and training plans that adapt to
// the sessions.
//
// Schema: training (migrations/training): devices, sessions (with their
// running live figures while open), session_gear, session_parameters,
// points (PostGIS geography, NULL for a point without a position: indoor
// sessions, a GPS gap; the device's cumulative distance in dist; keyed by
// session and time, so a redelivered point changes nothing), lap_marks (where a session's laps start: the
// telemetry's lap markers, an imported file's laps) and laps (their
// figures, computed at finish), exercises (the built-in catalogue, seeded
// by a migration with stable keys and ids, and users' own),
// session_exercises and session_sets (a session's exercises and sets),
// routes (geography LineString with a GiST index, a simplified line and an
// encoded polyline, drawn from the positioned points: none for an indoor
// session, whose GPX export is refused with conflict), watchers (who may watch an
// open session live, and how they were let in: public, link, group or
// follower), group_members and closed_groups (a read model of the social
// module's memberships: who shares a group with whom), follows and blocks
// (a read model of the social module's follows and blocks), athletes (a read model of the client module's
// profiles: calorie inputs, threshold heart rate and default visibility),
// plans (one active per user: a new plan replaces it; the request, the
// athlete's state it was laid from, its weeks), plan_workouts (each
// workout's targets and the session matched to it), plan_changes (each
// adaptation or re-plan with its explanations), plan_feeds (a plan's
// calendar feed: the SHA-256 of its secret token), idempotency_keys
// (bus.Once: sessions.start, devices.create, exercises.create,
// sessions.share and plans.create with the client's Idempotency-Key answer
// a retry with the first answer), privacy_zones (a user's zones, at most
// 5: centre and radius as given, and the mask circle that hides them,
// package zone); the
// analytics read model: session_figures (a finished session's load and
// its model, distance, times, strength volume and bests), session_efforts
// (its best efforts per standard distance, from which the records are
// read), session_tracks (a finished session's seconds, metres and heart
// rate, 10 bytes a point, written with its figures so the analytics need
// not read every point), recommendation_dismissals, and the athletes' time
// zone and heart rates and the gear's name and distances from the client
// module's events.
// Stream: EVT_TRAINING (evt.training.>).
//
// The live-tracking page: the share token of a session (its SHA-256 in
// sessions.share_token_hash) is exchanged for a view of the session and a
// watch credential (rpc.training.live.credential, anonymous, throttled per
// client address; the athlete's display name is asked of the client module,
// rpc.client.user.get), signed with a key of the link (sessions.share_key),
// which the client module's auth callout checks (rpc.training.live.authorize).
//
// Publishes (through the outbox in training.outbox):
//
//	evt.training.session.completed      api.SessionCompleted: a session finished (live, closed when idle, imported, or entered by hand: manual),
//	                                    with its title and visibility (the social feed's card)
//	evt.training.session.updated        api.SessionCompleted: a finished session's sport, gear, exercises, figures, title or visibility changed
//	                                    (both carry the plausibility verdict, plausible and implausible_reason, of
//	                                    internal/plausible, and the strength volume)
//	evt.training.session.deleted        api.SessionDeleted: a session was deleted
//	evt.training.realtime.grants_changed  api.RealtimeGrantsChanged: a user may now (or no longer) watch a session
//	evt.training.live.link_closed       api.LiveLinkClosed: the watch credentials of a session's share link no longer
//	                                    hold (the link was revoked or replaced, the session ended or was deleted): the
//	                                    client module's callout closes their connections
//	evt.training.record.set             api.RecordSet: a finished session set personal records (a best effort faster than
//	                                    every earlier one of its distance, a strength best); published by the analytics
//	                                    consumer in its transaction; none for a first effort over a distance, nor when a
//	                                    deletion changes the records, nor for an event over an hour old (a consumer
//	                                    catching up) or a backfill
//
// Points need only a time: without a position their distance is the
// device's (dist, else speed × time), their moving time by the device's
// distance or, where none is measured, by heart rate or power
// (stats.Odometer, stats.Moving; docs/api.md, "Indoor sessions").
//
// Publishes without storing (internal/publish): a live session's figures
// (api.LiveStats) after its points are stored, at most once a second per
// session per process, on live.session.<owner>.<session> for the owner (every
// connection of the owner may subscribe: the callout grants
// live.session.<user>.>) and on live.watch.<session> for watchers (the
// subject does not name the owner; the position is left out while it is
// within one of the owner's privacy zones).
//
// Real-time channels (the front's /asyncapi.json, httpapi.Channels):
// live.telemetry.<user>.<session> in, with its PubAck or refusal;
// live.session.<user>.<session> and live.watch.<session> out.
//
// Answers (rpc.training.*, payloads in package api; internal/rpc, one file
// per resource, each handler registered by its api.Subject… constant):
//
//	devices.list, devices.create, devices.delete   the caller's devices
//	sessions.start, .get, .list, .action, .points, .gpx, .route, .patch, .delete, .import   the caller's sessions
//	                                                (sessions.start with elapsed_time_s records a manual session)
//	sessions.exercises, .laps                       a session's exercises and sets, its laps
//	exercises.list, .get, .create, .patch, .delete  the exercise catalogue and the caller's own exercises
//	sessions.share, .unshare, .watch               live tracking
//	plans.create, .list, .get, .patch, .delete, .calendar   the caller's training plans (calendar: iCalendar bytes)
//	plans.feed.create, .feed.delete                 a plan's secret calendar feed (its URL's token)
//	plans.feed.calendar                             no caller: a feed token's plan as iCalendar bytes
//	analytics.summary, .fitness, .records           the caller's analytics (read model)
//	recommendations.list, .dismiss                  the caller's advice (package recommend) and dismissals
//	export.gpx                                      for the client module's data export: the caller's own session as GPX, in pieces of 1 MiB by offset
//	export.source                                   the same for an imported session's original file, as uploaded (training.import_files)
//	zones.list, .create, .patch, .delete            the caller's privacy zones (internal/zone): applied when another user reads
//	                                                a route, GPX or polyline of the caller's sessions, and to the position on
//	                                                live.watch.<session>; never to the owner, never to figures
//	realtime.grants                                 for the client module's auth callout: the live.watch subjects a user may subscribe to (sessions of others it watches)
//	status.get                                      module status (every module)
//
// Answers in the app account (internal/ingress): the app's publishes on
// live.telemetry.<user>.<session>, within the user's budget
// (ingress.TelemetryBudget), stored in TELEMETRY with the stream's PubAck
// passed back, or refused.
//
// Consumes:
//
//	live.telemetry.<user>.<session>   stream TELEMETRY, durable consumer training__live_telemetry (internal/ingress):
//	                                  the app's points, in batches (bus.ConsumeBatches), stored like HTTP's;
//	                                  what cannot be stored is told on refused.<user>
//	evt.client.user.deleted           durable training__evt_client_user_deleted: erases the user's sessions, points, devices, and refuses new data for the account
//	evt.client.gear.created, .updated, .deleted  durables training__evt_client_gear_*: who owns which gear (a session takes only its user's own; gear training has not heard of yet is asked of rpc.client.gear.get), and its name, starting and replacement distances for the gear rule
//	evt.client.profile.updated        durable training__evt_client_profile_updated: the athletes read model (threshold_hr_bpm
//	                                  included, and the time zone and heart rates the analytics use)
//	evt.social.member.joined, .role_changed, .left, evt.social.group.deleted   durables training__evt_social_*:
//	                                  the co-membership read model (group_members, closed_groups; each membership's
//	                                  fact of the highest seq, so order and redelivery change nothing; a fact takes
//	                                  its group's lock shared, the closing exclusive, so no member outlives a closing
//	                                  applied at the same time): members of a
//	                                  group the owner is in see (sessions.get, .list with user_id, .gpx, .route) and may watch (sessions.watch)
//	                                  a followers session, without the owner's notes and device; a watcher let in so
//	                                  loses the grant when the co-membership ends or the session turns private
//	evt.social.follow.created, .deleted, evt.social.block.created, .deleted   durables training__evt_social_*:
//	                                  the follows and blocks read model (follows, blocks; each pair's fact of the
//	                                  highest seq): the owner's followers (not a requester) see and may watch a
//	                                  followers session like co-members; a follower who unfollowed or was removed loses
//	                                  it and the grant at once; a user the owner blocked sees and watches none of its
//	                                  sessions (public ones and share links included) and loses the grants it had;
//	                                  a watch request locks the facts its grant rests on (store.ViewerForWatch), so
//	                                  a fact that ends it, applied at the same time, still finds the watcher to remove
//	evt.training.session.completed, .updated, .deleted   the module's own events, one durable consumer
//	                                  training__evt_training_session (in order, each message once): the analytics read
//	                                  model, recomputed from the session as it is (so a repeated or older event changes
//	                                  nothing, an edit or late points replace the figures, a deletion takes them back);
//	                                  each event carries its session's revision, a counter on the session row raised
//	                                  under the row lock in the transaction that enqueues the event (store.NextRevision,
//	                                  never below the database clock in ns, so events from before migration 00035, which
//	                                  carried their writer's clock, rank before new ones), and the figures keep the
//	                                  highest they applied: the order does not rest on the clocks of the processes;
//	                                  publishes evt.training.record.set; and the user's active plan matched to the
//	                                  finished sessions again and adapted when three or more workouts were missed or
//	                                  a load spike happened (service.AdaptPlan, from the sessions as stored)
//
// (in internal/consume: the client module's events decoded from package
// modules/client/api, the module's own session events in sessions.go).
//
// Runs in the background (platform.Runtime.Every, .Go): the idle session
// sweep, every minute, closes sessions with no point for
// Config.IdleTimeout; the daily plan adaptation, every 10 minutes, looks
// once a (UTC) day at each active plan (service.AdaptPlans), so that
// workouts missed without any session recorded also reshape it; at start,
// the analytics backfill computes the figures of finished sessions that
// have none (finished before the read model existed), without record
// events.
//
// Reads files the front put in the JetStream object store UPLOADS
// (bus.UploadStore) for imports, and deletes them.
//
// HTTP (package httpapi, served by the front; one file per resource):
// /v1/me/devices (devices.go), /v1/sessions, /v1/sessions/{id},
// /v1/sessions/{id}/pause|resume|finish|points|gpx|route (sessions.go),
// /v1/sessions/import (imports.go), /v1/sessions/{id}/share|watch
// (live.go), /v1/exercises, /v1/exercises/{id} and
// /v1/sessions/{id}/exercises (exercises.go), /v1/sessions/{id}/laps
// (laps.go), /v1/analytics/summary|fitness|records and
// /v1/recommendations, /v1/recommendations/{id}/dismiss (analytics.go),
// /v1/plans, /v1/plans/{id}, /v1/plans/{id}.ics, /v1/plans/{id}/calendar-feed
// and /v1/calendar/{token}.ics (plans.go), /v1/me/privacy-zones and
// /v1/me/privacy-zones/{id} (zones.go).
package training
