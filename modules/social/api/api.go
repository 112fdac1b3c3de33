// Package api is the social module's contract with the other modules and the
// front: subjects and payloads. It depends on the standard library only.
package api

// Module is the module's name: its schema, stream (EVT_SOCIAL) and
// subject prefix.
const Module = "social"
