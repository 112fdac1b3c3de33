package platform

import (
	"errors"
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
	// Catalogue lists every module there is (the registry, package
	// modules, fills it); Modules are those this process runs, all when
	// empty.
	Catalogue []ModuleInfo
	Modules   []string

	NATS NATSConfig
	DB   DBConfig

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
	// PeerWebSocketURLs are the other nodes' NATS WebSocket URLs, listed
	// after this node's in GET /v1/realtime for reconnects. The embedded
	// servers of a cluster learn them from each other; an external NATS
	// cluster's are given here.
	PeerWebSocketURLs []string
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

// ModuleInfo is what the platform knows of a module.
type ModuleInfo struct {
	Name string
	// OwnsData: it has a schema, an event stream and a database pool.
	OwnsData bool
}

// Known lists the names of every module, in start order.
func (c *Config) Known() []string {
	out := make([]string, len(c.Catalogue))
	for i, m := range c.Catalogue {
		out[i] = m.Name
	}
	return out
}

// DataModules are the modules that own a schema and an event stream (all
// of them, not only those this process runs: every process makes every
// stream).
func (c *Config) DataModules() []string {
	var out []string
	for _, m := range c.Catalogue {
		if m.OwnsData {
			out = append(out, m.Name)
		}
	}
	return out
}

// Validate checks the configuration and fills defaults.
func (c *Config) Validate() error {
	if len(c.Catalogue) == 0 {
		return errors.New("no module catalogue (modules.Catalogue)")
	}
	if len(c.Modules) == 0 {
		c.Modules = c.Known()
	}
	for _, m := range c.Modules {
		if !slices.Contains(c.Known(), m) {
			return fmt.Errorf("unknown module %q (known: %v)", m, c.Known())
		}
	}
	for m := range c.DB.ModuleURLs {
		if !slices.Contains(c.DataModules(), m) {
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
