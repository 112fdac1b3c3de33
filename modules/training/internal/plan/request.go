package plan

import (
	"fmt"
	"slices"
	"time"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/sport"
)

// GoalKind is what a plan aims at.
type GoalKind string

// Goals: a race on a date, a weekly volume to reach and hold, or general
// fitness (the WHO 2020 guidelines' weekly activity).
const (
	GoalRace    GoalKind = "race"
	GoalVolume  GoalKind = "volume"
	GoalFitness GoalKind = "fitness"
)

// Race distances a race goal may name.
const (
	Race5K       = "5k"
	Race10K      = "10k"
	RaceHalf     = "half_marathon"
	RaceMarathon = "marathon"
)

// raceMetres is each race distance in metres.
var raceMetres = map[string]float64{Race5K: 5000, Race10K: 10000, RaceHalf: 21097.5, RaceMarathon: 42195}

// raceOrder lists the race distances, shortest first.
var raceOrder = []string{Race5K, Race10K, RaceHalf, RaceMarathon}

// Goal is what the plan aims at.
type Goal struct {
	Kind GoalKind
	// Race goals: the distance, the race day and, optionally, a target time.
	Distance   string
	Date       Date
	TargetTime time.Duration
	// Volume goals: the weekly minutes of the plan's sport to reach and hold.
	WeeklyMinutes int
	// Volume and fitness goals: how many weeks the plan lasts (0: 12).
	Weeks int
}

// Feeling is how the user feels when asking for a plan.
type Feeling string

// Feelings: fresh or normal, tired, sore, or unwell.
const (
	FeelingGood   Feeling = "good"
	FeelingTired  Feeling = "tired"
	FeelingSore   Feeling = "sore"
	FeelingUnwell Feeling = "unwell"
)

// Limitation tags a user may declare. Lower-limb tags replace one run a week
// with low-impact cross-training and drop interval sessions; "heart" and
// "pregnancy" keep every session easy (no threshold or interval work) until a
// professional clears more; "back" adds core strength work.
const (
	LimitKnee      = "knee"
	LimitShin      = "shin"
	LimitAchilles  = "achilles"
	LimitFoot      = "foot"
	LimitHip       = "hip"
	LimitBack      = "back"
	LimitHeart     = "heart"
	LimitPregnancy = "pregnancy"
)

var limitations = []string{LimitKnee, LimitShin, LimitAchilles, LimitFoot, LimitHip, LimitBack, LimitHeart, LimitPregnancy}

// Limitations lists the limitation tags a request may use.
func Limitations() []string { return slices.Clone(limitations) }

// Health is what the user says of their health.
type Health struct {
	// RestingHR overrides the profile's resting heart rate (0: the profile's).
	RestingHR   int
	Limitations []string
	Feeling     Feeling // "" is FeelingGood
}

// Schedule is when the user can train.
type Schedule struct {
	Days       []time.Weekday // available days
	MaxMinutes int            // the most minutes of training on one day
	// LongDay is the day of the long session; nil: the last available day
	// of the week.
	LongDay *time.Weekday
}

// Request is a request for a plan.
type Request struct {
	Sport    string // the plan's main sport (run for race goals)
	Goal     Goal
	Health   Health
	Schedule Schedule
}

// HRRange is a heart-rate range in beats per minute.
type HRRange struct {
	Low  int
	High int
}

// Athlete is what the plan knows of the user's current state, computed by the
// caller from the history and the profile. Every field is optional.
type Athlete struct {
	VDOT      float64   // current VDOT (0: unknown): running paces come from it
	Zones     []HRRange // heart-rate zones, Z1 first (five zones), if known
	MaxHR     int       // maximum heart rate, if known
	RestingHR int       // resting heart rate from the profile, if known
	// WeeklyMinutes is the recent weekly volume of the plan's sport: the
	// largest of the last four weeks, in minutes.
	WeeklyMinutes float64
	// LongestMinutes is the longest single session of the plan's sport in
	// the past 30 days, in minutes.
	LongestMinutes float64
	// LongestDate is the day of that session; zero: taken as 15 days
	// before the plan starts, the middle of the window.
	LongestDate Date
}

// planSports are the endurance sports a plan can be built around.
var planSports = []string{"run", "trail_run", "walk", "hike", "ride", "mountain_bike", "swim", "row", "ski"}

// runSports are the sports whose races and paces the plan knows.
var runSports = []string{"run", "trail_run"}

// validate checks the request, the athlete and the day, and returns the first
// invalid field.
func validate(req Request, a Athlete, today Date, loc *time.Location) error {
	if loc == nil {
		return fielderr.New("zone", "is required")
	}
	if today.IsZero() {
		return fielderr.New("today", "is required")
	}
	switch {
	case req.Sport == "":
		return fielderr.New("sport", "is required")
	case !sport.Valid(req.Sport):
		return fielderr.New("sport", "unknown sport %q", req.Sport)
	case !slices.Contains(planSports, req.Sport):
		return fielderr.New("sport", "plans are built around an endurance sport (%v), not %q", planSports, req.Sport)
	}
	if err := validateGoal(req.Sport, req.Goal, today); err != nil {
		return err
	}
	if err := validateHealth(req.Health); err != nil {
		return err
	}
	if err := validateSchedule(req.Schedule); err != nil {
		return err
	}
	return validateAthlete(a)
}

