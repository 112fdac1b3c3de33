// Package board is the leaderboards' domain: what a board is (a metric
// over a period's slot: its kind, its start and a sport), how a session or
// an achievement's points count toward boards, how amounts are bucketed
// into scores, and Ranking, the in-memory order of one board's users with
// ranks (ties share one) and neighbours. It has no SQL, NATS or fx in it.
//
// Periods are UTC: ISO weeks (Monday 00:00 to the next Monday), calendar
// months and calendar years; "all" is one period for all time. A session
// counts in the periods its start falls in.
package board

import (
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/modules/gamification/internal/rank"
)

// Metric is what a board ranks.
type Metric string

// The metrics.
const (
	Distance  Metric = "distance"  // metres
	Time      Metric = "time"      // moving time, seconds
	Sessions  Metric = "sessions"  // finished sessions
	Elevation Metric = "elevation" // elevation gain, metres
	Points    Metric = "points"    // achievement points
)

// Metrics lists every metric, in the order of Amounts' fields.
var Metrics = []Metric{Distance, Time, Sessions, Elevation, Points}

// Valid tells whether m is a known metric.
func (m Metric) Valid() bool {
	for _, k := range Metrics {
		if m == k {
			return true
		}
	}
	return false
}

// Amounts are kept exactly, as integers in fine units (distance and
// elevation in centimetres, time in milliseconds), so that taking a
// session back subtracts exactly what it added. A score is an amount
// divided by its metric's bucket, rounded down: users in the same bucket
// tie.
const (
	distanceUnit  = 100  // amount units a metre (cm)
	timeUnit      = 1000 // amount units a second (ms)
	elevationUnit = 100  // cm
)

// Bucket is how many amount units make one score point: distance to
// 10 m, time to 1 s, elevation to 1 m, sessions and points to 1.
func (m Metric) Bucket() int64 {
	switch m {
	case Distance:
		return 10 * distanceUnit
	case Time:
		return timeUnit
	case Elevation:
		return elevationUnit
	default:
		return 1
	}
}

// Unit is the SI unit of a score's value ("m", "s", or "" for counts).
func (m Metric) Unit() string {
	switch m {
	case Distance, Elevation:
		return "m"
	case Time:
		return "s"
	default:
		return ""
	}
}

// ScoreStep is the value one score point stands for, in Unit: a board's
// resolution (10 m for distance).
func (m Metric) ScoreStep() float64 {
	switch m {
	case Distance:
		return 10
	default:
		return 1
	}
}

// Score buckets an amount: the amount divided by the metric's bucket,
// rounded down, at most rank.MaxScore; 0 for none (a user with score 0 is
// not on the board).
func (m Metric) Score(amount int64) int {
	if amount <= 0 {
		return 0
	}
	return int(min(amount/m.Bucket(), rank.MaxScore))
}

// Value is what score stands for, in Unit.
func (m Metric) Value(score int) float64 { return float64(score) * m.ScoreStep() }

// Period is a board's kind of period.
type Period string

// The periods.
const (
	Week  Period = "week"
	Month Period = "month"
	Year  Period = "year"
	All   Period = "all"
)

// Periods lists every period.
var Periods = []Period{Week, Month, Year, All}

// Valid tells whether p is a known period.
func (p Period) Valid() bool {
	switch p {
	case Week, Month, Year, All:
		return true
	}
	return false
}

// Bounds is the period of kind p that holds t, in UTC: its start and its
// end (exclusive). For All both are zero.
func (p Period) Bounds(t time.Time) (start, end time.Time) {
	t = t.UTC()
	y, mo, d := t.Date()
	switch p {
	case Week:
		wd := (int(t.Weekday()) + 6) % 7 // Monday 0
		start = time.Date(y, mo, d-wd, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 0, 7)
	case Month:
		start = time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0)
	case Year:
		start = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(1, 0, 0)
	}
	return time.Time{}, time.Time{}
}

// Slot is one period's totals of one sport ("" is every sport): the rows
// a board of any metric is read from.
type Slot struct {
	Period Period
	Start  time.Time // UTC; zero for All
	Sport  string
}

// SlotAt is the slot of kind p and sport that holds t.
func SlotAt(p Period, t time.Time, sport string) Slot {
	start, _ := p.Bounds(t)
	return Slot{Period: p, Start: start, Sport: sport}
}

