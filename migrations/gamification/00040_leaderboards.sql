-- Leaderboards (package modules/gamification/internal/board): every user's
-- totals per slot (a period of one kind, its start in UTC, a sport or ''
-- for every sport), kept exactly in fine units so a session taken back
-- subtracts what it added. These rows are the truth; each process ranks
-- them in memory (board.Ranking), fed by evt.gamification.leaderboard.changed.
-- No index on a score: updates stay HOT (fillfactor), and the SQL fallback
-- (a board not loaded yet) reads a slot's rows through the primary key.

-- +goose Up
CREATE TABLE gamification.board_slots (
  id           serial PRIMARY KEY,
  period       text NOT NULL CHECK (period IN ('week', 'month', 'year', 'all')),
  period_start date NOT NULL,   -- UTC; 0001-01-01 for all
  sport        text NOT NULL,   -- '' for every sport
  UNIQUE (period, period_start, sport)
);

CREATE TABLE gamification.board_totals (
  slot_id        integer NOT NULL,
  user_id        uuid NOT NULL,
  distance_cm    bigint NOT NULL DEFAULT 0,
  moving_time_ms bigint NOT NULL DEFAULT 0,
  sessions       bigint NOT NULL DEFAULT 0,
  elevation_cm   bigint NOT NULL DEFAULT 0,
  points         bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (slot_id, user_id)
) WITH (fillfactor = 80);
CREATE INDEX board_totals_user ON gamification.board_totals (user_id);

-- A user's listing changes (name, country, leaderboard opt-out, a new user
-- with totals already, an erased user) reach every process's boards (and
-- the names they keep) through the outbox, in the transaction that changes
-- gamification.users.
-- +goose StatementBegin
CREATE FUNCTION gamification.board_user_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  u uuid;
BEGIN
  IF TG_OP = 'DELETE' THEN
    u := OLD.user_id;
  ELSE
    u := NEW.user_id;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.country IS NOT DISTINCT FROM OLD.country
     AND NEW.show_in_leaderboards = OLD.show_in_leaderboards AND NEW.display_name = OLD.display_name THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' AND NOT EXISTS (SELECT 1 FROM gamification.board_totals WHERE user_id = u) THEN
    RETURN NULL;
  END IF;
  INSERT INTO gamification.outbox (id, subject, payload)
  VALUES (gen_random_uuid(), 'evt.gamification.leaderboard.changed',
          convert_to(json_build_object('users', json_build_array(u))::text, 'UTF8'));
  RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER users_board_listing
  AFTER INSERT OR UPDATE OR DELETE ON gamification.users
  FOR EACH ROW EXECUTE FUNCTION gamification.board_user_changed();

-- +goose Down
DROP TRIGGER users_board_listing ON gamification.users;
DROP FUNCTION gamification.board_user_changed();
DROP TABLE gamification.board_totals;
DROP TABLE gamification.board_slots;
