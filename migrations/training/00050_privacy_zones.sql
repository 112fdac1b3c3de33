-- Privacy zones: up to 5 circles per user (a centre and a radius of 200 m
-- to 2 km) inside which the positions of the user's sessions are hidden
-- from everyone but the user. center and radius_m are what the user gave;
-- mask_center and mask_radius_m the circle that hides them (moved at
-- random by up to a quarter of the radius and enlarged to cover the
-- user's circle whole, so that where routes are cut does not point at the
-- centre the user chose). Masking happens when a route is read, so a
-- changed zone applies to past sessions at once.

-- +goose Up
CREATE TABLE training.privacy_zones (
  id             uuid PRIMARY KEY,
  user_id        uuid NOT NULL,
  center         geography(Point, 4326) NOT NULL,
  radius_m       double precision NOT NULL CHECK (radius_m BETWEEN 200 AND 2000),
  mask_center    geography(Point, 4326) NOT NULL,
  mask_radius_m  double precision NOT NULL CHECK (mask_radius_m >= radius_m),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX privacy_zones_user ON training.privacy_zones (user_id, id);

-- +goose Down
DROP TABLE training.privacy_zones;
