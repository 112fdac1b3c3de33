package loadgen

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHistogramBuckets(t *testing.T) {
	// Buckets tile the values: each value falls in the bucket whose range
	// holds it, and consecutive buckets are contiguous.
	var prevHi uint64
	for i := range nBuckets {
		lo, hi := bucketRange(i)
		if i > 0 {
			require.Equal(t, prevHi+1, lo, "bucket %d", i)
		}
		require.LessOrEqual(t, lo, hi)
		require.Equal(t, i, bucketOf(lo), "bucket %d lo", i)
		require.Equal(t, i, bucketOf(hi), "bucket %d hi", i)
		prevHi = hi
	}
	require.Equal(t, ^uint64(0), prevHi, "the last bucket ends at the largest uint64")
}

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	assert.Zero(t, h.Quantile(0.5))
	assert.Zero(t, h.Mean())

	r := rand.New(rand.NewPCG(1, 2))
	values := make([]time.Duration, 100_000)
	for i := range values {
		// Log-uniform from 1µs to 100ms.
		values[i] = time.Duration(1000 * float64(uint64(1)<<r.IntN(17)) * (1 + r.Float64()))
		h.Record(values[i])
	}
	slices.Sort(values)
	for _, q := range []float64{0, 0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		idx := max(0, int(q*float64(len(values)))-1)
		want := float64(values[idx])
		got := float64(h.Quantile(q))
		assert.InEpsilon(t, want, got, 0.01, "q=%v", q)
	}
	assert.Equal(t, values[0], h.Min())
	assert.Equal(t, values[len(values)-1], h.Max())
	assert.Equal(t, uint64(len(values)), h.Count())

	// Small values are exact.
	var s Histogram
	for _, v := range []time.Duration{3, 1, 2, -5} {
		s.Record(v)
	}
	assert.Equal(t, time.Duration(0), s.Quantile(0.25), "a negative value counts as 0")
	assert.Equal(t, time.Duration(1), s.Quantile(0.5))
	assert.Equal(t, time.Duration(3), s.Quantile(1))

	// Merge is the same as recording everything in one.
	var a, b, all Histogram
	for i, v := range values[:1000] {
		all.Record(v)
		if i%2 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	a.Merge(&b)
	assert.Equal(t, all, a)
}

func TestClosed(t *testing.T) {
	var calls atomic.Uint64
	fail := errors.New("boom")
	workers := make([]Func, 4)
	for i := range workers {
		workers[i] = func() error {
			n := calls.Add(1)
			time.Sleep(100 * time.Microsecond)
			if n%10 == 0 {
				return fail
			}
			return nil
		}
	}
	r := Closed(context.Background(), workers, 50*time.Millisecond)
	assert.Positive(t, r.Requests)
	assert.Positive(t, r.Errors)
	assert.ErrorIs(t, r.FirstError, fail)
	assert.Equal(t, r.Requests, r.Latency.Count(), "one latency per answered request")
	assert.LessOrEqual(t, r.Requests+r.Errors, calls.Load(), "requests cut by the end are not counted")
	assert.Equal(t, 50*time.Millisecond, r.Elapsed)
	assert.Positive(t, r.Throughput())
}

func TestClosedStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := Closed(ctx, []Func{func() error { return nil }}, time.Hour)
	assert.Less(t, r.Elapsed, time.Hour)
}

func TestOpen(t *testing.T) {
	var calls atomic.Uint64
	workers := make([]Func, 8)
	for i := range workers {
		workers[i] = func() error {
			calls.Add(1)
			return nil
		}
	}
	// 2000 req/s for 100ms: 200 requests, every one sent and answered.
	r := Open(context.Background(), workers, 2000, 100*time.Millisecond)
	assert.Equal(t, uint64(200), r.Requests)
	assert.Equal(t, uint64(200), calls.Load())
	assert.Zero(t, r.Errors)
	assert.Zero(t, r.Unsent)
	assert.Equal(t, uint64(200), r.Latency.Count())
	assert.Equal(t, uint64(200), r.Lag.Count())
	assert.Positive(t, r.Elapsed)

	total := NewResult()
	total.Merge(r)
	total.Merge(r)
	assert.Equal(t, uint64(400), total.Requests)
	assert.Equal(t, 2*r.Elapsed, total.Elapsed)
	assert.Equal(t, uint64(400), total.Latency.Count())
}

func TestOpenCountsErrors(t *testing.T) {
	fail := errors.New("refused")
	r := Open(context.Background(), []Func{func() error { return fail }}, 1000, 20*time.Millisecond)
	assert.Zero(t, r.Requests)
	assert.Equal(t, uint64(20), r.Errors)
	assert.ErrorIs(t, r.FirstError, fail)
	assert.Zero(t, r.Latency.Count())
}

func TestOpenStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := Open(ctx, []Func{func() error { return nil }}, 10, time.Hour)
	assert.Less(t, r.Requests, uint64(36000))
}

func TestProcessCPU(t *testing.T) {
	c0 := ProcessCPU()
	x := 0
	for i := range 10_000_000 {
		x += i
	}
	_ = x
	assert.GreaterOrEqual(t, ProcessCPU(), c0)
}

func TestMachineCPU(t *testing.T) {
	c0 := MachineCPU()
	assert.GreaterOrEqual(t, MachineCPU(), c0)
}

func TestPace(t *testing.T) {
	for name, p := range map[string]func(context.Context, time.Duration, int, func(time.Time)){
		"pace": pace, "paceSleeping": paceSleeping,
	} {
		t.Run(name, func(t *testing.T) {
			var ats []time.Time
			p(context.Background(), time.Millisecond, 20, func(at time.Time) { ats = append(ats, at) })
			require.Len(t, ats, 20)
			for i := 1; i < len(ats); i++ {
				assert.Equal(t, time.Millisecond, ats[i].Sub(ats[i-1]), "evenly spaced schedule")
			}

			ctx, cancel := context.WithCancel(context.Background())
			n := 0
			p(ctx, time.Millisecond, 1_000_000, func(time.Time) {
				if n++; n == 5 {
					cancel()
				}
			})
			assert.Less(t, n, 1_000_000, "stops when ctx ends")
		})
	}
}
