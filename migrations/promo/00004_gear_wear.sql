-- Gear wear from evt.client.gear.wear_limit_reached: the client module
-- publishes no gear.updated when only an item's totals change with a
-- session, so the distance of the last gear event can be behind; the
-- crossing of the replacement threshold tells promo the distance then.
-- facts.Load uses wear_distance_m while no gear event is newer than
-- wear_at.

-- +goose Up
ALTER TABLE promo.user_gear
  ADD COLUMN wear_distance_m double precision,
  ADD COLUMN wear_at timestamptz;

-- +goose Down
ALTER TABLE promo.user_gear DROP COLUMN wear_at, DROP COLUMN wear_distance_m;
