package challenge_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/modules/gamification/internal/challenge"
)

var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func ptr(f float64) *float64 { return &f }

func valid() challenge.Spec {
	return challenge.Spec{Title: " March miles ", Kind: challenge.MostActivity, Metric: challenge.Distance,
		StartsAt: now.Add(-time.Hour), EndsAt: now.Add(30 * 24 * time.Hour)}
}

func TestValidateAcceptsAndNormalises(t *testing.T) {
	s, err := valid().Validate(now)
	require.NoError(t, err)
	assert.Equal(t, "March miles", s.Title)
	assert.Equal(t, challenge.Individual, s.TeamMode)
	assert.Equal(t, "m", s.Unit())

	ls := valid()
	ls.Kind, ls.Metric = challenge.LongestSession, ""
	s, err = ls.Validate(now)
	require.NoError(t, err)
	assert.Equal(t, challenge.Distance, s.Metric, "longest_session defaults to distance")

	g := valid()
	g.TeamMode, g.TeamGroups, g.GroupID = challenge.GroupTeams, []string{"b", "a"}, "a"
	s, err = g.Validate(now)
	require.NoError(t, err)
	assert.Equal(t, []string{"b", "a"}, s.TeamGroups, "teams keep the order they were named in")
	g.TeamNames = []string{" Bees ", "Ants"}
	s, err = g.Validate(now)
	require.NoError(t, err)
	assert.Equal(t, []string{"Bees", "Ants"}, s.TeamNames, "group teams may be named")

	tm := valid()
	tm.TeamMode, tm.GroupID, tm.TeamNames = challenge.InGroupTeams, "g", []string{" Red ", "Blue"}
	s, err = tm.Validate(now)
	require.NoError(t, err)
	assert.Equal(t, []string{"Red", "Blue"}, s.TeamNames)

	fe := valid()
	fe.Kind, fe.Metric, fe.Effort, fe.Target = challenge.FastestEffort, "", "5k", ptr(1500)
	s, err = fe.Validate(now)
	require.NoError(t, err)
	assert.Equal(t, "s", s.Unit())
}

