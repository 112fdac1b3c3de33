package livefeed_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/livefeed"
)

type recorder struct {
	mu   sync.Mutex
	sent []api.LiveStats
	at   []time.Time
}

func (r *recorder) send(s api.LiveStats) {
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
	f := livefeed.New(r.send, interval)
	defer f.Close()
	t0 := time.Now()
	for i := range 50 {
		f.Offer(api.LiveStats{SessionID: "a", Points: i, StoredAt: t0.Add(time.Duration(i))})
		f.Offer(api.LiveStats{SessionID: "b", Points: i, StoredAt: t0.Add(time.Duration(i))})
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
	prev := map[string]time.Time{}
	count := map[string]int{}
	for i, s := range sent {
		if p, ok := prev[s.SessionID]; ok {
			// Timers may fire a little early relative to our clock reads;
			// allow a millisecond.
			assert.GreaterOrEqual(t, at[i].Sub(p), interval-time.Millisecond, "session %s message %d", s.SessionID, i)
		}
		prev[s.SessionID] = at[i]
		count[s.SessionID]++
	}
	// 50 offers over ~250 ms: a few messages per session, not 50.
	assert.Less(t, count["a"], 10)
}

func TestNothingAfterClose(t *testing.T) {
	t.Parallel()
	var r recorder
	f := livefeed.New(r.send, 50*time.Millisecond)
	f.Offer(api.LiveStats{SessionID: "a", Points: 1})
	f.Offer(api.LiveStats{SessionID: "a", Points: 2}) // held
	f.Close()
	f.Offer(api.LiveStats{SessionID: "a", Points: 3})
	time.Sleep(150 * time.Millisecond)
	sent, _ := r.snapshot()
	require.Len(t, sent, 1)
	assert.Equal(t, 1, sent[0].Points)
}
