package bus

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sys/unix"

	"github.com/athlos/athlos/internal/lograte"
)

// ServiceUser is the NATS user that Athlos's own connections authenticate
// as. App users arrive over WebSocket and are authorised by the client
// module's auth callout, never as this user. On the embedded server the
// service user may connect over TCP or in-process only, never over the
// (public) WebSocket listener.
const ServiceUser = "athlos-service"

// SystemUser is the user of Athlos's connection to the NATS system account
// ($SYS), which it uses only to find and close app users' connections on
// every server of a cluster when their grants change (DisconnectUser). On
// the embedded server it has the service user's password.
const SystemUser = "athlos-system"

// CalloutAccount is the account the auth callout answers in: the service
// user's, on the embedded server NATS's global account. App users are
// placed in AppAccount.
const CalloutAccount = server.DEFAULT_GLOBAL_ACCOUNT

// CalloutConfig turns on the auth callout of the embedded server: every
// connection but athlos's own users' is sent to $SYS.REQ.USER.AUTH,
// where the client module decides (modules/client/internal/callout).
type CalloutConfig struct {
	// Issuer is the public account nkey that signs the callout's answers.
	Issuer string
	// XKey, when set, is the callout's public curve key: the server then
	// encrypts its requests (which carry the app's access token) to it.
	XKey string
}

// CalloutKeys derives the auth callout's signing key (an account nkey) and
// its encryption key (a curve xkey) from the process's secret key
// (platform.SecretKey), with HKDF-SHA256. Every process that shares the
// secret key file derives the same keys, so the embedded servers of a
// cluster and every process running the client module agree without
// storing another secret.
func CalloutKeys(secret []byte) (issuer, xkey nkeys.KeyPair, err error) {
	if len(secret) < 16 {
		return nil, nil, errors.New("bus: the callout keys need a secret of at least 16 bytes")
	}
	derive := func(label string) ([]byte, error) {
		return hkdf.Key(sha256.New, secret, nil, "athlos nats auth callout "+label+" v1", 32)
	}
	raw, err := derive("issuer")
	if err != nil {
		return nil, nil, fmt.Errorf("bus: derive callout issuer: %w", err)
	}
	if issuer, err = nkeys.FromRawSeed(nkeys.PrefixByteAccount, raw); err != nil {
		return nil, nil, fmt.Errorf("bus: callout issuer: %w", err)
	}
	if raw, err = derive("xkey"); err != nil {
		return nil, nil, fmt.Errorf("bus: derive callout xkey: %w", err)
	}
	seed, err := nkeys.EncodeSeed(nkeys.PrefixByteCurve, raw)
	if err != nil {
		return nil, nil, fmt.Errorf("bus: callout xkey: %w", err)
	}
	if xkey, err = nkeys.FromSeed(seed); err != nil {
		return nil, nil, fmt.Errorf("bus: callout xkey: %w", err)
	}
	return issuer, xkey, nil
}

// CalloutConfigFromSecret is the CalloutConfig of the keys CalloutKeys
// derives from secret.
func CalloutConfigFromSecret(secret []byte) (*CalloutConfig, error) {
	issuer, xkey, err := CalloutKeys(secret)
	if err != nil {
		return nil, err
	}
	ipub, err := issuer.PublicKey()
	if err != nil {
		return nil, err
	}
	xpub, err := xkey.PublicKey()
	if err != nil {
		return nil, err
	}
	return &CalloutConfig{Issuer: ipub, XKey: xpub}, nil
}

// DefaultSyncInterval is how often the embedded JetStream fsyncs its files.
// Every write reaches the operating system before JetStream acknowledges it,
// so a killed process loses nothing; the interval bounds what a power cut or
// kernel crash of a single node can lose. Clustered streams (R3) survive
// that too. See docs/operations.md.
const DefaultSyncInterval = 2 * time.Second