func TestValidateRefuses(t *testing.T) {
	long := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'x'
		}
		return string(b)
	}
	cases := []struct {
		name   string
		change func(*challenge.Spec)
		field  string
	}{
		{"empty title", func(s *challenge.Spec) { s.Title = "  " }, "title"},
		{"long title", func(s *challenge.Spec) { s.Title = long(101) }, "title"},
		{"long description", func(s *challenge.Spec) { s.Description = long(2001) }, "description"},
		{"unknown kind", func(s *challenge.Spec) { s.Kind = "fun" }, "kind"},
		{"unknown metric", func(s *challenge.Spec) { s.Metric = "calories" }, "metric"},
		{"missing metric", func(s *challenge.Spec) { s.Metric = "" }, "metric"},
		{"effort on a total", func(s *challenge.Spec) { s.Effort = "5k" }, "effort"},
		{"group goal without target", func(s *challenge.Spec) { s.Kind = challenge.GroupGoal }, "target"},
		{"zero target", func(s *challenge.Spec) { s.Target = ptr(0) }, "target"},
		{"huge target", func(s *challenge.Spec) { s.Target = ptr(2e12) }, "target"},
		{"unknown effort", func(s *challenge.Spec) { s.Kind, s.Metric, s.Effort = challenge.FastestEffort, "", "3k" }, "effort"},
		{"metric on an effort", func(s *challenge.Spec) { s.Kind, s.Effort = challenge.FastestEffort, "5k" }, "metric"},
		{"sessions on longest", func(s *challenge.Spec) { s.Kind, s.Metric = challenge.LongestSession, challenge.Sessions }, "metric"},
		{"unknown sport", func(s *challenge.Spec) { s.Sport = "curling" }, "sport"},
		{"no start", func(s *challenge.Spec) { s.StartsAt = time.Time{} }, "starts_at"},
		{"no end", func(s *challenge.Spec) { s.EndsAt = time.Time{} }, "ends_at"},
		{"end before start", func(s *challenge.Spec) { s.EndsAt = s.StartsAt.Add(-time.Minute) }, "ends_at"},
		{"too short", func(s *challenge.Spec) { s.EndsAt = s.StartsAt.Add(59 * time.Minute) }, "ends_at"},
		{"too long", func(s *challenge.Spec) { s.EndsAt = s.StartsAt.Add(367 * 24 * time.Hour) }, "ends_at"},
		{"ended", func(s *challenge.Spec) { s.StartsAt, s.EndsAt = now.Add(-48*time.Hour), now.Add(-time.Hour) }, "ends_at"},
		{"too far ahead", func(s *challenge.Spec) {
			s.StartsAt = now.Add(400 * 24 * time.Hour)
			s.EndsAt = s.StartsAt.Add(24 * time.Hour)
		}, "starts_at"},
		{"unknown team mode", func(s *challenge.Spec) { s.TeamMode = "pairs" }, "team_mode"},
		{"teams without mode", func(s *challenge.Spec) { s.TeamNames = []string{"a", "b"} }, "team_mode"},
		{"team challenge without teams", func(s *challenge.Spec) { s.TeamMode, s.GroupID = challenge.InGroupTeams, "g" }, "team_names"},
		{"one team", func(s *challenge.Spec) {
			s.TeamMode, s.GroupID, s.TeamNames = challenge.InGroupTeams, "g", []string{"a"}
		}, "team_names"},
		{"teams outside a group", func(s *challenge.Spec) { s.TeamMode, s.TeamNames = challenge.InGroupTeams, []string{"a", "b"} }, "group_id"},
		{"same team twice", func(s *challenge.Spec) {
			s.TeamMode, s.GroupID, s.TeamNames = challenge.InGroupTeams, "g", []string{"Red", " red"}
		}, "team_names[1]"},
		{"empty team name", func(s *challenge.Spec) {
			s.TeamMode, s.GroupID, s.TeamNames = challenge.InGroupTeams, "g", []string{"Red", " "}
		}, "team_names[1]"},
		{"long team name", func(s *challenge.Spec) {
			s.TeamMode, s.GroupID, s.TeamNames = challenge.InGroupTeams, "g", []string{"Red", long(61)}
		}, "team_names[1]"},
		{"group teams of one group", func(s *challenge.Spec) { s.TeamMode, s.TeamGroups = challenge.GroupTeams, []string{"a"} }, "team_groups"},
		{"group teams repeated", func(s *challenge.Spec) { s.TeamMode, s.TeamGroups = challenge.GroupTeams, []string{"a", "b", "a"} }, "team_groups[2]"},
		{"group teams without the challenge's group", func(s *challenge.Spec) {
			s.TeamMode, s.TeamGroups, s.GroupID = challenge.GroupTeams, []string{"a", "b"}, "c"
		}, "team_groups"},
		{"names of some group teams", func(s *challenge.Spec) {
			s.TeamMode, s.TeamGroups, s.TeamNames = challenge.GroupTeams, []string{"a", "b"}, []string{"x"}
		}, "team_names"},
		{"group teams named alike", func(s *challenge.Spec) {
			s.TeamMode, s.TeamGroups, s.TeamNames = challenge.GroupTeams, []string{"a", "b"}, []string{"x", "X "}
		}, "team_names[1]"},
		{"group goal in teams", func(s *challenge.Spec) {
			s.Kind, s.Target, s.TeamMode, s.TeamGroups = challenge.GroupGoal, ptr(1000), challenge.GroupTeams, []string{"a", "b"}
		}, "team_mode"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := valid()
			c.change(&s)
			_, err := s.Validate(now)
			var fe *fielderr.Error
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, c.field, fe.Field, fe.Reason)
		})
	}
}

