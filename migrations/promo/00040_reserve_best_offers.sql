-- reserve_best_offers replaces reserve_offers on the serving path. It is
-- given the best-ranked candidates in rank order (more than it needs)
-- and first drops, by reading only, those the user dismissed or whose cap
-- window is full: a refresh of a user's list no longer writes an offer's
-- row only to take the write back when the cap refuses, and no longer
-- needs another round trip for the places such offers left. Then it
-- reserves the best p_want of the rest in id order (the lock order), each
-- a conditional UPDATE of the offer's row and a conditional upsert of the
-- user's cap window, exactly as reserve_offers did.
--
-- The read is not a lock: a cap found full may free up at once, which
-- costs this list that offer (never an overspend), and a cap found with
-- room may fill before the upsert, which refuses then, as before.
-- It answers a row for every offer it tried, with a null reservation for
-- those that had no room: the caller's next round starts after the last
-- one tried.
--
-- reserve_offers, which processes of the previous release call during a
-- rolling upgrade, becomes a wrapper of it (id-ordered candidates, as many
-- wanted as given: the same reservations as before).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION promo.reserve_best_offers(p_user uuid, p_offers uuid[], p_limits bigint[], p_cap_counts integer[],
                                          p_windows timestamptz[], p_want integer, p_expires timestamptz)
RETURNS TABLE (offer_id uuid, reservation_id uuid)
LANGUAGE plpgsql AS $$
DECLARE
  picked integer[];
  i integer;
BEGIN
  SELECT array_agg(k ORDER BY p_offers[k]) INTO picked FROM (
    SELECT k FROM generate_subscripts(p_offers, 1) AS k
     WHERE NOT EXISTS (SELECT 1 FROM promo.offer_dismissals d WHERE d.user_id = p_user AND d.offer_id = p_offers[k])
       AND NOT (p_cap_counts[k] > 0 AND EXISTS (
             SELECT 1 FROM promo.offer_caps c
              WHERE c.offer_id = p_offers[k] AND c.user_id = p_user AND c.window_start = p_windows[k]
                AND c.used + c.reserved >= p_cap_counts[k]))
     ORDER BY k LIMIT p_want) AS best;
  FOREACH i IN ARRAY coalesce(picked, '{}') LOOP
    offer_id := p_offers[i];
    reservation_id := NULL;
    UPDATE promo.offers o SET reserved = o.reserved + 1
     WHERE o.id = p_offers[i] AND o.deleted_at IS NULL
       AND o.used_impressions + o.reserved < least(o.budget_impressions, p_limits[i])
       AND (o.budget_clicks = 0 OR o.used_clicks < o.budget_clicks);
    IF FOUND AND p_cap_counts[i] > 0 THEN
      INSERT INTO promo.offer_caps AS c (offer_id, user_id, window_start, cap_limit, reserved)
      VALUES (p_offers[i], p_user, p_windows[i], p_cap_counts[i], 1)
      ON CONFLICT ON CONSTRAINT offer_caps_pkey DO UPDATE SET reserved = c.reserved + 1, cap_limit = EXCLUDED.cap_limit
       WHERE c.used + c.reserved < EXCLUDED.cap_limit;
      IF NOT FOUND THEN
        UPDATE promo.offers o SET reserved = o.reserved - 1 WHERE o.id = p_offers[i];
        RETURN NEXT;
        CONTINUE;
      END IF;
    ELSIF NOT FOUND THEN
      RETURN NEXT;
      CONTINUE;
    END IF;
    reservation_id := gen_random_uuid();
    INSERT INTO promo.offer_reservations (id, offer_id, user_id, window_start, expires_at)
    VALUES (reservation_id, p_offers[i], p_user, CASE WHEN p_cap_counts[i] > 0 THEN p_windows[i] END, p_expires);
    RETURN NEXT;
  END LOOP;
END;
$$;
-- +goose StatementEnd

CREATE OR REPLACE FUNCTION promo.reserve_offers(p_user uuid, p_offers uuid[], p_limits bigint[], p_cap_counts integer[],
                                                p_windows timestamptz[], p_want integer, p_expires timestamptz)
RETURNS TABLE (offer_id uuid, reservation_id uuid)
LANGUAGE sql AS $$
  SELECT r.offer_id, r.reservation_id
    FROM promo.reserve_best_offers(p_user, p_offers, p_limits, p_cap_counts, p_windows, p_want, p_expires) AS r
   WHERE r.reservation_id IS NOT NULL
$$;

-- +goose Down
-- reserve_offers as 00010_offers.sql made it.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION promo.reserve_offers(p_user uuid, p_offers uuid[], p_limits bigint[], p_cap_counts integer[],
                                     p_windows timestamptz[], p_want integer, p_expires timestamptz)
RETURNS TABLE (offer_id uuid, reservation_id uuid)
LANGUAGE plpgsql AS $$
DECLARE
  i integer;
  n integer := 0;
  rid uuid;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_offers, 1), 0) LOOP
    EXIT WHEN n >= p_want;
    CONTINUE WHEN EXISTS (SELECT 1 FROM promo.offer_dismissals d WHERE d.user_id = p_user AND d.offer_id = p_offers[i]);
    UPDATE promo.offers o SET reserved = o.reserved + 1
     WHERE o.id = p_offers[i] AND o.deleted_at IS NULL
       AND o.used_impressions + o.reserved < least(o.budget_impressions, p_limits[i])
       AND (o.budget_clicks = 0 OR o.used_clicks < o.budget_clicks);
    CONTINUE WHEN NOT FOUND;
    IF p_cap_counts[i] > 0 THEN
      INSERT INTO promo.offer_caps AS c (offer_id, user_id, window_start, cap_limit, reserved)
      VALUES (p_offers[i], p_user, p_windows[i], p_cap_counts[i], 1)
      ON CONFLICT ON CONSTRAINT offer_caps_pkey DO UPDATE SET reserved = c.reserved + 1, cap_limit = EXCLUDED.cap_limit
       WHERE c.used + c.reserved < EXCLUDED.cap_limit;
      IF NOT FOUND THEN
        UPDATE promo.offers o SET reserved = o.reserved - 1 WHERE o.id = p_offers[i];
        CONTINUE;
      END IF;
    END IF;
    rid := gen_random_uuid();
    INSERT INTO promo.offer_reservations (id, offer_id, user_id, window_start, expires_at)
    VALUES (rid, p_offers[i], p_user, CASE WHEN p_cap_counts[i] > 0 THEN p_windows[i] END, p_expires);
    offer_id := p_offers[i];
    reservation_id := rid;
    n := n + 1;
    RETURN NEXT;
  END LOOP;
END;
$$;
-- +goose StatementEnd
DROP FUNCTION promo.reserve_best_offers(uuid, uuid[], bigint[], integer[], timestamptz[], integer, timestamptz);
