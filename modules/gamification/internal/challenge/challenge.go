// Package challenge is the challenges' domain: the four kinds (most
// activity, group goal, fastest effort, longest session), what a challenge
// may be (Spec.Validate), what one session contributes to a participant
// (Contribution), how a participant's contributions add up (Aggregate),
// how a team challenge places a participant (AssignTeam) and how a
// leaderboard ranks ties (Ranks). It has no SQL, NATS or fx in it.
package challenge

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/sport"
)

// Kind is what a challenge measures and how it ends.
type Kind string

// Kinds of challenges.
const (
	// MostActivity ranks participants (or teams) by a total of Metric over
	// the window; with a Target, a participant completes on reaching it.
	MostActivity Kind = "most_activity"
	// GroupGoal adds everyone's total of Metric toward one Target; the
	// challenge completes, for every participant, when the sum reaches it.
	GroupGoal Kind = "group_goal"
	// FastestEffort ranks by the fastest time over Effort (a best effort
	// of one session); with a Target (seconds), a participant completes on
	// running it at least that fast.
	FastestEffort Kind = "fastest_effort"
	// LongestSession ranks by the longest single session by Metric
	// (distance or moving_time); with a Target, a participant completes
	// on one session reaching it.
	LongestSession Kind = "longest_session"
)

// Kinds returns the kinds, in the order the API lists them.
func Kinds() []string {
	return []string{string(MostActivity), string(GroupGoal), string(FastestEffort), string(LongestSession)}
}

// Metric is a session figure a challenge adds up or compares.
type Metric string

// Metrics.
const (
	Distance   Metric = "distance"    // metres
	MovingTime Metric = "moving_time" // seconds
	Sessions   Metric = "sessions"    // one per session
	Elevation  Metric = "elevation"   // metres of elevation gain
	ActiveDays Metric = "active_days" // calendar days with a session, in the participant's time zone
)

// Metrics returns the metrics of a total (most_activity, group_goal).
func Metrics() []string {
	return []string{string(Distance), string(MovingTime), string(Sessions), string(Elevation), string(ActiveDays)}
}

// SessionMetrics returns the metrics of longest_session.
func SessionMetrics() []string { return []string{string(Distance), string(MovingTime)} }

// Efforts returns the distances of fastest_effort: the names of training's
// best efforts within a session.
func Efforts() []string {
	return []string{"400m", "1k", "1mile", "5k", "10k", "half_marathon", "marathon"}
}

// TeamMode says whether and how participants form teams.
type TeamMode string

// Team modes.
const (
	// Individual: no teams.
	Individual TeamMode = "none"
	// GroupTeams: each team is a group; a participant joins as a member of
	// one of the listed groups.
	GroupTeams TeamMode = "groups"
	// InGroupTeams: teams inside the challenge's group, named at creation;
	// a participant chooses one at join, or the system assigns one
	// (AssignTeam).
	InGroupTeams TeamMode = "teams"
)

// TeamModes returns the team modes.
func TeamModes() []string {
	return []string{string(Individual), string(GroupTeams), string(InGroupTeams)}
}

// Bounds of a challenge.
const (
	MaxTitle       = 100
	MaxDescription = 2000
	MaxTeamName    = 60
	MinTeams       = 2
	MaxTeams       = 50
	// MinLength and MaxLength bound the window (end - start).
	MinLength = time.Hour
	MaxLength = 366 * 24 * time.Hour
	// MaxLeadTime bounds how far ahead a challenge may start.
	MaxLeadTime = 366 * 24 * time.Hour
	// MaxTarget bounds a target in its unit (a billion metres is 25 times
	// round the Earth per participant of a large group goal).
	MaxTarget = 1e12
)

// Spec is what a creator asks for. Group ids are strings here (the
// service parses them); GroupID is empty for a global challenge.
type Spec struct {
	Title       string
	Description string
	Kind        Kind
	Metric      Metric
	Effort      string
	Target      *float64
	Sport       string
	StartsAt    time.Time
	EndsAt      time.Time
	GroupID     string
	TeamMode    TeamMode
	// TeamGroups are the groups of a GroupTeams challenge.
	TeamGroups []string
	// TeamNames are the teams of an InGroupTeams challenge.
	TeamNames []string
}

