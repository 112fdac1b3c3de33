package service

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/sport"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/fitness"
	"github.com/athlos/athlos/modules/training/internal/performance"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/strength"
	"github.com/athlos/athlos/storage"
)

// Bounds of the analytics queries.
const (
	// MaxFitnessDays is the longest range of one fitness request: three
	// years (the series before it is computed, not returned).
	MaxFitnessDays = 3*366 + 1
	// DefaultFitnessDays is the range of a fitness request without from.
	DefaultFitnessDays = 90
	// VDOTWindow is how far back the efforts VDOT is taken from go: VDOT
	// measures current fitness.
	VDOTWindow = 180 * 24 * time.Hour
)

// Periods of the summary.
var periods = []string{"week", "month", "year", "all"}

// zoneOf is the user's time zone (the profile's; UTC when unknown or not
// a zone this machine knows).
func zoneOf(a store.AthleteFacts) *time.Location {
	if a.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(a.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// periodStart is the first instant of the period (week: ISO, Monday
// first; month; year) holding t in loc.
func periodStart(period string, t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	switch period {
	case "week":
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, m, d-back, 0, 0, 0, 0, loc)
	case "month":
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	default:
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	}
}

// addPeriods moves a period's first instant by n periods, in its zone.
func addPeriods(period string, start time.Time, n int) time.Time {
	y, m, d := start.Date()
	switch period {
	case "week":
		return time.Date(y, m, d+7*n, 0, 0, 0, 0, start.Location())
	case "month":
		return time.Date(y, m+time.Month(n), d, 0, 0, 0, 0, start.Location())
	default:
		return time.Date(y+n, m, d, 0, 0, 0, 0, start.Location())
	}
}

// Summary returns user's totals and averages of the current period (week,
// month, year or all) in the user's time zone, of one sport ("": all), by
// sport, with the previous period beside it. Errors: invalid
// (query.period, query.sport).
func (s *Service) Summary(ctx context.Context, user uuid.UUID, period, of string, now time.Time) (api.AnalyticsSummary, error) {
	if !slices.Contains(periods, period) {
		return api.AnalyticsSummary{}, bus.Invalid("query.period", "must be week, month, year or all")
	}
	if of != "" && !sport.Valid(of) {
		return api.AnalyticsSummary{}, bus.Invalid("query.sport", "is not a sport")
	}
	athlete, err := store.GetAthleteFacts(ctx, s.pool, user)
	if err != nil {
		return api.AnalyticsSummary{}, err
	}
	loc := zoneOf(athlete)
	out := api.AnalyticsSummary{Period: period, Sport: of, TimeZone: loc.String()}
	if period == "all" {
		rows, err := store.Totals(ctx, s.pool, user, time.Time{}, time.Time{}, time.Time{}, of)
		if err != nil {
			return out, err
		}
		out.Current = summarize(rows, true, nil, now.In(loc))
		return out, nil
	}
	start := periodStart(period, now, loc)
	prev, end := addPeriods(period, start, -1), addPeriods(period, start, 1)
	rows, err := store.Totals(ctx, s.pool, user, prev, start, end, of)
	if err != nil {
		return out, err
	}
	out.Current = summarize(rows, true, &start, end)
	p := summarize(rows, false, &prev, start)
	out.Previous = &p
	return out, nil
}

// summarize adds up the totals of one period [from, to) (current or the
// one before).
func summarize(rows []store.TotalsRow, current bool, from *time.Time, to time.Time) api.PeriodSummary {
	out := api.PeriodSummary{From: from, To: to, BySport: []api.SportTotals{}, LoadModels: map[string]int{}}
	bySport := map[string]*api.Totals{}
	var order []string
	for _, r := range rows {
		if r.Current != current {
			continue
		}
		add(&out.Totals, r)
		t, ok := bySport[r.Sport]
		if !ok {
			t = &api.Totals{}
			bySport[r.Sport] = t
			order = append(order, r.Sport)
		}
		add(t, r)
		out.LoadModels[r.LoadModel] += r.Sessions
	}
	out.Averages = averages(out.Totals)
	slices.Sort(order)
	for _, sp := range order {
		out.BySport = append(out.BySport, api.SportTotals{Sport: sp, Totals: *bySport[sp], Averages: averages(*bySport[sp])})
	}
	return out
}

func add(t *api.Totals, r store.TotalsRow) {
	t.Sessions += r.Sessions
	t.DistanceM += r.DistanceM
	t.MovingTimeS += r.MovingTimeS
	t.ElevationGainM += r.ElevationGainM
	t.Load += r.Load
	t.StrengthVolumeKg += r.StrengthVolumeKg
}

func averages(t api.Totals) api.Averages {
	if t.Sessions == 0 {
		return api.Averages{}
	}
	n := float64(t.Sessions)
	return api.Averages{DistanceM: t.DistanceM / n, MovingTimeS: t.MovingTimeS / n, ElevationGainM: t.ElevationGainM / n,
		Load: t.Load / n, StrengthVolumeKg: t.StrengthVolumeKg / n}
}

// Fitness returns user's daily fitness figures from from to to
// (YYYY-MM-DD, the user's days; "" to: today, "" from: 90 days before
// to), smoothed by model ("" the default, exponential). The series starts
// at the user's first session, so CTL and ATL on from are what the whole
// history makes them. Errors: invalid (query.from, query.to not a date or
// before from or more than a year after today, query.from more than
// MaxFitnessDays before to, query.model).
func (s *Service) Fitness(ctx context.Context, user uuid.UUID, fromS, toS, model string, now time.Time) (api.FitnessSeries, error) {
	m := fitness.Model(model)
	if m == "" {
		m = fitness.DefaultModel
	}
	if !m.Valid() {
		return api.FitnessSeries{}, bus.Invalid("query.model", "must be exponential, reciprocal or ema")
	}
	athlete, err := store.GetAthleteFacts(ctx, s.pool, user)
	if err != nil {
		return api.FitnessSeries{}, err
	}
	loc := zoneOf(athlete)
	to := fitness.DateOf(now, loc)
	if toS != "" {
		if to, err = fitness.ParseDate(toS); err != nil {
			return api.FitnessSeries{}, bus.Invalid("query.to", "must be a date, YYYY-MM-DD")
		}
	}
	from := to.AddDays(-(DefaultFitnessDays - 1))
	if fromS != "" {
		if from, err = fitness.ParseDate(fromS); err != nil {
			return api.FitnessSeries{}, bus.Invalid("query.from", "must be a date, YYYY-MM-DD")
		}
	}
	if today := fitness.DateOf(now, loc); today.AddDays(366).Before(to) {
		return api.FitnessSeries{}, bus.Invalid("query.to", "at most a year after today")
	}
	if to.Before(from) {
		return api.FitnessSeries{}, bus.Invalid("query.to", "must not be before from")
	}
	if to.DaysSince(from) >= MaxFitnessDays {
		return api.FitnessSeries{}, bus.Invalid("query.from", "at most "+strconv.Itoa(MaxFitnessDays)+" days (3 years) per request")
	}
	days, err := s.fitnessDays(ctx, s.pool, user, loc, from, to, m)
	if err != nil {
		return api.FitnessSeries{}, err
	}
	out := api.FitnessSeries{Model: string(m), TimeZone: loc.String(), From: from.String(), To: to.String(), Days: make([]api.FitnessDay, len(days))}
	for i, d := range days {
		out.Days[i] = api.FitnessDay{Date: d.Date.String(), Load: round2(d.Load), CTL: round2(d.CTL), ATL: round2(d.ATL), TSB: round2(d.TSB),
			RampRate: round2(d.RampRate), Monotony: round2p(d.Monotony), Strain: round2p(d.Strain), WeekLoad: round2(d.WeekLoad),
			Acute: round2(d.Acute), Chronic: round2(d.Chronic), ACWR: round2p(d.ACWR)}
	}
	return out, nil
}

// round2 rounds a figure of the daily series to 0.01: finer digits are
// noise for the app and made a three-year answer twice as long (and its
// compression twice as slow).
func round2(x float64) float64 { return math.Round(x*100) / 100 }

func round2p(x *float64) *float64 {
	if x == nil {
		return nil
	}
	r := round2(*x)
	return &r
}

// fitnessDays computes the series from the user's first session to to
// and returns the days from from.
func (s *Service) fitnessDays(ctx context.Context, q storage.Querier, user uuid.UUID, loc *time.Location, from, to fitness.Date, m fitness.Model) ([]fitness.Day, error) {
	loads, err := store.Loads(ctx, q, user, to.AddDays(1).Start(loc))
	if err != nil {
		return nil, err
	}
	first := from
	if len(loads) > 0 {
		if d := fitness.DateOf(loads[0].At, loc); d.Before(first) {
			first = d
		}
	}
	timed := make([]fitness.TimedLoad, len(loads))
	for i, l := range loads {
		timed[i] = fitness.TimedLoad{At: l.At, Load: l.Load}
	}
	days, err := fitness.Series(first, fitness.Bucket(timed, loc, first, to), fitness.Params{Model: m})
	if err != nil {
		return nil, err
	}
	return days[from.DaysSince(first):], nil
}

// Records returns user's personal records: the fastest effort of each
// standard distance and each exercise's strength bests, with their
// sessions; the VDOT of the best effort of the last 180 days and the race
// times it predicts (Daniels–Gilbert, and Riegel with 1.06); heart-rate
// zones from the profile and pace zones from the VDOT.
func (s *Service) Records(ctx context.Context, user uuid.UUID, now time.Time) (api.Records, error) {
	out := api.Records{BestEfforts: []api.EffortRecord{}, Strength: []api.StrengthRecord{}, Predictions: []api.RacePrediction{}}
	athlete, err := store.GetAthleteFacts(ctx, s.pool, user)
	if err != nil {
		return out, err
	}
	records, err := store.Records(ctx, s.pool, user, uuid.Nil, performance.StandardDistances())
	if err != nil {
		return out, err
	}
	for _, r := range records {
		out.BestEfforts = append(out.BestEfforts, effortRecord(r))
	}
	if out.Strength, err = s.strengthRecords(ctx, user); err != nil {
		return out, err
	}
	recent, err := store.EffortsSince(ctx, s.pool, user, now.Add(-VDOTWindow))
	if err != nil {
		return out, err
	}
	var best *store.Effort
	var v float64
	for i, e := range recent {
		if e.DistanceM < performance.MinVDOTDistance {
			continue
		}
		if ev, err := performance.VDOT(e.DistanceM, e.TimeS); err == nil && ev > v {
			v, best = ev, &recent[i]
		}
	}
	if best != nil {
		out.VDOT = &api.VDOTFigure{Value: v, From: effortRecord(*best)}
		if preds, err := performance.Predict(performance.Effort{DistanceM: best.DistanceM, TimeS: best.TimeS}, performance.RaceDistances()); err == nil {
			for _, p := range preds {
				out.Predictions = append(out.Predictions, api.RacePrediction{DistanceM: p.DistanceM, VDOTTimeS: p.VDOTTimeS, RiegelTimeS: p.RiegelTimeS})
			}
		}
		if zones, err := performance.PaceZones(v); err == nil {
			z := &api.Zones{Model: "daniels", Unit: "s_per_km"}
			for _, p := range zones {
				z.Zones = append(z.Zones, api.Zone{Name: p.Name, Low: p.Slow, High: p.Fast})
			}
			out.PaceZones = z
		}
	}
	var rest, maxHR, threshold float64
	if athlete.RestingHRBpm != nil {
		rest = float64(*athlete.RestingHRBpm)
	}
	if athlete.MaxHRBpm != nil {
		maxHR = float64(*athlete.MaxHRBpm)
	}
	if athlete.ThresholdHRBpm != nil {
		threshold = float64(*athlete.ThresholdHRBpm)
	}
	if threshold > 0 || (rest > 0 && maxHR > 0) {
		if zones, model, err := performance.HRZones(rest, maxHR, threshold); err == nil {
			z := &api.Zones{Model: model, Unit: "bpm"}
			for _, h := range zones {
				z.Zones = append(z.Zones, api.Zone{Name: h.Name, Low: h.Low, High: h.High})
			}
			out.HRZones = z
		}
	}
	return out, nil
}

func effortRecord(e store.Effort) api.EffortRecord {
	return api.EffortRecord{DistanceM: e.DistanceM, TimeS: e.TimeS, SessionID: e.SessionID.String(), StartedAt: e.StartedAt.UTC(),
		StartS: e.StartS, LoadModel: e.LoadModel}
}

// strengthRecords are each exercise's highest estimated 1RM and heaviest
// weight, the first session to reach it.
func (s *Service) strengthRecords(ctx context.Context, user uuid.UUID) ([]api.StrengthRecord, error) {
	records, err := store.StrengthRecords(ctx, s.pool, user, strength.RecordOneRM, strength.RecordMaxWeight)
	if err != nil {
		return nil, err
	}
	out := make([]api.StrengthRecord, len(records))
	for i, r := range records {
		out[i] = api.StrengthRecord{Exercise: r.Exercise, Kind: r.Kind, ValueKg: r.ValueKg, Formula: r.Formula,
			SessionID: r.SessionID.String(), StartedAt: r.StartedAt.UTC()}
	}
	slices.SortFunc(out, func(a, b api.StrengthRecord) int { // bytewise, whatever the database's collation
		return cmp.Or(cmp.Compare(a.Exercise, b.Exercise), cmp.Compare(a.Kind, b.Kind))
	})
	return out, nil
}
