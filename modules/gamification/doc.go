// Package gamification is the gamification module: achievements, individual and team challenges, and leaderboards
// (issue 14), all computed from the other modules' events.
//
//	module.go             wiring: the features, their appliers and the consumers that feed them
//	api/                  its contract: subjects and payloads (events.go; achievements.go, challenges.go, leaderboards.go)
//	httpapi/              its HTTP operations (httpapi.go: the base; one file per feature)
//	internal/activity/    what the module knows of users, groups and sessions (read models fed by the client, social
//	                      and training events), the batched session consumer, Change, Applier and Eraser
//	internal/rules/       the achievements' rules as data, validated, and their reference evaluation
//	internal/rank/        the leaderboards' order-statistic structure
//
// Schema: gamification (migrations/gamification). Stream: EVT_GAMIFICATION (evt.gamification.>).
//
// # Activity (internal/activity, migration 00003)
//
// Read models: users (display name, country, time zone, show_in_leaderboards; the newest event of the
// user wins, by its time), erased_users (deleted accounts: their late events are not applied),
// group_members (current members with their role; left_members and closed_groups keep the facts that
// end memberships, ordered by social's seq), sessions (one row per finished, not deleted session:
// figures, plausibility, best efforts by name) and session_revisions (the last revision applied of
// every session ever seen, deleted ones too).
//
// Session events are consumed in batches by one durable consumer (gamification__evt_training_session,
// bus.ConsumeBatches): a batch is one transaction that records its message ids (a redelivery changes
// nothing), raises each session's revision only for a newer event (a late or out-of-order one is
// dropped; within a batch only a session's newest event counts) with the session rows locked in id
// order, writes the sessions with unnest (no query per event), and hands the changes (Old → New; Old
// nil: first completion, New nil: deletion) to every feature's Applier in the same transaction. So a
// feature's state and the read model commit together, exactly once; a failed batch is rolled back and
// tried again in halves. A deleted account (evt.client.user.deleted) is erased in one transaction:
// every feature that is an activity.Eraser erases its own rows first (it can still read the user's
// sessions), then the read models' rows go.
//
// Publishes (through the outbox in gamification.outbox): none yet.
//
// Answers: rpc.gamification.status.get (bus.ModuleStatus).
//
// Consumes: evt.training.session.completed, evt.training.session.updated, evt.training.session.deleted
// (the sessions read model and every feature, in batches); evt.client.user.registered,
// evt.client.profile.updated, evt.client.user.deleted (users; erasure); evt.social.member.joined,
// evt.social.member.role_changed, evt.social.member.left, evt.social.group.deleted (memberships).
package gamification