// EmbeddedConfig configures the NATS server that Athlos runs in-process.
type EmbeddedConfig struct {
	// DataDir holds JetStream's files and the server's identity.
	DataDir string
	// ServerName is stable across restarts; empty means one generated on
	// first start and kept in DataDir.
	ServerName string
	// Listen is the client listener, host:port. Empty disables it (the
	// process then only uses in-process connections).
	Listen string
	// WebSocketListen is the WebSocket listener for the app, host:port.
	// Empty disables it. It takes connections only while the auth callout
	// answers (wsGate).
	WebSocketListen string
	// WebSocketAdvertise is the host:port app clients reach the WebSocket
	// listener at, which the server tells them (and the other nodes of a
	// cluster, which tell theirs) for reconnects. Empty means
	// WebSocketListen's, with the machine's address for a wildcard host.
	WebSocketAdvertise string
	// ClusterName, ClusterListen and Routes make this server a node of a
	// JetStream cluster. The choice is fixed on first start: a server
	// started standalone refuses to start clustered later and vice versa,
	// because JetStream cannot carry its streams across that change.
	ClusterName   string
	ClusterListen string
	Routes        []string
	// SyncInterval is how often JetStream fsyncs; 0 means
	// DefaultSyncInterval. SyncAlways fsyncs every write.
	SyncInterval time.Duration
	SyncAlways   bool
	// MaxStore caps JetStream's disk use in bytes; 0 means no cap.
	MaxStore int64
	// Password is the service user's password. Empty means one generated
	// on first start and kept in DataDir/service-password.
	Password string
	// Callout, when set, sends every connection but athlos's own users' to
	// the auth callout (the client module) for authorisation. Without it
	// only athlos's own users can connect.
	Callout *CalloutConfig
	// Configure, when set, adjusts the server options before start (tests
	// and special set-ups).
	Configure func(*server.Options) error
}

// Embedded is a running embedded NATS server.
type Embedded struct {
	Server    *server.Server
	Password  string
	gate      *wsGate
	callout   bool
	guards    []*DiskGuard
	storeDir  string // JetStream's, as configured
	clustered bool

	nodesMu sync.Mutex // guards nodes, nodesAt (WebSocketNodes)
	nodes   []string
	nodesAt time.Time

	healthMu      sync.Mutex // guards healthyAt, electingSince (Health)
	healthyAt     time.Time  // last healthy
	electingSince time.Time  // not current since, after being healthy
}

// WebSocketAddr is the address of the app's WebSocket listener (empty when
// there is none).
func (e *Embedded) WebSocketAddr() string {
	if e.gate == nil {
		return ""
	}
	return e.gate.ln.Addr().String()
}

// WebSocketNodes are the host:port addresses app clients reach the
// WebSocket listeners at: this server's first, then those the other nodes
// of its cluster advertise.
//
// The list is read from the server at most every two seconds (a crowd of
// phones asks for it after a restart).
func (e *Embedded) WebSocketNodes() []string {
	if e.gate == nil {
		return nil
	}
	e.nodesMu.Lock()
	defer e.nodesMu.Unlock()
	if time.Since(e.nodesAt) < 2*time.Second && e.nodes != nil {
		return e.nodes
	}
	v, err := e.Server.Varz(nil)
	if err != nil {
		return nil
	}
	own := v.Websocket.Advertise
	out := []string{own}
	for _, hp := range v.WSConnectURLs {
		if hp != own {
			out = append(out, hp)
		}
	}
	e.nodes, e.nodesAt = out, time.Now()
	return out
}

// Health is the embedded server's own health check (its /healthz): nil,
// or why it can't serve JetStream (shut down, a stream that failed a
// write, not caught up with its cluster).
func (e *Embedded) Health() error {
	if !e.Server.JetStreamEnabled() {
		return errors.New("JetStream is not running")
	}
	h := e.Server.Healthz(nil)
	if h.Status != "ok" {
		return fmt.Errorf("JetStream: %s", h.Error)
	}
	return nil
}

// ClusterElectionGrace is how long a node of a cluster that was healthy
// stays so (ClusterGrace) while leaders are being elected: those that were
// on a lost node are elected again within seconds (raft's election timeout
// is 4 to 9 s), and meanwhile every surviving node would otherwise say it
// is not ready, and a load balancer take them all out at once.
const ClusterElectionGrace = 30 * time.Second

