-- The athlete's lactate threshold heart rate (issue 12): training load
-- (hrTSS) uses it. Nullable: unknown until the user gives it.

-- +goose Up
ALTER TABLE client.users ADD COLUMN threshold_hr_bpm integer CHECK (threshold_hr_bpm BETWEEN 80 AND 230);

-- +goose Down
ALTER TABLE client.users DROP COLUMN threshold_hr_bpm;
