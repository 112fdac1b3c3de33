// Package migrations holds Athlos's SQL migrations, embedded into the binary.
//
// There is one folder per module, each with its own goose version table
// (see package storage/migrate, which runs them):
//
//	platform/      shared by all modules: the PostGIS extension in schema public
//	client/        schema client
//	training/      schema training
//	social/        schema social
//	gamification/  schema gamification
//	promo/         schema promo
//
// Every module folder starts with 00001_<module>_base.sql, which creates the
// module's schema with its messaging tables: <module>.outbox (the
// transactional outbox, with a statement trigger that sends NOTIFY on
// channel <module>_outbox) and <module>.processed_messages (idempotent
// consumers); a later one adds <module>.idempotency_keys, where bus.Once
// keeps the idempotency keys of creating requests. Files are goose SQL
// migrations ("-- +goose Up" /
// "-- +goose Down"), numbered per folder. A migration never touches another
// module's schema: modules share no tables and no foreign keys.
package migrations

import "embed"

// FS holds every module folder and its .sql files, rooted at the folder
// names returned by Modules (e.g. "training/00001_training_base.sql").
//
//go:embed platform/*.sql client/*.sql training/*.sql social/*.sql gamification/*.sql promo/*.sql
var FS embed.FS

// Platform is the folder that every database gets before any module's
// migrations: it installs what all modules share (PostGIS).
const Platform = "platform"

// Modules returns the migration folders in the order they are applied:
// Platform first, then the modules that own a schema. Modules that keep no
// data (the gateway) have no folder. The result is a fresh slice; callers
// may modify it.
func Modules() []string {
	return []string{Platform, "client", "training", "social", "gamification", "promo"}
}
