// Package gamification is the gamification module: achievements, individual and team challenges, and leaderboards.
//
// Schema: gamification (migrations/gamification). Stream: EVT_GAMIFICATION (evt.gamification.>).
//
// Publishes (through the outbox in gamification.outbox): none yet.
//
// Answers: rpc.gamification.status.get (bus.ModuleStatus).
//
// Consumes: nothing yet.
package gamification
