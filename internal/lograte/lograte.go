// Package lograte keeps a repeated failure from flooding the log. During
// an outage every request, redelivery and readiness probe fails the same
// way; one line each wrote 57,860 lines in a minute. A Failures logs one
// kind of failure a few times at once and then about PerMinute times a
// minute, counting the rest, and once the failures have stopped for Quiet,
// one line with how many there were and how long they lasted.
package lograte

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// A kind of failure logs at most Burst lines at once, then PerMinute a
// minute; Quiet without a failure ends a run of them.
const (
	PerMinute = 20
	Burst     = 5
	Quiet     = 10 * time.Second
)

// Failures logs one kind of failure (its message). Safe for concurrent
// use.
type Failures struct {
	log   *slog.Logger
	msg   string
	lim   *rate.Limiter
	quiet time.Duration

	mu      sync.Mutex
	count   int // failures in this run
	skipped int // failures not logged since the last line
	since   time.Time
	level   slog.Level // of the failures, for the line that ends them
	timer   *time.Timer
}

// New returns the failure kind msg, logged to log.
func New(log *slog.Logger, msg string) *Failures {
	return &Failures{log: log, msg: msg, lim: rate.NewLimiter(rate.Every(time.Minute/PerMinute), Burst), quiet: Quiet,
		level: slog.LevelDebug}
}

// WithQuiet changes how long without a failure ends a run (tests).
func (f *Failures) WithQuiet(d time.Duration) *Failures {
	f.quiet = d
	return f
}

// Fail records one failure and logs it, with args, unless its kind has
// used up its lines; a logged line says how many were not logged before
// it.
func (f *Failures) Fail(ctx context.Context, level slog.Level, args ...any) {
	f.mu.Lock()
	if f.count == 0 {
		f.since = time.Now()
	}
	f.count++
	f.level = max(f.level, level)
	if f.timer == nil {
		f.timer = time.AfterFunc(f.quiet, f.end)
	} else {
		f.timer.Reset(f.quiet)
	}
	if !f.lim.Allow() {
		f.skipped++
		f.mu.Unlock()
		return
	}
	skipped := f.skipped
	f.skipped = 0
	f.mu.Unlock()
	if skipped > 0 {
		args = append(args, "not_logged", skipped)
	}
	f.log.Log(ctx, level, f.msg, args...)
}

// end closes a run of failures with one line, when it had more than the
// one already logged.
func (f *Failures) end() {
	f.mu.Lock()
	n, since, skipped, level := f.count, f.since, f.skipped, f.level
	f.count, f.skipped, f.level = 0, 0, slog.LevelDebug
	f.mu.Unlock()
	if n > 1 || skipped > 0 {
		// At the failures' level: a log that shows them shows their end.
		f.log.Log(context.Background(), level, f.msg+": no more since "+since.UTC().Format(time.RFC3339), "failures", n,
			"not_logged", skipped, "lasted", time.Since(since).Round(time.Millisecond))
	}
}