// Validate checks spec at now and returns it normalised (trimmed title,
// default metric and team mode), or a
// fielderr.Error naming the first field at fault.
func (s Spec) Validate(now time.Time) (Spec, error) {
	s.Title = strings.TrimSpace(s.Title)
	s.Description = strings.TrimSpace(s.Description)
	switch {
	case s.Title == "":
		return s, fielderr.New("title", "must not be empty")
	case utf8.RuneCountInString(s.Title) > MaxTitle:
		return s, fielderr.New("title", "must be at most %d characters", MaxTitle)
	case utf8.RuneCountInString(s.Description) > MaxDescription:
		return s, fielderr.New("description", "must be at most %d characters", MaxDescription)
	}
	if err := s.validateMeasure(); err != nil {
		return s, err
	}
	if s.Target != nil && (*s.Target <= 0 || *s.Target > MaxTarget) {
		return s, fielderr.New("target", "must be above 0 and at most %g", float64(MaxTarget))
	}
	if s.Sport != "" && !sport.Valid(s.Sport) {
		return s, fielderr.New("sport", "is not a sport: one of %s", strings.Join(sport.All(), ", "))
	}
	if err := s.validateWindow(now); err != nil {
		return s, err
	}
	return s.validateTeams()
}

func (s *Spec) validateMeasure() error {
	switch s.Kind {
	case MostActivity, GroupGoal:
		if !slices.Contains(Metrics(), string(s.Metric)) {
			return fielderr.New("metric", "must be one of %s", strings.Join(Metrics(), ", "))
		}
		if s.Effort != "" {
			return fielderr.New("effort", "is only for fastest_effort")
		}
		if s.Kind == GroupGoal && s.Target == nil {
			return fielderr.New("target", "is required for a group_goal: the total everyone works toward")
		}
	case FastestEffort:
		if !slices.Contains(Efforts(), s.Effort) {
			return fielderr.New("effort", "must be one of %s", strings.Join(Efforts(), ", "))
		}
		if s.Metric != "" {
			return fielderr.New("metric", "is not for fastest_effort (it is timed over effort)")
		}
	case LongestSession:
		if s.Metric == "" {
			s.Metric = Distance
		}
		if !slices.Contains(SessionMetrics(), string(s.Metric)) {
			return fielderr.New("metric", "must be one of %s for longest_session", strings.Join(SessionMetrics(), ", "))
		}
		if s.Effort != "" {
			return fielderr.New("effort", "is only for fastest_effort")
		}
	default:
		return fielderr.New("kind", "must be one of %s", strings.Join(Kinds(), ", "))
	}
	return nil
}

func (s Spec) validateWindow(now time.Time) error {
	switch {
	case s.StartsAt.IsZero():
		return fielderr.New("starts_at", "is required")
	case s.EndsAt.IsZero():
		return fielderr.New("ends_at", "is required")
	case !s.EndsAt.After(s.StartsAt):
		return fielderr.New("ends_at", "must be after starts_at")
	case s.EndsAt.Sub(s.StartsAt) < MinLength:
		return fielderr.New("ends_at", "must be at least %s after starts_at", MinLength)
	case s.EndsAt.Sub(s.StartsAt) > MaxLength:
		return fielderr.New("ends_at", "must be at most 366 days after starts_at")
	case !s.EndsAt.After(now):
		return fielderr.New("ends_at", "must be in the future")
	case s.StartsAt.Sub(now) > MaxLeadTime:
		return fielderr.New("starts_at", "must be at most 366 days ahead")
	}
	return nil
}

