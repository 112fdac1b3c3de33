// Package loadgen drives benchmarks that measure a server from the outside:
// a closed loop (a fixed number of workers, each sending its next request as
// soon as the previous one is answered: throughput at saturation) and an
// open loop (requests scheduled at a fixed rate whatever the server does:
// latency at a given load).
//
// It knows nothing of HTTP: a worker is a Func that sends one request over
// the worker's own connection and waits for the answer.
//
// In the open loop each request's latency runs from its scheduled send time,
// not from the moment a worker got round to sending it, so a server that
// stalls is charged for the requests that queued behind the stall instead
// of hiding them ("coordinated omission"). On Linux the schedule is kept by
// a timerfd read through the runtime's poller (see pace_linux.go): precise
// to a few microseconds, and without taking a P from the server under test
// when it runs in the same process. Elsewhere the runtime's timers are
// used, whose sub-millisecond sleeps may last about a millisecond.
package loadgen

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Func sends one request and waits for its answer. It returns an error when
// the request failed (transport error, unexpected status). Each worker has
// its own Func, called from one goroutine only.
type Func func() error

// Result is what a run measured.
type Result struct {
	// Requests counts the requests answered without error, Errors the
	// failed ones; FirstError is the first failure seen.
	Requests, Errors uint64
	FirstError       error
	// Unsent counts open-loop requests abandoned because the backlog was
	// not drained in time after the run (the server could not keep up).
	Unsent uint64
	// Elapsed is the measured time: from the start until the end of the
	// run (closed loop), or until the last answer (open loop).
	Elapsed time.Duration
	// Latency holds the latency of every request answered without error.
	Latency *Histogram
	// Lag holds, in the open loop, how late each request left after its
	// scheduled time (scheduler and worker wake-up, and queueing when every
	// worker was busy). It is part of Latency.
	Lag *Histogram
}

func newResult() *Result { return &Result{Latency: &Histogram{}, Lag: &Histogram{}} }

// Throughput is the rate of answered requests over Elapsed, per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Merge adds o to r, as if both runs had been one (elapsed times add up).
func (r *Result) Merge(o *Result) {
	r.Requests += o.Requests
	r.Errors += o.Errors
	r.Unsent += o.Unsent
	if r.FirstError == nil {
		r.FirstError = o.FirstError
	}
	r.Elapsed += o.Elapsed
	r.Latency.Merge(o.Latency)
	r.Lag.Merge(o.Lag)
}

// NewResult returns an empty result, e.g. to Merge runs into.
func NewResult() *Result { return newResult() }

type workerStats struct {
	ok, failed uint64
	err        error
	lat, lag   Histogram
}

func (r *Result) add(w *workerStats) {
	r.Requests += w.ok
	r.Errors += w.failed
	if r.FirstError == nil {
		r.FirstError = w.err
	}
	r.Latency.Merge(&w.lat)
	r.Lag.Merge(&w.lag)
}

// Closed runs every worker in a loop for d (or until ctx ends): each sends
// its next request as soon as the previous one is answered. With enough
// workers this measures throughput at saturation. A request in flight when
// d ends is waited for but not counted.
func Closed(ctx context.Context, workers []Func, d time.Duration) *Result {
	stats := make([]*workerStats, len(workers))
	var stop atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for i, do := range workers {
		ws := &workerStats{}
		stats[i] = ws
		wg.Go(func() {
			for !stop.Load() {
				t0 := time.Now()
				err := do()
				t1 := time.Now()
				if t1.After(end) || stop.Load() {
					return
				}
				if err != nil {
					ws.failed++
					if ws.err == nil {
						ws.err = err
					}
					continue
				}
				ws.ok++
				ws.lat.Record(t1.Sub(t0))
			}
		})
	}
	timer := time.NewTimer(d)
	select {
	case <-timer.C:
	case <-ctx.Done():
		timer.Stop()
	}
	stop.Store(true)
	elapsed := min(time.Since(start), d)
	wg.Wait()
	r := newResult()
	r.Elapsed = elapsed
	for _, ws := range stats {
		r.add(ws)
	}
	return r
}

// Open sends requests at rate per second for d (or until ctx ends), spread
// evenly over time, over the workers: a request goes to a free worker at its
// scheduled time, or waits for one. Latency is measured from the scheduled
// time. When the server falls behind, the backlog is drained for at most
// max(d, 1s) after the schedule ends; what is left then counts as Unsent.
// There should be enough workers that one is nearly always free.
func Open(ctx context.Context, workers []Func, rate float64, d time.Duration) *Result {
	total := int(rate * d.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	// Room for the whole schedule: the scheduler never waits for workers.
	queue := make(chan time.Time, total)
	stats := make([]*workerStats, len(workers))
	var unsent atomic.Uint64
	var lastDone atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	drainBy := start.Add(d + max(d, time.Second))
	for i, do := range workers {
		ws := &workerStats{}
		stats[i] = ws
		wg.Go(func() {
			for at := range queue {
				t0 := time.Now()
				if t0.After(drainBy) || ctx.Err() != nil {
					unsent.Add(1)
					continue
				}
				ws.lag.Record(t0.Sub(at))
				err := do()
				t1 := time.Now()
				done := int64(t1.Sub(start))
				for {
					prev := lastDone.Load()
					if done <= prev || lastDone.CompareAndSwap(prev, done) {
						break
					}
				}
				if err != nil {
					ws.failed++
					if ws.err == nil {
						ws.err = err
					}
					continue
				}
				ws.ok++
				ws.lat.Record(t1.Sub(at))
			}
		})
	}
	go func() {
		defer close(queue)
		pace(ctx, interval, total, func(at time.Time) { queue <- at })
	}()
	wg.Wait()
	r := newResult()
	r.Elapsed = time.Duration(lastDone.Load())
	r.Unsent = unsent.Load()
	for _, ws := range stats {
		r.add(ws)
	}
	return r
}

// paceSleeping calls send(at) for at = start+interval, start+2·interval,
// ... (n times), each at or just after at (a late call is made at once),
// where start is when it is called. It stops early when ctx ends. It uses
// the runtime's timers: portable, but on an otherwise idle process a sleep
// under a millisecond may last about a millisecond, so sends come in
// bursts. See pace_linux.go for better.
func paceSleeping(ctx context.Context, interval time.Duration, n int, send func(at time.Time)) {
	start := time.Now()
	for i := 1; i <= n; i++ {
		at := start.Add(time.Duration(i) * interval)
		if wait := time.Until(at); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		send(at)
	}
}
