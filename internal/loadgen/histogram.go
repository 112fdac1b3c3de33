package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// subBits sets the histogram's resolution: 2^(subBits-1) buckets per power
// of two, so a recorded value is known within 1/2^(subBits-1) of itself and
// a quantile is reported within half of that (under 0.8%).
const subBits = 7

// nBuckets covers every uint64 value: 2^subBits exact buckets below
// 2^subBits, then 2^(subBits-1) per power of two up to 2^64.
const nBuckets = (64-subBits+1)<<(subBits-1) + 1<<(subBits-1)

// Histogram records durations in log-linear buckets (as HdrHistogram does):
// fixed memory (about 30 KiB), no allocation per record, mergeable, with a
// relative error under 0.8% on quantiles. The zero value is empty and ready
// to use. A Histogram is not safe for concurrent use: give each worker its
// own and Merge them.
type Histogram struct {
	counts   [nBuckets]uint64
	n        uint64
	sum      uint64
	min, max uint64
}

func bucketOf(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	s := bits.Len64(v) - subBits // >= 1
	return s<<(subBits-1) + int(v>>s)
}

// bucketRange returns the smallest and largest value of bucket i.
func bucketRange(i int) (lo, hi uint64) {
	if i < 1<<subBits {
		return uint64(i), uint64(i)
	}
	s := i>>(subBits-1) - 1
	m := uint64(i - s<<(subBits-1))
	lo = m << s
	return lo, lo + (1 << s) - 1
}

// Record adds one duration; a negative one counts as zero.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucketOf(v)]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	h.sum += v
}

// Merge adds the values of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// Count is the number of recorded values.
func (h *Histogram) Count() uint64 { return h.n }

// Min and Max are the exact extremes (0 when empty).
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }

// Max is the largest recorded value.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Mean is the exact mean (0 when empty).
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / h.n)
}

// Quantile returns the value below or at which a fraction q (0..1) of the
// recorded values lie: the middle of that value's bucket, clamped to the
// exact min and max. It is 0 when the histogram is empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketRange(i)
			v := lo + (hi-lo)/2
			return time.Duration(min(max(v, h.min), h.max))
		}
	}
	return time.Duration(h.max)
}

// LatencyStats summarise a latency histogram, in milliseconds.
type LatencyStats struct {
	Count  uint64  `json:"count"`
	P50Ms  float64 `json:"p50_ms"`
	P90Ms  float64 `json:"p90_ms"`
	P99Ms  float64 `json:"p99_ms"`
	MaxMs  float64 `json:"max_ms"`
	MeanMs float64 `json:"mean_ms"`
}

// Stats summarises h.
func (h *Histogram) Stats() LatencyStats {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return LatencyStats{Count: h.Count(), P50Ms: ms(h.Quantile(0.5)), P90Ms: ms(h.Quantile(0.9)),
		P99Ms: ms(h.Quantile(0.99)), MaxMs: ms(h.Max()), MeanMs: ms(h.Mean())}
}
