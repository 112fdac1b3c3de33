package calories

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func f(v float64) *float64 { return &v }
func i(v int) *int         { return &v }

func TestEstimate(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want Result
	}{
		{
			// 200 W × 3600 s = 720 kJ of work ≈ 720 kcal.
			name: "ride with power",
			in:   Input{Sport: "ride", MovingS: 3600, DistanceM: 30000, AvgPowerW: f(200), AvgHRBpm: f(150), WeightKg: f(70), AgeYears: i(35), Sex: Male},
			want: Result{KCal: 720, Method: MethodPower},
		},
		{
			// 180 W × 5400 s = 972 kJ.
			name: "mountain bike with power, nothing known of the athlete",
			in:   Input{Sport: "mountain_bike", MovingS: 5400, AvgPowerW: f(180)},
			want: Result{KCal: 972, Method: MethodPower},
		},
		{
			// (-55.0969 + 0.6309×150 + 0.1988×70 + 0.2017×35) / 4.184
			// = 60.5136 / 4.184 = 14.4631 kcal/min, × 60 min.
			name: "run with heart rate, man",
			in:   Input{Sport: "run", MovingS: 3600, DistanceM: 10000, AvgHRBpm: f(150), WeightKg: f(70), AgeYears: i(35), Sex: Male},
			want: Result{KCal: 867.7859, Method: MethodHeartRate},
		},
		{
			// (-20.4022 + 0.4472×150 - 0.1263×70 + 0.074×35) / 4.184
			// = 40.4268 / 4.184 = 9.6622 kcal/min, × 60 min.
			name: "run with heart rate, woman",
			in:   Input{Sport: "run", MovingS: 3600, DistanceM: 10000, AvgHRBpm: f(150), WeightKg: f(70), AgeYears: i(35), Sex: Female},
			want: Result{KCal: 579.7342, Method: MethodHeartRate},
		},
		{
			// (14.4631 + 9.6622) / 2 = 12.0627 kcal/min, × 60 min.
			name: "heart rate, sex unknown: the two averaged",
			in:   Input{Sport: "run", MovingS: 3600, AvgHRBpm: f(150), WeightKg: f(70), AgeYears: i(35)},
			want: Result{KCal: 723.7600, Method: MethodHeartRate},
		},
		{
			// (-20.4022 + 0.4472×140 - 0.1263×55 + 0.074×28) / 4.184
			// = 37.3313 / 4.184 = 8.9224 kcal/min, × 45 min.
			name: "a ride without power uses the heart rate",
			in:   Input{Sport: "ride", MovingS: 2700, DistanceM: 20000, AvgHRBpm: f(140), WeightKg: f(55), AgeYears: i(28), Sex: Female},
			want: Result{KCal: 401.5078, Method: MethodHeartRate},
		},
		{
			// A run's power (foot pods) is not a ride's: heart rate is used.
			name: "run with power",
			in:   Input{Sport: "run", MovingS: 3600, AvgPowerW: f(250), AvgHRBpm: f(150), WeightKg: f(70), AgeYears: i(35), Sex: Male},
			want: Result{KCal: 867.7859, Method: MethodHeartRate},
		},
		{
			// Heart rate without age: 10 km in 3000 s is 7.46 mph, the
			// 7 mph band, 11.0 MET; 11.0 × 80 kg × 50/60 h.
			name: "heart rate without age falls back to MET",
			in:   Input{Sport: "run", MovingS: 3000, DistanceM: 10000, AvgHRBpm: f(150), WeightKg: f(80)},
			want: Result{KCal: 733.3333, Method: MethodMET, MET: 11.0},
		},
		{
			// Men at 50 bpm: -55.0969 + 31.545 + 13.916 + 6.051 < 0, so
			// MET: 5 km in an hour is 3.11 mph, 3.5 MET, × 70 kg × 1 h.
			name: "resting heart rate falls back to MET",
			in:   Input{Sport: "walk", MovingS: 3600, DistanceM: 5000, AvgHRBpm: f(50), WeightKg: f(70), AgeYears: i(30), Sex: Male},
			want: Result{KCal: 245, Method: MethodMET, MET: 3.5},
		},
		{
			// 11.0 MET × 70 kg (assumed) × 50/60 h.
			name: "run, weight unknown",
			in:   Input{Sport: "run", MovingS: 3000, DistanceM: 10000},
			want: Result{KCal: 641.6667, Method: MethodMET, MET: 11.0, WeightAssumed: true},
		},
		{
			// 30 km/h is 18.6 mph: 12.0 MET × 75 kg × 1 h.
			name: "ride by speed",
			in:   Input{Sport: "ride", MovingS: 3600, DistanceM: 30000, WeightKg: f(75)},
			want: Result{KCal: 900, Method: MethodMET, MET: 12.0},
		},
		{
			name: "ride without distance: bicycling, general",
			in:   Input{Sport: "ride", MovingS: 3600, WeightKg: f(80)},
			want: Result{KCal: 600, Method: MethodMET, MET: 7.5},
		},
		{
			// 1500 m in 30 min is 0.833 m/s, between 50 yd/min (0.762 m/s)
			// and 75 (1.143): 8.3 MET × 60 kg × 0.5 h.
			name: "swim by speed",
			in:   Input{Sport: "swim", MovingS: 1800, DistanceM: 1500, WeightKg: f(60)},
			want: Result{KCal: 249, Method: MethodMET, MET: 8.3},
		},
		{
			// 10 km in 80 min is 4.66 mph, running's 6.0, raised to the
			// cross-country 9.0: 9.0 × 70 × 4/3 h.
			name: "slow trail run",
			in:   Input{Sport: "trail_run", MovingS: 4800, DistanceM: 10000, WeightKg: f(70)},
			want: Result{KCal: 840, Method: MethodMET, MET: 9.0},
		},
		{
			name: "hike",
			in:   Input{Sport: "hike", MovingS: 4 * 3600, DistanceM: 16000, WeightKg: f(70)},
			want: Result{KCal: 1680, Method: MethodMET, MET: 6.0},
		},
		{
			name: "mountain bike without power",
			in:   Input{Sport: "mountain_bike", MovingS: 3600, DistanceM: 15000, WeightKg: f(70)},
			want: Result{KCal: 595, Method: MethodMET, MET: 8.5},
		},
		{
			name: "row",
			in:   Input{Sport: "row", MovingS: 3600, DistanceM: 12000, WeightKg: f(70)},
			want: Result{KCal: 490, Method: MethodMET, MET: 7.0},
		},
		{
			name: "ski",
			in:   Input{Sport: "ski", MovingS: 7200, DistanceM: 30000, WeightKg: f(70)},
			want: Result{KCal: 980, Method: MethodMET, MET: 7.0},
		},
		{
			// 3.5 MET × 90 kg × 0.75 h.
			name: "strength",
			in:   Input{Sport: "strength", MovingS: 2700, WeightKg: f(90)},
			want: Result{KCal: 236.25, Method: MethodMET, MET: 3.5},
		},
		{
			name: "yoga",
			in:   Input{Sport: "yoga", MovingS: 3600, WeightKg: f(60)},
			want: Result{KCal: 150, Method: MethodMET, MET: 2.5},
		},
		{
			name: "other",
			in:   Input{Sport: "other", MovingS: 3600},
			want: Result{KCal: 280, Method: MethodMET, MET: 4.0, WeightAssumed: true},
		},
		{
			name: "unknown sport counts as other",
			in:   Input{Sport: "climb", MovingS: 3600, WeightKg: f(70)},
			want: Result{KCal: 280, Method: MethodMET, MET: 4.0},
		},
		{
			name: "no moving time",
			in:   Input{Sport: "run", AvgHRBpm: f(150), WeightKg: f(70), AgeYears: i(35)},
			want: Result{Method: MethodMET},
		},
		{
			// Unusable values are unknowns: power 0, NaN weight, age 0.
			name: "unusable values",
			in:   Input{Sport: "ride", MovingS: 3600, AvgPowerW: f(0), AvgHRBpm: f(150), WeightKg: f(math.NaN()), AgeYears: i(0)},
			want: Result{KCal: 525, Method: MethodMET, MET: 7.5, WeightAssumed: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Estimate(tt.in)
			assert.InDelta(t, tt.want.KCal, got.KCal, 1e-4)
			got.KCal = tt.want.KCal
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestMETBands(t *testing.T) {
	kmh := func(v float64) float64 { return v / 3.6 }
	speedMph := func(v float64) float64 { return v * mph }
	tests := []struct {
		sport string
		speed float64 // m/s
		want  float64
	}{
		{"run", 0, 8.0},
		{"run", math.NaN(), 8.0},
		{"run", speedMph(3), 6.0},
		{"run", speedMph(4.99), 6.0},
		{"run", speedMph(5.01), 8.3},
		{"run", speedMph(5.99), 9.0},
		{"run", speedMph(6.01), 9.8},   // 10 min/mile
		{"run", kmh(12), 11.0},         // 7.46 mph, 5:00/km
		{"run", speedMph(8.2), 11.8},   // 7.5 and 8 mph are both 11.8
		{"run", speedMph(10.01), 14.5}, // 6 min/mile
		{"run", speedMph(14.5), 23.0},
		{"trail_run", 0, 9.0},
		{"trail_run", speedMph(10.01), 14.5},
		{"walk", 0, 3.5},
		{"walk", speedMph(1.5), 2.0},
		{"walk", kmh(5), 3.5}, // 3.1 mph
		{"walk", speedMph(3.6), 4.3},
		{"walk", speedMph(4.2), 5.0},
		{"walk", speedMph(4.6), 7.0},
		{"walk", speedMph(5.5), 8.3},
		{"hike", kmh(4), 6.0},
		{"ride", kmh(12), 4.0},
		{"ride", speedMph(10.5), 6.8},
		{"ride", speedMph(13), 8.0},
		{"ride", speedMph(15), 10.0},
		{"ride", kmh(30), 12.0},
		{"ride", kmh(40), 15.8},
		{"mountain_bike", kmh(30), 8.5},
		{"swim", 0, 6.0},
		{"swim", 0.6, 5.8},
		{"swim", 0.9, 8.3},
		{"swim", 1.2, 10.0},
		{"row", 4, 7.0},
		{"ski", 10, 7.0},
		{"strength", 0, 3.5},
		{"yoga", 0, 2.5},
		{"other", 3, 4.0},
		{"", 3, 4.0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, MET(tt.sport, tt.speed), "%s at %.3f m/s", tt.sport, tt.speed)
	}
}

func TestKeytel(t *testing.T) {
	// The equations' own numbers, by hand: a 35-year-old 70 kg man at 150
	// bpm, 60.5136 kJ/min; a woman, 40.4268 kJ/min.
	assert.InDelta(t, 60.5136/4.184, KeytelKCalPerMin(Male, 150, 70, 35), 1e-9)
	assert.InDelta(t, 40.4268/4.184, KeytelKCalPerMin(Female, 150, 70, 35), 1e-9)
	assert.InDelta(t, (60.5136+40.4268)/2/4.184, KeytelKCalPerMin("", 150, 70, 35), 1e-9)
	assert.InDelta(t, (60.5136+40.4268)/2/4.184, KeytelKCalPerMin("other", 150, 70, 35), 1e-9)
	// Each bpm is 0.6309 kJ/min for men, 0.4472 for women.
	assert.InDelta(t, 0.6309/4.184, KeytelKCalPerMin(Male, 151, 70, 35)-KeytelKCalPerMin(Male, 150, 70, 35), 1e-9)
	assert.InDelta(t, 0.4472/4.184, KeytelKCalPerMin(Female, 151, 70, 35)-KeytelKCalPerMin(Female, 150, 70, 35), 1e-9)
}

func TestPowerKCal(t *testing.T) {
	assert.InDelta(t, 720, PowerKCal(200, 3600), 1e-9)
	assert.Zero(t, PowerKCal(250, 0))
}
