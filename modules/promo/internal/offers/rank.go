package offers

import (
	"bytes"
	"cmp"
	"slices"
	"time"
)

// Candidate is an offer a user is eligible for, with what ranks it.
type Candidate struct {
	Offer *Offer
	// Fit is the number of targeting rules it matched (Fit).
	Fit int
	// Allowance is how many impressions pacing allows by now (Allowance),
	// Spent how many are counted or reserved.
	Allowance, Spent int64
}

// Slack is how far the offer is behind its pace, as a share of its
// budget: (allowance − spent) / budget. An offer behind its pace needs
// serving more than one ahead of it.
func (c Candidate) Slack() float64 {
	return float64(c.Allowance-c.Spent) / float64(c.Offer.Def.Budget.Impressions)
}

// Rank orders candidates best first, by, in turn:
//  1. targeting fit: more rules matched first (an offer aimed at the user
//     before one aimed at everyone);
//  2. priority, higher first;
//  3. freshness: the later start day (UTC) first;
//  4. pacing: the one further behind its pace (Slack) first;
//  5. the id, so that the order is total and stable.
func Rank(cs []Candidate) {
	type keyed struct {
		c     Candidate
		day   int64
		slack float64
	}
	ks := make([]keyed, len(cs))
	for i, c := range cs {
		ks[i] = keyed{c: c, day: c.startDay().Unix(), slack: c.Slack()}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if c := cmp.Compare(b.c.Fit, a.c.Fit); c != 0 {
			return c
		}
		if c := cmp.Compare(b.c.Offer.Def.Priority, a.c.Offer.Def.Priority); c != 0 {
			return c
		}
		if c := cmp.Compare(b.day, a.day); c != 0 {
			return c
		}
		if c := cmp.Compare(b.slack, a.slack); c != 0 {
			return c
		}
		return bytes.Compare(a.c.Offer.ID[:], b.c.Offer.ID[:])
	})
	for i := range ks {
		cs[i] = ks[i].c
	}
}

func (c Candidate) startDay() time.Time { return c.Offer.Def.StartsAt.Truncate(24 * time.Hour) }
