package api

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFitnessSeriesAppendJSONIsEncodingJSON: the fast encoder writes what
// encoding/json writes, figure for figure, for rounded figures of every
// sign and size, nulls, an empty and a missing series, and figures that
// are not multiples of 0.01.
func TestFitnessSeriesAppendJSONIsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fig := func() float64 {
		switch r.IntN(6) {
		case 0:
			return 0
		case 1:
			return math.Round(-r.Float64()*5000) / 100
		case 2:
			return math.Round(r.Float64()*1e9) / 100
		default:
			return math.Round(r.Float64()*30000) / 100
		}
	}
	opt := func() *float64 {
		if r.IntN(4) == 0 {
			return nil
		}
		v := fig()
		return &v
	}
	odd := []float64{1e-7, 0.123456, 1e21, 123456789.125, -0.001, 2.5e-3}
	series := []FitnessSeries{
		{Model: "exponential", TimeZone: "Europe/Berlin", From: "2024-01-01", To: "2024-01-01"},
		{Model: "ema", TimeZone: "America/Argentina/Buenos_Aires", From: "2024-01-01", To: "2024-01-01", Days: []FitnessDay{}},
	}
	s := FitnessSeries{Model: "reciprocal", TimeZone: "UTC", From: "2023-12-30", To: "2026-12-31"}
	for i := range 2000 {
		d := FitnessDay{Date: "2024-02-29", Load: fig(), CTL: fig(), ATL: fig(), TSB: fig(), RampRate: fig(),
			Monotony: opt(), Strain: opt(), WeekLoad: fig(), Acute: fig(), Chronic: fig(), ACWR: opt()}
		if i < len(odd) {
			d.Load, d.TSB = odd[i], -odd[i]
		}
		s.Days = append(s.Days, d)
	}
	series = append(series, s)
	for _, s := range series {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		got := s.AppendJSON(nil)
		require.True(t, json.Valid(got), "%s", got)
		var a, b FitnessSeries
		require.NoError(t, json.Unmarshal(want, &a))
		require.NoError(t, json.Unmarshal(got, &b))
		assert.Equal(t, a, b)
		assert.Equal(t, string(want), string(got), "byte for byte")
	}
}

func BenchmarkFitnessSeriesJSON(b *testing.B) {
	s := FitnessSeries{Model: "exponential", TimeZone: "Europe/Berlin", From: "2024-01-01", To: "2026-12-31"}
	for i := range 1096 {
		r := func(x float64) float64 { return math.Round(x*100) / 100 } // as the service rounds
		v := r(float64(i) * 1.3777)
		s.Days = append(s.Days, FitnessDay{Date: "2024-01-01", Load: v, CTL: r(v / 3), ATL: r(v / 2), TSB: r(-v / 7), RampRate: 1.25,
			Monotony: &v, Strain: &v, WeekLoad: r(v * 4), Acute: r(v / 2), Chronic: r(v / 3), ACWR: &v})
	}
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(s)
		}
	})
	b.Run("append", func(b *testing.B) {
		for b.Loop() {
			_ = s.AppendJSON(nil)
		}
	})
}
