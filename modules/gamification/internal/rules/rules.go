// Package rules is the achievements' rule language: data, not code per
// badge. A rule names a metric of the user's history (a total over a
// window, a single session's best, a streak, sessions at an hour of the
// day, sports in one week, records, challenges), an optional sport, and
// tiers of thresholds with points; a total may repeat past its last tier,
// so the top stays reachable. Validate checks a rule before it is saved
// (the admin API), Evaluate computes a rule's value over a history and the
// tiers it reached. There is no expression language. It has no SQL, NATS
// or fx in it.
//
// Evaluate is the reference: it reads a whole history, and the module's
// backfill of a changed rule uses it as it is.
package rules

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/sport"
)

// Metric is what a rule measures.
type Metric string

// Metrics of totals (summed over the rule's window and sport).
const (
	DistanceM        Metric = "distance_m"
	MovingTimeS      Metric = "moving_time_s"
	Sessions         Metric = "sessions"
	ElevationGainM   Metric = "elevation_gain_m"
	StrengthVolumeKg Metric = "strength_volume_kg"
)

// Metrics of a single session (the best one of the window).
const (
	SessionDistanceM      Metric = "session_distance_m"       // the longest
	SessionMovingTimeS    Metric = "session_moving_time_s"    // the longest
	SessionElevationGainM Metric = "session_elevation_gain_m" // the biggest climb
	BestEffortS           Metric = "best_effort_s"            // the fastest over DistanceM (at most: lower is better)
)

// Metrics of habits and of other achievements.
const (
	StreakDays          Metric = "streak_days"          // the most active days in a row, in the user's time zone
	StreakWeeks         Metric = "streak_weeks"         // the most active ISO weeks in a row
	SessionsAtHours     Metric = "sessions_at_hours"    // sessions started between Hours.From and Hours.To, local time
	SportsInWeek        Metric = "sports_in_week"       // the most sports in one ISO week
	Records             Metric = "records"              // personal records set
	ChallengesCompleted Metric = "challenges_completed" // challenges completed
)

var totals = []Metric{DistanceM, MovingTimeS, Sessions, ElevationGainM, StrengthVolumeKg}

// Window bounds the sessions a total counts, in the user's time zone.
type Window string

// Windows.
const (
	All   Window = "all" // the default
	Year  Window = "year"
	Month Window = "month"
	Week  Window = "week" // ISO week
)

// Tier is one level of an achievement.
type Tier struct {
	Name      string  `json:"name"` // bronze, silver, gold, …
	Threshold float64 `json:"threshold"`
	Points    int     `json:"points"`
}

// Hours are a span of the local day: From inclusive, To exclusive, 0–24;
// From above To wraps midnight (22 to 4).
type Hours struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// Rule is an achievement's rule.
type Rule struct {
	Metric Metric `json:"metric"`
	// Sport, when set, counts only sessions of that sport.
	Sport string `json:"sport,omitempty"`
	// Window, for totals: the best calendar year, month or week of the
	// history (all: everything).
	Window Window `json:"window,omitempty"`
	// DistanceM is the distance of BestEffortS.
	DistanceM float64 `json:"distance_m,omitempty"`
	// Hours is the span of SessionsAtHours.
	Hours *Hours `json:"hours,omitempty"`
	// Tiers, in order, with rising thresholds (falling for BestEffortS).
	Tiers []Tier `json:"tiers"`
	// RepeatEvery, for totals over all time: past the last tier, the
	// achievement is earned again every RepeatEvery more.
	RepeatEvery float64 `json:"repeat_every,omitempty"`
}

// EffortDistances are the distances of training's best efforts
// (training's BestEffort.Name to metres): a BestEffortS rule over another
// distance could never be evaluated.
var EffortDistances = map[string]float64{"400m": 400, "1k": 1000, "1mile": 1609.344, "5k": 5000, "10k": 10000,
	"half_marathon": 21097.5, "marathon": 42195}

// EffortName is the name of the best effort over d metres ("" when
// training measures none).
func EffortName(d float64) string {
	for name, m := range EffortDistances {
		if m == d {
			return name
		}
	}
	return ""
}

// MaxTiers bounds a rule's tiers.
const MaxTiers = 10

