//go:build !linux

package loadgen

import (
	"context"
	"time"
)

// pace is paceSleeping (see pace_linux.go for how Linux does better).
func pace(ctx context.Context, interval time.Duration, n int, send func(at time.Time)) {
	paceSleeping(ctx, interval, n, send)
}
