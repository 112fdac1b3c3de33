package training

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v3"
)

// Config configures the training module.
type Config struct {
	// IdleTimeout closes a live session that had no point for this long:
	// finished at its last point, or discarded without any.
	IdleTimeout time.Duration
}

// DefaultConfig is the configuration without flags.
func DefaultConfig() Config { return Config{IdleTimeout: 4 * time.Hour} }

// Validate checks c.
func (c Config) Validate() error {
	if c.IdleTimeout < time.Minute {
		return fmt.Errorf("training: idle timeout %s: want at least 1m", c.IdleTimeout)
	}
	return nil
}

// Flags set c from the command line and ATHLOS_* variables.
func (c *Config) Flags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "training-idle-timeout", Value: c.IdleTimeout, Destination: &c.IdleTimeout,
			Sources: cli.EnvVars("ATHLOS_TRAINING_IDLE_TIMEOUT"),
			Usage:   "a live session with no point for this long is closed (finished at its last point, or discarded without any)"},
	}
}