func validateGoal(sp string, g Goal, today Date) error {
	switch g.Kind {
	case GoalRace:
		if !slices.Contains(runSports, sp) {
			return fielderr.New("goal.kind", "race goals are running races; sport is %q", sp)
		}
		if _, ok := raceMetres[g.Distance]; !ok {
			return fielderr.New("goal.distance", "unknown race distance %q (one of %v)", g.Distance, raceOrder)
		}
		if g.Date.IsZero() {
			return fielderr.New("goal.date", "is required for a race goal")
		}
		if !g.Date.After(today) {
			return fielderr.New("goal.date", "%s is not after today (%s)", g.Date, today)
		}
		if g.Date.DaysSince(today) > maxPlanWeeks*7 {
			return fielderr.New("goal.date", "is more than %d weeks away", maxPlanWeeks)
		}
		if g.TargetTime < 0 {
			return fielderr.New("goal.target_time", "must not be negative")
		}
		if g.TargetTime > 0 {
			// The Daniels–Gilbert model holds for races of about 3.5 minutes
			// to about 5 hours; slower than walking pace is no target.
			if v := VDOT(raceMetres[g.Distance], g.TargetTime); v > 85 {
				return fielderr.New("goal.target_time", "%s for %s is beyond world-record level (VDOT %.0f)", g.TargetTime, g.Distance, v)
			}
			if g.TargetTime.Minutes() > raceMetres[g.Distance]/1000*12 {
				return fielderr.New("goal.target_time", "%s for %s is slower than walking (12 min/km)", g.TargetTime, g.Distance)
			}
		}
	case GoalVolume:
		if g.WeeklyMinutes < minWorkoutMinutes || g.WeeklyMinutes > 20*60 {
			return fielderr.New("goal.weekly_minutes", "must be between %d and %d", minWorkoutMinutes, 20*60)
		}
	case GoalFitness:
	case "":
		return fielderr.New("goal.kind", "is required")
	default:
		return fielderr.New("goal.kind", "unknown goal %q (race, volume or fitness)", g.Kind)
	}
	if g.Kind != GoalRace && (g.Weeks < 0 || g.Weeks > maxPlanWeeks || (g.Weeks > 0 && g.Weeks < 2)) {
		return fielderr.New("goal.weeks", "must be between 2 and %d", maxPlanWeeks)
	}
	return nil
}

func validateHealth(h Health) error {
	if h.RestingHR != 0 && (h.RestingHR < 25 || h.RestingHR > 120) {
		return fielderr.New("health.resting_hr", "must be between 25 and 120")
	}
	for i, l := range h.Limitations {
		if !slices.Contains(limitations, l) {
			return fielderr.New(fmt.Sprintf("health.limitations[%d]", i), "unknown limitation %q (one of %v)", l, limitations)
		}
	}
	switch h.Feeling {
	case "", FeelingGood, FeelingTired, FeelingSore, FeelingUnwell:
	default:
		return fielderr.New("health.feeling", "unknown feeling %q", h.Feeling)
	}
	return nil
}

func validateSchedule(s Schedule) error {
	if len(s.Days) == 0 {
		return fielderr.New("schedule.days", "no available day")
	}
	seen := map[time.Weekday]bool{}
	for i, d := range s.Days {
		if d < time.Sunday || d > time.Saturday {
			return fielderr.New(fmt.Sprintf("schedule.days[%d]", i), "is not a weekday")
		}
		if seen[d] {
			return fielderr.New(fmt.Sprintf("schedule.days[%d]", i), "%s is listed twice", d)
		}
		seen[d] = true
	}
	if s.MaxMinutes < minWorkoutMinutes {
		return fielderr.New("schedule.max_minutes", "%d minutes is too short for any workout (at least %d)", s.MaxMinutes, minWorkoutMinutes)
	}
	if s.MaxMinutes > 24*60 {
		return fielderr.New("schedule.max_minutes", "is more than a day")
	}
	if s.LongDay != nil && !seen[*s.LongDay] {
		return fielderr.New("schedule.long_day", "%s is not an available day", *s.LongDay)
	}
	return nil
}

func validateAthlete(a Athlete) error {
	if a.VDOT != 0 && (a.VDOT < 20 || a.VDOT > 90) {
		return fielderr.New("athlete.vdot", "must be between 20 and 90")
	}
	if a.MaxHR != 0 && (a.MaxHR < 100 || a.MaxHR > 230) {
		return fielderr.New("athlete.max_hr", "must be between 100 and 230")
	}
	if len(a.Zones) != 0 {
		if len(a.Zones) != 5 {
			return fielderr.New("athlete.zones", "five zones are needed, got %d", len(a.Zones))
		}
		for i, z := range a.Zones {
			if z.Low <= 0 || z.High <= z.Low || (i > 0 && z.Low < a.Zones[i-1].High) {
				return fielderr.New(fmt.Sprintf("athlete.zones[%d]", i), "must be a rising range above the zone before")
			}
		}
	}
	if a.WeeklyMinutes < 0 || a.WeeklyMinutes > 50*60 {
		return fielderr.New("athlete.weekly_minutes", "must be between 0 and %d", 50*60)
	}
	if a.LongestMinutes < 0 || a.LongestMinutes > 24*60 {
		return fielderr.New("athlete.longest_minutes", "must be between 0 and %d", 24*60)
	}
	return nil
}
