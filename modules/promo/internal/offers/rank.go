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
	slices.SortFunc(cs, func(a, b Candidate) int {
		if c := cmp.Compare(b.Fit, a.Fit); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Offer.Def.Priority, a.Offer.Def.Priority); c != 0 {
			return c
		}
		if c := b.startDay().Compare(a.startDay()); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Slack(), a.Slack()); c != 0 {
			return c
		}
		return bytes.Compare(a.Offer.ID[:], b.Offer.ID[:])
	})
}

func (c Candidate) startDay() time.Time { return c.Offer.Def.StartsAt.Truncate(24 * time.Hour) }
