package plan

import "time"

// Kind is a kind of workout.
type Kind string

// Kinds of workout. A race is the goal's race day.
const (
	KindEasy      Kind = "easy"
	KindLong      Kind = "long"
	KindTempo     Kind = "tempo"
	KindIntervals Kind = "intervals"
	KindRecovery  Kind = "recovery"
	KindStrength  Kind = "strength"
	KindCross     Kind = "cross_training"
	KindRest      Kind = "rest"
	KindRace      Kind = "race"
)

// Phase is a phase of a periodised plan.
type Phase string

// Phases: base (aerobic foundation, easy volume), build (threshold work
// joins), peak (race-specific: threshold and intervals) and taper (volume
// cut, intensity kept). Volume and fitness plans have base and build only.
const (
	PhaseBase  Phase = "base"
	PhaseBuild Phase = "build"
	PhasePeak  Phase = "peak"
	PhaseTaper Phase = "taper"
)

// Workout is one planned workout.
type Workout struct {
	ID    string // stable within the plan: the date and the workout's place on it
	Date  Date
	Kind  Kind
	Sport string
	// Minutes is the target duration; for a race, the predicted or target
	// time (0 when neither is known).
	Minutes int
	// WorkMinutes is the time at the session's key intensity (tempo and
	// intervals), in Reps repetitions of RepMinutes; the rest is easy
	// running (warm-up, recoveries, cool-down).
	WorkMinutes int
	Reps        int
	RepMinutes  int
	// Intensity is Daniels' intensity of the key work (E for easy, long and
	// recovery sessions).
	Intensity Intensity
	// DistanceKm is the target distance, when paces are known (0 otherwise).
	DistanceKm float64
	// Pace is the pace range of the key work (running with a VDOT), HR its
	// heart-rate range (with zones or a maximum heart rate); nil when not
	// known.
	Pace *PaceRange
	HR   *HRRange
}

// Week is one ISO week of a plan (Monday first, in the user's time zone).
type Week struct {
	Year, Number int // ISO year and week number
	Monday       Date
	Phase        Phase
	Recovery     bool // a lighter week
	// Minutes is the planned time of the plan's sport (the race excluded).
	Minutes  int
	Workouts []Workout
}

// Explanation is a message for the app to translate: a key and its
// parameters.
type Explanation struct {
	Key    string
	Params map[string]any
}

// Plan is a training plan.
type Plan struct {
	Request Request
	// Athlete is the state the current shape of the plan was laid from.
	Athlete Athlete
	// Location is the user's time zone: it places sessions on days. It is
	// not part of the plan's data: whoever loads a plan sets it from the
	// profile.
	Location *time.Location
	Created  Date // the day the plan was built
	From     Date // the first day of its current shape (Created, or the day of its last re-plan)
	End      Date // its last day (the race day for a race goal)
	Weeks    []Week
	Notes    []Explanation
}

// Workouts lists the plan's workouts in order (rest days included).
func (p Plan) Workouts() []Workout {
	var out []Workout
	for _, w := range p.Weeks {
		out = append(out, w.Workouts...)
	}
	return out
}
