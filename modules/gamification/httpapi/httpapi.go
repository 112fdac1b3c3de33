// Package httpapi is the gamification module's HTTP operations, registered
// on the front wherever the module runs (package modules lists them): each
// validates its input's shape, forwards to rpc.gamification.* and passes
// the answer through. Each part of the module (achievements, challenges,
// leaderboards) registers its operations in its own file.
package httpapi

import (
	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
)

// Routes returns the gamification module's operations.
func Routes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		// Achievements, points and levels (achievements*.go).
		achievementOperations(a, nc)

		// Challenges (challenges*.go).
		challengeOperations(a, nc)

		// Leaderboards (leaderboards*.go).
		leaderboardOperations(a, nc)
	})
}

// Channels returns the gamification module's real-time channels (none).
func Channels() []gw.Channel { return nil }
