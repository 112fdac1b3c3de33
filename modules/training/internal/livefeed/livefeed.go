// Package livefeed sends live sessions' figures to watchers at most once a
// second per session: the first figures after a quiet second go out at
// once, later ones within the second are held and the latest of them goes
// out when the second is over, so watchers neither miss the end of a burst
// nor get more than one message a second. It has no NATS in it: it calls
// the send function it is given.
package livefeed

import (
	"sync"
	"time"

	"github.com/athlos/athlos/modules/training/api"
)

// Interval is the shortest time between two messages of one session.
const Interval = time.Second

// Feed throttles live figures per session.
type Feed struct {
	send     func(api.LiveStats)
	interval time.Duration

	mu       sync.Mutex
	sessions map[string]*entry
	closed   bool
}

type entry struct {
	last    time.Time      // when figures last went out
	pending *api.LiveStats // held figures, sent when the interval ends
	timer   *time.Timer
}

// New returns a feed calling send (from any goroutine; send must not
// block) at most once per interval per session.
func New(send func(api.LiveStats), interval time.Duration) *Feed {
	return &Feed{send: send, interval: interval, sessions: map[string]*entry{}}
}

// Offer hands over a session's latest figures. It never blocks on the send.
func (f *Feed) Offer(s api.LiveStats) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	e := f.sessions[s.SessionID]
	if e == nil {
		e = &entry{}
		f.sessions[s.SessionID] = e
	}
	now := time.Now()
	if e.timer == nil && now.Sub(e.last) >= f.interval {
		// Nothing held and the interval is over: out at once, and hold
		// whatever comes within the next interval.
		e.last = now
		e.timer = time.AfterFunc(f.interval, func() { f.flush(s.SessionID) })
		f.mu.Unlock()
		f.send(s)
		return
	}
	if e.pending == nil || !s.StoredAt.Before(e.pending.StoredAt) {
		e.pending = &s
	}
	f.mu.Unlock()
}

// flush sends what was held for a session when its interval ends, or
// forgets the session when nothing was.
func (f *Feed) flush(id string) {
	f.mu.Lock()
	e := f.sessions[id]
	if e == nil || f.closed {
		f.mu.Unlock()
		return
	}
	p := e.pending
	if p == nil {
		delete(f.sessions, id)
		f.mu.Unlock()
		return
	}
	e.pending = nil
	e.last = time.Now()
	e.timer = time.AfterFunc(f.interval, func() { f.flush(id) })
	f.mu.Unlock()
	f.send(*p)
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
