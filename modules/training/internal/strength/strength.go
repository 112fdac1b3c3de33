// Package strength holds the figures of strength sessions: volume load
// (sets × reps × kg), the estimated one-repetition maximum by Epley's or
// Brzycki's equation, each exercise's bests in a session, and which of them
// beat the athlete's previous bests. It has no SQL, NATS or fx in it.
package strength

import (
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// Formulas of the estimated one-repetition maximum.
const (
	// Epley is w·(1 + r/30) (Epley 1985, Poundage Chart, Boyd Epley
	// Workout, Lincoln NE: Body Enterprises).
	Epley = "epley"
	// Brzycki is w·36/(37 − r) (Brzycki 1993, "Strength testing—predicting
	// a one-rep max from reps-to-fatigue", J Phys Educ Recreat Dance
	// 64(1):88–90).
	Brzycki = "brzycki"
	// DefaultFormula is the formula unless the caller chooses: Epley's, the
	// one of most apps and of the NSCA's load charts.
	DefaultFormula = Epley
)

// MaxRepsFor1RM is the most repetitions a set may have to estimate a
// one-repetition maximum: both equations are accurate to about 10 reps and
// drift beyond (LeSuer, McCormick, Mayhew, Wasserstein & Arnold 1997, "The
// accuracy of prediction equations for estimating 1-RM performance in the
// bench press, squat, and deadlift", J Strength Cond Res 11(4):211–213;
// Brzycki 1993 states the same limit).
const MaxRepsFor1RM = 10

// Set is one set of an exercise. Zero values are unknowns.
type Set struct {
	Reps     int
	WeightKg float64 // external load; 0 for a bodyweight set
	// DurationS is a timed set's length (a plank), seconds.
	DurationS float64
	// RPE is the effort of the set (Borg CR-10 or RIR-based RPE, 0–10);
	// nil when not given.
	RPE *float64
	// Warmup sets count in the volume but not in the bests.
	Warmup bool
}

// Exercise is one exercise of a session and its sets, in order.
type Exercise struct {
	// ID names the exercise in the catalogue (the same ID across sessions).
	ID   string
	Sets []Set
}

// Validate checks an exercise's sets; the error is a *fielderr.Error whose
// field is "sets[i].…".
func (e Exercise) Validate() error {
	if e.ID == "" {
		return fielderr.New("exercise", "is required")
	}
	for i, s := range e.Sets {
		switch {
		case s.Reps < 0 || s.Reps > 1000:
			return fielderr.New(setField(i, "reps"), "must be between 0 and 1000")
		case !(s.WeightKg >= 0 && s.WeightKg <= 1000):
			return fielderr.New(setField(i, "weight_kg"), "must be between 0 and 1000 kg")
		case !(s.DurationS >= 0 && s.DurationS <= 86400):
			return fielderr.New(setField(i, "duration_s"), "must be between 0 and 86,400 s")
		case s.RPE != nil && !(*s.RPE >= 0 && *s.RPE <= 10):
			return fielderr.New(setField(i, "rpe"), "must be between 0 and 10")
		}
	}
	return nil
}

func setField(i int, name string) string {
	return "sets[" + strconv.Itoa(i) + "]." + name
}

// Volume is the volume load of sets: the sum of reps × kg (McBride,
// McCaulley, Cormie, Nuzzo, Cavill & Triplett 2009, "Comparison of methods
// to quantify volume during resistance exercise", J Strength Cond Res
// 23(1):106–110). Bodyweight and timed sets add 0.
func Volume(sets []Set) float64 {
	var v float64
	for _, s := range sets {
		v += float64(s.Reps) * s.WeightKg
	}
	return v
}

// OneRM is the estimated one-repetition maximum of reps repetitions at
// weightKg by formula (Epley or Brzycki); ok is false when it cannot be
// estimated: no weight, no reps, more than MaxRepsFor1RM, or an unknown
// formula. A single rep is its own maximum under both formulas (Epley's
// equation would give 1.033 × w; by convention one rep is the 1RM).
func OneRM(formula string, weightKg float64, reps int) (float64, bool) {
	if !(weightKg > 0) || reps < 1 || reps > MaxRepsFor1RM {
		return 0, false
	}
	if reps == 1 {
		return weightKg, formula == Epley || formula == Brzycki
	}
	switch formula {
	case Epley:
		return weightKg * (1 + float64(reps)/30), true
	case Brzycki:
		return weightKg * 36 / (37 - float64(reps)), true
	}
	return 0, false
}

// Best is an exercise's bests in one session.
type Best struct {
	Exercise string `json:"exercise"`
	// Sets counts the sets, warm-ups included; Volume is their volume load.
	Sets   int     `json:"sets"`
	Volume float64 `json:"volume_kg"`
	// OneRM is the highest estimated one-repetition maximum of a working
	// set (0 when none allows one), OneRMSet its index and Formula the
	// formula.
	OneRM    float64 `json:"e1rm_kg"`
	OneRMSet int     `json:"e1rm_set"`
	Formula  string  `json:"formula"`
	// MaxWeightKg is the heaviest working set with at least one rep, and
	// MaxReps the most reps in one working set.
	MaxWeightKg float64 `json:"max_weight_kg"`
	MaxReps     int     `json:"max_reps"`
	// BestSetVolume is the highest reps × kg of one working set.
	BestSetVolume float64 `json:"best_set_volume_kg"`
}

// Bests returns each exercise's bests, in the order of exercises (an
// exercise done twice in a session counts once, its sets together), by
// formula (DefaultFormula when empty). An invalid input is a
// *fielderr.Error.
func Bests(exercises []Exercise, formula string) ([]Best, error) {
	if formula == "" {
		formula = DefaultFormula
	}
	if formula != Epley && formula != Brzycki {
		return nil, fielderr.New("formula", "must be epley or brzycki")
	}
	var out []Best
	index := map[string]int{}
	for i, e := range exercises {
		if err := e.Validate(); err != nil {
			var fe *fielderr.Error
			if !errors.As(err, &fe) {
				return nil, err
			}
			return nil, fielderr.New("exercises["+strconv.Itoa(i)+"]."+fe.Field, "%s", fe.Reason)
		}
		k, ok := index[e.ID]
		if !ok {
			k = len(out)
			index[e.ID] = k
			out = append(out, Best{Exercise: e.ID, Formula: formula, OneRMSet: -1})
		}
		b := &out[k]
		for _, s := range e.Sets {
			n := b.Sets
			b.Sets++
			b.Volume += float64(s.Reps) * s.WeightKg
			if s.Warmup {
				continue
			}
			if rm, ok := OneRM(formula, s.WeightKg, s.Reps); ok && rm > b.OneRM {
				b.OneRM, b.OneRMSet = rm, n
			}
			if s.Reps > 0 {
				b.MaxWeightKg = math.Max(b.MaxWeightKg, s.WeightKg)
			}
			b.MaxReps = max(b.MaxReps, s.Reps)
			b.BestSetVolume = math.Max(b.BestSetVolume, float64(s.Reps)*s.WeightKg)
		}
	}
	return out, nil
}

// Kinds of strength records.
const (
	RecordOneRM     = "e1rm"
	RecordMaxWeight = "max_weight"
)

// Record is a best that beats the previous one of its exercise.
type Record struct {
	Exercise string  `json:"exercise"`
	Kind     string  `json:"kind"`
	Value    float64 `json:"value"`
	// Previous is the best before (0 when the exercise is new: a first
	// session sets no record).
	Previous float64 `json:"previous"`
}

// NewRecords lists the records a session's bests set over the athlete's
// previous bests (by exercise ID), exercise by exercise in the session's
// order. An exercise done for the first time sets none: there is nothing
// to beat. Both bests must use the same formula.
func NewRecords(previous map[string]Best, session []Best) []Record {
	var out []Record
	for _, b := range session {
		p, ok := previous[b.Exercise]
		if !ok {
			continue
		}
		if b.OneRM > p.OneRM && p.OneRM > 0 && b.Formula == p.Formula {
			out = append(out, Record{Exercise: b.Exercise, Kind: RecordOneRM, Value: b.OneRM, Previous: p.OneRM})
		}
		if b.MaxWeightKg > p.MaxWeightKg && p.MaxWeightKg > 0 {
			out = append(out, Record{Exercise: b.Exercise, Kind: RecordMaxWeight, Value: b.MaxWeightKg, Previous: p.MaxWeightKg})
		}
	}
	return slices.Clip(out)
}
