// Package promo is the promo module: personalised offers and news.
//
// Schema: promo (migrations/promo). Stream: EVT_PROMO (evt.promo.>).
//
// Publishes (through the outbox in promo.outbox): none yet.
//
// Answers: rpc.promo.status.get (bus.ModuleStatus); the news' operations
// (news.go): rpc.promo.news.feed and rpc.promo.news.get for users,
// rpc.promo.admin.news.list, .create, .get, .patch and .delete for
// administrators.
//
// Consumes: nothing yet.
//
// News (internal/news, newsstore, newsservice, newsrpc; table promo.news,
// migration 00030): admins write items in Markdown, rendered once on save
// to sanitised HTML (goldmark, then bluemonday's UGC policy; links
// rel="nofollow noopener") and stored with it; users read the items
// published now (publish_at <= now < expires_at, asked of the database on
// every request: no process caches them) in their language or its
// fallback, ranked by the user facts (facts.Load: country and sports only
// for adults who did not object). News keep nothing per user, so they
// give the user facts no eraser.
package promo