func TestContribute(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	d := challenge.Def{Kind: challenge.MostActivity, Metric: challenge.Distance, Sport: "run", StartsAt: start, EndsAt: start.Add(31 * 24 * time.Hour)}
	joined := start.Add(48 * time.Hour)
	run := challenge.Session{Sport: "run", StartedAt: joined.Add(time.Hour), DistanceM: 10000, MovingTimeS: 3000,
		ElevationGainM: 120, Plausible: true, BestEfforts: map[string]float64{"5k": 1490}}

	c, ok := challenge.Contribute(d, joined, nil, run)
	require.True(t, ok)
	assert.Equal(t, 10000.0, c.Value)

	// Exactly at the join counts; before it, outside the window, another
	// sport or implausible doesn't.
	at := run
	at.StartedAt = joined
	_, ok = challenge.Contribute(d, joined, nil, at)
	assert.True(t, ok, "a session starting as the user joins counts")
	for name, s := range map[string]challenge.Session{
		"before joining": func() challenge.Session { s := run; s.StartedAt = joined.Add(-time.Second); return s }(),
		"at the end":     func() challenge.Session { s := run; s.StartedAt = d.EndsAt; return s }(),
		"other sport":    func() challenge.Session { s := run; s.Sport = "ride"; return s }(),
		"implausible":    func() challenge.Session { s := run; s.Plausible = false; return s }(),
	} {
		_, ok := challenge.Contribute(d, joined, nil, s)
		assert.False(t, ok, name)
	}
	// Joined before the start: the window's start counts.
	early := run
	early.StartedAt = start.Add(-time.Second)
	_, ok = challenge.Contribute(d, start.Add(-time.Hour), nil, early)
	assert.False(t, ok, "before the window")

	for metric, want := range map[challenge.Metric]float64{challenge.MovingTime: 3000, challenge.Elevation: 120, challenge.Sessions: 1, challenge.ActiveDays: 1} {
		dm := d
		dm.Metric = metric
		c, ok := challenge.Contribute(dm, joined, nil, run)
		require.True(t, ok)
		assert.Equal(t, want, c.Value, metric)
	}

	fe := challenge.Def{Kind: challenge.FastestEffort, Effort: "5k", StartsAt: start, EndsAt: d.EndsAt}
	c, ok = challenge.Contribute(fe, joined, nil, run)
	require.True(t, ok)
	assert.Equal(t, 1490.0, c.Value)
	fe.Effort = "10k"
	_, ok = challenge.Contribute(fe, joined, nil, run)
	assert.False(t, ok, "no best effort over the distance")

	ls := challenge.Def{Kind: challenge.LongestSession, Metric: challenge.MovingTime, StartsAt: start, EndsAt: d.EndsAt}
	c, ok = challenge.Contribute(ls, joined, nil, run)
	require.True(t, ok)
	assert.Equal(t, 3000.0, c.Value)
	zero := run
	zero.MovingTimeS = 0
	_, ok = challenge.Contribute(ls, joined, nil, zero)
	assert.False(t, ok, "a session of no length is no longest session")
}

// Active days are the participant's calendar days: 23:30 UTC is the next
// day in Berlin.
func TestContributeDayInTimeZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	d := challenge.Def{Kind: challenge.MostActivity, Metric: challenge.ActiveDays,
		StartsAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), EndsAt: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
	s := challenge.Session{StartedAt: time.Date(2026, 3, 5, 23, 30, 0, 0, time.UTC), Plausible: true}
	c, ok := challenge.Contribute(d, d.StartsAt, berlin, s)
	require.True(t, ok)
	assert.Equal(t, time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), c.Day)
	c, _ = challenge.Contribute(d, d.StartsAt, nil, s)
	assert.Equal(t, time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), c.Day)
}

func TestAggregatesAndScores(t *testing.T) {
	assert.Equal(t, challenge.Sum, challenge.AggregateOf(challenge.MostActivity, challenge.Distance))
	assert.Equal(t, challenge.Days, challenge.AggregateOf(challenge.MostActivity, challenge.ActiveDays))
	assert.Equal(t, challenge.Sum, challenge.TeamAggregate(challenge.MostActivity, challenge.ActiveDays))
	assert.Equal(t, challenge.Min, challenge.AggregateOf(challenge.FastestEffort, ""))
	assert.Equal(t, challenge.Max, challenge.TeamAggregate(challenge.LongestSession, challenge.Distance))
	assert.Equal(t, -1500.0, challenge.Score(challenge.FastestEffort, 1500))
	assert.Equal(t, 1500.0, challenge.Score(challenge.GroupGoal, 1500))
	assert.True(t, challenge.Reached(challenge.FastestEffort, 1499, 1500))
	assert.False(t, challenge.Reached(challenge.FastestEffort, 1501, 1500))
	assert.True(t, challenge.Reached(challenge.MostActivity, 1500, 1500))
	assert.True(t, challenge.Ranked(challenge.MostActivity, nil))
	assert.False(t, challenge.Ranked(challenge.MostActivity, ptr(1)))
	assert.False(t, challenge.Ranked(challenge.GroupGoal, nil))
}

