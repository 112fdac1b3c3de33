-- Every kind of workout (issue 12), part 2:
--  * the exercise catalogue: built-in exercises (user_id NULL) with stable
--    keys and ids (the id is md5('athlos/exercise/' || key) as a UUID, the
--    same on every installation), and users' own exercises (user_id set,
--    key NULL), private to them;
--  * a session's exercises and their sets (strength and other indoor
--    sessions), in order;
--  * a session's laps: where each lap starts (lap_marks: the times of the
--    live stream's lap markers, or of an imported file's laps), and the
--    figures of each lap (laps), computed from the points when the session
--    finishes (or its figures are computed again).

-- +goose Up
CREATE TABLE training.exercises (
  id             uuid PRIMARY KEY,
  key            text UNIQUE,                -- built-in exercises only
  user_id        uuid,                       -- NULL: the catalogue's; else the owner's own
  name           text NOT NULL,
  muscle_groups  text[] NOT NULL,
  equipment      text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((key IS NULL) <> (user_id IS NULL))
);
CREATE INDEX exercises_user ON training.exercises (user_id, id);

CREATE TABLE training.session_exercises (
  session_id   uuid NOT NULL REFERENCES training.sessions ON DELETE CASCADE,
  position     integer NOT NULL,
  exercise_id  uuid NOT NULL REFERENCES training.exercises,
  notes        text NOT NULL DEFAULT '',
  PRIMARY KEY (session_id, position)
);
CREATE INDEX session_exercises_exercise ON training.session_exercises (exercise_id);

CREATE TABLE training.session_sets (
  session_id         uuid NOT NULL,
  exercise_position  integer NOT NULL,
  position           integer NOT NULL,
  reps               integer,
  weight_kg          double precision,
  duration_s         double precision,
  rest_s             double precision,
  rpe                double precision,
  warmup             boolean NOT NULL DEFAULT false,
  PRIMARY KEY (session_id, exercise_position, position),
  FOREIGN KEY (session_id, exercise_position) REFERENCES training.session_exercises ON DELETE CASCADE
);

CREATE TABLE training.lap_marks (
  session_id  uuid NOT NULL REFERENCES training.sessions ON DELETE CASCADE,
  t           timestamptz NOT NULL,          -- a new lap starts at the point of this time
  PRIMARY KEY (session_id, t)
);

CREATE TABLE training.laps (
  session_id     uuid NOT NULL REFERENCES training.sessions ON DELETE CASCADE,
  index          integer NOT NULL,
  started_at     timestamptz NOT NULL,
  elapsed_time_s double precision NOT NULL,
  moving_time_s  double precision NOT NULL,
  distance_m     double precision NOT NULL,
  avg_hr_bpm     double precision,
  max_hr_bpm     integer,
  avg_speed_mps  double precision NOT NULL,
  PRIMARY KEY (session_id, index)
);

