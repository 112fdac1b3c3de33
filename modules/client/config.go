package client

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v3"
)

// Config configures the client module.
type Config struct {
	// AccessTokenTTL is how long an access token lives: at most
	// MaxAccessTokenTTL, at least MinAccessTokenTTL. An app connection to
	// NATS ends with the token it was made with.
	AccessTokenTTL time.Duration
	// Grants are the modules the auth callout asks for a user's
	// real-time subjects at every app connection (the registry, package
	// modules, lists them; not a flag).
	Grants []GrantSource
	// Now is the clock of the second factor: TOTP time steps, login
	// challenges' life and the second factor's throttling (nil: the real
	// clock; tests fix it; not a flag). Tokens are always issued on the
	// real clock, which the front checks them by.
	Now func() time.Time
}

// GrantSource is a module that grants app users real-time subjects of
// its own at connect time (package modules lists them from each module's
// api): the client module's auth callout asks each, and closes a user's
// app connections when the module says the user's grants changed.
type GrantSource struct {
	// Module names it.
	Module string
	// Subject is its grants RPC (api.RealtimeGrantsRequest →
	// api.RealtimeGrants).
	Subject string
	// Prefix is what every subject it grants starts with.
	Prefix string
	// Changed is its event saying users' grants changed
	// (api.RealtimeGrantsChanged), in its stream.
	Changed string
}

// Bounds of Config.AccessTokenTTL. The module's retired signing keys
// verify for 20 minutes (the longest life of a token they signed, plus
// clock skew): a token must not outlive them. Lives shorter than a minute
// are for tests.
const (
	MaxAccessTokenTTL = 15 * time.Minute
	MinAccessTokenTTL = 2 * time.Second
)

// DefaultConfig is the configuration without flags.
func DefaultConfig() Config { return Config{AccessTokenTTL: MaxAccessTokenTTL} }

// Validate checks c.
func (c Config) Validate() error {
	if c.AccessTokenTTL < MinAccessTokenTTL || c.AccessTokenTTL > MaxAccessTokenTTL {
		return fmt.Errorf("client: access token life %s: want %s to %s", c.AccessTokenTTL, MinAccessTokenTTL, MaxAccessTokenTTL)
	}
	return nil
}

// Flags set c from the command line and ATHLOS_* variables.
func (c *Config) Flags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "access-token-ttl", Value: c.AccessTokenTTL, Destination: &c.AccessTokenTTL,
			Sources: cli.EnvVars("ATHLOS_ACCESS_TOKEN_TTL"),
			Usage:   "how long an access token lives (at most 15m); an app's NATS connection is closed when the token it was made with expires, and reconnects with a fresh one"},
	}
}
