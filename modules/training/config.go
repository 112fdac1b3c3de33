package training

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/modules/training/api"
)

// Config configures the training module.
type Config struct {
	// IdleTimeout closes a live session that had no point for this long:
	// finished at its last point, or discarded without any.
	IdleTimeout time.Duration
	// LiveCredentialTTL is how long a watch credential of the
	// live-tracking page holds (the page asks for a new one a minute
	// before).
	LiveCredentialTTL time.Duration
}

// DefaultConfig is the configuration without flags.
func DefaultConfig() Config {
	return Config{IdleTimeout: 4 * time.Hour, LiveCredentialTTL: api.LiveCredentialTTL}
}

// Validate checks c.
func (c Config) Validate() error {
	if c.IdleTimeout < time.Minute {
		return fmt.Errorf("training: idle timeout %s: want at least 1m", c.IdleTimeout)
	}
	if c.LiveCredentialTTL < time.Minute || c.LiveCredentialTTL > 24*time.Hour {
		return fmt.Errorf("training: live credential lifetime %s: want 1m to 24h", c.LiveCredentialTTL)
	}
	return nil
}

// Flags set c from the command line and ATHLOS_* variables.
func (c *Config) Flags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "training-idle-timeout", Value: c.IdleTimeout, Destination: &c.IdleTimeout,
			Sources: cli.EnvVars("ATHLOS_TRAINING_IDLE_TIMEOUT"),
			Usage:   "a live session with no point for this long is closed (finished at its last point, or discarded without any)"},
		&cli.DurationFlag{Name: "training-live-credential-ttl", Value: c.LiveCredentialTTL, Destination: &c.LiveCredentialTTL,
			Sources: cli.EnvVars("ATHLOS_TRAINING_LIVE_CREDENTIAL_TTL"),
			Usage:   "how long a watch credential of the live-tracking page holds (1m to 24h; the page renews it a minute before)"},
	}
}
