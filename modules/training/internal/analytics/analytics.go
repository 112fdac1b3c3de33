// Package analytics puts the sports-science models together for one
// session and for a history: from a session summary (what the service
// reads of a session) it computes the session's load, best efforts and
// strength bests; over the per-session figures it finds the personal
// records. The models themselves live in load, fitness, performance,
// strength and recommend. It has no SQL, NATS or fx in it.
package analytics

import (
	"slices"
	"time"

	"github.com/athlos/athlos/modules/training/internal/load"
	"github.com/athlos/athlos/modules/training/internal/performance"
	"github.com/athlos/athlos/modules/training/internal/strength"
)

// SessionSummary is what the analytics need of a finished session. Zero
// values and nils are unknowns.
type SessionSummary struct {
	ID             string
	Start          time.Time
	Sport          string // a kit/sport name
	ElapsedS       float64
	MovingS        float64
	DistanceM      float64
	ElevationGainM float64
	AvgHR          float64
	// HR is the heart-rate series (seconds from the start), when recorded.
	HR []load.HRSample
	// Effort is the perceived effort, CR-10 (0–10).
	Effort *float64
	// Track is the elapsed-time and cumulative-distance series, for best
	// efforts.
	Track     []performance.Sample
	Exercises []strength.Exercise
}

// Profile is what the analytics need of the athlete.
type Profile struct {
	Athlete load.Athlete
	// StrengthFormula is the 1RM formula (strength.DefaultFormula when
	// empty).
	StrengthFormula string
}

// SessionFigures are a session's analytics.
type SessionFigures struct {
	Load load.Result `json:"load"`
	// BestEfforts are the standard distances' fastest stretches (runs
	// only).
	BestEfforts []performance.Effort `json:"best_efforts,omitempty"`
	// Strength are the exercises' bests and StrengthVolume the session's
	// volume load, kg.
	Strength       []strength.Best `json:"strength,omitempty"`
	StrengthVolume float64         `json:"strength_volume_kg"`
}

// bestEffortSports are the sports whose best efforts count: running, as
// in every tracker (a ride's kilometre is not a running record).
var bestEffortSports = []string{"run", "trail_run"}

// Session computes s's figures for the athlete of p. An invalid input is a
// *fielderr.Error naming the field.
func Session(p Profile, s SessionSummary) (SessionFigures, error) {
	var f SessionFigures
	minutes := s.MovingS
	if minutes == 0 {
		minutes = s.ElapsedS // strength and manual sessions
	}
	r, err := load.Compute(p.Athlete, load.Session{MovingS: minutes, AvgHR: s.AvgHR, HR: s.HR, Effort: s.Effort})
	if err != nil {
		return SessionFigures{}, err
	}
	f.Load = r
	if slices.Contains(bestEffortSports, s.Sport) && len(s.Track) >= 2 {
		if f.BestEfforts, err = performance.BestEfforts(s.Track, performance.StandardDistances()); err != nil {
			return SessionFigures{}, err
		}
	}
	if len(s.Exercises) > 0 {
		if f.Strength, err = strength.Bests(s.Exercises, p.StrengthFormula); err != nil {
			return SessionFigures{}, err
		}
		for _, b := range f.Strength {
			f.StrengthVolume += b.Volume
		}
	}
	return f, nil
}

// EffortOf is a best effort and the session it belongs to.
type EffortOf struct {
	SessionID string             `json:"session_id"`
	At        time.Time          `json:"at"`
	Effort    performance.Effort `json:"effort"`
}

// Records returns the personal record of each distance among efforts: the
// fastest, the earliest on a tie (the first to set it), in increasing
// distance.
func Records(efforts []EffortOf) []EffortOf {
	best := map[float64]EffortOf{}
	for _, e := range efforts {
		b, ok := best[e.Effort.DistanceM]
		if !ok || e.Effort.TimeS < b.Effort.TimeS || (e.Effort.TimeS == b.Effort.TimeS && e.At.Before(b.At)) {
			best[e.Effort.DistanceM] = e
		}
	}
	out := make([]EffortOf, 0, len(best))
	for _, e := range best {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b EffortOf) int {
		switch {
		case a.Effort.DistanceM < b.Effort.DistanceM:
			return -1
		case a.Effort.DistanceM > b.Effort.DistanceM:
			return 1
		}
		return 0
	})
	return out
}

// NewRecords lists the efforts of a session that beat the records before
// it (previous, as Records returns them); a distance never run before sets
// no record (there is nothing to beat).
func NewRecords(previous []EffortOf, session []EffortOf) []EffortOf {
	prev := map[float64]float64{}
	for _, e := range previous {
		prev[e.Effort.DistanceM] = e.Effort.TimeS
	}
	var out []EffortOf
	for _, e := range session {
		if t, ok := prev[e.Effort.DistanceM]; ok && e.Effort.TimeS < t {
			out = append(out, e)
		}
	}
	return out
}
