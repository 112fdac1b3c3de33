-- Promo offers: their definitions and budgets, per-user frequency caps,
-- the reservations that lists served hold until the app reports an
-- impression (or they expire), impressions and clicks per user (erased
-- with the user) and per day (anonymous), dismissals, and the requests
-- per hour that pacing follows.
--
-- Budgets and caps are exact under concurrency: a reservation is one
-- conditional UPDATE (used + reserved < limit) per offer, never a read
-- followed by a write, and CHECK constraints refuse any row that would
-- pass its budget or cap. Every function here locks rows in one global
-- order: an offer's row, then its cap rows, offer by offer in id order,
-- so that serving, reporting and sweeping never deadlock.

-- +goose Up
CREATE SEQUENCE promo.offer_rev;

CREATE TABLE promo.offers (
  id                  uuid PRIMARY KEY,
  definition          jsonb NOT NULL,             -- api.OfferDefinition, canonical
  starts_at           timestamptz NOT NULL,
  ends_at             timestamptz NOT NULL,
  budget_impressions  bigint NOT NULL CHECK (budget_impressions > 0),
  budget_clicks       bigint NOT NULL DEFAULT 0 CHECK (budget_clicks >= 0), -- 0: no click limit
  used_impressions    bigint NOT NULL DEFAULT 0 CHECK (used_impressions >= 0),
  used_clicks         bigint NOT NULL DEFAULT 0 CHECK (used_clicks >= 0),
  reserved            bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  deleted_at          timestamptz,
  rev                 bigint NOT NULL DEFAULT nextval('promo.offer_rev'), -- raised by every change: caches reload on a new max
  CHECK (used_impressions + reserved <= budget_impressions),
  CHECK (budget_clicks = 0 OR used_clicks <= budget_clicks),
  CHECK (ends_at > starts_at)
);
CREATE INDEX offers_rev ON promo.offers (rev);
CREATE INDEX offers_created ON promo.offers (created_at DESC, id DESC);
CREATE INDEX offers_live ON promo.offers (ends_at) WHERE deleted_at IS NULL;

-- A user's impressions of an offer in one window of its frequency cap
-- (fixed windows of period_s from the offer's start).
CREATE TABLE promo.offer_caps (
  offer_id      uuid NOT NULL REFERENCES promo.offers ON DELETE CASCADE,
  user_id       uuid NOT NULL,
  window_start  timestamptz NOT NULL,
  cap_limit     integer NOT NULL CHECK (cap_limit > 0),
  used          integer NOT NULL DEFAULT 0 CHECK (used >= 0),
  reserved      integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  PRIMARY KEY (offer_id, user_id, window_start),
  CHECK (used + reserved <= cap_limit)
);
CREATE INDEX offer_caps_user ON promo.offer_caps (user_id);

-- An impression held for a list served, until the app reports it or
-- expires_at passes (then a sweep, in every process, gives it back).
CREATE TABLE promo.offer_reservations (
  id            uuid PRIMARY KEY,
  offer_id      uuid NOT NULL REFERENCES promo.offers ON DELETE CASCADE,
  user_id       uuid NOT NULL,
  window_start  timestamptz,                       -- the cap window it holds a unit of; null without a cap
  expires_at    timestamptz NOT NULL
);
CREATE INDEX offer_reservations_user ON promo.offer_reservations (user_id, offer_id, expires_at);
CREATE INDEX offer_reservations_expiry ON promo.offer_reservations (expires_at);

-- Impressions and clicks as the app reported them, per user: counted
-- false when the budget or cap had no room. Erased with the user.
CREATE TABLE promo.offer_events (
  offer_id  uuid NOT NULL REFERENCES promo.offers ON DELETE CASCADE,
  user_id   uuid NOT NULL,
  kind      text NOT NULL CHECK (kind IN ('impression', 'click')),
  at        timestamptz NOT NULL,
  counted   boolean NOT NULL
);
CREATE INDEX offer_events_user ON promo.offer_events (user_id, offer_id, kind);

-- Figures per offer and UTC day, without users (kept after an erasure).
CREATE TABLE promo.offer_daily (
  offer_id     uuid NOT NULL REFERENCES promo.offers ON DELETE CASCADE,
  day          date NOT NULL,
  impressions  bigint NOT NULL DEFAULT 0,
  clicks       bigint NOT NULL DEFAULT 0,
  uncounted    bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (offer_id, day)
);

CREATE TABLE promo.offer_dismissals (
  user_id       uuid NOT NULL,
  offer_id      uuid NOT NULL REFERENCES promo.offers ON DELETE CASCADE,
  dismissed_at  timestamptz NOT NULL,
  PRIMARY KEY (user_id, offer_id)
);

-- Requests for offers per hour, added by each process every few seconds:
-- pacing follows the previous 7 days' hourly curve.
CREATE TABLE promo.offer_request_hours (
  hour      timestamptz PRIMARY KEY,
  requests  bigint NOT NULL
);

-- reserve_offers reserves, for p_user, one impression of each offer of
-- p_offers (in id order: the lock order) that has room under its budget,
-- its pacing limit (p_limits) and the user's cap (p_cap_counts > 0, in the
-- window p_windows), and that the user did not dismiss; at most p_want.
-- Each reservation is a conditional UPDATE: the check and the increment
-- are one step, so no number of parallel calls passes a limit.
-- +goose StatementBegin
CREATE FUNCTION promo.reserve_offers(p_user uuid, p_offers uuid[], p_limits bigint[], p_cap_counts integer[],
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

-- release_offer_reservations gives back the units of deleted reservations
-- (sorted by offer, user, window: the lock order).
-- +goose StatementBegin
CREATE FUNCTION promo.release_offer_reservations(p_offers uuid[], p_users uuid[], p_windows timestamptz[])
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  i integer;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_offers, 1), 0) LOOP
    UPDATE promo.offers SET reserved = reserved - 1 WHERE id = p_offers[i];
    IF p_windows[i] IS NOT NULL THEN
      UPDATE promo.offer_caps SET reserved = reserved - 1
       WHERE offer_id = p_offers[i] AND user_id = p_users[i] AND window_start = p_windows[i];
    END IF;
  END LOOP;
  RETURN coalesce(array_length(p_offers, 1), 0);