// End is the slot's period's end (exclusive; zero for All).
func (s Slot) End() time.Time {
	_, end := s.Period.Bounds(s.Start)
	return end
}

func (s Slot) String() string {
	return fmt.Sprintf("%s/%s/%s", s.Period, s.Start.Format(time.DateOnly), s.Sport)
}

// Amounts are a user's totals in a slot (or a change to them), in the
// fine units above.
type Amounts struct {
	DistanceCM, MovingTimeMS, Sessions, ElevationCM, Points int64
}

// Of is the amount of metric m.
func (a Amounts) Of(m Metric) int64 {
	switch m {
	case Distance:
		return a.DistanceCM
	case Time:
		return a.MovingTimeMS
	case Sessions:
		return a.Sessions
	case Elevation:
		return a.ElevationCM
	case Points:
		return a.Points
	}
	return 0
}

// Add is a + b·sign.
func (a Amounts) Add(b Amounts, sign int64) Amounts {
	return Amounts{
		DistanceCM:   a.DistanceCM + sign*b.DistanceCM,
		MovingTimeMS: a.MovingTimeMS + sign*b.MovingTimeMS,
		Sessions:     a.Sessions + sign*b.Sessions,
		ElevationCM:  a.ElevationCM + sign*b.ElevationCM,
		Points:       a.Points + sign*b.Points,
	}
}

// Zero tells whether nothing is in a.
func (a Amounts) Zero() bool { return a == Amounts{} }

// Session is what a leaderboard needs of a finished session.
type Session struct {
	UserID                             uuid.UUID
	Sport                              string
	StartedAt                          time.Time
	DistanceM, MovingTimeS, ElevationM float64
	Plausible                          bool
}

// Contribution is what a session (or an unlock's points) adds to a user's
// totals in a slot.
type Contribution struct {
	Slot   Slot
	UserID uuid.UUID
	Amounts
}

// SessionContributions are what s adds to its user's boards: one per
// period (the ones its start falls in), for every sport and for its own.
// A session flagged implausible (say, an impossible speed for its sport)
// counts on no board.
func SessionContributions(s Session) []Contribution {
	if !s.Plausible {
		return nil
	}
	a := Amounts{
		DistanceCM:   fine(s.DistanceM, distanceUnit),
		MovingTimeMS: fine(s.MovingTimeS, timeUnit),
		Sessions:     1,
		ElevationCM:  fine(s.ElevationM, elevationUnit),
	}
	sports := []string{""}
	if s.Sport != "" {
		sports = append(sports, s.Sport)
	}
	out := make([]Contribution, 0, len(Periods)*len(sports))
	for _, p := range Periods {
		for _, sport := range sports {
			out = append(out, Contribution{Slot: SlotAt(p, s.StartedAt, sport), UserID: s.UserID, Amounts: a})
		}
	}
	return out
}

// PointsContributions are what points earned at t add to a user's points
// boards (every sport only: points are not a sport's).
func PointsContributions(user uuid.UUID, points int64, t time.Time) []Contribution {
	if points <= 0 {
		return nil
	}
	out := make([]Contribution, 0, len(Periods))
	for _, p := range Periods {
		out = append(out, Contribution{Slot: SlotAt(p, t, ""), UserID: user, Amounts: Amounts{Points: points}})
	}
	return out
}

// fine is x (a non-negative SI figure) in fine units, rounded; NaN and
// negative figures count nothing, and huge ones are capped.
func fine(x float64, unit float64) int64 {
	v := math.Round(x * unit)
	if !(v > 0) {
		return 0
	}
	return int64(min(v, 1e15))
}

// SlotUser names one user's totals in one slot.
type SlotUser struct {
	Slot   Slot
	UserID uuid.UUID
}

// Delta sums changes: each session taken back (old) subtracts its
// contributions, each new one adds them. Totals that do not change are
// left out.
func Delta(old, new []Session) map[SlotUser]Amounts {
	out := map[SlotUser]Amounts{}
	add := func(ss []Session, sign int64) {
		for _, s := range ss {
			for _, c := range SessionContributions(s) {
				k := SlotUser{c.Slot, c.UserID}
				out[k] = out[k].Add(c.Amounts, sign)
			}
		}
	}
	add(old, -1)
	add(new, 1)
	for k, a := range out {
		if a.Zero() {
			delete(out, k)
		}
	}
	return out
}
