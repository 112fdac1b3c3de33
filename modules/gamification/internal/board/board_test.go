package board

import (
	"bytes"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Periods roll over in UTC: ISO weeks from Monday 00:00, calendar months
// and years; a time zone's evening already in the next UTC day counts
// there.
func TestPeriodBounds(t *testing.T) {
	cases := []struct {
		p          Period
		at         string
		start, end string
	}{
		{Week, "2026-12-07T00:00:00Z", "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z"}, // a Monday
		{Week, "2026-12-13T23:59:59Z", "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z"}, // Sunday's last second
		{Week, "2026-12-14T00:00:00Z", "2026-12-14T00:00:00Z", "2026-12-21T00:00:00Z"}, // rolls over
		{Week, "2027-01-01T12:00:00Z", "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z"}, // ISO week across the year
		{Week, "2026-12-13T23:30:00-02:00", "2026-12-14T00:00:00Z", "2026-12-21T00:00:00Z"},
		{Month, "2026-02-28T23:59:59Z", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"},
		{Month, "2026-12-31T23:00:00-05:00", "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"},
		{Year, "2026-12-31T23:59:59Z", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		{Year, "2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"},
	}
	for _, c := range cases {
		start, end := c.p.Bounds(utc(c.at))
		assert.Equal(t, utc(c.start), start, "%s at %s", c.p, c.at)
		assert.Equal(t, utc(c.end), end, "%s at %s", c.p, c.at)
		assert.Equal(t, time.UTC, start.Location())
	}
	start, end := All.Bounds(utc("2026-12-07T10:00:00Z"))
	assert.True(t, start.IsZero() && end.IsZero())
	assert.Equal(t, utc("2026-12-14T00:00:00Z"), SlotAt(Week, utc("2026-12-09T10:00:00Z"), "run").End())
}

func TestScoreBuckets(t *testing.T) {
	assert.Equal(t, 1000, Distance.Score(1_000_099), "10,000.99 m is 1,000 buckets of 10 m")
	assert.Equal(t, 999, Distance.Score(999_999))
	assert.Equal(t, 0, Distance.Score(999), "under 10 m is not on the board")
	assert.Equal(t, 3600, Time.Score(3_600_999))
	assert.Equal(t, 12, Elevation.Score(1_299))
	assert.Equal(t, 3, Sessions.Score(3))
	assert.Equal(t, 0, Points.Score(-5))
	assert.Equal(t, 10_000.0, Distance.Value(1000))
	assert.Equal(t, "m", Distance.Unit())
	assert.Equal(t, "s", Time.Unit())
	assert.Equal(t, "", Points.Unit())
	for _, m := range Metrics {
		assert.True(t, m.Valid())
	}
	assert.False(t, Metric("calories").Valid())
	assert.False(t, Period("day").Valid())
}

// A session counts once in each period it starts in, for every sport and
// its own; taking it back (an edit's old figures, a deletion) subtracts
// exactly what it added; an implausible one counts nowhere.
func TestDeltaTakesContributionsBack(t *testing.T) {
	u := uuid.New()
	s := Session{UserID: u, Sport: "run", StartedAt: utc("2026-12-13T23:30:00Z"), DistanceM: 10_000.456, MovingTimeS: 3000.4,
		ElevationM: 120.35, Plausible: true}
	cs := SessionContributions(s)
	require.Len(t, cs, 8)
	for _, c := range cs {
		assert.Equal(t, Amounts{DistanceCM: 1_000_046, MovingTimeMS: 3_000_400, Sessions: 1, ElevationCM: 12_035}, c.Amounts)
	}
	week := SlotUser{SlotAt(Week, s.StartedAt, "run"), u}
	d := Delta(nil, []Session{s})
	assert.Len(t, d, 8)
	assert.Equal(t, int64(1), d[week].Sessions)

	edited := s
	edited.DistanceM = 12_000
	edited.StartedAt = utc("2026-12-14T06:00:00Z") // moved into the next week (and nothing else)
	d = Delta([]Session{s}, []Session{edited})
	assert.Equal(t, Amounts{DistanceCM: -1_000_046, MovingTimeMS: -3_000_400, Sessions: -1, ElevationCM: -12_035}, d[week])
	next := SlotUser{SlotAt(Week, edited.StartedAt, "run"), u}
	assert.Equal(t, int64(1_200_000), d[next].DistanceCM)
	month := SlotUser{SlotAt(Month, s.StartedAt, ""), u}
	assert.Equal(t, int64(1_200_000-1_000_046), d[month].DistanceCM, "same month: only the difference")
	assert.Zero(t, d[month].Sessions)
	assert.Len(t, d, 10, "both weeks, month, year and all, each for every sport and for running")

	assert.Empty(t, Delta([]Session{s}, []Session{s}), "the same figures change nothing")
	assert.Len(t, Delta([]Session{s}, nil), 8, "a deletion takes everything back")
	implausible := s
	implausible.Plausible = false
	assert.Empty(t, SessionContributions(implausible))
	assert.Len(t, Delta([]Session{s}, []Session{implausible}), 8, "flagged implausible: taken back")

	noSport := Session{UserID: u, StartedAt: s.StartedAt, Plausible: true, DistanceM: -3}
	cs = SessionContributions(noSport)
	assert.Len(t, cs, 4)
	assert.Equal(t, Amounts{Sessions: 1}, cs[0].Amounts, "negative figures count nothing")

	ps := PointsContributions(u, 50, utc("2026-12-31T23:59:00Z"))
	require.Len(t, ps, 4)
	assert.Equal(t, utc("2026-12-28T00:00:00Z"), ps[0].Slot.Start)
	assert.Equal(t, "", ps[0].Slot.Sport)
	assert.Empty(t, PointsContributions(u, 0, time.Now()))
}

// bruteRank ranks users by brute force: sort by score (best first), then
// by id; a rank is one more than the users with a higher score.
func bruteRank(scores map[uuid.UUID]int) []Ranked {
	var out []Ranked
	for u, s := range scores {
		if s > 0 {
			out = append(out, Ranked{UserID: u, Score: s})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return bytes.Compare(out[i].UserID[:], out[j].UserID[:]) < 0
	})
	for i := range out {
		above := 0
		for _, x := range out {
			if x.Score > out[i].Score {
				above++
			}
		}
		out[i].Rank = int64(above) + 1
	}
	return out
}

// The ranking against brute force on random data: users set, moved, tied
// and taken off at random; its top, every user's place and neighbours
// agree with sorting by hand.
func TestRankingAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	users := make([]uuid.UUID, 400)
	for i := range users {
		users[i] = uuid.New()
	}
	b := NewRanking(0)
	truth := map[uuid.UUID]int{}
	score := func() int {
		switch r.IntN(6) {
		case 0:
			return 0 // off the board
		case 1, 2:
			return 1 + r.IntN(5) // ties
		default:
			return r.IntN(1_000_000)
		}
	}
	for round := range 60 {
		for range 50 {
			u := users[r.IntN(len(users))]
			s := score()
			b.Set(u, s)
			truth[u] = s
		}
		want := bruteRank(truth)
		require.Equal(t, len(want), b.Len(), "round %d", round)
		n := r.IntN(60)
		top := b.Top(n)
		require.Equal(t, want[:min(n, len(want))], top, "top %d, round %d", n, round)
		pos := map[uuid.UUID]int{}
		for i, w := range want {
			pos[w.UserID] = i
		}
		for _, u := range users {
			k := r.IntN(4)
			me, above, below, ok := b.Around(u, k)
			i, on := pos[u]
			require.Equal(t, on, ok)
			if !on {
				assert.Zero(t, b.Score(u))
				continue
			}
			require.Equal(t, want[i], me)
			require.Equal(t, want[max(0, i-k):i], nilIfEmpty(above), "above %d, k %d", i, k)
			require.Equal(t, want[i+1:min(len(want), i+1+k)], nilIfEmpty(below), "below %d, k %d", i, k)
			require.Equal(t, want[i].Rank, b.RankOf(want[i].Score))
		}
	}
}

func nilIfEmpty(x []Ranked) []Ranked {
	if len(x) == 0 {
		return []Ranked{}
	}
	return x
}

// Ties share a rank, the next rank skips (1, 2, 2, 4), and a user taken
// off makes room.
func TestRankingTies(t *testing.T) {
	ids := make([]uuid.UUID, 4)
	for i := range ids {
		ids[i] = uuid.MustParse("00000000-0000-0000-0000-00000000000" + string(rune('1'+i)))
	}
	b := NewRanking(4)
	b.SetAll(ids, []int{50, 40, 40, 10})
	top := b.Top(10)
	require.Len(t, top, 4)
	assert.Equal(t, []int64{1, 2, 2, 4}, []int64{top[0].Rank, top[1].Rank, top[2].Rank, top[3].Rank})
	assert.Equal(t, ids[1], top[1].UserID, "ties listed by user id")
	me, above, below, ok := b.Around(ids[2], 1)
	require.True(t, ok)
	assert.Equal(t, Ranked{ids[2], 40, 2}, me)
	assert.Equal(t, []Ranked{{ids[1], 40, 2}}, above)
	assert.Equal(t, []Ranked{{ids[3], 10, 4}}, below)
	b.Set(ids[0], 0)
	b.Set(ids[3], 45)
	assert.Equal(t, []Ranked{{ids[3], 45, 1}, {ids[1], 40, 2}, {ids[2], 40, 2}}, b.Top(10))
	_, _, _, ok = b.Around(ids[0], 2)
	assert.False(t, ok)
	assert.Empty(t, b.Top(0))
}
