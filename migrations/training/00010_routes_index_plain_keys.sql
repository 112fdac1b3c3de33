-- Rebuild the GiST index of route lines so that its keys are stored plain.
--
-- 00008 set the storage of training.routes.path to EXTERNAL. PostgreSQL
-- carries ALTER COLUMN ... SET STORAGE over to the index columns built on
-- that column, so the index's gidx keys took storage 'e' too and were
-- written with 1-byte varlena headers. PostGIS's geography GiST support
-- functions (gserialized_gist_penalty and friends, PostGIS 3.3) read their
-- keys without detoasting, as the type promises (gidx is declared
-- storage = plain): once the root page split and penalty was called on
-- such a key, it read a wrong length and the backend died with SIGSEGV,
-- after about 180 stored routes. REINDEX keeps the index column's storage;
-- a new index takes the key type's (plain). The column itself stays
-- EXTERNAL (uncompressed, out of line), which is what 00008 was for.
-- Tests check that no index column's storage differs from its type's.

-- +goose Up
DROP INDEX IF EXISTS training.routes_path;
CREATE INDEX routes_path ON training.routes USING gist (path);

-- +goose Down
-- Nothing to undo: the index as 00004 built it, before 00008.
SELECT 1;