// ClusterGrace weighs the outcome of a JetStream health check (nil: healthy)
// for a node of a cluster: an error that leader elections explain (not
// current with a group's or the meta leader, a JetStream request that went
// unanswered or found the cluster "temporarily unavailable") is nil for ClusterElectionGrace after the node was last
// healthy. A node that has not been healthy since it started (catching up)
// gets no grace, nor does a standalone server or any other error.
func (e *Embedded) ClusterGrace(err error) error {
	e.healthMu.Lock()
	defer e.healthMu.Unlock()
	now := time.Now()
	if err == nil {
		e.healthyAt, e.electingSince = now, time.Time{}
		return nil
	}
	msg := err.Error()
	electing := strings.Contains(msg, "is not current") || strings.Contains(msg, "contact with a meta leader") ||
		strings.Contains(msg, "temporarily unavailable") || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
	if !e.clustered || e.healthyAt.IsZero() || !electing {
		return err
	}
	if e.electingSince.IsZero() {
		e.electingSince = now
	}
	if now.Sub(e.electingSince) > ClusterElectionGrace {
		return err
	}
	return nil
}

// CalloutAnswers reports whether an auth callout is subscribed, on this
// server or another node of its cluster (without a callout configured,
// whether anything could answer is moot: true).
func (e *Embedded) CalloutAnswers() bool {
	if !e.callout {
		return true
	}
	acc, err := e.Server.LookupAccount(CalloutAccount)
	return err == nil && acc.SubscriptionInterest(server.AuthCalloutSubject)
}