// Validate checks a rule; the error is a *fielderr.Error naming the field.
func (r Rule) Validate() error {
	known := slices.Contains(totals, r.Metric) || slices.Contains([]Metric{SessionDistanceM, SessionMovingTimeS,
		SessionElevationGainM, BestEffortS, StreakDays, StreakWeeks, SessionsAtHours, SportsInWeek, Records, ChallengesCompleted}, r.Metric)
	switch {
	case !known:
		return fielderr.New("metric", "unknown metric %q", r.Metric)
	case r.Sport != "" && !sport.Valid(r.Sport):
		return fielderr.New("sport", "unknown sport %q", r.Sport)
	case r.Sport != "" && slices.Contains([]Metric{SportsInWeek, Records, ChallengesCompleted}, r.Metric):
		return fielderr.New("sport", "%s counts every sport", r.Metric)
	case !slices.Contains([]Window{"", All, Year, Month, Week}, r.Window):
		return fielderr.New("window", "must be all, year, month or week")
	case r.Window != "" && r.Window != All && !slices.Contains(totals, r.Metric):
		return fielderr.New("window", "only totals have a window")
	case r.Metric == BestEffortS && EffortName(r.DistanceM) == "":
		return fielderr.New("distance_m", "best_effort_s needs one of the distances training measures: 400, 1000, 1609.344, 5000, 10000, 21097.5 or 42195 m")
	case r.Metric != BestEffortS && r.DistanceM != 0:
		return fielderr.New("distance_m", "only best_effort_s has a distance")
	case r.Metric == SessionsAtHours && (r.Hours == nil || r.Hours.From < 0 || r.Hours.From > 23 || r.Hours.To < 0 || r.Hours.To > 24 ||
		r.Hours.From == r.Hours.To):
		return fielderr.New("hours", "sessions_at_hours needs hours from 0–23 to 0–24, not the same")
	case r.Metric != SessionsAtHours && r.Hours != nil:
		return fielderr.New("hours", "only sessions_at_hours has hours")
	case len(r.Tiers) == 0 || len(r.Tiers) > MaxTiers:
		return fielderr.New("tiers", "1 to %d tiers", MaxTiers)
	case r.RepeatEvery < 0 || math.IsNaN(r.RepeatEvery) || math.IsInf(r.RepeatEvery, 0):
		return fielderr.New("repeat_every", "must be 0 (no repeat) or more")
	case r.RepeatEvery > 0 && (!slices.Contains(totals, r.Metric) || (r.Window != "" && r.Window != All)):
		return fielderr.New("repeat_every", "only totals over all time repeat")
	}
	for i, t := range r.Tiers {
		switch {
		case t.Name == "" || len(t.Name) > 32:
			return fielderr.New("tiers["+strconv.Itoa(i)+"].name", "1 to 32 characters")
		case !(t.Threshold > 0) || math.IsInf(t.Threshold, 0):
			return fielderr.New("tiers["+strconv.Itoa(i)+"].threshold", "must be above 0")
		case t.Points < 0 || t.Points > 100_000:
			return fielderr.New("tiers["+strconv.Itoa(i)+"].points", "0 to 100,000")
		case i > 0 && !r.better(t.Threshold, r.Tiers[i-1].Threshold):
			return fielderr.New("tiers["+strconv.Itoa(i)+"].threshold", "each tier must be harder than the one before")
		}
	}
	if last := r.Tiers[len(r.Tiers)-1].Threshold; r.RepeatEvery > 0 && r.RepeatEvery < last/100 {
		// Else one session could be worth thousands of repetitions.
		return fielderr.New("repeat_every", "at least a hundredth of the last tier's threshold")
	}
	return nil
}

// better reports whether value a is a better result than b for the rule.
func (r Rule) better(a, b float64) bool {
	if r.Metric == BestEffortS {
		return a < b
	}
	return a > b
}

// reached reports whether value reaches threshold.
func (r Rule) reached(value, threshold float64) bool {
	if r.Metric == BestEffortS {
		return value > 0 && value <= threshold
	}
	return value >= threshold
}

// Session is what the rules know of one session.
type Session struct {
	Start            time.Time
	Sport            string
	DistanceM        float64
	MovingTimeS      float64
	ElevationGainM   float64
	StrengthVolumeKg float64
	// BestEfforts are the fastest times (s) over distances (m).
	BestEfforts map[float64]float64
}

// History is a user's: its plausible sessions, in any order, its records
// and challenges completed, and its time zone.
type History struct {
	Sessions            []Session
	Records             int
	ChallengesCompleted int
	Location            *time.Location // nil: UTC
}

// Progress is a rule's result over a history.
type Progress struct {
	// Value is the metric's value (0: none yet).
	Value float64
	// Reached is how many tiers were reached (0: none).
	Reached int
	// Repeats counts the times the achievement was earned again past its
	// last tier (RepeatEvery).
	Repeats int
	// Next is the next tier's threshold (the next repeat's past the last
	// tier); nil when there is none.
	Next *float64
}

