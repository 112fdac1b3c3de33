package fitness

import (
	"math/rand/v2"
	"testing"
	"time"
)

// fiveYears is about 1,500 sessions over five years (1,826 days) as timed
// loads, the figure.
func fiveYears() ([]TimedLoad, Date, Date) {
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2021, 1, 1, 7, 0, 0, 0, time.UTC)
	var loads []TimedLoad
	for range 1500 {
		at := start.Add(time.Duration(r.IntN(1826*24)) * time.Hour)
		loads = append(loads, TimedLoad{At: at, Load: 20 + r.Float64()*150})
	}
	return loads, Date{2021, 1, 1}, Date{2025, 12, 31}
}

// BenchmarkFiveYears buckets 1,500 sessions into the days of a time zone
// and computes every daily figure over five years.
func BenchmarkFiveYears(b *testing.B) {
	loads, first, last := fiveYears()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		days := Bucket(loads, loc, first, last)
		if _, err := Series(first, days, Params{}); err != nil {
			b.Fatal(err)
		}
	}
}
