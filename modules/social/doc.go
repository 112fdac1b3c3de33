// Package social is the social module: groups by sport, goal and location, group chat, and notifications to group members.
//
// Schema: social (migrations/social). Stream: EVT_SOCIAL (evt.social.>).
//
// Publishes (through the outbox in social.outbox): none yet.
//
// Answers: rpc.social.status.get (bus.ModuleStatus).
//
// Consumes: nothing yet.
package social