func TestRanksTies(t *testing.T) {
	// A whole board: 1, 2, 2, 4, 4, 4, 7.
	assert.Equal(t, []int{1, 2, 2, 4, 4, 4, 7}, challenge.Ranks(1, 0, []float64{9, 8, 8, 7, 7, 7, 1}))
	// A page starting inside a tie that began on the previous page: the
	// tie's rank is 4 (three ahead), the page's first entry is the 6th.
	assert.Equal(t, []int{4, 4, 8, 8, 10}, challenge.Ranks(4, 5, []float64{7, 7, 6, 6, 5}))
	assert.Empty(t, challenge.Ranks(1, 0, nil))
}

func TestAssignTeamSmallestThenPosition(t *testing.T) {
	assert.Equal(t, -1, challenge.AssignTeam(nil))
	assert.Equal(t, 1, challenge.AssignTeam([]challenge.TeamLoad{{0, 3}, {1, 2}, {2, 2}}))
	assert.Equal(t, 2, challenge.AssignTeam([]challenge.TeamLoad{{2, 3}, {1, 4}, {0, 3}}), "ties go to the lowest position, whatever the slice's order")
	// Assigning 10 one by one fills three teams evenly: 4, 3, 3.
	teams := []challenge.TeamLoad{{0, 0}, {1, 0}, {2, 0}}
	for range 10 {
		teams[challenge.AssignTeam(teams)].Members++
	}
	assert.Equal(t, []challenge.TeamLoad{{0, 4}, {1, 3}, {2, 3}}, teams)
}

func TestStateAt(t *testing.T) {
	s, e := now.Add(time.Hour), now.Add(2*time.Hour)
	var zero time.Time
	assert.Equal(t, challenge.Upcoming, challenge.StateAt(now, s, e, zero, zero))
	assert.Equal(t, challenge.Active, challenge.StateAt(s, s, e, zero, zero))
	assert.Equal(t, challenge.Finalising, challenge.StateAt(e, s, e, zero, zero))
	assert.Equal(t, challenge.Ended, challenge.StateAt(e.Add(challenge.FinaliseGrace), s, e, zero, e.Add(challenge.FinaliseGrace)))
	assert.Equal(t, challenge.Completed, challenge.StateAt(s, s, e, s, zero))
}

func TestCursors(t *testing.T) {
	id := [16]byte{1, 2, 3}
	at := time.Date(2026, 3, 1, 12, 0, 0, 123000, time.UTC)
	gotAt, gotID, err := challenge.ParseTimeCursor(challenge.TimeCursor(at, id))
	require.NoError(t, err)
	assert.True(t, at.Equal(gotAt))
	assert.Equal(t, id, gotID)
	s, gotID, err := challenge.ParseScoreCursor(challenge.ScoreCursor(-1490.5, id))
	require.NoError(t, err)
	assert.Equal(t, -1490.5, s)
	assert.Equal(t, id, gotID)
	for _, bad := range []string{"", "!!", "AAAA", challenge.ScoreCursor(0, id) + "A"} {
		_, _, err := challenge.ParseScoreCursor(bad)
		var fe *fielderr.Error
		require.ErrorAs(t, err, &fe, bad)
		assert.Equal(t, "cursor", fe.Field)
	}
}

// Standings count as the leaderboard orders: against brute force.
func TestStandingsAgainstBruteForce(t *testing.T) {
	scores := []float64{9, 8, 8, 8, 5, 5, 1, -3}
	ids := [][16]byte{{7}, {9}, {5}, {2}, {8}, {1}, {4}, {3}}
	s := challenge.NewStandings(scores, ids)
	assert.Equal(t, 8, s.Len())
	for _, q := range []float64{10, 9, 8.5, 8, 6, 5, 1, 0, -3, -4} {
		want := 0
		for _, v := range scores {
			if v > q {
				want++
			}
		}
		assert.Equal(t, want, s.Better(q), "better than %g", q)
	}
	for i := range scores {
		assert.Equal(t, i, s.Before(scores[i], ids[i]), "entry %d", i)
	}
	assert.Equal(t, 2, s.Before(8, [16]byte{6}), "between ids 9 and 5 of the 8s")
}
