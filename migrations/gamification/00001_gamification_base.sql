-- The gamification module's schema and the two tables every module uses for
-- messaging: the transactional outbox (relayed to JetStream, Nats-Msg-Id =
-- id, in seq order) and the consumer-side deduplication table.

-- +goose Up
CREATE SCHEMA gamification;

CREATE TABLE gamification.outbox (
  id          uuid PRIMARY KEY,            -- becomes Nats-Msg-Id
  subject     text NOT NULL,
  payload     bytea NOT NULL,
  headers     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  seq         bigserial                    -- publish order
);
CREATE INDEX ON gamification.outbox (seq);

CREATE TABLE gamification.processed_messages (
  consumer    text NOT NULL,
  msg_id      text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, msg_id)
);

-- The relay polls gamification.outbox and also LISTENs on channel gamification_outbox, so a
-- committed insert wakes it at once. One notification per statement, with
-- an empty payload: the relay reads the rows itself.
-- +goose StatementBegin
CREATE FUNCTION gamification.notify_outbox() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gamification_outbox', '');
  RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER outbox_notify
  AFTER INSERT ON gamification.outbox
  FOR EACH STATEMENT EXECUTE FUNCTION gamification.notify_outbox();

-- +goose Down
DROP SCHEMA gamification CASCADE;
