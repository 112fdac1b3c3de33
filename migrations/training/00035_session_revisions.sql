-- A revision counter on each session orders its events (completed,
-- updated, deleted) whatever the clocks of the processes that write them:
-- store.NextRevision raises it under the session's row lock in the
-- transaction that enqueues the event, and consumers keep the highest
-- revision they applied.
--
-- Upgrade: events written before this migration carry the writer's clock
-- in nanoseconds since 1970. Every counter starts above the largest such
-- revision stored for its session and above this migration's time in
-- nanoseconds, and NextRevision never gives less than the database's
-- clock in nanoseconds, so the new revisions rank after every old event
-- still in the outbox or in flight (and, during a rolling upgrade, order
-- with the events of processes still running the old code as well as
-- those clocks allow; once they are gone the counter alone decides).

-- +goose Up
ALTER TABLE training.sessions ADD COLUMN revision bigint NOT NULL DEFAULT 0;
UPDATE training.sessions s SET revision = GREATEST(
    (SELECT f.revision FROM training.session_figures f WHERE f.session_id = s.id),
    (extract(epoch FROM clock_timestamp()) * 1e9)::bigint) + 1;

-- +goose Down
ALTER TABLE training.sessions DROP COLUMN revision;