END;
$$;
-- +goose StatementEnd

-- sweep_offer_reservations deletes up to p_limit reservations expired at
-- p_now and gives their units back. Every process runs it: SKIP LOCKED
-- gives each expired reservation to exactly one of them.
-- +goose StatementBegin
CREATE FUNCTION promo.sweep_offer_reservations(p_now timestamptz, p_limit integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  offs uuid[];
  users uuid[];
  wins timestamptz[];
BEGIN
  WITH gone AS (
    DELETE FROM promo.offer_reservations WHERE id IN (
      SELECT id FROM promo.offer_reservations WHERE expires_at <= p_now
       ORDER BY expires_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING offer_id, user_id, window_start)
  SELECT array_agg(offer_id ORDER BY offer_id, user_id, window_start),
         array_agg(user_id ORDER BY offer_id, user_id, window_start),
         array_agg(window_start ORDER BY offer_id, user_id, window_start)
    INTO offs, users, wins FROM gone;
  RETURN promo.release_offer_reservations(offs, users, wins);
END;
$$;
-- +goose StatementEnd

-- record_offer_impression counts an impression the app reported: it
-- turns the user's oldest reservation of the offer into a used unit, or,
-- without one, counts it when the budget and cap have room (a conditional
-- UPDATE again); otherwise it is recorded, not counted.
-- +goose StatementBegin
CREATE FUNCTION promo.record_offer_impression(p_user uuid, p_offer uuid, p_cap_count integer, p_window timestamptz, p_now timestamptz)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  w timestamptz;
  counted boolean;
BEGIN
  DELETE FROM promo.offer_reservations WHERE id = (
    SELECT id FROM promo.offer_reservations
     WHERE user_id = p_user AND offer_id = p_offer
     ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING window_start INTO w;
  IF FOUND THEN
    UPDATE promo.offers SET reserved = reserved - 1, used_impressions = used_impressions + 1 WHERE id = p_offer;
    IF w IS NOT NULL THEN
      UPDATE promo.offer_caps SET reserved = reserved - 1, used = used + 1
       WHERE offer_id = p_offer AND user_id = p_user AND window_start = w;
    END IF;
    counted := true;
  ELSE
    UPDATE promo.offers SET used_impressions = used_impressions + 1
     WHERE id = p_offer AND deleted_at IS NULL AND used_impressions + reserved < budget_impressions;
    counted := FOUND;
    IF counted AND p_cap_count > 0 THEN
      INSERT INTO promo.offer_caps AS c (offer_id, user_id, window_start, cap_limit, used)
      VALUES (p_offer, p_user, p_window, p_cap_count, 1)
      ON CONFLICT ON CONSTRAINT offer_caps_pkey DO UPDATE SET used = c.used + 1
       WHERE c.used + c.reserved < EXCLUDED.cap_limit;
      IF NOT FOUND THEN
        UPDATE promo.offers SET used_impressions = used_impressions - 1 WHERE id = p_offer;
        counted := false;
      END IF;
    END IF;
  END IF;
  INSERT INTO promo.offer_events (offer_id, user_id, kind, at, counted) VALUES (p_offer, p_user, 'impression', p_now, counted);
  INSERT INTO promo.offer_daily AS d (offer_id, day, impressions, uncounted)
  VALUES (p_offer, (p_now AT TIME ZONE 'UTC')::date, counted::integer, (NOT counted)::integer)
  ON CONFLICT (offer_id, day) DO UPDATE SET impressions = d.impressions + EXCLUDED.impressions, uncounted = d.uncounted + EXCLUDED.uncounted;
  RETURN counted;
END;
$$;
-- +goose StatementEnd

-- record_offer_click counts a click when the click budget has room (null:
-- the user was never shown the offer, nothing is recorded).
-- +goose StatementBegin
CREATE FUNCTION promo.record_offer_click(p_user uuid, p_offer uuid, p_now timestamptz)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  counted boolean;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM promo.offer_events WHERE user_id = p_user AND offer_id = p_offer AND kind = 'impression') THEN
    RETURN NULL;
  END IF;
  UPDATE promo.offers SET used_clicks = used_clicks + 1
   WHERE id = p_offer AND deleted_at IS NULL AND (budget_clicks = 0 OR used_clicks < budget_clicks);
  counted := FOUND;
  INSERT INTO promo.offer_events (offer_id, user_id, kind, at, counted) VALUES (p_offer, p_user, 'click', p_now, counted);
  INSERT INTO promo.offer_daily AS d (offer_id, day, clicks, uncounted)
  VALUES (p_offer, (p_now AT TIME ZONE 'UTC')::date, counted::integer, (NOT counted)::integer)
  ON CONFLICT (offer_id, day) DO UPDATE SET clicks = d.clicks + EXCLUDED.clicks, uncounted = d.uncounted + EXCLUDED.uncounted;
  RETURN counted;
END;
$$;
-- +goose StatementEnd

-- erase_offer_user erases what the offers keep of a user: reservations
-- (their units given back), caps, impressions, clicks and dismissals.
-- +goose StatementBegin
CREATE FUNCTION promo.erase_offer_user(p_user uuid)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  offs uuid[];
  users uuid[];
  wins timestamptz[];
BEGIN
  WITH gone AS (DELETE FROM promo.offer_reservations WHERE user_id = p_user RETURNING offer_id, user_id, window_start)
  SELECT array_agg(offer_id ORDER BY offer_id, window_start),
         array_agg(user_id ORDER BY offer_id, window_start),
         array_agg(window_start ORDER BY offer_id, window_start)
    INTO offs, users, wins FROM gone;
  PERFORM promo.release_offer_reservations(offs, users, wins);
  DELETE FROM promo.offer_caps WHERE user_id = p_user;
  DELETE FROM promo.offer_events WHERE user_id = p_user;
  DELETE FROM promo.offer_dismissals WHERE user_id = p_user;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION promo.erase_offer_user(uuid);
DROP FUNCTION promo.record_offer_click(uuid, uuid, timestamptz);
DROP FUNCTION promo.record_offer_impression(uuid, uuid, integer, timestamptz, timestamptz);
DROP FUNCTION promo.sweep_offer_reservations(timestamptz, integer);
DROP FUNCTION promo.release_offer_reservations(uuid[], uuid[], timestamptz[]);
DROP FUNCTION promo.reserve_offers(uuid, uuid[], bigint[], integer[], timestamptz[], integer, timestamptz);
DROP TABLE promo.offer_request_hours;
DROP TABLE promo.offer_dismissals;
DROP TABLE promo.offer_daily;
DROP TABLE promo.offer_events;
DROP TABLE promo.offer_reservations;
DROP TABLE promo.offer_caps;
DROP TABLE promo.offers;
DROP SEQUENCE promo.offer_rev;
