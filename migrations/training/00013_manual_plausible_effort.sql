-- Every kind of workout (issue 12), part 1:
--  * sessions entered by hand (source_format 'manual': no points, finished
--    at once);
--  * each finished session's plausibility verdict (internal/plausible):
--    sessions finished before this migration were judged by the point
--    rules only and stay plausible until their figures are computed again;
--  * the athlete's threshold heart rate (the client profile's threshold_hr,
--    for hrTSS);
--  * perceived effort is now Foster's CR-10, 0 (rest) to 10: the values
--    stored so far (1 to 10) keep their meaning, and 0, which used to
--    remove the value and was never stored, is now stored as a rating.
--    No row changes; the constraint below keeps the scale.

-- +goose Up
ALTER TABLE training.sessions
  ADD COLUMN plausible          boolean NOT NULL DEFAULT true,
  ADD COLUMN implausible_reason text;
ALTER TABLE training.athletes ADD COLUMN threshold_hr integer;
ALTER TABLE training.session_parameters ADD CONSTRAINT session_parameters_perceived_effort
  CHECK (name <> 'perceived_effort'
    OR CASE WHEN jsonb_typeof(value) = 'number' THEN value::numeric BETWEEN 0 AND 10 ELSE false END);

-- +goose Down
ALTER TABLE training.session_parameters DROP CONSTRAINT session_parameters_perceived_effort;
ALTER TABLE training.athletes DROP COLUMN threshold_hr;
ALTER TABLE training.sessions DROP COLUMN implausible_reason, DROP COLUMN plausible;
