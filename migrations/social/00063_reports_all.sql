-- The operators' list of every report, newest first (GET /v1/admin/reports).

-- +goose Up
CREATE INDEX reports_all ON social.reports (created_at DESC, id DESC);

-- +goose Down
DROP INDEX social.reports_all;
