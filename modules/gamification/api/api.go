// Package api is the gamification module's contract with the other modules and the
// front: subjects and payloads. It depends on the standard library only.
package api

// Module is the module's name: its schema, stream (EVT_GAMIFICATION) and
// subject prefix.
const Module = "gamification"
