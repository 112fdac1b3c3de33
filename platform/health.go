package platform

import (
	"context"
	"sync"
)

// Check is one readiness check: nil means the dependency is usable.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Health collects the readiness checks of the parts this process runs
// (NATS, JetStream, each database and its migrations). The gateway's
// /readyz runs them.
type Health struct {
	mu     sync.Mutex
	checks []Check
}

// Add registers a check.
func (h *Health) Add(name string, fn func(ctx context.Context) error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks = append(h.checks, Check{Name: name, Fn: fn})
}

// Checks returns the registered checks.
func (h *Health) Checks() []Check {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Check(nil), h.checks...)
}
