package workout

import (
	"time"

	"github.com/athlos/athlos/internal/loadgen"
)

// maxPending bounds a matcher's queue: when live figures stop coming, the
// oldest messages are given up as unmatched rather than kept for ever.
const maxPending = 10_000

// matcher pairs one session's published messages with the live figures
// (api.LiveStats) that first show them stored. Live figures come at most
// once a second per session and carry only the latest point counted, so a
// message is matched with the first figures whose last_point_t is at or
// after the message's last point; a message whose points were overtaken
// by a later message's, stored in the same batch, is matched with the same
// figures. The figures give two latencies: publish → stored (stored_at,
// the server's clock) and publish → received by the watcher (the
// loadgen's clock).
//
// Messages must be added in the order of their last points, as a runner
// records them. A matcher is not safe for concurrent use.
type matcher struct {
	pending []pending
	// Unmatched counts messages given up on (see maxPending).
	unmatched uint64
}

type pending struct {
	lastT time.Time // the time of the message's last point
	at    time.Time // when it was published (the loadgen's clock)
}

// published records a message about to be published.
func (m *matcher) published(lastT, at time.Time) {
	if len(m.pending) >= maxPending {
		m.pending = m.pending[1:]
		m.unmatched++
	}
	m.pending = append(m.pending, pending{lastT: lastT, at: at})
}

// failed forgets a message that was not accepted: figures that come later
// for later messages must not be charged to it.
func (m *matcher) failed(lastT time.Time) {
	for i, p := range m.pending {
		if p.lastT.Equal(lastT) {
			m.pending = append(m.pending[:i], m.pending[i+1:]...)
			return
		}
	}
}

// figures takes live figures received at recv: every pending message they
// cover gets its latencies recorded. It returns how many were matched.
func (m *matcher) figures(lastPointT, storedAt, recv time.Time, stored, watched *loadgen.Histogram) int {
	n := 0
	for n < len(m.pending) && !m.pending[n].lastT.After(lastPointT) {
		p := m.pending[n]
		if !storedAt.IsZero() {
			stored.Record(storedAt.Sub(p.at))
		}
		watched.Record(recv.Sub(p.at))
		n++
	}
	m.pending = m.pending[n:]
	return n
}

// left is the number of messages still waiting for figures.
func (m *matcher) left() int { return len(m.pending) }
