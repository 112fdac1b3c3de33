package publish

import (
	"sync"
	"time"

	"github.com/athlos/athlos/modules/training/api"
)

// Interval is the period within which a session's figures go out once.
const Interval = time.Second

// Feed throttles live figures: it sends live sessions' figures to
// watchers at most once a second per session. Seconds are the clock's:
// the first figures of a session in a second go out at once; later ones
// within the same second are held, and the latest of them goes out as the
// next second begins. So nothing waits behind the limit more than the
// rest of a second, and a session that reports once a second is never
// held back (a limit of one second between messages would make every
// report that comes a little early wait, and the waits add up). Two
// messages may be closer than a second across a second's boundary, never
// two in one second. It has no NATS in it: it calls the send function it
// is given (LiveFigures gives it one that publishes).
type Feed struct {
	send     func(owner string, s api.LiveStats, hidePosition bool)
	interval time.Duration
	clock    clock

	mu       sync.Mutex
	sessions map[string]*entry
	closed   bool
}

type entry struct {
	owner   string         // the session's user
	sent    time.Time      // the start of the period in which figures last went out
	pending *api.LiveStats // held figures, sent when the next period begins
	hide    bool           // whether pending's position is hidden from watchers
	timer   stopper        // the next period's start: send what is held, or forget the session
}

// clock is the time a feed goes by: the system's, or a test's.
type clock struct {
	now       func() time.Time
	afterFunc func(d time.Duration, f func()) stopper
}

// stopper is a timer that can be stopped (*time.Timer).
type stopper interface{ Stop() bool }

var systemClock = clock{now: time.Now, afterFunc: func(d time.Duration, f func()) stopper { return time.AfterFunc(d, f) }}

// New returns a feed calling send (from any goroutine; send must not
// block) at most once per period of interval per session, with the
// session's owner and whether the position is hidden from watchers.
func New(send func(owner string, s api.LiveStats, hidePosition bool), interval time.Duration) *Feed {
	return newFeed(send, interval, systemClock)
}

func newFeed(send func(owner string, s api.LiveStats, hidePosition bool), interval time.Duration, c clock) *Feed {
	return &Feed{send: send, interval: interval, clock: c, sessions: map[string]*entry{}}
}

// Offer hands over the latest figures of a session of owner, with
// whether their position is hidden from watchers (privacy zones). It
// never blocks on the send.
func (f *Feed) Offer(owner string, s api.LiveStats, hidePosition bool) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	e := f.sessions[s.SessionID]
	if e == nil {
		e = &entry{owner: owner}
		f.sessions[s.SessionID] = e
	}
	now := f.clock.now()
	period := now.Truncate(f.interval)
	if !period.Equal(e.sent) && e.pending == nil {
		// The first figures of this period: out at once.
		e.sent = period
		f.wakeAtNextPeriod(s.SessionID, e, now)
		f.mu.Unlock()
		f.send(e.owner, s, hidePosition)
		return
	}
	if e.pending == nil || !s.StoredAt.Before(e.pending.StoredAt) {
		e.pending, e.hide = &s, hidePosition
	}
	f.wakeAtNextPeriod(s.SessionID, e, now)
	f.mu.Unlock()
}

// wakeAtNextPeriod makes sure flush runs when the next period begins.
func (f *Feed) wakeAtNextPeriod(id string, e *entry, now time.Time) {
	if e.timer != nil {
		return
	}
	e.timer = f.clock.afterFunc(now.Truncate(f.interval).Add(f.interval).Sub(now), func() { f.flush(id) })
}

// flush runs as a period begins: it sends what was held for the session,
// or forgets the session when nothing was.
func (f *Feed) flush(id string) {
	f.mu.Lock()
	e := f.sessions[id]
	if e == nil || f.closed {
		f.mu.Unlock()
		return
	}
	e.timer = nil
	p := e.pending
	now := f.clock.now()
	if p == nil {
		if now.Truncate(f.interval).Equal(e.sent) {
			// Figures went out in this period already (an offer beat
			// this timer across the boundary): remember it until the
			// next one.
			f.wakeAtNextPeriod(id, e, now)
		} else {
			delete(f.sessions, id)
		}
		f.mu.Unlock()
		return
	}
	hide := e.hide
	e.pending = nil
	e.sent = now.Truncate(f.interval)
	f.wakeAtNextPeriod(id, e, now)
	owner := e.owner
	f.mu.Unlock()
	f.send(owner, *p, hide)
}

// Close stops the feed: held figures are dropped, nothing more is sent.
func (f *Feed) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for _, e := range f.sessions {
		if e.timer != nil {
			e.timer.Stop()
		}
	}
	f.sessions = map[string]*entry{}
}