func (s Spec) validateTeams() (Spec, error) {
	if s.TeamMode == "" {
		s.TeamMode = Individual
	}
	switch s.TeamMode {
	case Individual:
		if len(s.TeamGroups) > 0 || len(s.TeamNames) > 0 {
			return s, fielderr.New("team_mode", "must be groups or teams when teams are listed")
		}
		return s, nil
	case GroupTeams, InGroupTeams:
		if s.Kind == GroupGoal {
			return s, fielderr.New("team_mode", "must be none for a group_goal: everyone works toward one total")
		}
	default:
		return s, fielderr.New("team_mode", "must be one of %s", strings.Join(TeamModes(), ", "))
	}
	if s.TeamMode == GroupTeams {
		return s.validateTeamGroups()
	}
	return s.validateTeamNames()
}

func (s Spec) validateTeamGroups() (Spec, error) {
	if len(s.TeamNames) > 0 && len(s.TeamNames) != len(s.TeamGroups) {
		return s, fielderr.New("team_names", "must name every team of team_groups, in their order, or none")
	}
	switch {
	case len(s.TeamGroups) < MinTeams:
		return s, fielderr.New("team_groups", "must list at least %d groups", MinTeams)
	case len(s.TeamGroups) > MaxTeams:
		return s, fielderr.New("team_groups", "must list at most %d groups", MaxTeams)
	case s.GroupID != "" && !slices.Contains(s.TeamGroups, s.GroupID):
		return s, fielderr.New("team_groups", "must include the challenge's group_id")
	}
	for i, g := range s.TeamGroups {
		if slices.Index(s.TeamGroups, g) < i {
			return s, fielderr.New("team_groups["+strconv.Itoa(i)+"]", "repeats another team's group")
		}
	}
	if len(s.TeamNames) == 0 {
		return s, nil
	}
	names, err := teamNames(s.TeamNames)
	s.TeamNames = names
	return s, err
}

func (s Spec) validateTeamNames() (Spec, error) {
	switch {
	case s.GroupID == "":
		return s, fielderr.New("group_id", "is required for team_mode teams (teams inside a group)")
	case len(s.TeamGroups) > 0:
		return s, fielderr.New("team_groups", "are for team_mode groups; team_mode teams lists team_names")
	case len(s.TeamNames) < MinTeams:
		return s, fielderr.New("team_names", "must list at least %d teams", MinTeams)
	case len(s.TeamNames) > MaxTeams:
		return s, fielderr.New("team_names", "must list at most %d teams", MaxTeams)
	}
	names, err := teamNames(s.TeamNames)
	s.TeamNames = names
	return s, err
}

// teamNames trims names and checks them: not empty, not too long, no
// two alike (case does not matter).
func teamNames(in []string) ([]string, error) {
	names := make([]string, len(in))
	seen := make(map[string]bool, len(names))
	for i, n := range in {
		n = strings.TrimSpace(n)
		key := strings.ToLower(n)
		switch {
		case n == "":
			return nil, fielderr.New("team_names["+strconv.Itoa(i)+"]", "must not be empty")
		case utf8.RuneCountInString(n) > MaxTeamName:
			return nil, fielderr.New("team_names["+strconv.Itoa(i)+"]", "must be at most %d characters", MaxTeamName)
		case seen[key]:
			return nil, fielderr.New("team_names["+strconv.Itoa(i)+"]", "repeats another team's name")
		}
		seen[key] = true
		names[i] = n
	}
	return names, nil
}

// Unit is the unit of the challenge's values: m, s, sessions or days.
func (s Spec) Unit() string { return Unit(s.Kind, s.Metric) }

// Unit is the unit of a kind and metric's values.
func Unit(k Kind, m Metric) string {
	if k == FastestEffort {
		return "s"
	}
	switch m {
	case Distance, Elevation:
		return "m"
	case MovingTime:
		return "s"
	case Sessions:
		return "sessions"
	case ActiveDays:
		return "days"
	}
	return ""
}

// LowerIsBetter reports whether a smaller value ranks first (a time).
func LowerIsBetter(k Kind) bool { return k == FastestEffort }

// Ranked reports whether the challenge completes by ranking at its end
// (no target to reach).
func Ranked(k Kind, target *float64) bool { return k != GroupGoal && target == nil }

// Reached reports whether value meets target for kind k.
func Reached(k Kind, value, target float64) bool {
	if LowerIsBetter(k) {
		return value <= target
	}
	return value >= target
}
