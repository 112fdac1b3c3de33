package challenge

import (
	"time"
)

// Session is what a challenge needs of a finished session.
type Session struct {
	Sport          string
	StartedAt      time.Time
	DistanceM      float64
	MovingTimeS    float64
	ElevationGainM float64
	Plausible      bool
	// BestEfforts maps a best effort's name ("5k") to its elapsed seconds.
	BestEfforts map[string]float64
}

// Def is what a stored challenge's progress depends on.
type Def struct {
	Kind     Kind
	Metric   Metric
	Effort   string
	Sport    string
	StartsAt time.Time
	EndsAt   time.Time
}

// Aggregate is how a participant's contributions add up.
type Aggregate string

// Aggregates.
const (
	Sum  Aggregate = "sum"  // totals
	Days Aggregate = "days" // distinct days with a contribution
	Min  Aggregate = "min"  // the fastest effort
	Max  Aggregate = "max"  // the longest session
)

// AggregateOf is the aggregate of kind k over metric m.
func AggregateOf(k Kind, m Metric) Aggregate {
	switch {
	case k == FastestEffort:
		return Min
	case k == LongestSession:
		return Max
	case m == ActiveDays:
		return Days
	}
	return Sum
}

// TeamAggregate is how a team's value comes from its members' values:
// a total adds up (active days too: the members' days added), the
// fastest effort is the team's fastest member's, the longest session its
// longest.
func TeamAggregate(k Kind, m Metric) Aggregate {
	switch a := AggregateOf(k, m); a {
	case Min, Max:
		return a
	}
	return Sum
}

// Contribution is what one session adds to a participant's progress.
type Contribution struct {
	Value float64
	// Day is the session's calendar day in the participant's time zone
	// (midnight UTC of that date), for active_days.
	Day time.Time
}

// Contribute returns what s contributes to a participant of d who joined
// at joined, in the participant's time zone loc (nil: UTC). A session
// counts when it is plausible, of the challenge's sport (any without a
// filter), and started inside the window and not before the participant
// joined: from max(StartsAt, joined) inclusive to EndsAt exclusive.
// fastest_effort needs the session's best effort over the distance;
// longest_session a positive length.
func Contribute(d Def, joined time.Time, loc *time.Location, s Session) (Contribution, bool) {
	from := d.StartsAt
	if joined.After(from) {
		from = joined
	}
	if !s.Plausible || (d.Sport != "" && s.Sport != d.Sport) || s.StartedAt.Before(from) || !s.StartedAt.Before(d.EndsAt) {
		return Contribution{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	y, mo, day := s.StartedAt.In(loc).Date()
	c := Contribution{Day: time.Date(y, mo, day, 0, 0, 0, 0, time.UTC)}
	switch d.Kind {
	case FastestEffort:
		t, ok := s.BestEfforts[d.Effort]
		if !ok || t <= 0 {
			return Contribution{}, false
		}
		c.Value = t
		return c, true
	case LongestSession:
		c.Value = metricOf(d.Metric, s)
		return c, c.Value > 0
	}
	c.Value = metricOf(d.Metric, s)
	return c, true
}

func metricOf(m Metric, s Session) float64 {
	switch m {
	case Distance:
		return s.DistanceM
	case MovingTime:
		return s.MovingTimeS
	case Elevation:
		return s.ElevationGainM
	}
	return 1 // sessions, active_days: one per session (days are counted distinct)
}

// Score is a value turned into a leaderboard score, where higher always
// ranks first: a time (fastest_effort) is negated.
func Score(k Kind, value float64) float64 {
	if LowerIsBetter(k) {
		return -value
	}
	return value
}

// Ranks gives standard competition ranks ("1, 2, 2, 4": the same score,
// the same rank; the next rank counts everyone ahead) to a page of scores
// sorted best first. firstRank is the first score's rank (1 + how many
// scores beat it), firstPos how many entries come before the page's first
// in the leaderboard's order.
func Ranks(firstRank, firstPos int, scores []float64) []int {
	ranks := make([]int, len(scores))
	for i, s := range scores {
		switch {
		case i == 0:
			ranks[i] = firstRank
		case s == scores[i-1]:
			ranks[i] = ranks[i-1]
		default:
			ranks[i] = firstPos + i + 1
		}
	}
	return ranks
}

// TeamLoad is a team as AssignTeam sees it: its order among the
// challenge's teams and its member count.
type TeamLoad struct {
	Position int
	Members  int
}

// AssignTeam picks the team for a participant who did not choose one:
// the team with the fewest members, ties going to the lowest position
// (the order the teams were named in). It returns the index in teams, -1
// when there are none.
func AssignTeam(teams []TeamLoad) int {
	best := -1
	for i, t := range teams {
		if best < 0 || t.Members < teams[best].Members ||
			(t.Members == teams[best].Members && t.Position < teams[best].Position) {
			best = i
		}
	}
	return best
}

// FinaliseGrace is how long after its end a challenge stays open to
// sessions that started inside its window but reached the module late (a
// device that syncs the next day, an edit or a deletion): the end sweep
// finalises it, ranks and completes, only then. Joining and leaving stop
// at the end.
const FinaliseGrace = 48 * time.Hour

// State is where a challenge is in its life at a given time.
type State string

// States.
const (
	Upcoming   State = "upcoming"
	Active     State = "active"
	Completed  State = "completed"  // a group goal reached
	Finalising State = "finalising" // ended, late sessions still count (FinaliseGrace)
	Ended      State = "ended"      // finalised: results are final
)

// StateAt is the state of a challenge with window [starts, ends) at now;
// completed is when its group goal was reached, finalised when the end
// sweep closed it (zero if not).
func StateAt(now, starts, ends, completed, finalised time.Time) State {
	switch {
	case !completed.IsZero():
		return Completed
	case !finalised.IsZero():
		return Ended
	case !now.Before(ends):
		return Finalising
	case now.Before(starts):
		return Upcoming
	}
	return Active
}
