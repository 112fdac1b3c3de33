-- Fewer index entries per new leaderboard total (issue 14's throughput).
-- A session adds to eight totals (its week, month, year and all time, for
-- its sport and for every sport), most of them new rows in a week or a
-- month the user had no session in yet; each new row added an entry to
-- the primary key (slot, user) and to board_totals_user (user). That
-- index served only two rare reads, which now go by the primary key:
--   - erasing a user's totals (boardstore.EraseUser): one probe of
--     (slot, user) per slot;
--   - the listing trigger's "does this new user have totals": one probe
--     per all-time slot (one a sport): every total of a user has an
--     all-time row of the same board beside it (a session and an unlock
--     add to every period), and that row is never the first to go (it
--     sums all the others, and a total is erased only when it is back to
--     nothing).

-- +goose Up
DROP INDEX gamification.board_totals_user;

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

-- +goose Down
CREATE INDEX board_totals_user ON gamification.board_totals (user_id);

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
