package challengeservice

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/modules/gamification/internal/challengestore"
)

// A participant who only gained keeps the better of their value and the
// batch's new contributions (the fastest: lower; the longest: higher),
// with no write when nothing beats it; one who lost a contribution, or
// counts active days, is recomputed from all of theirs.
func TestNewBests(t *testing.T) {
	fastest, longest := uuid.New(), uuid.New()
	days := uuid.New()
	ana, ben, cai, dan := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	v := func(x float64) *float64 { return &x }
	part := func(c uuid.UUID, k challenge.Kind, m challenge.Metric, u uuid.UUID, value *float64) challengestore.Participation {
		return challengestore.Participation{ChallengeID: c, UserID: u, Def: challenge.Def{Kind: k, Metric: m}, Value: value}
	}
	kept := []challengestore.Participation{
		part(fastest, challenge.FastestEffort, "", ana, v(1500)),
		part(fastest, challenge.FastestEffort, "", ben, v(1400)),
		part(longest, challenge.LongestSession, challenge.Distance, ana, v(10_000)),
		part(longest, challenge.LongestSession, challenge.Distance, cai, nil),
		part(longest, challenge.LongestSession, challenge.Distance, dan, v(20_000)),
		part(days, challenge.MostActivity, challenge.ActiveDays, ana, v(3)),
	}
	pair := func(c, u uuid.UUID) challengestore.Pair { return challengestore.Pair{ChallengeID: c, UserID: u} }
	add := func(c, u uuid.UUID, x float64) challengestore.Contribution {
		return challengestore.Contribution{Pair: pair(c, u), SessionID: uuid.New(), Contribution: challenge.Contribution{Value: x}}
	}
	added := []challengestore.Contribution{
		add(fastest, ana, 1450), add(fastest, ana, 1480), // a faster 5 km
		add(fastest, ben, 1450),                             // slower than Ben's best: nothing to write
		add(longest, ana, 12_000), add(longest, ana, 9_000), // a longer one
		add(longest, cai, 5_000),  // the first
		add(longest, dan, 30_000), // Dan lost one too: recomputed
		add(days, ana, 1),         // active days: recomputed
	}
	bests, recompute := newBests(kept, []challengestore.Pair{pair(longest, dan)}, added)
	got := map[challengestore.Pair]challengestore.Best{}
	for _, b := range bests {
		got[b.Pair] = b
	}
	assert.Equal(t, map[challengestore.Pair]challengestore.Best{
		pair(fastest, ana): {Pair: pair(fastest, ana), Value: 1450, LowerIsBetter: true},
		pair(longest, ana): {Pair: pair(longest, ana), Value: 12_000},
		pair(longest, cai): {Pair: pair(longest, cai), Value: 5_000},
	}, got)
	assert.ElementsMatch(t, []challengestore.Pair{pair(longest, dan), pair(longest, dan), pair(days, ana)}, recompute)
}
