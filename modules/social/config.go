package social

import (
	"time"

	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/modules/social/internal/push"
)

// Pusher delivers notifications to phones (APNs, FCM); see doc.go, "Push
// to phones", for plugging in a real one.
type Pusher = push.Pusher

// PushMessage is one push to one device, and PushResult what became of it.
type (
	PushMessage = push.Message
	PushResult  = push.Result
)

// Config is the social module's configuration. It has no flags: Pusher is
// set by a program that builds Athlos with its own pusher, Now by tests.
type Config struct {
	// Pusher delivers pushes; nil logs them (push.Log).
	Pusher Pusher
	// Now is the clock quiet hours are read by (nil: time.Now).
	Now func() time.Time
}

// DefaultConfig is the configuration Athlos runs with: pushes are logged.
func DefaultConfig() Config { return Config{} }

// Validate checks the configuration (every one is valid).
func (c Config) Validate() error { return nil }

// Flags are the module's flags (none).
func (c *Config) Flags() []cli.Flag { return nil }
