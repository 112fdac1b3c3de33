// Package promo is the promo module: personalised offers and news.
//
// Schema: promo (migrations/promo). Stream: EVT_PROMO (evt.promo.>).
//
// Publishes (through the outbox in promo.outbox): none yet.
//
// Answers: rpc.promo.status.get (bus.ModuleStatus).
//
// Consumes: nothing yet.
package promo
