// Package api is the promo module's contract with the other modules and the
// front: subjects and payloads. It depends on the standard library only.
package api

// Module is the module's name: its schema, stream (EVT_PROMO) and
// subject prefix.
const Module = "promo"
