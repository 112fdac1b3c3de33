package gateway

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v3"
)

// Config configures the gateway module: the HTTP front of this process.
type Config struct {
	// Listen is the front's address, e.g. ":8080".
	Listen string
	// BodyLimit is the largest request body of an operation that sets no
	// limit of its own, in bytes (413 above).
	BodyLimit int
	// RequestTimeout bounds one request.
	RequestTimeout time.Duration
	// DrainPeriod is how long /readyz answers 503 on a stop before the
	// front closes, so that load balancers send no more requests.
	DrainPeriod time.Duration
	// TrustedProxies are the addresses and CIDR prefixes of reverse
	// proxies whose X-Forwarded-For or Forwarded headers name the client
	// ("loopback" for 127.0.0.0/8 and ::1).
	TrustedProxies []string
	// CORSOrigins are the browser origins allowed to call the API ("*"
	// for any); empty means no CORS.
	CORSOrigins []string
	// LiveTilesURL is the tile server URL template the live-tracking page
	// (/live/<token>) draws a map with; empty: the track alone.
	LiveTilesURL string
}

// DefaultConfig is the configuration without flags.
func DefaultConfig() Config {
	return Config{Listen: ":8080", BodyLimit: 1 << 20, RequestTimeout: 10 * time.Second, DrainPeriod: 5 * time.Second}
}

// Validate checks c, and cleans its lists (a variable may hold
// "a, b,,c").
func (c *Config) Validate() error {
	c.TrustedProxies, c.CORSOrigins = clean(c.TrustedProxies), clean(c.CORSOrigins)
	var errs []error
	if c.Listen == "" {
		errs = append(errs, errors.New("gateway: no HTTP listen address"))
	}
	if c.BodyLimit < 1 {
		errs = append(errs, fmt.Errorf("gateway: body limit %d: want at least 1", c.BodyLimit))
	}
	if c.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("gateway: request timeout %s: want more than 0", c.RequestTimeout))
	}
	if c.DrainPeriod < 0 {
		errs = append(errs, fmt.Errorf("gateway: drain period %s: want 0 or more", c.DrainPeriod))
	}
	if _, err := ParseTrustedProxies(c.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	if _, err := ParseCORSOrigins(c.CORSOrigins); err != nil {
		errs = append(errs, err)
	}
	if err := ValidateTilesURL(c.LiveTilesURL); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// clean splits comma-separated entries and drops empty ones.
func clean(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// Flags set c from the command line and ATHLOS_* variables.
func (c *Config) Flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "http-listen", Value: c.Listen, Destination: &c.Listen, Sources: cli.EnvVars("ATHLOS_HTTP_LISTEN"),
			Usage: "address of the HTTP front"},
		&cli.IntFlag{Name: "http-body-limit", Value: c.BodyLimit, Destination: &c.BodyLimit, Sources: cli.EnvVars("ATHLOS_HTTP_BODY_LIMIT"),
			Usage: "largest request body in bytes (413 above)"},
		&cli.DurationFlag{Name: "http-timeout", Value: c.RequestTimeout, Destination: &c.RequestTimeout,
			Sources: cli.EnvVars("ATHLOS_HTTP_TIMEOUT"), Usage: "per-request timeout"},
		&cli.StringSliceFlag{Name: "http-trusted-proxies", Destination: &c.TrustedProxies, Sources: cli.EnvVars("ATHLOS_HTTP_TRUSTED_PROXIES"),
			Usage: "reverse proxies (addresses, CIDR prefixes, or loopback) whose X-Forwarded-For or Forwarded header names the client"},
		&cli.StringSliceFlag{Name: "http-cors-origins", Destination: &c.CORSOrigins, Sources: cli.EnvVars("ATHLOS_HTTP_CORS_ORIGINS"),
			Usage: "browser origins allowed to call the API (e.g. https://app.example.com, https://*.example.com, or * for any); empty: no CORS"},
		&cli.DurationFlag{Name: "drain-period", Value: c.DrainPeriod, Destination: &c.DrainPeriod, Sources: cli.EnvVars("ATHLOS_DRAIN_PERIOD"),
			Usage: "on a stop, how long /readyz answers 503 while the front still serves, before it closes (0: close at once)"},
		&cli.StringFlag{Name: "live-tiles-url", Value: c.LiveTilesURL, Destination: &c.LiveTilesURL, Sources: cli.EnvVars("ATHLOS_LIVE_TILES_URL"),
			Usage: "tile server URL template (e.g. https://tile.example.org/{z}/{x}/{y}.png) drawn under the track of the live-tracking page; empty: the track alone"},
	}
}