// StartEmbedded starts an embedded NATS server with JetStream and waits until
// it accepts connections.
func StartEmbedded(cfg EmbeddedConfig, logger *slog.Logger) (*Embedded, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("bus: embedded NATS needs a data dir")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("bus: create NATS data dir: %w", err)
	}
	if err := checkWritable(cfg.DataDir); err != nil {
		return nil, err
	}
	clustered := cfg.ClusterListen != "" || len(cfg.Routes) > 0
	if clustered && cfg.ClusterName == "" {
		return nil, errors.New("bus: --cluster-name is required with --cluster-listen or --routes")
	}
	if err := checkTopology(cfg.DataDir, clustered, cfg.ClusterName); err != nil {
		return nil, err
	}
	name, err := persistedValue(cfg.DataDir, "server-name", cfg.ServerName, func() string {
		host, _ := os.Hostname()
		return sanitizeName(host) + "-" + randomHex(4)
	})
	if err != nil {
		return nil, err
	}
	password, err := persistedValue(cfg.DataDir, "service-password", cfg.Password, func() string { return randomHex(24) })
	if err != nil {
		return nil, err
	}

	// The server keeps only a bcrypt hash; connections are few and long-lived.
	hash, err := bcrypt.GenerateFromPassword([]byte(password), 8)
	if err != nil {
		return nil, fmt.Errorf("bus: hash service password: %w", err)
	}
	// Athlos's own users may not use the WebSocket listener, which faces
	// the internet: a leaked password alone does not open the bus from
	// outside.
	internal := map[string]struct{}{jwt.ConnectionTypeStandard: {}, jwt.ConnectionTypeInProcess: {}}
	service := &server.User{Username: ServiceUser, Password: string(hash), AllowedConnectionTypes: internal}
	// The system account is the default one, declared so that its user
	// can be: JetStream stays in the global account.
	sysAccount := server.NewAccount(server.DEFAULT_SYSTEM_ACCOUNT)
	system := &server.User{Username: SystemUser, Password: string(hash), AllowedConnectionTypes: internal, Account: sysAccount}
	accounts, err := appAccounts()
	if err != nil {
		return nil, err
	}
	app := &server.User{Username: AppUser, Password: string(hash), AllowedConnectionTypes: internal}
	for _, a := range accounts {
		if a.Name == AppAccount {
			app.Account = a
		}
	}
	opts := &server.Options{
		ServerName:            name,
		JetStream:             true,
		StoreDir:              filepath.Join(cfg.DataDir, "jetstream"),
		JetStreamMaxMemory:    256 << 20,
		JetStreamMaxStore:     cfg.MaxStore,
		SyncInterval:          cfg.SyncInterval,
		SyncAlways:            cfg.SyncAlways,
		NoSigs:                true,
		MaxPayload:            4 << 20,
		Users:                 []*server.User{service, system, app},
		Accounts:              append(accounts, sysAccount),
		SystemAccount:         server.DEFAULT_SYSTEM_ACCOUNT,
		DisableShortFirstPing: true,
	}
	if cfg.Callout != nil {
		if !nkeys.IsValidPublicAccountKey(cfg.Callout.Issuer) {
			return nil, fmt.Errorf("bus: callout issuer %q is not a public account nkey", cfg.Callout.Issuer)
		}
		if cfg.Callout.XKey != "" && !nkeys.IsValidPublicCurveKey(cfg.Callout.XKey) {
			return nil, fmt.Errorf("bus: callout xkey %q is not a public curve key", cfg.Callout.XKey)
		}
		opts.AuthCallout = &server.AuthCallout{Issuer: cfg.Callout.Issuer, XKey: cfg.Callout.XKey,
			Account: CalloutAccount, AuthUsers: []string{ServiceUser, SystemUser, AppUser}}
	}
	if opts.SyncInterval == 0 {
		opts.SyncInterval = DefaultSyncInterval
	}
	if opts.JetStreamMaxStore == 0 {
		opts.JetStreamMaxStore = -1
	}
	// The app's WebSocket address is the gate's; the server's own
	// listener is on loopback behind it.
	var gateLn net.Listener
	if cfg.WebSocketListen != "" {
		if _, _, err := splitHostPort(cfg.WebSocketListen); err != nil {
			return nil, fmt.Errorf("bus: websocket listen address: %w", err)
		}
		if gateLn, err = listenWSGate(cfg.WebSocketListen); err != nil {
			return nil, err
		}
		advertise := cfg.WebSocketAdvertise
		if advertise == "" {
			advertise = advertiseAddr(gateLn.Addr().(*net.TCPAddr))
		}
		opts.Websocket = server.WebsocketOpts{Host: "127.0.0.1", Port: server.RANDOM_PORT, Advertise: advertise,
			NoTLS: true, Compression: true}
	}
	fail := func(err error) (*Embedded, error) {
		if gateLn != nil {
			_ = gateLn.Close()
		}
		return nil, err
	}
	if cfg.Listen == "" {
		opts.DontListen = true
	} else if opts.Host, opts.Port, err = splitHostPort(cfg.Listen); err != nil {
		return fail(fmt.Errorf("bus: nats listen address: %w", err))
	}
	if clustered {
		host, port, err := splitHostPort(cfg.ClusterListen)
		if err != nil {
			return fail(fmt.Errorf("bus: cluster listen address: %w", err))
		}
		opts.Cluster = server.ClusterOpts{Name: cfg.ClusterName, Host: host, Port: port}
		if len(cfg.Routes) > 0 {
			opts.Routes = server.RoutesFromStr(strings.Join(cfg.Routes, ","))
		}
	}
	if cfg.Configure != nil {
		if err := cfg.Configure(opts); err != nil {
			return fail(fmt.Errorf("bus: configure embedded NATS: %w", err))
		}
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return fail(fmt.Errorf("bus: create embedded NATS: %w", err))
	}
	nl := logger.With("component", "nats")
	nlog := &serverLogger{l: nl, fatal: make(chan string, 1), clients: lograte.New(nl, "nats client error")}
	srv.SetLoggerV2(nlog, false, false, false)
	go srv.Start()
	// A listener that cannot bind (a port in use) is a fatal error of the
	// server's, which it only logs: fail at once with it.
	for deadline := time.Now().Add(30 * time.Second); !srv.ReadyForConnections(50 * time.Millisecond); {
		select {
		case msg := <-nlog.fatal:
			srv.Shutdown()
			return fail(fmt.Errorf("bus: embedded NATS: %s", msg))
		default:
		}
		if time.Now().After(deadline) {
			srv.Shutdown()
			return fail(errors.New("bus: embedded NATS did not become ready in 30s"))
		}
	}
	e := &Embedded{Server: srv, Password: password, callout: cfg.Callout != nil, storeDir: opts.StoreDir, clustered: clustered}
	if gateLn != nil {
		v, err := srv.Varz(nil)
		if err != nil || v.Websocket.Port <= 0 {
			srv.Shutdown()
			return fail(fmt.Errorf("bus: the embedded server's websocket listener: %v", err))
		}
		e.gate = &wsGate{ln: gateLn, backend: net.JoinHostPort("127.0.0.1", strconv.Itoa(v.Websocket.Port)),
			ready: e.CalloutAnswers, log: logger.With("component", "nats")}
		e.gate.serve()
	}
	return e, nil
}

// Shutdown stops the server and waits for it to finish.
func (e *Embedded) Shutdown() {
	for _, g := range e.guards {
		g.close()
	}
	if e.gate != nil {
		e.gate.close()
	}
	e.Server.Shutdown()
	e.Server.WaitForShutdown()
}

