package lograte_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/athlos/athlos/internal/lograte"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A thousand failures of two kinds log a burst of each, and once they
// stop, one line each with the count.
func TestAThousandFailuresLogAFewLinesAndOneWhenTheyStop(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	// The run ends after a quiet second: a pause of the loop below (a few
	// milliseconds' work) as long as that, on a loaded machine, would end
	// it early and log its end before the count is in.
	f := lograte.New(log, "rpc handler failed").WithQuiet(time.Second)
	g := lograte.New(log, "readiness check failed").WithQuiet(time.Second)
	for i := range 1000 {
		f.Fail(context.Background(), slog.LevelError, "i", i)
		g.Fail(context.Background(), slog.LevelWarn)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	assert.Len(t, lines, 2*lograte.Burst, "a burst per kind, then nothing within the same second")
	assert.Eventually(t, func() bool { return strings.Count(buf.String(), "no more since") == 2 }, 30*time.Second, 10*time.Millisecond)
	out := buf.String()
	assert.Contains(t, out, `msg="rpc handler failed: no more since`)
	assert.Contains(t, out, "failures=1000")
	assert.Contains(t, out, "not_logged=995")
	assert.Contains(t, out, `level=ERROR msg="rpc handler failed: no more since`, "at the failures' level")

	// A single failure says nothing more when it is over.
	var one syncBuffer
	h := lograte.New(slog.New(slog.NewTextHandler(&one, nil)), "once").WithQuiet(10 * time.Millisecond)
	h.Fail(context.Background(), slog.LevelWarn)
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, 1, strings.Count(one.String(), "\n"))
}
