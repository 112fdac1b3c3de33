package offers_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	loadoffers "github.com/athlos/athlos/internal/loadgen/offers"
	"github.com/athlos/athlos/modules/promo/internal/offers"
)

// BenchmarkEligibleAndRank evaluates 1,000 offers of every kind of
// targeting for one user and ranks the eligible ones: the CPU part of
// serving a list.
//
//	go test ./modules/promo/internal/offers -run '^$' -bench EligibleAndRank
func BenchmarkEligibleAndRank(b *testing.B) {
	now := time.Now()
	defs := loadoffers.Definitions(1000, 1, now)
	os := make([]*offers.Offer, len(defs))
	for i, d := range defs {
		o, err := offers.Validate(uuid.New(), d, now)
		if err != nil {
			b.Fatal(err)
		}
		os[i] = o
	}
	u := adult()
	u.Language = "de"
	curve := offers.Flat()
	for b.Loop() {
		r := offers.NewRanker(80)
		for _, o := range os {
			if o.Matches(&u, now) {
				d := o.Def
				r.Add(offers.Candidate{Offer: o, Fit: offers.Fit(d.Targeting),
					Allowance: offers.Allowance(d.Budget.Impressions, &curve, d.StartsAt, d.EndsAt, now)})
			}
		}
		r.AppendRanked(nil)
	}
}
