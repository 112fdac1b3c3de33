-- The listing trigger tells the boards of every new user (issue 14: a
-- user stayed off one process's board in CI). Until now it told them of a
-- new user only when it saw totals of theirs; but a user's registration
-- and their first session may be applied at once by two processes, each
-- in a transaction that does not see the other's (their user locks are
-- shared). The session's commit refreshed the boards while the user was
-- not known yet (not listed), and the registration's trigger saw no
-- totals, so nothing refreshed them again. Now the registration's commit
-- always does; for a user with no totals that refresh reads nothing.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION gamification.board_user_changed() RETURNS trigger
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
  INSERT INTO gamification.outbox (id, subject, payload)
  VALUES (gen_random_uuid(), 'evt.gamification.leaderboard.changed',
          convert_to(json_build_object('users', json_build_array(u))::text, 'UTF8'));
  RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION gamification.board_user_changed() RETURNS trigger
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
  IF TG_OP = 'INSERT' AND NOT EXISTS (SELECT 1 FROM gamification.board_slots s
      JOIN gamification.board_totals t ON t.slot_id = s.id AND t.user_id = u WHERE s.period = 'all') THEN
    RETURN NULL;
  END IF;
  INSERT INTO gamification.outbox (id, subject, payload)
  VALUES (gen_random_uuid(), 'evt.gamification.leaderboard.changed',
          convert_to(json_build_object('users', json_build_array(u))::text, 'UTF8'));
  RETURN NULL;
END;
$$;
-- +goose StatementEnd
