-- reserve_best_offers replaces reserve_offers on the serving path. It is
-- given the best-ranked candidates in rank order (more than it needs)
-- and first drops, by reading only, those the user dismissed or whose cap
-- window is full: a refresh of a user's list no longer writes an offer's
-- row only to take the write back when the cap refuses, and no longer
-- needs another round trip for the places such offers left. Then it
-- reserves the best p_want of the rest with reserve_offers: in id order
-- (the lock order), each a conditional UPDATE of the offer's row and a
-- conditional upsert of the user's cap window.
--
-- The read is not a lock: a cap found full may free up at once, which
-- costs this list that offer (never an overspend), and a cap found with
-- room may fill before the upsert, which refuses then, as before.
-- It answers a row for every offer it tried, with a null reservation for
-- those that had no room: the caller's next round starts after the last
-- one tried. reserve_offers is also what processes of the previous release call
-- during a rolling upgrade.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION promo.reserve_best_offers(p_user uuid, p_offers uuid[], p_limits bigint[], p_cap_counts integer[],
                                          p_windows timestamptz[], p_want integer, p_expires timestamptz)
RETURNS TABLE (offer_id uuid, reservation_id uuid)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  picked integer[];
BEGIN
  SELECT array_agg(k ORDER BY p_offers[k]) INTO picked FROM (
    SELECT k FROM generate_subscripts(p_offers, 1) AS k
     WHERE NOT EXISTS (SELECT 1 FROM promo.offer_dismissals d WHERE d.user_id = p_user AND d.offer_id = p_offers[k])
       AND NOT (p_cap_counts[k] > 0 AND EXISTS (
             SELECT 1 FROM promo.offer_caps c
              WHERE c.offer_id = p_offers[k] AND c.user_id = p_user AND c.window_start = p_windows[k]
                AND c.used + c.reserved >= p_cap_counts[k]))
     ORDER BY k LIMIT p_want) AS best;
  RETURN QUERY
    WITH r AS (
      SELECT * FROM promo.reserve_offers(p_user,
        ARRAY(SELECT p_offers[k] FROM unnest(picked) WITH ORDINALITY AS x(k, n) ORDER BY n),
        ARRAY(SELECT p_limits[k] FROM unnest(picked) WITH ORDINALITY AS x(k, n) ORDER BY n),
        ARRAY(SELECT p_cap_counts[k] FROM unnest(picked) WITH ORDINALITY AS x(k, n) ORDER BY n),
        ARRAY(SELECT p_windows[k] FROM unnest(picked) WITH ORDINALITY AS x(k, n) ORDER BY n),
        p_want, p_expires))
    SELECT p_offers[k], r.reservation_id FROM unnest(picked) AS k LEFT JOIN r ON r.offer_id = p_offers[k];
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION promo.reserve_best_offers(uuid, uuid[], bigint[], integer[], timestamptz[], integer, timestamptz);
