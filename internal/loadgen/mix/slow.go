package mix

import (
	"cmp"
	"maps"
	"slices"
	"sync"
	"time"
)

// SlowThreshold is the time above which a request of the mix counts as
// slow (the aim for a p99).
const SlowThreshold = 50 * time.Millisecond

// slowLog counts the slow requests of the mix by the second they started
// in, and by operation: slow requests of every kind in the same seconds
// point at pauses of the whole machine or process rather than at one
// operation's work.
type slowLog struct {
	mu   sync.Mutex
	secs map[int64]map[string]int
	n    int
}

func (l *slowLog) note(op string, start time.Time, took time.Duration) {
	if took < SlowThreshold {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.secs == nil {
		l.secs = map[int64]map[string]int{}
	}
	sec := start.Unix()
	if l.secs[sec] == nil {
		l.secs[sec] = map[string]int{}
	}
	l.secs[sec][op]++
	l.n++
}

// SlowRequests summarises the requests of the mix over SlowThreshold
// (measured from when they were sent, not when they were due).
type SlowRequests struct {
	Count   int `json:"count"`
	Seconds int `json:"seconds"`
	// Worst are the seconds with the most slow requests, most first.
	Worst []SlowSecond `json:"worst,omitempty"`
}

// SlowSecond is one second of the mix and its slow requests by operation.
type SlowSecond struct {
	At    time.Time      `json:"at"`
	Count int            `json:"count"`
	Ops   map[string]int `json:"operations"`
}

func (l *slowLog) summary(top int) SlowRequests {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := SlowRequests{Count: l.n, Seconds: len(l.secs)}
	total := func(ops map[string]int) int {
		n := 0
		for _, c := range ops {
			n += c
		}
		return n
	}
	secs := slices.Collect(maps.Keys(l.secs))
	slices.SortFunc(secs, func(a, b int64) int {
		return cmp.Or(cmp.Compare(total(l.secs[b]), total(l.secs[a])), cmp.Compare(a, b))
	})
	for _, sec := range secs[:min(top, len(secs))] {
		out.Worst = append(out.Worst, SlowSecond{At: time.Unix(sec, 0).UTC(), Count: total(l.secs[sec]), Ops: maps.Clone(l.secs[sec])})
	}
	return out
}
