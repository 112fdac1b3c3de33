// Package recommend is the rule engine of training recommendations: pure
// functions over a plain picture of the athlete's history and profile
// (Input, filled by the caller from the database) that return what to tell
// the athlete, each with a type, a severity, a message key and its
// parameters (the app translates), the numbers that triggered it and an
// expiry. It has no SQL, NATS or fx in it.
//
// The rules, each in its own function of rules.go: a single running
// session much longer than the longest of the previous 30 days
// (Garmin-RUNSAFE), load ramping fast, deep fatigue, high monotony, a high
// acute:chronic ratio shown as a change in load (not as an injury risk), a
// long break, a new record, plan adherence slipping, gear near its
// replacement distance and the next workout.
package recommend

import (
	"cmp"
	"slices"
	"time"

	"github.com/athlos/athlos/modules/training/internal/fitness"
)

// Types of recommendation.
const (
	TypeSessionSpike    = "session_spike"
	TypeLoadRamp        = "load_ramp"
	TypeDeepFatigue     = "deep_fatigue"
	TypeMonotony        = "monotony"
	TypeAcuteLoad       = "acute_load"
	TypeLongBreak       = "long_break"
	TypeNewRecord       = "new_record"
	TypePlanAdherence   = "plan_adherence"
	TypeGearReplacement = "gear_replacement"
	TypeNextWorkout     = "next_workout"
)

// Severities, least pressing first.
const (
	Info    = "info"
	Warning = "warning"
	Alert   = "alert"
)

func severityRank(s string) int {
	switch s {
	case Alert:
		return 2
	case Warning:
		return 1
	}
	return 0
}

// Recommendation is one thing to tell the athlete.
type Recommendation struct {
	// ID is stable for the same advice about the same thing (the type and
	// what it is about: a session, a gear, a week, a day), so that a
	// dismissal sticks while the advice holds.
	ID       string `json:"id"`
	Type     string `json:"type"`
	Severity string `json:"severity"`
	// Key is the message's translation key, Params its parameters.
	Key    string         `json:"message_key"`
	Params map[string]any `json:"params,omitempty"`
	// Trigger holds the numbers that triggered it, by name.
	Trigger map[string]float64 `json:"trigger"`
	// Expires is when the advice lapses.
	Expires time.Time `json:"expires_at"`
}

// Session is one finished session of the history.
type Session struct {
	ID        string
	Start     time.Time
	Sport     string // a kit/sport name
	MovingS   float64
	DistanceM float64
	Load      float64
}

// Fitness is today's figures of the fitness series (package fitness).
type Fitness struct {
	CTL, ATL float64
	// TSB is today's form (yesterday's CTL − ATL).
	TSB float64
	// RampRate is CTL − CTL a week ago.
	RampRate float64
	// Monotony is Foster's monotony of the last seven days (nil when
	// undefined); WeekLoad the load of those days.
	Monotony *float64
	WeekLoad float64
	// ACWR is the EWMA acute:chronic ratio (nil when undefined).
	ACWR *float64
}

// Record is a personal record the athlete set: a best effort over a
// distance or a strength best.
type Record struct {
	// Kind is "best_effort" or a strength record kind ("e1rm",
	// "max_weight"); Name what it is of ("5000" metres, an exercise ID).
	Kind      string
	Name      string
	Value     float64
	Previous  float64
	SessionID string
	At        time.Time
}

// PlanWeek is a finished week of the active plan.
type PlanWeek struct {
	Start   time.Time // the week's first instant
	Planned int       // workouts planned
	Done    int       // of them done (matched by a session)
}

// Gear is an item of gear with a replacement distance.
type Gear struct {
	ID        string
	Name      string
	DistanceM float64
	LimitM    float64 // 0: no limit set
}

// PlannedWorkout is the next workout of the active plan.
type PlannedWorkout struct {
	ID        string
	Date      time.Time // the day's first instant in the athlete's zone
	Kind      string    // easy, long, tempo, intervals, recovery, strength, cross_training, rest
	Sport     string
	DurationS float64
	DistanceM float64
}

// Input is the picture the rules look at. Zero values and nils are
// unknowns: a rule whose data is missing stays silent.
type Input struct {
	Now time.Time
	// Location is the user's time zone (nil: UTC): daily advice is named
	// by the user's day.
	Location *time.Location
	// Sessions are the finished sessions of at least the last 60 days, in
	// any order.
	Sessions []Session
	// Fitness is today's fitness figures; nil when there are none.
	Fitness *Fitness
	// Records are the records of the last days (older ones are ignored).
	Records []Record
	// Weeks are the active plan's finished weeks, in any order.
	Weeks []PlanWeek
	Gear  []Gear
	// Next is the next workout of the active plan, nil without a plan.
	Next *PlannedWorkout
}

// Recommend runs every rule over in with thresholds t (DefaultThresholds
// for the published ones) and returns the recommendations, the most
// pressing first (then by type and ID).
func Recommend(in Input, t Thresholds) []Recommendation {
	sessions := slices.Clone(in.Sessions)
	slices.SortFunc(sessions, func(a, b Session) int { return a.Start.Compare(b.Start) })
	in.Sessions = sessions

	var out []Recommendation
	for _, rule := range []func(Input, Thresholds) []Recommendation{
		sessionSpike, loadRamp, deepFatigue, monotony, acuteLoad,
		longBreak, newRecords, planAdherence, gearReplacement, nextWorkout,
	} {
		out = append(out, rule(in, t)...)
	}
	slices.SortStableFunc(out, func(a, b Recommendation) int {
		return cmp.Or(
			cmp.Compare(severityRank(b.Severity), severityRank(a.Severity)),
			cmp.Compare(a.Type, b.Type),
			cmp.Compare(a.ID, b.ID),
		)
	})
	return out
}

// FitnessOf is the Fitness of a day of the fitness series.
func FitnessOf(d fitness.Day) *Fitness {
	return &Fitness{CTL: d.CTL, ATL: d.ATL, TSB: d.TSB, RampRate: d.RampRate, Monotony: d.Monotony, WeekLoad: d.WeekLoad, ACWR: d.ACWR}
}
