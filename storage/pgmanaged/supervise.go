package pgmanaged

import (
	"context"
	"strings"
	"time"
)

// The pace of restarts after the server died: the first try after
// restartFirstDelay, then twice as long each time up to restartMaxDelay,
// for as long as it takes (a full disk is freed by a person, hours later):
// at most 10 s after the cause is gone, about 6 tries (and log lines) a
// minute while it is not.
// A try waits at most restartReadyTimeout for the server to accept
// connections, which covers crash recovery of a large WAL.
const (
	restartFirstDelay   = 500 * time.Millisecond
	restartMaxDelay     = 10 * time.Second
	restartReadyTimeout = 15 * time.Minute
)

// supervise starts the server again whenever it dies without Stop (killed,
// crashed, a PANIC such as a full disk's), until Stop. Until it is back,
// connections fail and the pools and readiness checks report it; after,
// they reconnect by themselves.
func (s *Server) supervise() {
	defer close(s.supervised)
	for {
		c := s.proc()
		select {
		case <-c.done:
		case <-s.quit:
			return
		}
		if s.stopping.Load() {
			return
		}
		died := time.Now()
		// Backends outlive a killed postmaster for a moment and hold its
		// shared memory, which a new postmaster refuses to share: end the
		// whole process group now. Their work is redone from the WAL.
		killGroup(c)
		s.log.Error("postgres died; starting it again", "pid", c.pid, "err", c.err, "log", s.logTail(3))
		delay := restartFirstDelay
		for attempt := 1; ; attempt++ {
			if !s.pause(delay) {
				return
			}
			err := s.restart()
			if err == nil {
				n := s.restarts.Add(1)
				s.log.Warn("postgres is back", "pid", s.PID(), "attempts", attempt,
					"down_for", time.Since(died).Round(time.Millisecond), "restarts", n)
				break
			}
			if s.stopping.Load() {
				return
			}
			// The backoff keeps this to a few lines a minute.
			s.log.Error("postgres did not start again; retrying", "attempt", attempt, "retry_in", min(delay*2, restartMaxDelay),
				"err", firstLine(err), "log", s.logTail(2))
			delay = min(delay*2, restartMaxDelay)
		}
	}
}

// pause waits d, or less if Stop begins; it reports whether to go on.
func (s *Server) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return !s.stopping.Load()
	case <-s.quit:
		return false
	}
}

// restart starts the server once more and waits until it accepts
// connections; a server that came up but does not answer is killed.
func (s *Server) restart() error {
	ctx, cancel := context.WithTimeout(context.Background(), restartReadyTimeout)
	defer cancel()
	go func() {
		select {
		case <-s.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	if _, err := s.handleExisting(ctx); err != nil {
		return err
	}
	c, err := s.spawn(s.settings, s.id)
	if err != nil {
		return err
	}
	if err := s.waitReady(ctx, c); err != nil {
		if !c.exited(s.pgData) && !s.stopping.Load() {
			s.kill(c)
		}
		return err
	}
	c.up.Store(true)
	return nil
}

// firstLine is the start of an error, without the log tail it may carry.
func firstLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), ": postgres.log: ")
	return msg
}
