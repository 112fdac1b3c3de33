package workout

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/athlos/athlos/internal/loadgen"
)

func TestMatcher(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	sec := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Second))) }
	var m matcher
	var stored, watched loadgen.Histogram

	// Messages with last points at 5 s, 10 s, 15 s, published 100 ms
	// after their last point.
	m.published(sec(5), sec(5.1))
	m.published(sec(10), sec(10.1))
	m.published(sec(15), sec(15.1))

	// Figures counting up to 4 s cover nothing yet.
	assert.Zero(t, m.figures(sec(4), sec(5), sec(5.2), &stored, &watched))
	// Figures counting the point at 10 s cover the first two messages:
	// one stored 300 ms after the second was published.
	assert.Equal(t, 2, m.figures(sec(10), sec(10.4), sec(10.6), &stored, &watched))
	assert.Equal(t, uint64(2), stored.Count())
	assert.Equal(t, 5300*time.Millisecond, stored.Max(), "the first message waited from 5.1 s to 10.4 s")
	assert.Equal(t, 300*time.Millisecond, stored.Min())
	assert.Equal(t, 5500*time.Millisecond, watched.Max())
	assert.Equal(t, 500*time.Millisecond, watched.Min())
	assert.Equal(t, 1, m.left())

	// The same figures again (or older ones) match nothing more.
	assert.Zero(t, m.figures(sec(10), sec(10.4), sec(11), &stored, &watched))
	// Later figures past the last message cover it.
	assert.Equal(t, 1, m.figures(sec(16), sec(16.2), sec(16.3), &stored, &watched))
	assert.Zero(t, m.left())
	assert.Equal(t, uint64(3), watched.Count())
}

func TestMatcherForgetsFailedMessages(t *testing.T) {
	t0 := time.Now()
	var m matcher
	var stored, watched loadgen.Histogram
	m.published(t0.Add(1*time.Second), t0)
	m.published(t0.Add(2*time.Second), t0)
	m.published(t0.Add(3*time.Second), t0)
	m.failed(t0.Add(2 * time.Second))
	m.failed(t0.Add(9 * time.Second)) // unknown: nothing happens
	assert.Equal(t, 2, m.left())
	assert.Equal(t, 2, m.figures(t0.Add(3*time.Second), time.Time{}, t0.Add(4*time.Second), &stored, &watched))
	assert.Zero(t, stored.Count(), "figures without stored_at give no store latency")
	assert.Equal(t, uint64(2), watched.Count())
}

func TestMatcherIsBounded(t *testing.T) {
	t0 := time.Now()
	var m matcher
	for i := range maxPending + 5 {
		m.published(t0.Add(time.Duration(i)*time.Second), t0)
	}
	assert.Equal(t, maxPending, m.left())
	assert.Equal(t, uint64(5), m.unmatched)
}
