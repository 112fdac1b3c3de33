// Package achieve is the achievements' domain: a user's aggregates kept
// incrementally from their sessions (State), the catalogue's entries
// (Achievement, validated), what a user unlocks when a value crosses a tier
// (Units, Unlock), points and levels, and the default catalogue (data, in
// catalogue.json). It has no SQL, NATS or fx in it.
//
// State answers every rule of package rules the way rules.Evaluate does
// over the whole history (a property test checks it on random histories),
// from sums per sport, the best and latest calendar periods, the best
// session figures, the local days with a session and the sessions per
// local hour: adding a session is a few updates, never a pass over the
// history.
package achieve

import (
	"slices"
	"time"

	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/rules"
)

// Sums are the totals of a set of sessions, by rules metric.
type Sums struct {
	DistanceM, MovingTimeS, Sessions, ElevationGainM, StrengthVolumeKg float64
}

func (s *Sums) add(x *activity.Session) {
	s.DistanceM += x.DistanceM
	s.MovingTimeS += x.MovingTimeS
	s.Sessions++
	s.ElevationGainM += x.ElevationGainM
	s.StrengthVolumeKg += x.StrengthVolumeKg
}

func (s Sums) of(m rules.Metric) float64 {
	switch m {
	case rules.DistanceM:
		return s.DistanceM
	case rules.MovingTimeS:
		return s.MovingTimeS
	case rules.Sessions:
		return s.Sessions
	case rules.ElevationGainM:
		return s.ElevationGainM
	case rules.StrengthVolumeKg:
		return s.StrengthVolumeKg
	}
	return 0
}

// Window is a calendar window's totals (the year, month or ISO week of a
// session's local start): the sums of the latest period with a session,
// and the best sums of any period so far, metric by metric.
type Window struct {
	Key     int
	Current Sums
	Best    Sums
}

func (w *Window) add(key int, s *activity.Session) {
	if key != w.Key {
		w.Key, w.Current = key, Sums{}
	}
	w.Current.add(s)
	b, c := &w.Best, &w.Current
	b.DistanceM, b.MovingTimeS, b.Sessions = max(b.DistanceM, c.DistanceM), max(b.MovingTimeS, c.MovingTimeS), max(b.Sessions, c.Sessions)
	b.ElevationGainM, b.StrengthVolumeKg = max(b.ElevationGainM, c.ElevationGainM), max(b.StrengthVolumeKg, c.StrengthVolumeKg)
}

// Aggregate is what State keeps of one sport's sessions (or of all, under
// the sport "").
type Aggregate struct {
	All Sums
	// Year, Month and Week are keyed year, year*12+month and
	// rules.WeekNumber, local time.
	Year, Month, Week Window
	// The best single session figures, and the fastest effort by
	// training's name ("5k").
	MaxDistanceM, MaxMovingTimeS, MaxElevationGainM float64
	Efforts                                         map[string]float64
	// Days are the local days with a session (rules.DayNumber), sorted.
	Days []int
	// Hours counts sessions by their local start hour.
	Hours [24]int
}

// State is a user's achievement aggregates: sessions by sport (and all
// under ""), records set and challenges completed, and the units of each
// achievement unlocked so far (Unlocked; they never go back). It stays
// small whatever the history's length (but for its active days): a
// calendar window keeps its best period and its latest one only, so a
// session that starts before the latest period of its sport (an old one
// imported) can't be added: the state is rebuilt from the sessions then.
type State struct {
	Sports     map[string]*Aggregate
	Records    int
	Challenges int
	Unlocked   map[string]int
}

// NewState is an empty state.
func NewState() *State {
	return &State{Sports: map[string]*Aggregate{}, Unlocked: map[string]int{}}
}

// Counts reports whether a session counts toward achievements: only
// plausible ones do (an impossible speed must not unlock a badge).
func Counts(s *activity.Session) bool { return s != nil && s.Plausible }

// periods are a local start's window keys: year, month, week.
func periods(t time.Time) [3]int {
	return [3]int{t.Year(), t.Year()*12 + int(t.Month()), rules.WeekNumber(t)}
}

// Add adds a session (in the user's time zone loc) if it counts, and
// reports whether it could: false (nothing changed) for one that starts
// before the latest period of its windows, which needs Rebuild.
func (st *State) Add(s *activity.Session, loc *time.Location) bool {
	if !Counts(s) {
		return true
	}
	t := s.StartedAt.In(loc)
	keys := periods(t)
	for _, sport := range []string{"", s.Sport} {
		if a := st.Sports[sport]; a != nil && a.All.Sessions > 0 &&
			(keys[0] < a.Year.Key || keys[1] < a.Month.Key || keys[2] < a.Week.Key) {
			return false
		}
	}
	for _, sport := range []string{"", s.Sport} {
		a := st.Sports[sport]
		if a == nil {
			a = &Aggregate{}
			st.Sports[sport] = a
		}
		a.add(s, t, keys)
	}
	return true
}

// Rebuild forgets the sessions' aggregates and adds sessions again, in
// start order (after an edit, a deletion or an old session); records,
// challenges and unlocks stay.
func (st *State) Rebuild(sessions []activity.Session, loc *time.Location) {
	st.Replay(sessions, loc, nil)
}

