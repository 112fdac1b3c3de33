package offers

import (
	"math"
	"time"
)

// Curve is the expected share of the day's traffic in each UTC hour,
// from the previous 7 days' requests (NewCurve): a budget is paced along
// it, so that it is spent as the traffic comes, not all on the first
// morning.
type Curve struct {
	w     [24]float64 // weight of each hour
	cum   [25]float64 // cum[h]: the weight of the hours before h
	total float64     // the weight of a day
}

// NewCurve makes the curve of the requests counted in each UTC hour of
// the day over the previous 7 days (requests[h]). Without history the
// curve is flat; an hour without requests keeps 1 % of the mean hour's
// weight, so that a budget still moves in it.
func NewCurve(requests [24]float64) Curve {
	var sum float64
	for _, n := range requests {
		sum += max(n, 0)
	}
	var c Curve
	for h, n := range requests {
		if sum == 0 {
			c.w[h] = 1
			continue
		}
		c.w[h] = max(n, 0) + 0.01*sum/24
	}
	for h := range 24 {
		c.cum[h+1] = c.cum[h] + c.w[h]
	}
	c.total = c.cum[24]
	return c
}

// Flat is the curve without history.
func Flat() Curve { return NewCurve([24]float64{}) }

// mass is the curve's weight from the Unix epoch to t.
func (c *Curve) mass(t time.Time) float64 {
	s := t.Unix()
	days := math.Floor(float64(s) / 86400)
	rest := float64(s) - days*86400
	h := int(rest / 3600)
	frac := (rest - float64(h)*3600) / 3600
	return days*c.total + c.cum[h] + c.w[h]*frac
}

// Share is the expected share of the traffic of [start, end) that comes
// before now: 0 before start, 1 from end on.
func (c *Curve) Share(start, end, now time.Time) float64 {
	switch {
	case !now.After(start):
		return 0
	case !now.Before(end):
		return 1
	}
	all := c.mass(end) - c.mass(start)
	if all <= 0 {
		return 1
	}
	return min(1, max(0, (c.mass(now)-c.mass(start))/all))
}

// Allowance is how many impressions of a budget pacing allows by now:
// the budget times the expected share of the schedule's traffic so far,
// rounded up, at least 1 once the offer has started, never more than
// the budget.
func Allowance(budget int64, c *Curve, start, end, now time.Time) int64 {
	if now.Before(start) {
		return 0
	}
	a := int64(math.Ceil(float64(budget) * c.Share(start, end, now)))
	return min(budget, max(1, a))
}