// Evaluate computes r over h.
func Evaluate(r Rule, h History) Progress {
	loc := h.Location
	if loc == nil {
		loc = time.UTC
	}
	var sessions []Session
	for _, s := range h.Sessions {
		if r.Sport == "" || s.Sport == r.Sport {
			sessions = append(sessions, s)
		}
	}
	var v float64
	switch r.Metric {
	case DistanceM, MovingTimeS, Sessions, ElevationGainM, StrengthVolumeKg:
		v = bestWindow(r, sessions, loc)
	case SessionDistanceM, SessionMovingTimeS, SessionElevationGainM:
		for _, s := range sessions {
			v = max(v, amount(r.Metric, s))
		}
	case BestEffortS:
		for _, s := range sessions {
			if t, ok := s.BestEfforts[r.DistanceM]; ok && t > 0 && (v == 0 || t < v) {
				v = t
			}
		}
	case StreakDays:
		v = float64(longestRun(sessions, loc, func(t time.Time) int { return DayNumber(t) }))
	case StreakWeeks:
		v = float64(longestRun(sessions, loc, WeekNumber))
	case SessionsAtHours:
		for _, s := range sessions {
			if h := s.Start.In(loc).Hour(); r.Hours.Contains(h) {
				v++
			}
		}
	case SportsInWeek:
		weeks := map[int]map[string]bool{}
		for _, s := range sessions {
			w := WeekNumber(s.Start.In(loc))
			if weeks[w] == nil {
				weeks[w] = map[string]bool{}
			}
			weeks[w][s.Sport] = true
			v = max(v, float64(len(weeks[w])))
		}
	case Records:
		v = float64(h.Records)
	case ChallengesCompleted:
		v = float64(h.ChallengesCompleted)
	}
	return r.Progress(v)
}

// Progress places a value of the rule's metric among its tiers.
func (r Rule) Progress(v float64) Progress {
	p := Progress{Value: v}
	for _, t := range r.Tiers {
		if !r.reached(v, t.Threshold) {
			next := t.Threshold
			p.Next = &next
			return p
		}
		p.Reached++
	}
	if r.RepeatEvery > 0 {
		last := r.Tiers[len(r.Tiers)-1].Threshold
		p.Repeats = int(math.Floor((v - last) / r.RepeatEvery))
		next := last + float64(p.Repeats+1)*r.RepeatEvery
		p.Next = &next
	}
	return p
}

// amount is a session's share of a metric.
func amount(m Metric, s Session) float64 {
	switch m {
	case DistanceM, SessionDistanceM:
		return s.DistanceM
	case MovingTimeS, SessionMovingTimeS:
		return s.MovingTimeS
	case Sessions:
		return 1
	case ElevationGainM, SessionElevationGainM:
		return s.ElevationGainM
	case StrengthVolumeKg:
		return s.StrengthVolumeKg
	}
	return 0
}

// bestWindow is a total over all sessions, or over the best calendar
// year, month or ISO week of the user's time zone.
func bestWindow(r Rule, sessions []Session, loc *time.Location) float64 {
	sums := map[int]float64{}
	var best float64
	for _, s := range sessions {
		t := s.Start.In(loc)
		var key int
		switch r.Window {
		case Year:
			key = t.Year()
		case Month:
			key = t.Year()*12 + int(t.Month())
		case Week:
			key = WeekNumber(t)
		}
		sums[key] += amount(r.Metric, s)
		best = max(best, sums[key])
	}
	return best
}

// DayNumber numbers a local calendar day (consecutive days differ by 1).
func DayNumber(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// WeekNumber numbers an ISO week (consecutive weeks differ by 1): the day
// number of its Monday, over 7.
func WeekNumber(t time.Time) int {
	wd := (int(t.Weekday()) + 6) % 7 // Monday 0
	return (DayNumber(t) - wd) / 7
}

// longestRun is the most consecutive periods (days or weeks, by number)
// with a session, in the user's time zone.
func longestRun(sessions []Session, loc *time.Location, number func(time.Time) int) int {
	var ns []int
	for _, s := range sessions {
		ns = append(ns, number(s.Start.In(loc)))
	}
	slices.Sort(ns)
	return LongestRun(slices.Compact(ns))
}

// LongestRun is the most consecutive numbers of a sorted list without
// repeats.
func LongestRun(ns []int) int {
	best, run := 0, 0
	for i, n := range ns {
		if i > 0 && n == ns[i-1]+1 {
			run++
		} else {
			run = 1
		}
		best = max(best, run)
	}
	return best
}

// Contains reports whether a local hour (0–23) is in the span.
func (h Hours) Contains(hour int) bool {
	if h.From < h.To {
		return hour >= h.From && hour < h.To
	}
	return hour >= h.From || hour < h.To // across midnight
}
