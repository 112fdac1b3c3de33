package api

import "time"

// ManualSession is a session recorded without GPS or entered afterwards,
// sent on POST /v1/sessions (SubjectSessionStart) with the start's other
// fields: elapsed_time_s makes the request a manual session (started_at
// is then required), finished at once with these figures, which go out in
// evt.training.session.completed like a live session's. Fields left out
// are unknown; moving time is the elapsed time unless given.
type ManualSession struct {
	StartedAt       *time.Time        `json:"started_at,omitempty" doc:"manual sessions: when it started (RFC 3339), not in the future"`
	ElapsedTimeS    *float64          `json:"elapsed_time_s,omitempty" exclusiveMinimum:"0" maximum:"604800" doc:"makes the session manual: its length, start to end, in seconds (at most a week)"`
	MovingTimeS     *float64          `json:"moving_time_s,omitempty" minimum:"0" maximum:"604800" doc:"manual sessions: time in motion, at most elapsed_time_s (default: elapsed_time_s)"`
	DistanceM       *float64          `json:"distance_m,omitempty" minimum:"0" maximum:"5000000" doc:"manual sessions: the distance, m; its average speed must be one the sport allows (internal/plausible)"`
	ElevationGainM  *float64          `json:"elevation_gain_m,omitempty" minimum:"0" maximum:"50000" doc:"manual sessions"`
	AvgHRBpm        *float64          `json:"avg_hr_bpm,omitempty" minimum:"30" maximum:"250" doc:"manual sessions: average heart rate, at most max_hr_bpm"`
	MaxHRBpm        *int              `json:"max_hr_bpm,omitempty" minimum:"30" maximum:"250" doc:"manual sessions"`
	CaloriesKcal    *float64          `json:"calories_kcal,omitempty" minimum:"0" maximum:"50000" doc:"manual sessions: energy, kcal (default: estimated from the sport's MET, or the heart rate, and the profile)"`
	PerceivedEffort *int              `json:"perceived_effort,omitempty" minimum:"0" maximum:"10" doc:"manual sessions: Foster's CR-10, 0 (rest) to 10 (maximal)"`
	Exercises       []SessionExercise `json:"exercises,omitempty" maxItems:"50" doc:"manual sessions: the exercises and sets done (strength and other indoor sessions)"`
}

// Manual reports whether a start request is a manual session.
func (m ManualSession) Manual() bool { return m.ElapsedTimeS != nil || m.StartedAt != nil }
