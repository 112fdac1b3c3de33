-- Facts of a session (an achievement it unlocked) that came before the
-- session's feed card: their groups hear of them only once the card says
-- the session is not private, so they wait here, and the card's arrival
-- tells them (or drops them: a private or deleted session). Until now the
-- fact's event was delivered again for about 15 s and then dropped, and a
-- card later than that (a consumer behind) never told it.

-- +goose Up
CREATE TABLE social.held_facts (
  kind        text NOT NULL,
  source_key  text NOT NULL,
  session_id  uuid NOT NULL,
  actor_id    uuid NOT NULL,
  name        text NOT NULL,
  data        jsonb NOT NULL,
  count       int NOT NULL,
  held_at     timestamptz NOT NULL,
  PRIMARY KEY (kind, source_key)
);
CREATE INDEX held_facts_session ON social.held_facts (session_id);
CREATE INDEX held_facts_actor ON social.held_facts (actor_id);

-- +goose Down
DROP TABLE social.held_facts;
