-- Each lap's climb and descent (with the session's 3 m hysteresis), and its
-- average power and cadence, for interval work. Laps stored before keep 0
-- and no power until their session's figures are computed again.

-- +goose Up
ALTER TABLE training.laps
  ADD COLUMN elevation_gain_m double precision NOT NULL DEFAULT 0,
  ADD COLUMN elevation_loss_m double precision NOT NULL DEFAULT 0,
  ADD COLUMN avg_power_w      double precision,
  ADD COLUMN avg_cadence      double precision;

-- +goose Down
ALTER TABLE training.laps
  DROP COLUMN elevation_gain_m,
  DROP COLUMN elevation_loss_m,
  DROP COLUMN avg_power_w,
  DROP COLUMN avg_cadence;
