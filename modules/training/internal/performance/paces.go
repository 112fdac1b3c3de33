package performance

import (
	"github.com/athlos/athlos/internal/kit/fielderr"
)

// Daniels' training intensities as fractions of VO2max (Daniels, Daniels'
// Running Formula, 3rd ed., Human Kinetics 2013, ch. 4): easy 59–74 %,
// marathon 75–84 %, threshold 83–88 %, interval 95–100 %. Repetition pace
// has no fraction there: it is about 6 seconds per 400 m faster than
// interval pace (the same book); the R zone is our 105–110 %, which
// brackets his R pace (at VDOT 50, 88 s per 400 m ≈ 105.7 %).
var intensities = [...]struct {
	name      string
	low, high float64
}{
	{"E", 0.59, 0.74},
	{"M", 0.75, 0.84},
	{"T", 0.83, 0.88},
	{"I", 0.95, 1.00},
	{"R", 1.05, 1.10},
}

// The fractions of VO2max that give Daniels' T and I paces: the top of
// the T band and the middle of the I band, which reproduce his VDOT 50 row
// as commonly reprinted (T 4:15/km, I 94 s per 400 m).
const (
	thresholdFraction = 0.88
	intervalFraction  = 0.975
	// repetitionGainS is R pace's gain over I pace, seconds per km (6 s
	// per 400 m).
	repetitionGainS = 6 * 1000 / 400.0
)

// paceAt is the pace, seconds per km, at fraction f of VO2max v.
func paceAt(v, f float64) float64 { return 1000 * secondsPerMin / velocityAt(f*v) }

// Paces are Daniels' training paces, in seconds per kilometre.
type Paces struct {
	// EasySlow and EasyFast bound easy (E) and long runs: 59 and 74 % of
	// VO2max, the whole band of Daniels' definition (his pace tables print
	// a narrower E range).
	EasySlow float64 `json:"easy_slow_s_per_km"`
	EasyFast float64 `json:"easy_fast_s_per_km"`
	// Marathon (M) is the VDOT's predicted marathon pace.
	Marathon float64 `json:"marathon_s_per_km"`
	// Threshold (T) is 88 % of VO2max, Interval (I) 97.5 %, Repetition (R)
	// I pace − 6 s per 400 m.
	Threshold  float64 `json:"threshold_s_per_km"`
	Interval   float64 `json:"interval_s_per_km"`
	Repetition float64 `json:"repetition_s_per_km"`
}

// TrainingPaces are the training paces of VDOT v (Daniels 2013): at VDOT
// 50, T 4:15, I 3:55, R 3:40 per km and M the 3:10:40 marathon's 4:31.
func TrainingPaces(v float64) (Paces, error) {
	m, err := RaceTime(v, Marathon)
	if err != nil {
		return Paces{}, err
	}
	interval := paceAt(v, intervalFraction)
	return Paces{
		EasySlow:   paceAt(v, intensities[0].low),
		EasyFast:   paceAt(v, intensities[0].high),
		Marathon:   m / (Marathon / 1000),
		Threshold:  paceAt(v, thresholdFraction),
		Interval:   interval,
		Repetition: interval - repetitionGainS,
	}, nil
}

// PaceZone is a band of pace, seconds per kilometre: Slow the slow end
// (more seconds), Fast the fast one.
type PaceZone struct {
	Name string  `json:"name"`
	Slow float64 `json:"slow_s_per_km"`
	Fast float64 `json:"fast_s_per_km"`
}

// PaceZones are the bands of Daniels' intensities E, M, T, I and R at VDOT
// v, from their fractions of VO2max (see intensities).
func PaceZones(v float64) ([]PaceZone, error) {
	if !(v >= 20 && v <= 90) {
		return nil, fielderr.New("vdot", "must be between 20 and 90")
	}
	zones := make([]PaceZone, len(intensities))
	for i, z := range intensities {
		zones[i] = PaceZone{Name: z.name, Slow: paceAt(v, z.low), Fast: paceAt(v, z.high)}
	}
	return zones, nil
}

