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

type recorder struct {
	mu   sync.Mutex
	sent []api.LiveStats
	at   []time.Time
}

func (r *recorder) send(_ string, s api.LiveStats, _ bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, s)
	r.at = append(r.at, time.Now())
}

func (r *recorder) snapshot() ([]api.LiveStats, []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]api.LiveStats(nil), r.sent...), append([]time.Time(nil), r.at...)
}

func TestBurstsGoOutAtOnceThenAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	const interval = 100 * time.Millisecond
	var r recorder
	f := publish.New(r.send, interval)
	defer f.Close()
	t0 := time.Now()
	for i := range 50 {
		f.Offer("u", api.LiveStats{SessionID: "a", Points: i, StoredAt: t0.Add(time.Duration(i))}, false)
		f.Offer("u", api.LiveStats{SessionID: "b", Points: i, StoredAt: t0.Add(time.Duration(i))}, false)
		time.Sleep(interval / 20)
	}
	// The last figures of the burst go out when the interval ends.
	require.Eventually(t, func() bool {
		sent, _ := r.snapshot()
		last := map[string]int{}
		for _, s := range sent {
			last[s.SessionID] = s.Points
		}
		return last["a"] == 49 && last["b"] == 49
	}, 5*time.Second, 10*time.Millisecond)
	sent, at := r.snapshot()
	assert.Equal(t, 0, sent[0].Points, "the first figures go out at once")
	periods := map[string]map[time.Time]int{"a": {}, "b": {}}
	count := map[string]int{}
	for i, s := range sent {
		// Never two messages of a session in one period. (Timers fire a
		// hair after the period begins; the clock read after the send
		// is later still, so it is in the right period.)
		p := at[i].Truncate(interval)
		periods[s.SessionID][p]++
		assert.Equal(t, 1, periods[s.SessionID][p], "session %s message %d", s.SessionID, i)
		count[s.SessionID]++
	}
	// 50 offers over ~250 ms: a few messages per session, not 50.
	assert.Less(t, count["a"], 10)
}

// A session reporting once a period is never held back, whatever the
// phase of its reports.
func TestReportsOncePerPeriodGoOutAtOnce(t *testing.T) {
	t.Parallel()
	const interval = 50 * time.Millisecond
	var r recorder
	f := publish.New(r.send, interval)
	defer f.Close()
	for i := range 10 {
		time.Sleep(interval + time.Duration(i%3)*time.Millisecond)
		f.Offer("u", api.LiveStats{SessionID: "a", Points: i}, false)
		sent, _ := r.snapshot()
		// Held only when two reports fall into one period, which
		// sleeping longer than a period never does.
		assert.Len(t, sent, i+1, "report %d went out at once", i)
	}
}

func TestNothingAfterClose(t *testing.T) {
	t.Parallel()
	var r recorder
	f := publish.New(r.send, 50*time.Millisecond)
	time.Sleep(time.Until(time.Now().Truncate(50 * time.Millisecond).Add(50 * time.Millisecond))) // a period's start
	f.Offer("u", api.LiveStats{SessionID: "a", Points: 1}, false)
	f.Offer("u", api.LiveStats{SessionID: "a", Points: 2}, false) // held
	f.Close()
	f.Offer("u", api.LiveStats{SessionID: "a", Points: 3}, false)
	time.Sleep(150 * time.Millisecond)
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
	f := publish.New(func(_ string, s api.LiveStats, hide bool) {
		mu.Lock()
		defer mu.Unlock()
		hidden = append(hidden, hide)
	}, 50*time.Millisecond)
	defer f.Close()
	time.Sleep(time.Until(time.Now().Truncate(50 * time.Millisecond).Add(50 * time.Millisecond))) // a period's start
	t0 := time.Now()
	f.Offer("ana", api.LiveStats{SessionID: "a", Points: 1, StoredAt: t0}, true)
	f.Offer("ana", api.LiveStats{SessionID: "a", Points: 2, StoredAt: t0.Add(1)}, false) // held
	f.Offer("ana", api.LiveStats{SessionID: "a", Points: 3, StoredAt: t0.Add(2)}, true)  // held, replaces it
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(hidden) == 2
	}, 5*time.Second, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []bool{true, true}, hidden)
}
