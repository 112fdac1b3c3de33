-- PostGIS lives in schema public: an extension cannot be moved to another
-- schema later, and every module's geography columns refer to its types.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public;

-- +goose Down
DROP EXTENSION IF EXISTS postgis;