INSERT INTO training.exercises (id, key, name, muscle_groups, equipment)
SELECT md5('athlos/exercise/' || key)::uuid, key, name, muscle_groups::text[], equipment FROM (VALUES
  ('back_squat', 'Back squat', '{quadriceps,glutes,hamstrings,lower_back}', 'barbell'),
  ('front_squat', 'Front squat', '{quadriceps,glutes,core}', 'barbell'),
  ('goblet_squat', 'Goblet squat', '{quadriceps,glutes}', 'kettlebell'),
  ('bulgarian_split_squat', 'Bulgarian split squat', '{quadriceps,glutes}', 'dumbbell'),
  ('lunge', 'Lunge', '{quadriceps,glutes,hamstrings}', 'dumbbell'),
  ('leg_press', 'Leg press', '{quadriceps,glutes}', 'machine'),
  ('leg_extension', 'Leg extension', '{quadriceps}', 'machine'),
  ('leg_curl', 'Leg curl', '{hamstrings}', 'machine'),
  ('deadlift', 'Deadlift', '{hamstrings,glutes,lower_back,back}', 'barbell'),
  ('romanian_deadlift', 'Romanian deadlift', '{hamstrings,glutes,lower_back}', 'barbell'),
  ('sumo_deadlift', 'Sumo deadlift', '{glutes,quadriceps,hamstrings,adductors}', 'barbell'),
  ('hip_thrust', 'Hip thrust', '{glutes,hamstrings}', 'barbell'),
  ('glute_bridge', 'Glute bridge', '{glutes,hamstrings}', 'bodyweight'),
  ('kettlebell_swing', 'Kettlebell swing', '{glutes,hamstrings,lower_back}', 'kettlebell'),
  ('standing_calf_raise', 'Standing calf raise', '{calves}', 'machine'),
  ('seated_calf_raise', 'Seated calf raise', '{calves}', 'machine'),
  ('step_up', 'Step-up', '{quadriceps,glutes}', 'dumbbell'),
  ('bench_press', 'Bench press', '{chest,triceps,shoulders}', 'barbell'),
  ('incline_bench_press', 'Incline bench press', '{chest,shoulders,triceps}', 'barbell'),
  ('dumbbell_bench_press', 'Dumbbell bench press', '{chest,triceps,shoulders}', 'dumbbell'),
  ('dumbbell_fly', 'Dumbbell fly', '{chest}', 'dumbbell'),
  ('cable_crossover', 'Cable crossover', '{chest}', 'cable'),
  ('push_up', 'Push-up', '{chest,triceps,shoulders}', 'bodyweight'),
  ('dip', 'Dip', '{triceps,chest,shoulders}', 'bodyweight'),
  ('overhead_press', 'Overhead press', '{shoulders,triceps}', 'barbell'),
  ('dumbbell_shoulder_press', 'Dumbbell shoulder press', '{shoulders,triceps}', 'dumbbell'),
  ('lateral_raise', 'Lateral raise', '{shoulders}', 'dumbbell'),
  ('face_pull', 'Face pull', '{shoulders,back}', 'cable'),
  ('pull_up', 'Pull-up', '{back,biceps}', 'bodyweight'),
  ('chin_up', 'Chin-up', '{back,biceps}', 'bodyweight'),
  ('lat_pulldown', 'Lat pulldown', '{back,biceps}', 'cable'),
  ('barbell_row', 'Barbell row', '{back,biceps,lower_back}', 'barbell'),
  ('dumbbell_row', 'Dumbbell row', '{back,biceps}', 'dumbbell'),
  ('seated_cable_row', 'Seated cable row', '{back,biceps}', 'cable'),
  ('inverted_row', 'Inverted row', '{back,biceps}', 'bodyweight'),
  ('shrug', 'Shrug', '{back}', 'barbell'),
  ('barbell_curl', 'Barbell curl', '{biceps,forearms}', 'barbell'),
  ('dumbbell_curl', 'Dumbbell curl', '{biceps,forearms}', 'dumbbell'),
  ('hammer_curl', 'Hammer curl', '{biceps,forearms}', 'dumbbell'),
  ('triceps_pushdown', 'Triceps pushdown', '{triceps}', 'cable'),
  ('skull_crusher', 'Skull crusher', '{triceps}', 'barbell'),
  ('overhead_triceps_extension', 'Overhead triceps extension', '{triceps}', 'dumbbell'),
  ('plank', 'Plank', '{core}', 'bodyweight'),
  ('side_plank', 'Side plank', '{core}', 'bodyweight'),
  ('crunch', 'Crunch', '{core}', 'bodyweight'),
  ('hanging_leg_raise', 'Hanging leg raise', '{core,hip_flexors}', 'bodyweight'),
  ('russian_twist', 'Russian twist', '{core}', 'bodyweight'),
  ('ab_wheel_rollout', 'Ab wheel rollout', '{core}', 'other'),
  ('back_extension', 'Back extension', '{lower_back,glutes}', 'bodyweight'),
  ('farmers_walk', 'Farmer''s walk', '{forearms,back,core}', 'dumbbell'),
  ('power_clean', 'Power clean', '{full_body}', 'barbell'),
  ('snatch', 'Snatch', '{full_body}', 'barbell'),
  ('clean_and_jerk', 'Clean and jerk', '{full_body}', 'barbell'),
  ('thruster', 'Thruster', '{full_body}', 'barbell'),
  ('burpee', 'Burpee', '{full_body}', 'bodyweight'),
  ('box_jump', 'Box jump', '{quadriceps,glutes,calves}', 'bodyweight'),
  ('wall_ball', 'Wall ball', '{full_body}', 'medicine_ball'),
  ('turkish_get_up', 'Turkish get-up', '{full_body,core,shoulders}', 'kettlebell'),
  ('band_pull_apart', 'Band pull-apart', '{shoulders,back}', 'band')
) AS e (key, name, muscle_groups, equipment);

-- +goose Down
DROP TABLE training.laps;
DROP TABLE training.lap_marks;
DROP TABLE training.session_sets;
DROP TABLE training.session_exercises;
DROP TABLE training.exercises;
