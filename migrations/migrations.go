// Package migrations holds Athlos's SQL migrations, embedded into the binary.
//
// There is one folder per module, each with its own goose version table
// (see package storage/migrate, which runs them):
//
//	platform/      shared by all modules: the PostGIS and pg_trgm extensions in schema public
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
// "-- +goose Down"), numbered per folder (numbers may leave gaps: engineers working
// at once take ranges; a migration that lands takes a number above every one
// already released). A migration never touches another
// module's schema: modules share no tables and no foreign keys.
package migrations

import (
	"embed"
	"io/fs"
	"slices"
)

// FS holds every module folder and its .sql files, rooted at the folder
// names returned by Modules (e.g. "training/00001_training_base.sql"). A
// module that owns data has a folder named after it; there is no list of
// them to keep here.
//
//go:embed */*.sql
var FS embed.FS

// Platform is the folder that every database gets before any module's
// migrations: it installs what all modules share (PostGIS, pg_trgm).
const Platform = "platform"

// Modules returns the migration folders in the order they are applied:
// Platform first, then the modules' folders in name order (each touches
// only its own schema, so their order does not matter). Modules that keep
// no data (the gateway) have none. The result is a fresh slice; callers
// may modify it.
func Modules() []string {
	entries, _ := fs.ReadDir(FS, ".") // sorted; an embedded FS always reads
	out := []string{Platform}
	for _, e := range entries {
		if e.IsDir() && e.Name() != Platform {
			out = append(out, e.Name())
		}
	}
	return slices.Clip(out)
}
