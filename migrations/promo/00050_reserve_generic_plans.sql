-- reserve_best_offers, the serving path's one SQL call, with less work
-- per list (measured with pg_stat_statements: docs/benchmarks.md):
--
-- - Its statements keep one generic plan per connection
--   (plan_cache_mode). Before, PostgreSQL planned the first statement, the
--   read of the user's dismissals and caps, again at every call (a custom
--   plan for the arrays' values), which cost more than running it. Each
--   EXISTS is an index probe per candidate (OFFSET 0 keeps it one: never a
--   join that reads a whole table), stopping at p_want candidates.
-- - The reservations are inserted in one statement after the loop, not one
--   INSERT per offer.
--
-- What it reserves, and the locks and their order, are those of
-- 00040_reserve_best_offers.sql.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION promo.reserve_best_offers(p_user uuid, p_offers uuid[], p_limits bigint[], p_cap_counts integer[],
                                                     p_windows timestamptz[], p_want integer, p_expires timestamptz)
RETURNS TABLE (offer_id uuid, reservation_id uuid)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  picked integer[];
  i integer;
  ids uuid[] := '{}';
  offs uuid[] := '{}';
  wins timestamptz[] := '{}';
BEGIN
  SELECT array_agg(k ORDER BY p_offers[k]) INTO picked FROM (
    SELECT k FROM generate_subscripts(p_offers, 1) AS k
     WHERE NOT EXISTS (SELECT 1 FROM promo.offer_dismissals d WHERE d.user_id = p_user AND d.offer_id = p_offers[k] OFFSET 0)
       AND NOT (p_cap_counts[k] > 0 AND EXISTS (
             SELECT 1 FROM promo.offer_caps c
              WHERE c.offer_id = p_offers[k] AND c.user_id = p_user AND c.window_start = p_windows[k]
                AND c.used + c.reserved >= p_cap_counts[k] OFFSET 0))
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
    ids := ids || reservation_id;
    offs := offs || p_offers[i];
    wins := wins || CASE WHEN p_cap_counts[i] > 0 THEN p_windows[i] END;
    RETURN NEXT;
  END LOOP;
  INSERT INTO promo.offer_reservations (id, offer_id, user_id, window_start, expires_at)
  SELECT r.id, r.offer_id, p_user, r.window_start, p_expires FROM unnest(ids, offs, wins) AS r(id, offer_id, window_start);
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- reserve_best_offers as 00040_reserve_best_offers.sql made it.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION promo.reserve_best_offers(p_user uuid, p_offers uuid[], p_limits bigint[], p_cap_counts integer[],
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
