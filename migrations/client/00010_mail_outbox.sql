-- The mail outbox (package modules/client/internal/mail): a message is
-- written here in the transaction of the change it tells of (mail.Enqueue)
-- and sent by a worker in every process that runs the client module. A
-- worker claims due rows with FOR UPDATE SKIP LOCKED and leases them by
-- moving next_attempt_at forward, sends them outside any transaction, and
-- deletes a row once the SMTP server took it (bodies with links in them
-- are not kept). A failed attempt is retried later with a doubling
-- backoff; a permanent refusal, or the last attempt, marks the row
-- failed_at and erases its bodies, keeping the address, subject and error
-- for the operator.

-- +goose Up
CREATE TABLE client.mail_outbox (
  id              uuid PRIMARY KEY,
  to_addr         text NOT NULL,
  subject         text NOT NULL,
  text_body       text NOT NULL,
  html_body       text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now(),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  failed_at       timestamptz
);
CREATE INDEX mail_outbox_due ON client.mail_outbox (next_attempt_at) WHERE failed_at IS NULL;

-- +goose Down
DROP TABLE client.mail_outbox;
