-- pg_trgm (PostgreSQL contrib) lives in schema public next to PostGIS, for
-- the same reason: an extension cannot be moved later, and every module may
-- index text with its trigram operator classes (social: group search).

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;

-- +goose Down
DROP EXTENSION IF EXISTS pg_trgm;