// checkWritable fails, naming the directory and why, if this process may
// not write in dir or in any directory below it (a read-only mount, a
// directory of another user's or without write permission): JetStream
// needs them all, and says only "storage directory is not writable", or
// fails later when it opens a stream.
func checkWritable(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("bus: the NATS data dir: %w", err)
		}
		if !d.IsDir() {
			return nil
		}
		if err := unix.Access(path, unix.W_OK|unix.X_OK); err != nil {
			return fmt.Errorf("bus: the NATS data dir is not writable: %s: %w (athlos keeps JetStream's files there: "+
				"give the user athlos runs as write access to the data dir, on a writable file system)", path, err)
		}
		return nil
	})
}

// advertiseAddr is the host:port to tell clients for a listener: its own,
// or for a wildcard one the machine's first non-loopback address.
func advertiseAddr(a *net.TCPAddr) string {
	port := strconv.Itoa(a.Port)
	if !a.IP.IsUnspecified() {
		return net.JoinHostPort(a.IP.String(), port)
	}
	addrs, _ := net.InterfaceAddrs()
	for _, want4 := range []bool{true, false} {
		for _, ad := range addrs {
			ipn, ok := ad.(*net.IPNet)
			if !ok || ipn.IP.IsLoopback() || !ipn.IP.IsGlobalUnicast() || (ipn.IP.To4() != nil) != want4 {
				continue
			}
			return net.JoinHostPort(ipn.IP.String(), port)
		}
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// checkTopology records on first start whether this data dir belongs to a
// standalone server or a cluster node, and refuses a later change.
func checkTopology(dir string, clustered bool, cluster string) error {
	want := "standalone"
	if clustered {
		want = "cluster:" + cluster
	}
	path := filepath.Join(dir, "topology")
	got, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.WriteFile(path, []byte(want+"\n"), 0o600)
	case err != nil:
		return fmt.Errorf("bus: read %s: %w", path, err)
	}
	if have := strings.TrimSpace(string(got)); have != want {
		return fmt.Errorf("bus: the NATS data in %s was created as %q but this start asks for %q; "+
			"JetStream cannot move streams between the two: start with the original settings, "+
			"or move the data dir away to start afresh", dir, have, want)
	}
	return nil
}

// persistedValue returns given when set; otherwise the value stored in
// dir/name, creating it with gen on first use.
func persistedValue(dir, name, given string, gen func() string) (string, error) {
	if given != "" {
		return given, nil
	}
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("bus: read %s: %w", path, err)
	}
	v := gen()
	if err := os.WriteFile(path, []byte(v+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("bus: write %s: %w", path, err)
	}
	return v, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", addr)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	if port == 0 {
		port = server.RANDOM_PORT // the NATS server reads 0 as "the default port"
	}
	return host, port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func sanitizeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, s)
	if s == "" {
		return "athlos"
	}
	return s
}

// serverLogger adapts slog to the NATS server's logger. The server's
// fatal errors also go to fatal (the first one, while nobody reads it).
type serverLogger struct {
	l     *slog.Logger
	fatal chan string
	// clients logs what connections did wrong (permission violations,
	// failed authentications, broken sockets): an app's mistakes, at
	// Warn and rate-limited, so that nobody can flood the log with them.
	clients *lograte.Failures
}

func (s *serverLogger) Noticef(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s *serverLogger) Warnf(format string, v ...any)   { s.l.Warn(fmt.Sprintf(format, v...)) }
func (s *serverLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	s.l.Error(msg)
	select {
	case s.fatal <- msg:
	default:
	}
}
func (s *serverLogger) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if clientMistake(msg) {
		s.clients.Fail(context.Background(), slog.LevelWarn, "msg", msg)
		return
	}
	s.l.Error(msg)
}

// clientMistake tells a server error line that is about what a client did
// (the server's lines for a connection start with its address and id).
func clientMistake(msg string) bool {
	lower := strings.ToLower(msg)
	for _, s := range []string{"violation - ", "permissions violation", "authorization violation", "authentication error",
		"read error", "write error: ", "maximum payload", "maximum subscriptions", "websocket handshake error"} {
		if strings.Contains(lower, s) && (strings.Contains(msg, " - cid:") || strings.Contains(msg, " - wid:")) {
			return true
		}
	}
	return false
}
func (s *serverLogger) Debugf(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s *serverLogger) Tracef(format string, v ...any) {}
