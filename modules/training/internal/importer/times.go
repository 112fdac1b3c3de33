package importer

import (
	"slices"
	"time"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// GPSEpoch is when GPS time began (1980-01-06): a point dated before it
// comes from a device whose clock was not set.
var GPSEpoch = time.Date(1980, 1, 6, 0, 0, 0, 0, time.UTC)

// How far a file's times may stray before the file is refused rather than
// cleaned: points are keyed by their time, so points sharing one collapse
// into one, and points out of order are put in order.
const (
	// FutureTolerance is how far past now a point may be dated (a
	// device's clock running a little fast).
	FutureTolerance = time.Hour
	// MaxRepeatedShare is the share of points that may repeat an earlier
	// point's time (they are dropped and counted as duplicate_time).
	MaxRepeatedShare = 0.10
	// MaxBackwardShare and MaxBackwardStep bound the points that go back
	// into time the track had covered (Disorder; they are put in order).
	MaxBackwardShare = 0.01
	MaxBackwardStep  = time.Minute
)

// Disorder describes the points of a file that go back into a time the
// track had already covered, as the file had them: where a device's clock
// jumped back, or two recordings were merged, and their points would be
// interleaved once put in time order. Pieces that are merely out of order
// (tracks listed newest first, a file written backwards) don't count:
// put in order, they make a clean track.
type Disorder struct {
	// Count is how many points; MaxStep how far the furthest went back
	// into covered time; First the index of the first of them, which
	// followed a point at From and is at To.
	Count    int
	MaxStep  time.Duration
	First    int
	From, To time.Time
}

// orderByTime puts points in time order, keeping the file's order of
// points with the same time (most files are in order already), and says
// how they overlapped.
func orderByTime(points []telemetry.Point) Disorder {
	// Runs: stretches of the file in which time does not go back.
	type run struct {
		from, to   int // points[from:to]
		start, end time.Time
	}
	var runs []run
	for i := range points {
		if i == 0 || points[i].T.Before(points[i-1].T) {
			runs = append(runs, run{from: i, start: points[i].T})
		}
		r := &runs[len(runs)-1]
		r.to, r.end = i+1, points[i].T
	}
	if len(runs) <= 1 {
		return Disorder{}
	}
	// In time order of their starts, a run that begins before the end of
	// those before it overlaps them.
	byStart := slices.Clone(runs)
	slices.SortStableFunc(byStart, func(a, b run) int { return a.start.Compare(b.start) })
	d := Disorder{First: -1}
	covered := byStart[0].end
	for _, r := range byStart[1:] {
		if r.start.Before(covered) {
			for _, p := range points[r.from:r.to] {
				if p.T.Before(covered) {
					d.Count++
				}
			}
			d.MaxStep = max(d.MaxStep, covered.Sub(r.start))
			if d.First < 0 || r.from < d.First {
				d.First = r.from
			}
		}
		covered = maxTime(covered, r.end)
	}
	if d.First > 0 {
		d.From, d.To = points[d.First-1].T, points[d.First].T
	} else {
		d.First = 0
	}
	slices.SortStableFunc(points, func(a, b telemetry.Point) int { return a.T.Compare(b.T) })
	return d
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// CheckTimes refuses, with a *FileError saying what is wrong, a track
// whose times can't place its points: dated before GPS time began or in the
// future, all at one time, many sharing a time, or going back into time
// already covered. A few repeated or slightly disordered times pass; the
// import drops the repeats (reporting them) and orders the rest.
func CheckTimes(act Activity, now time.Time) error {
	points := act.Points
	n := len(points)
	if n < 2 {
		return nil
	}
	first, last := points[0].T, points[0].T
	seen := make(map[int64]struct{}, n)
	repeated, early, late := 0, 0, 0
	for _, p := range points {
		switch {
		case p.T.Before(GPSEpoch):
			early++
		case p.T.After(now.Add(FutureTolerance)):
			late++
		}
		if p.T.Before(first) {
			first = p.T
		}
		if p.T.After(last) {
			last = p.T
		}
		key := p.T.UnixNano()
		if _, ok := seen[key]; ok {
			repeated++
		}
		seen[key] = struct{}{}
	}
	d := act.Disorder
	switch {
	case early > 0:
		return refuse("%d of %d points are dated before %s, when GPS time began (the earliest %s): the device's clock was not set",
			early, n, GPSEpoch.Format("2006-01-02"), first.UTC().Format(time.RFC3339))
	case late > 0:
		return refuse("%d of %d points are dated in the future (the latest %s): the device's clock was wrong",
			late, n, last.UTC().Format(time.RFC3339))
	case len(seen) == 1:
		return refuse("all %d points have the same time (%s): the track can't be placed in time", n, first.UTC().Format(time.RFC3339))
	case float64(repeated) > MaxRepeatedShare*float64(n):
		return refuse("%d of %d points repeat the time of an earlier point: the file's times are unusable", repeated, n)
	case d.Count > 0 && (float64(d.Count) > MaxBackwardShare*float64(n) || d.MaxStep > MaxBackwardStep):
		return refuse("%d of %d points go back into a time the track had already covered (the first at point %d, from %s back to %s; "+
			"by up to %s): the file's times are unusable", d.Count, n, d.First+1, d.From.UTC().Format(time.RFC3339),
			d.To.UTC().Format(time.RFC3339), d.MaxStep)
	}
	return nil
}