// Replay is Rebuild calling after (unless nil) once each counted session
// is added, with that session, until after returns false. Every value
// only grows as sessions are added, so the session after which a value
// first reaches a threshold is the one that crossed it.
func (st *State) Replay(sessions []activity.Session, loc *time.Location, after func(*activity.Session) bool) {
	st.Sports = map[string]*Aggregate{}
	order := make([]*activity.Session, len(sessions))
	for i := range sessions {
		order[i] = &sessions[i]
	}
	slices.SortStableFunc(order, func(a, b *activity.Session) int { return a.StartedAt.Compare(b.StartedAt) })
	for _, s := range order {
		st.Add(s, loc)
		if after != nil && Counts(s) && !after(s) {
			return
		}
	}
}

func (a *Aggregate) add(s *activity.Session, t time.Time, keys [3]int) {
	a.All.add(s)
	a.Year.add(keys[0], s)
	a.Month.add(keys[1], s)
	a.Week.add(keys[2], s)
	a.MaxDistanceM = max(a.MaxDistanceM, s.DistanceM)
	a.MaxMovingTimeS = max(a.MaxMovingTimeS, s.MovingTimeS)
	a.MaxElevationGainM = max(a.MaxElevationGainM, s.ElevationGainM)
	for name, sec := range s.BestEfforts {
		if sec <= 0 {
			continue
		}
		if a.Efforts == nil {
			a.Efforts = map[string]float64{}
		}
		if cur, ok := a.Efforts[name]; !ok || sec < cur {
			a.Efforts[name] = sec
		}
	}
	day := rules.DayNumber(t)
	if i, found := slices.BinarySearch(a.Days, day); !found {
		a.Days = slices.Insert(a.Days, i, day)
	}
	a.Hours[t.Hour()]++
}

// Value is the rule's metric over the state, as rules.Evaluate computes it
// over the whole history.
func (st *State) Value(r rules.Rule) float64 {
	switch r.Metric {
	case rules.Records:
		return float64(st.Records)
	case rules.ChallengesCompleted:
		return float64(st.Challenges)
	case rules.SportsInWeek:
		return float64(st.sportsInWeek())
	}
	a := st.Sports[r.Sport]
	if a == nil {
		return 0
	}
	switch r.Metric {
	case rules.DistanceM, rules.MovingTimeS, rules.Sessions, rules.ElevationGainM, rules.StrengthVolumeKg:
		switch r.Window {
		case rules.Year:
			return a.Year.Best.of(r.Metric)
		case rules.Month:
			return a.Month.Best.of(r.Metric)
		case rules.Week:
			return a.Week.Best.of(r.Metric)
		}
		return a.All.of(r.Metric)
	case rules.SessionDistanceM:
		return a.MaxDistanceM
	case rules.SessionMovingTimeS:
		return a.MaxMovingTimeS
	case rules.SessionElevationGainM:
		return a.MaxElevationGainM
	case rules.BestEffortS:
		return a.Efforts[rules.EffortName(r.DistanceM)]
	case rules.StreakDays:
		return float64(rules.LongestRun(a.Days))
	case rules.StreakWeeks:
		return float64(rules.LongestRun(weeksOf(a.Days)))
	case rules.SessionsAtHours:
		var n int
		for h, c := range a.Hours {
			if r.Hours.Contains(h) {
				n += c
			}
		}
		return float64(n)
	}
	return 0
}

// Progress is the rule's progress over the state.
func (st *State) Progress(r rules.Rule) rules.Progress { return r.Progress(st.Value(r)) }

// sportsInWeek is the most sports of one local ISO week.
func (st *State) sportsInWeek() int {
	count := map[int]int{}
	best := 0
	for sport, a := range st.Sports {
		if sport == "" {
			continue
		}
		for _, w := range weeksOf(a.Days) {
			count[w]++
			best = max(best, count[w])
		}
	}
	return best
}

// weeksOf are the ISO weeks of sorted day numbers, sorted, once each.
func weeksOf(days []int) []int {
	var out []int
	for _, d := range days {
		w := rules.WeekNumber(time.Unix(int64(d)*86400, 0).UTC())
		if len(out) == 0 || out[len(out)-1] != w {
			out = append(out, w)
		}
	}
	return out
}

// History is the reference's view of a user's sessions (rules.Evaluate):
// the plausible ones, best efforts by distance.
func History(sessions []activity.Session, records, challenges int, loc *time.Location) rules.History {
	h := rules.History{Records: records, ChallengesCompleted: challenges, Location: loc}
	for i := range sessions {
		s := &sessions[i]
		if !Counts(s) {
			continue
		}
		rs := rules.Session{Start: s.StartedAt, Sport: s.Sport, DistanceM: s.DistanceM, MovingTimeS: s.MovingTimeS,
			ElevationGainM: s.ElevationGainM, StrengthVolumeKg: s.StrengthVolumeKg}
		if len(s.BestEfforts) > 0 {
			rs.BestEfforts = make(map[float64]float64, len(s.BestEfforts))
			for name, sec := range s.BestEfforts {
				if d, ok := rules.EffortDistances[name]; ok {
					rs.BestEfforts[d] = sec
				}
			}
		}
		h.Sessions = append(h.Sessions, rs)
	}
	return h
}
