package performance

// MinVDOTDistance is the shortest effort VDOT is taken from: Daniels'
// tables start at 1,500 m, and shorter efforts lean on speed more than on
// aerobic power, which VDOT measures.
const MinVDOTDistance = 1500.0

// BestVDOT is the highest VDOT among efforts (best efforts or races) of at
// least MinVDOTDistance, and the effort it comes from; ok is false when
// none qualifies. The caller picks the efforts' window (the last months:
// VDOT measures current fitness).
func BestVDOT(efforts []Effort) (v float64, from Effort, ok bool) {
	for _, e := range efforts {
		if e.DistanceM < MinVDOTDistance {
			continue
		}
		ev, err := VDOT(e.DistanceM, e.TimeS)
		if err != nil {
			continue
		}
		if ev > v {
			v, from, ok = ev, e, true
		}
	}
	return v, from, ok
}

// Prediction is a predicted race time, seconds, by both models.
type Prediction struct {
	DistanceM float64 `json:"distance_m"`
	// VDOTTimeS is the VDOT's equivalent time (Daniels & Gilbert).
	VDOTTimeS float64 `json:"vdot_time_s"`
	// RiegelTimeS is Riegel's prediction from the effort.
	RiegelTimeS float64 `json:"riegel_time_s"`
}

// RaceDistances are the distances race times are predicted for: 5 km,
// 10 km, half marathon and marathon.
func RaceDistances() []float64 { return []float64{FiveK, TenK, HalfMarathon, Marathon} }

// Predict predicts the time of each of distances from an effort (by VDOT
// and by Riegel). An effort no model accepts is a *fielderr.Error.
func Predict(from Effort, distances []float64) ([]Prediction, error) {
	v, err := VDOT(from.DistanceM, from.TimeS)
	if err != nil {
		return nil, err
	}
	out := make([]Prediction, 0, len(distances))
	for _, d := range distances {
		vt, err := RaceTime(v, d)
		if err != nil {
			return nil, err
		}
		rt, err := Riegel(from.DistanceM, from.TimeS, d)
		if err != nil {
			return nil, err
		}
		out = append(out, Prediction{DistanceM: d, VDOTTimeS: vt, RiegelTimeS: rt})
	}
	return out, nil
}