// HRZone is a band of heart rate, beats per minute, from Low up to High.
type HRZone struct {
	Name string  `json:"name"`
	Low  float64 `json:"low_bpm"`
	High float64 `json:"high_bpm"`
}

// Heart-rate zone models.
const (
	// ZonesFriel are Friel's seven running zones as fractions of the
	// lactate-threshold heart rate (Friel, "Quick Guide to Setting Zones",
	// TrainingPeaks; The Triathlete's Training Bible, 4th ed., 2016):
	// Z1 < 85 %, Z2 85–89 %, Z3 90–94 %, Z4 95–99 %, Z5a 100–102 %,
	// Z5b 103–106 %, Z5c > 106 %.
	ZonesFriel = "friel_lthr"
	// ZonesKarvonen are five zones of 50–60–70–80–90–100 % of the
	// heart-rate reserve, rest + p·(max − rest) (Karvonen, Kentala &
	// Mustala 1957, "The effects of training on heart rate; a longitudinal
	// study", Ann Med Exp Biol Fenn 35(3):307–315).
	ZonesKarvonen = "karvonen_hrr"
)

var (
	frielBounds    = []float64{0.85, 0.90, 0.95, 1.00, 1.03, 1.06}
	frielNames     = []string{"Z1", "Z2", "Z3", "Z4", "Z5a", "Z5b", "Z5c"}
	karvonenBounds = []float64{0.5, 0.6, 0.7, 0.8, 0.9, 1.0}
)

// HRZones returns heart-rate zones and the model they follow: Friel's
// %LTHR zones when the threshold heart rate is known (0 is unknown),
// Karvonen's heart-rate-reserve zones otherwise, which need the resting
// and maximum heart rates. Friel's Z1 starts at the resting heart rate
// (0 when unknown) and Z5c ends at the maximum (1.1 × threshold when
// unknown). An input that allows neither is a *fielderr.Error.
func HRZones(restHR, maxHR, thresholdHR float64) ([]HRZone, string, error) {
	for _, c := range []struct {
		name string
		v    float64
	}{{"resting_hr", restHR}, {"max_hr", maxHR}, {"threshold_hr", thresholdHR}} {
		if !(c.v >= 0 && c.v <= 250) {
			return nil, "", fielderr.New(c.name, "must be between 0 and 250 bpm")
		}
	}
	if thresholdHR > 0 {
		top := maxHR
		if top == 0 {
			top = 1.1 * thresholdHR
		}
		if top < thresholdHR*frielBounds[len(frielBounds)-1] || restHR >= thresholdHR*frielBounds[0] {
			return nil, "", fielderr.New("threshold_hr", "does not fit between the resting (%g) and maximum (%g) heart rates", restHR, maxHR)
		}
		zones := make([]HRZone, len(frielNames))
		low := restHR
		for i, name := range frielNames {
			high := top
			if i < len(frielBounds) {
				high = frielBounds[i] * thresholdHR
			}
			zones[i] = HRZone{Name: name, Low: low, High: high}
			low = high
		}
		return zones, ZonesFriel, nil
	}
	if restHR == 0 || maxHR == 0 {
		return nil, "", fielderr.New("max_hr", "zones need a threshold heart rate, or resting and maximum heart rates")
	}
	if maxHR <= restHR {
		return nil, "", fielderr.New("resting_hr", "must be below the maximum heart rate (%g)", maxHR)
	}
	zones := make([]HRZone, len(karvonenBounds)-1)
	for i := range zones {
		zones[i] = HRZone{
			Name: "Z" + string(rune('1'+i)),
			Low:  restHR + karvonenBounds[i]*(maxHR-restHR),
			High: restHR + karvonenBounds[i+1]*(maxHR-restHR),
		}
	}
	return zones, ZonesKarvonen, nil
}
