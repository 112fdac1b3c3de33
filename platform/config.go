package platform

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/athlos/athlos/bus"
)

// Config is the configuration of one athlos process. cmd/athlos fills it
// from flags and ATHLOS_* variables (docs/configuration.md).
type Config struct {
	// Version is the build version, reported by status and OpenAPI.
	Version string
	// Revision is the VCS commit the binary was built from ("": unknown).
	Revision string
	// DataDir holds the embedded NATS files and the managed PostgreSQL.
	DataDir string
	// Modules this process runs; every name in Known.
	Modules []string

	HTTP     HTTPConfig
	NATS     NATSConfig
	DB       DBConfig
	Client   ClientConfig
	Training TrainingConfig

	// ShutdownTimeout bounds a clean stop.
	ShutdownTimeout time.Duration
	// DiskMinFree is the free space, in bytes, below which the embedded
	// JetStream refuses new messages (bus.DiskGuard); 0 means 2 % of the
	// data dir's file system, at least 256 MiB and at most 5 GiB.
	DiskMinFree uint64

	// DebugListen, when set, is a loopback address where the process
	// serves net/http/pprof (/debug/pprof/), and nothing else.
	DebugListen string

	// SecretKeyFile holds the 32-byte key (hex) that seals secrets kept in
	// the database, such as the token signing keys. Empty means
	// <DataDir>/secret.key, created on first start. Every process of a
	// cluster needs the same file.
	SecretKeyFile string
}

// ClientConfig configures the client module.
type ClientConfig struct {
	// AccessTokenTTL is how long an access token lives: default and at
	// most MaxAccessTokenTTL, at least MinAccessTokenTTL. An app
	// connection to NATS ends with the token it was made with.
	AccessTokenTTL time.Duration
}

// Bounds of ClientConfig.AccessTokenTTL. The client module's retired
// signing keys verify for 20 minutes (the longest life of a token they
// signed, plus clock skew); a token must not outlive them. Lives shorter
// than a minute are for tests.
const (
	MaxAccessTokenTTL = 15 * time.Minute
	MinAccessTokenTTL = 2 * time.Second
)

// TrainingConfig configures the training module.
type TrainingConfig struct {
	// IdleTimeout closes a live session that had no point for this long
	// (default 4h): finished at its last point, or discarded without any.
	IdleTimeout time.Duration
}

// HTTPConfig configures the front (module gateway).
type HTTPConfig struct {
	Listen         string
	BodyLimit      int
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
}

// NATSConfig says whether to embed NATS or join an external cluster.
type NATSConfig struct {
	// URLs of an external NATS; empty means embedded.
	URLs []string
	// User, Password, CredsFile authenticate the service connection.
	User, Password, CredsFile string
	// Embedded server settings (ignored with URLs).
	Listen          string
	WebSocketListen string
	ServerName      string
	ClusterName     string
	ClusterListen   string
	Routes          []string
	SyncInterval    time.Duration
	SyncAlways      bool
	// Replicas of every stream and of the uploads store (1 standalone,
	// 3 on a cluster of 3+).
	Replicas int
	// UploadsMaxBytes bounds the uploads object store (files on their way
	// to a module); it is made smaller where JetStream has less room.
	UploadsMaxBytes int64
	// SystemUser with SystemPassword or SystemCredsFile log in to the
	// system account of an external NATS, through which the client module
	// closes app users' connections when their grants change. Empty means
	// no access (the embedded server has a system user built in).
	SystemUser, SystemPassword, SystemCredsFile string
	// AppUser with AppPassword or AppCredsFile log in to the app account
	// (bus.AppAccount) of an external NATS, where the modules answer what
	// apps publish (bus.Ingress). An empty password means the service
	// user's (athlos's embedded server gives its users one password).
	AppUser, AppPassword, AppCredsFile string
	// PublicWebSocketURL is the NATS WebSocket URL the app is told to use
	// (GET /v1/realtime), e.g. wss://rt.example.com; empty means
	// ws://<host of the HTTP request>:<port of WebSocketListen>.
	PublicWebSocketURL string
}

// DBConfig says which PostgreSQL each module uses.
type DBConfig struct {
	// URL is the database of every module without its own; empty means a
	// managed PostgreSQL under DataDir.
	URL string
	// ModuleURLs overrides URL per module (ATHLOS_<MODULE>_DATABASE_URL).
	ModuleURLs map[string]string
	// ManagedPort is the loopback port of the managed PostgreSQL.
	ManagedPort int
	// MaxConns per pool.
	MaxConns int32
}

// Gateway is the module that serves HTTP; the others own data.
const Gateway = "gateway"

// Known lists every module in start order.
var Known = []string{"client", "training", "social", "gamification", "promo", Gateway}

// DataModules are the modules that own a schema and an event stream.
func DataModules() []string { return Known[:len(Known)-1] }

// Validate checks the configuration and fills defaults.
func (c *Config) Validate() error {
	if len(c.Modules) == 0 {
		c.Modules = slices.Clone(Known)
	}
	for _, m := range c.Modules {
		if !slices.Contains(Known, m) {
			return fmt.Errorf("unknown module %q (known: %v)", m, Known)
		}
	}
	for m := range c.DB.ModuleURLs {
		if !slices.Contains(DataModules(), m) {
			return fmt.Errorf("database URL given for unknown module %q", m)
		}
	}
	if c.DebugListen != "" {
		if err := checkDebugListen(c.DebugListen); err != nil {
			return err
		}
	}
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	c.DataDir = abs
	// Searchable by others (not listable): when athlos runs as root, the
	// managed PostgreSQL runs as the postgres user and must reach its
	// folder inside.
	if err := os.MkdirAll(c.DataDir, 0o711); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if c.NATS.Replicas < 1 {
		c.NATS.Replicas = 1
	}
	if c.NATS.UploadsMaxBytes <= 0 {
		c.NATS.UploadsMaxBytes = bus.DefaultUploadsMaxBytes
	}
	if c.NATS.SyncInterval == 0 {
		c.NATS.SyncInterval = bus.DefaultSyncInterval
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.DB.MaxConns <= 0 {
		c.DB.MaxConns = 20
	}
	if c.Training.IdleTimeout <= 0 {
		c.Training.IdleTimeout = 4 * time.Hour
	}
	if c.Client.AccessTokenTTL == 0 {
		c.Client.AccessTokenTTL = MaxAccessTokenTTL
	}
	if c.Client.AccessTokenTTL < MinAccessTokenTTL || c.Client.AccessTokenTTL > MaxAccessTokenTTL {
		return fmt.Errorf("access token life %s: want %s to %s", c.Client.AccessTokenTTL, MinAccessTokenTTL, MaxAccessTokenTTL)
	}
	return nil
}

// Runs reports whether this process runs module m.
func (c *Config) Runs(m string) bool { return slices.Contains(c.Modules, m) }

// DatabaseURL is the URL module m uses; "" means the managed server.
func (c *Config) DatabaseURL(m string) string {
	if u := c.DB.ModuleURLs[m]; u != "" {
		return u
	}
	return c.DB.URL
}
