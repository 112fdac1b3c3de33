package client

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/modules/client/internal/mail"
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

	// Mail is the outgoing mail's SMTP server (--smtp-url, --smtp-from,
	// --smtp-tls); with no URL, messages are written to the log.
	Mail mail.Config
	// MailWorker tunes the mail outbox's sender (not flags).
	MailWorker mail.WorkerConfig
	// PublicURL is the base of the links in the mails: the web page or
	// app that opens them (--public-url), e.g. https://athlos.example.com;
	// links are <PublicURL>/reset-password?token=... and
	// <PublicURL>/verify-email?token=... (docs/api.md).
	PublicURL string
	// PasswordResetTTL is how long a password-reset link works (30
	// minutes; shorter in tests).
	PasswordResetTTL time.Duration
	// VerifyEmailTTL is how long an email verification or email-change
	// link works (48 hours; shorter in tests).
	VerifyEmailTTL time.Duration
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
func DefaultConfig() Config {
	return Config{AccessTokenTTL: MaxAccessTokenTTL, PublicURL: DefaultPublicURL,
		PasswordResetTTL: 30 * time.Minute, VerifyEmailTTL: 48 * time.Hour}
}

// DefaultPublicURL is the links' base when none is configured: the front
// on this machine, for a self-hoster trying it out.
const DefaultPublicURL = "http://localhost:8080"

// Validate checks c.
func (c Config) Validate() error {
	if c.AccessTokenTTL < MinAccessTokenTTL || c.AccessTokenTTL > MaxAccessTokenTTL {
		return fmt.Errorf("client: access token life %s: want %s to %s", c.AccessTokenTTL, MinAccessTokenTTL, MaxAccessTokenTTL)
	}
	if err := c.Mail.Validate(); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("client: public URL %q: want http(s)://host[/path], the base of the links in mails", c.PublicURL)
	}
	if c.PasswordResetTTL <= 0 || c.PasswordResetTTL > time.Hour || c.VerifyEmailTTL <= 0 || c.VerifyEmailTTL > 7*24*time.Hour {
		return errors.New("client: link lives: a password reset at most 1h, an email verification at most 7 days")
	}
	return nil
}

// LinkBase is PublicURL without a trailing slash.
func (c Config) LinkBase() string { return strings.TrimRight(c.PublicURL, "/") }

// Flags set c from the command line and ATHLOS_* variables.
func (c *Config) Flags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "access-token-ttl", Value: c.AccessTokenTTL, Destination: &c.AccessTokenTTL,
			Sources: cli.EnvVars("ATHLOS_ACCESS_TOKEN_TTL"),
			Usage:   "how long an access token lives (at most 15m); an app's NATS connection is closed when the token it was made with expires, and reconnects with a fresh one"},
		&cli.StringFlag{Name: "smtp-url", Value: c.Mail.URL, Destination: &c.Mail.URL, Sources: cli.EnvVars("ATHLOS_SMTP_URL"),
			Usage: "SMTP server of outgoing mail, smtp://user:password@host:port (STARTTLS, port 587 by default) or smtps://... (TLS, port 465); empty: mail is written to the log"},
		&cli.StringFlag{Name: "smtp-from", Value: c.Mail.From, Destination: &c.Mail.From, Sources: cli.EnvVars("ATHLOS_SMTP_FROM"),
			Usage: "sender of outgoing mail, an address or \"Name <address>\" (default " + mail.DefaultFrom + ")"},
		&cli.StringFlag{Name: "smtp-tls", Value: c.Mail.TLS, Destination: &c.Mail.TLS, Sources: cli.EnvVars("ATHLOS_SMTP_TLS"),
			Usage: "TLS to the SMTP server: starttls (required; the default for smtp://), opportunistic, tls (the default for smtps://) or none"},
		&cli.StringFlag{Name: "public-url", Value: c.PublicURL, Destination: &c.PublicURL, Sources: cli.EnvVars("ATHLOS_PUBLIC_URL"),
			Usage: "base URL of the app or web page that opens the links in mails (<url>/reset-password?token=... and <url>/verify-email?token=...; docs/api.md)"},
	}
}
