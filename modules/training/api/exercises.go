package api

import "time"

// Subjects of the exercise catalogue and of a session's exercises (they
// need a caller).
const (
	SubjectExercisesList   = "rpc.training.exercises.list"   // ExerciseListRequest → ExerciseList
	SubjectExercisesGet    = "rpc.training.exercises.get"    // ExerciseRef → Exercise
	SubjectExercisesCreate = "rpc.training.exercises.create" // ExerciseCreate → Exercise
	SubjectExercisesPatch  = "rpc.training.exercises.patch"  // ExercisePatch → Exercise
	SubjectExercisesDelete = "rpc.training.exercises.delete" // ExerciseRef → Empty
	// SubjectSessionExercises replaces a session's exercises and sets.
	SubjectSessionExercises = "rpc.training.sessions.exercises" // SessionExercisesPut → Session
)

// Exercise is an exercise of the catalogue (built in, with a stable key)
// or one of the caller's own.
type Exercise struct {
	ID           string    `json:"id" format:"uuid" doc:"built-in exercises have the same id on every installation"`
	Key          *string   `json:"key" doc:"built-in exercises: a stable name (back_squat); null for your own"`
	Own          bool      `json:"own" doc:"one of your own exercises (only you see it)"`
	Name         string    `json:"name"`
	MuscleGroups []string  `json:"muscle_groups" enum:"chest,back,lower_back,shoulders,biceps,triceps,forearms,core,glutes,quadriceps,hamstrings,adductors,calves,hip_flexors,full_body"`
	Equipment    string    `json:"equipment" enum:"barbell,dumbbell,kettlebell,machine,cable,bodyweight,band,medicine_ball,other"`
	CreatedAt    time.Time `json:"created_at"`
}

// ExerciseCreate adds one of the caller's own exercises.
type ExerciseCreate struct {
	Name         string   `json:"name" minLength:"1" maxLength:"100"`
	MuscleGroups []string `json:"muscle_groups" minItems:"1" maxItems:"6" enum:"chest,back,lower_back,shoulders,biceps,triceps,forearms,core,glutes,quadriceps,hamstrings,adductors,calves,hip_flexors,full_body"`
	Equipment    string   `json:"equipment" enum:"barbell,dumbbell,kettlebell,machine,cable,bodyweight,band,medicine_ball,other"`
}

// ExercisePatch changes one of the caller's own exercises.
type ExercisePatch struct {
	ID string `json:"id"`
	ExerciseChanges
}

// ExerciseChanges are the fields PATCH may change; absent fields stay.
type ExerciseChanges struct {
	Name         *string   `json:"name,omitempty" minLength:"1" maxLength:"100"`
	MuscleGroups *[]string `json:"muscle_groups,omitempty" minItems:"1" maxItems:"6" enum:"chest,back,lower_back,shoulders,biceps,triceps,forearms,core,glutes,quadriceps,hamstrings,adductors,calves,hip_flexors,full_body"`
	Equipment    *string   `json:"equipment,omitempty" enum:"barbell,dumbbell,kettlebell,machine,cable,bodyweight,band,medicine_ball,other"`
}

// ExerciseRef names an exercise.
type ExerciseRef struct {
	ID string `json:"id"`
}

// ExerciseListRequest asks for a page of the exercises the caller may
// use: the catalogue's and its own.
type ExerciseListRequest struct {
	Own         bool   `json:"own,omitempty"`
	MuscleGroup string `json:"muscle_group,omitempty"`
	Limit       int    `json:"limit,omitempty"`
	Cursor      string `json:"cursor,omitempty"`
}

// ExerciseList is a page of exercises.
type ExerciseList struct {
	Items      []Exercise `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

// SessionExercise is one exercise of a session and its sets, in order.
type SessionExercise struct {
	ExerciseID string        `json:"exercise_id" format:"uuid" doc:"a built-in exercise or one of your own"`
	Notes      string        `json:"notes,omitempty" maxLength:"1000"`
	Sets       []ExerciseSet `json:"sets" maxItems:"100"`
}

// ExerciseSet is one set; fields left out are unknown.
type ExerciseSet struct {
	Reps      int      `json:"reps,omitempty" minimum:"0" maximum:"1000"`
	WeightKg  float64  `json:"weight_kg,omitempty" minimum:"0" maximum:"1000" doc:"external load; 0 or absent for bodyweight"`
	DurationS float64  `json:"duration_s,omitempty" minimum:"0" maximum:"86400" doc:"a timed set (a plank)"`
	RestS     *float64 `json:"rest_s,omitempty" minimum:"0" maximum:"3600" doc:"rest after the set"`
	RPE       *float64 `json:"rpe,omitempty" minimum:"0" maximum:"10" doc:"effort of the set, 0 to 10"`
	Warmup    bool     `json:"warmup,omitempty" doc:"counts in the volume, not in the bests"`
}

// SessionExercisesPut replaces a session's exercises (an empty list
// removes them).
type SessionExercisesPut struct {
	ID        string            `json:"id"`
	Exercises []SessionExercise `json:"exercises" maxItems:"50"`
}

// StrengthSummary is a session's strength figures, from its sets.
type StrengthSummary struct {
	// VolumeKg is the volume load, sets × reps × kg (McBride et al. 2009).
	VolumeKg float64        `json:"volume_kg" doc:"volume load: the sum of reps × kg over every set"`
	Sets     int            `json:"sets"`
	Bests    []ExerciseBest `json:"bests" doc:"per exercise, in the session's order"`
}

// ExerciseBest is an exercise's bests in one session.
type ExerciseBest struct {
	ExerciseID string  `json:"exercise_id" format:"uuid"`
	Sets       int     `json:"sets"`
	VolumeKg   float64 `json:"volume_kg"`
	// E1RMKg is the highest estimated one-repetition maximum of a working
	// set of at most 10 reps (0 when none), by Formula.
	E1RMKg        float64 `json:"e1rm_kg" doc:"estimated one-repetition maximum of the best working set of 1 to 10 reps (0: none allows one)"`
	E1RMSet       int     `json:"e1rm_set" doc:"index of that set in the exercise's sets; -1 when none"`
	Formula       string  `json:"formula" enum:"epley,brzycki" doc:"epley: w·(1 + r/30) (Epley 1985); brzycki: w·36/(37 − r) (Brzycki 1993)"`
	MaxWeightKg   float64 `json:"max_weight_kg"`
	MaxReps       int     `json:"max_reps"`
	BestSetVolume float64 `json:"best_set_volume_kg"`
}
