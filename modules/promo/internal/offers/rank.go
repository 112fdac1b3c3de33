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

// Ranker keeps the best n of the candidates added to it, best first by,
// in turn:
//  1. targeting fit: more rules matched first (an offer aimed at the user
//     before one aimed at everyone);
//  2. priority, higher first;
//  3. freshness: the later start day (UTC) first;
//  4. pacing: the one further behind its pace (Slack) first;
//  5. the id, so that the order is total and stable.
//
// A list needs its best few of hundreds of eligible offers, which a heap
// of n picks in one pass, holding n of them only.
type Ranker struct {
	n  int
	ks []keyed // a heap: ks[0] is the worst of the best so far
}

// NewRanker returns a ranker that keeps the best n (n >= 1).
func NewRanker(n int) *Ranker { return &Ranker{n: max(n, 1), ks: make([]keyed, 0, max(n, 1))} }

// Add offers a candidate: kept while it is among the best n so far.
func (r *Ranker) Add(c Candidate) {
	k := keyed{c: c, day: c.startDay().Unix(), slack: c.Slack()}
	if len(r.ks) < r.n {
		r.ks = append(r.ks, k)
		r.up(len(r.ks) - 1)
		return
	}
	if compareKeyed(k, r.ks[0]) < 0 {
		r.ks[0] = k
		r.down(0)
	}
}

// AppendRanked appends the candidates kept, best first, to dst; the
// ranker is spent.
func (r *Ranker) AppendRanked(dst []Candidate) []Candidate {
	slices.SortFunc(r.ks, compareKeyed)
	dst = slices.Grow(dst, len(r.ks))
	for _, k := range r.ks {
		dst = append(dst, k.c)
	}
	r.ks = r.ks[:0]
	return dst
}

// worse: the heap's order (the worst candidate at the root).
func (r *Ranker) worse(i, j int) bool { return compareKeyed(r.ks[i], r.ks[j]) > 0 }

func (r *Ranker) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !r.worse(i, p) {
			return
		}
		r.ks[i], r.ks[p] = r.ks[p], r.ks[i]
		i = p
	}
}

func (r *Ranker) down(i int) {
	for {
		w, l, rt := i, 2*i+1, 2*i+2
		if l < len(r.ks) && r.worse(l, w) {
			w = l
		}
		if rt < len(r.ks) && r.worse(rt, w) {
			w = rt
		}
		if w == i {
			return
		}
		r.ks[i], r.ks[w] = r.ks[w], r.ks[i]
		i = w
	}
}

// keyed is a candidate with its ranking keys computed once.
type keyed struct {
	c     Candidate
	day   int64
	slack float64
}

// compareKeyed is Ranker's order: negative when a ranks before b.
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

func (c Candidate) startDay() time.Time { return c.Offer.Def.StartsAt.Truncate(24 * time.Hour) }
