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
//
// It keeps the best n (every candidate when n <= 0 or n >= len(cs)) and
// answers them, in cs's own array: a list needs its best few of hundreds
// of eligible offers, which a heap of n picks in one pass without sorting
// the rest.
func Rank(cs []Candidate, n int) []Candidate {
	ks := make([]keyed, len(cs))
	for i, c := range cs {
		ks[i] = keyed{c: c, day: c.startDay().Unix(), slack: c.Slack()}
	}
	if n > 0 && n < len(ks) {
		ks = best(ks, n)
	}
	slices.SortFunc(ks, compareKeyed)
	for i := range ks {
		cs[i] = ks[i].c
	}
	return cs[:len(ks)]
}

// keyed is a candidate with its ranking keys computed once.
type keyed struct {
	c     Candidate
	day   int64
	slack float64
}

// compareKeyed is Rank's order: negative when a ranks before b.
func compareKeyed(a, b keyed) int {
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
}

// best moves the n best of ks (0 < n < len(ks)) to its front, in no
// particular order, and answers them: a heap whose root is the worst of
// the best so far, replaced by each better one.
func best(ks []keyed, n int) []keyed {
	h := ks[:n]
	worse := func(i, j int) bool { return compareKeyed(h[i], h[j]) > 0 }
	down := func(i int) {
		for {
			w, l, r := i, 2*i+1, 2*i+2
			if l < n && worse(l, w) {
				w = l
			}
			if r < n && worse(r, w) {
				w = r
			}
			if w == i {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	for i := n/2 - 1; i >= 0; i-- {
		down(i)
	}
	for i := n; i < len(ks); i++ {
		if compareKeyed(ks[i], h[0]) < 0 {
			h[0], ks[i] = ks[i], h[0]
			down(0)
		}
	}
	return h
}

func (c Candidate) startDay() time.Time { return c.Offer.Def.StartsAt.Truncate(24 * time.Hour) }
