-- The promo module's schema and the two tables every module uses for
-- messaging: the transactional outbox (relayed to JetStream, Nats-Msg-Id =
-- id, in seq order) and the consumer-side deduplication table.

-- +goose Up
CREATE SCHEMA promo;

CREATE TABLE promo.outbox (
  id          uuid PRIMARY KEY,            -- becomes Nats-Msg-Id
  subject     text NOT NULL,
  payload     bytea NOT NULL,
  headers     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  seq         bigserial                    -- publish order
);
CREATE INDEX ON promo.outbox (seq);

CREATE TABLE promo.processed_messages (
  consumer    text NOT NULL,
  msg_id      text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, msg_id)
);

-- The relay polls promo.outbox and also LISTENs on channel promo_outbox, so a
-- committed insert wakes it at once. One notification per statement, with
-- an empty payload: the relay reads the rows itself.
-- +goose StatementBegin
CREATE FUNCTION promo.notify_outbox() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('promo_outbox', '');
  RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER outbox_notify
  AFTER INSERT ON promo.outbox
  FOR EACH STATEMENT EXECUTE FUNCTION promo.notify_outbox();

-- +goose Down
DROP SCHEMA promo CASCADE;
