package publish_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/publish"
)

// The feeds below go by a fake clock, advanced by the tests: which
// period a send falls in, and whether a held figure's timer ran before
// the next offer, depend on the tests' steps alone, never on how fast a
// loaded machine runs them (with the system's clock, a pause of a few
// milliseconds at a period's end moved an offer into the next period).

// t0 is a time within a period, not at its start.
var t0 = time.Date(2026, 12, 7, 23, 59, 59, 937_000_000, time.UTC)

type recorder struct {
	now  func() time.Time
	mu   sync.Mutex
	sent []api.LiveStats
	at   []time.Time
}

func (r *recorder) send(_ string, s api.LiveStats, _ bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, s)
	r.at = append(r.at, r.now())
}

func (r *recorder) snapshot() ([]api.LiveStats, []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]api.LiveStats(nil), r.sent...), append([]time.Time(nil), r.at...)
}

func TestBurstsGoOutAtOnceThenAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	const interval = 100 * time.Millisecond
	clk := publish.NewFakeClock(t0)
	r := recorder{now: clk.Now}
	f := publish.NewWithClock(r.send, interval, clk)
	defer f.Close()
	for i := range 50 {
		f.Offer("u", api.LiveStats{SessionID: "a", Points: i, StoredAt: t0.Add(time.Duration(i))}, false)
		f.Offer("u", api.LiveStats{SessionID: "b", Points: i, StoredAt: t0.Add(time.Duration(i))}, false)
		clk.Advance(interval / 20)
	}
	// The last figures of the burst go out when the interval ends.
	clk.Advance(interval)
	sent, at := r.snapshot()
	last := map[string]int{}
	for _, s := range sent {
		last[s.SessionID] = s.Points
	}
	assert.Equal(t, map[string]int{"a": 49, "b": 49}, last)
	assert.Equal(t, 0, sent[0].Points, "the first figures go out at once")
	assert.Equal(t, t0, at[0], "the first figures go out at once")
	periods := map[string]map[time.Time]int{"a": {}, "b": {}}
	count := map[string]int{}
	for i, s := range sent {
		// Never two messages of a session in one period.
		p := at[i].Truncate(interval)
		periods[s.SessionID][p]++
		assert.Equal(t, 1, periods[s.SessionID][p], "session %s message %d", s.SessionID, i)
		count[s.SessionID]++
	}
	// 50 offers over 250 ms (four periods): a message per period and
	// session, not 50.
	assert.Equal(t, 4, count["a"])
	assert.Equal(t, 4, count["b"])
}

// A session reporting once a period is never held back, whatever the
// phase of its reports.
func TestReportsOncePerPeriodGoOutAtOnce(t *testing.T) {
	t.Parallel()
	const interval = 50 * time.Millisecond
	clk := publish.NewFakeClock(t0)
	r := recorder{now: clk.Now}
	f := publish.NewWithClock(r.send, interval, clk)
	defer f.Close()
	for i := range 10 {
		clk.Advance(interval + time.Duration(i%3)*time.Millisecond)
		f.Offer("u", api.LiveStats{SessionID: "a", Points: i}, false)
		sent, _ := r.snapshot()
		// Held only when two reports fall into one period, which
		// reporting later than a period after the last never does.
		assert.Len(t, sent, i+1, "report %d went out at once", i)
	}
}

func TestNothingAfterClose(t *testing.T) {
	t.Parallel()
	const interval = 50 * time.Millisecond
	clk := publish.NewFakeClock(t0.Truncate(interval)) // a period's start
	r := recorder{now: clk.Now}
	f := publish.NewWithClock(r.send, interval, clk)
	f.Offer("u", api.LiveStats{SessionID: "a", Points: 1}, false)
	f.Offer("u", api.LiveStats{SessionID: "a", Points: 2}, false) // held
	f.Close()
	f.Offer("u", api.LiveStats{SessionID: "a", Points: 3}, false)
	clk.Advance(3 * interval)
	sent, _ := r.snapshot()
	require.Len(t, sent, 1)
	assert.Equal(t, 1, sent[0].Points)
}

// The figures go out with their session's owner, held ones too.
func TestFiguresGoOutWithTheirOwner(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	owners := map[string][]string{}
	f := publish.New(func(owner string, s api.LiveStats, _ bool) {
		mu.Lock()
		defer mu.Unlock()
		owners[s.SessionID] = append(owners[s.SessionID], owner)
	}, 50*time.Millisecond)
	defer f.Close()
	f.Offer("ana", api.LiveStats{SessionID: "a", Points: 1}, false)
	f.Offer("ana", api.LiveStats{SessionID: "a", Points: 2}, false) // held
	f.Offer("bob", api.LiveStats{SessionID: "b", Points: 1}, false)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(owners["a"]) == 2
	}, 5*time.Second, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"ana", "ana"}, owners["a"])
	assert.Equal(t, []string{"bob"}, owners["b"])
}

// Whether the position is hidden from watchers goes out with the figures
// it was offered with, held ones too (the latest held wins with its own).
func TestHiddenPositionGoesOutWithItsFigures(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var hidden []bool
	const interval = 50 * time.Millisecond
	clk := publish.NewFakeClock(t0.Truncate(interval)) // a period's start
	f := publish.NewWithClock(func(_ string, s api.LiveStats, hide bool) {
		mu.Lock()
		defer mu.Unlock()
		hidden = append(hidden, hide)
	}, interval, clk)
	defer f.Close()
	f.Offer("ana", api.LiveStats{SessionID: "a", Points: 1, StoredAt: t0}, true)
	f.Offer("ana", api.LiveStats{SessionID: "a", Points: 2, StoredAt: t0.Add(1)}, false) // held
	f.Offer("ana", api.LiveStats{SessionID: "a", Points: 3, StoredAt: t0.Add(2)}, true)  // held, replaces it
	clk.Advance(interval)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []bool{true, true}, hidden)
}
