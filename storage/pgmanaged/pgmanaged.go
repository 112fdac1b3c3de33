package pgmanaged

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultPort is the loopback TCP port used when Config.Port is 0. It is
// not PostgreSQL's 5432, so a system server on the same machine does not
// collide with Athlos's private one.
const DefaultPort = 5433

// User is the superuser role of a managed cluster, and Database the
// database created for Athlos on first start.
const (
	User     = "athlos"
	Database = "athlos"
)

// ErrDataDirInUse means another live process holds the data dir's lock:
// another athlos (or a test) is already running a server on it.
var ErrDataDirInUse = errors.New("pgmanaged: data dir is in use by another process")

// Config configures a managed server.
type Config struct {
	// DataDir holds the cluster, its socket directory and logs, e.g.
	// ./data/postgres. It is created if missing. Required.
	DataDir string
	// Port is the loopback TCP port; it also names the unix socket. 0 means
	// DefaultPort.
	Port int
	// Logger receives the package's own events (initdb, start, stop,
	// orphan handling); nil means slog.Default(). The server's log goes to
	// files in DataDir.
	Logger *slog.Logger
	// Settings are extra server settings, passed as -c name=value (e.g.
	// "max_connections": "200"). They override the package's own.
	Settings map[string]string
	// Detach starts a server that outlives this process, to be shared by
	// several processes (pgtest's test server): no parent-death signal, its
	// own session, the data dir lock held only during Start, and a server
	// already running on DataDir with the same port and socket directory is
	// adopted instead of replaced. athlos serve leaves it false.
	Detach bool
}

// Server is a running managed PostgreSQL server.
type Server struct {
	dataDir  string
	pgData   string
	sockDir  string
	port     int
	password string
	bins     binaries
	log      *slog.Logger
	detach   bool

	// settings and id start the server again after it died (supervise).
	settings map[string]string
	id       *identity

	mu      sync.Mutex // guards cur
	cur     *child     // the running postmaster
	adopted bool

	// restarts counts the times the server was started again after it
	// died; supervised is closed when the supervisor has returned (nil
	// when there is none).
	restarts   atomic.Int64
	supervised chan struct{}

	escalation time.Duration // stopEscalation

	stopping atomic.Bool
	// quit is closed when Stop begins: the supervisor starts nothing more.
	quit     chan struct{}
	stopOnce sync.Once
	stopErr  error

	lockMu sync.Mutex
	lock   *os.File
}

// child is one run of the postmaster.
type child struct {
	pid int
	// done is closed when our child has exited (nil when adopted); err is
	// its exit status, valid once done is closed.
	done chan struct{}
	err  error
	// up says it came up and accepted connections: an exit before is a
	// failed start, which its starter reports.
	up atomic.Bool
}

// exited reports whether the child has exited (an adopted server is
// inspected through /proc).
func (c *child) exited(pgData string) bool {
	if c.done != nil {
		select {
		case <-c.done:
			return true
		default:
			return false
		}
	}
	return inspect(c.pid, pgData) != procOurs
}

// proc returns the current run of the postmaster.
func (s *Server) proc() *child {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// procState classifies the process named in postmaster.pid.
type procState int

const (
	procGone   procState = iota // no such process
	procZombie                  // exited, not yet reaped by its parent
	procOther                   // a live process, but not this cluster's postmaster
	procOurs                    // this cluster's postmaster (or assumed so)
)

// pollInterval paces the waits for startup, shutdown, locks and zombies.
const pollInterval = 20 * time.Millisecond

// Start starts the managed server for cfg and returns when it accepts
// connections and database Database exists. On first start it runs initdb.
// See the package documentation for root handling, orphaned servers and
// Config.Detach. ctx bounds the whole start, including crash recovery after
// an unclean stop; the server keeps running after ctx ends.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("pgmanaged: Config.DataDir is required")
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("pgmanaged: resolve data dir %q: %w", cfg.DataDir, err)
	}
	port := cfg.Port
	if port == 0 {
		port = DefaultPort
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("pgmanaged: invalid port %d", cfg.Port)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("component", "pgmanaged", "data_dir", dataDir)

	bins, err := findBinaries(ctx)
	if err != nil {
		return nil, err
	}
	id, err := serverIdentity()
	if err != nil {
		return nil, err
	}
	if err := prepareDataDir(dataDir, id); err != nil {
		return nil, err
	}
	lock, err := lockDataDir(ctx, dataDir, cfg.Detach)
	if err != nil {
		return nil, err
	}
	s := &Server{
		dataDir:    dataDir,
		pgData:     filepath.Join(dataDir, "pgdata"),
		port:       port,
		bins:       bins,
		log:        logger,
		detach:     cfg.Detach,
		lock:       lock,
		settings:   cfg.Settings,
		id:         id,
		quit:       make(chan struct{}),
		cur:        &child{},
		escalation: stopEscalation,
	}
	if err := s.start(ctx, cfg, id); err != nil {
		s.releaseLock()
		return nil, err
	}
	if cfg.Detach {
		s.releaseLock()
	}
	if !s.adopted && !cfg.Detach {
		s.supervised = make(chan struct{})
		go s.supervise()
	}
	return s, nil
}

func (s *Server) start(ctx context.Context, cfg Config, id *identity) error {
	begin := time.Now()
	password, newPassword, err := loadPassword(s.dataDir)
	if err != nil {
		return err
	}
	s.password = password
	if s.sockDir, err = socketDir(s.dataDir, s.port, id); err != nil {
		return err
	}
	initialised := false
	if _, err := os.Stat(filepath.Join(s.pgData, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		// No server can run on a cluster that does not exist yet: a taken
		// port is another process's, and is said before initdb's seconds.
		if err := checkPort(s.port); err != nil {
			return err
		}
		if err := s.initdb(ctx, id); err != nil {
			return err
		}
		initialised = true
	} else if err != nil {
		return fmt.Errorf("pgmanaged: inspect %s: %w", s.pgData, err)
	}
	if err := s.checkCluster(id); err != nil {
		return err
	}
	adopted, err := s.handleExisting(ctx)
	if err != nil {
		return err
	}
	if !adopted {
		// An orphan of ours on the port is gone now (handleExisting).
		if err := checkPort(s.port); err != nil {
			return err
		}
		if _, err := s.spawn(cfg.Settings, id); err != nil {
			return err
		}
	}
	if err := s.waitReady(ctx, s.proc()); err != nil {
		if !adopted {
			s.abort()
		}
		return err
	}
	s.proc().up.Store(true)
	if err := s.ensureRoleAndDatabase(ctx, newPassword || initialised); err != nil {
		if !adopted {
			s.abort()
		}
		return err
	}
	if adopted {
		s.log.Info("adopted running postgres", "pid", s.PID(), "socket_dir", s.sockDir, "port", s.port)
	} else {
		s.log.Info("postgres started", "pid", s.PID(), "version", s.bins.version, "bin_dir", s.bins.binDir,
			"socket_dir", s.sockDir, "port", s.port, "initdb", initialised, "took", time.Since(begin).Round(time.Millisecond))
	}
	return nil
}

// URL returns a connection URL for database over the unix socket, as role
// User with trust authentication (see the package doc), e.g.
// postgres://athlos@/athlos?host=%2Fsrv%2Fdata%2Fpostgres%2Frun&port=5433&sslmode=disable.
func (s *Server) URL(database string) string {
	q := url.Values{}
	q.Set("host", s.sockDir)
	q.Set("port", strconv.Itoa(s.port))
	q.Set("sslmode", "disable")
	u := url.URL{Scheme: "postgres", User: url.User(User), Path: "/" + database, RawQuery: q.Encode()}
	return u.String()
}

// TCPURL returns a connection URL for database over 127.0.0.1:port,
// authenticating as User with the cluster's password (kept in
// DataDir/password). Treat it as a secret.
func (s *Server) TCPURL(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(User, s.password),
		Host:     "127.0.0.1:" + strconv.Itoa(s.port),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// PID returns the postmaster's process id (a new one after a restart).
func (s *Server) PID() int { return s.proc().pid }

// Restarts is how many times the server was started again after it died.
func (s *Server) Restarts() int64 { return s.restarts.Load() }

// Port returns the server's TCP port (also the number in its socket name).
func (s *Server) Port() int { return s.port }

// Running reports whether the postmaster is still running.
func (s *Server) Running() bool {
	return !s.proc().exited(s.pgData)
}

// stopEscalation bounds each wait after the fast shutdown: for the
// immediate shutdown, then for SIGKILL (Server.escalation; tests shorten
// it).
const stopEscalation = 10 * time.Second

// Stop shuts the server down with a fast shutdown (SIGINT: sessions are
// disconnected, open transactions rolled back, a checkpoint written) and
// waits until the postmaster has exited. If ctx ends first, it requests an
// immediate shutdown (SIGQUIT), and if that does not end the server within
// a few seconds either (a server busy with crash recovery may not), it
// kills the server's whole process group; the next start then runs crash
// recovery, nothing committed is lost. So when Stop returns, the server
// it started is gone, whatever ctx allowed; the error says how it ended.
// Stop is idempotent, ends the supervisor, and releases the data dir lock.
func (s *Server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		defer s.releaseLock()
		// No child is started after this: spawn checks stopping under mu.
		s.mu.Lock()
		s.stopping.Store(true)
		close(s.quit)
		c := s.cur
		s.mu.Unlock()
		if s.supervised != nil {
			defer func() { <-s.supervised }()
		}
		if c.exited(s.pgData) {
			// Its backends may outlive it for a moment (and hold its
			// shared memory against the next start).
			if c.done != nil {
				killGroup(c)
			}
			s.log.Info("postgres already stopped", "pid", c.pid)
			return
		}
		begin := time.Now()
		if err := signal(c, syscall.SIGINT); err != nil {
			s.stopErr = err
			return
		}
		if err := s.waitExit(ctx, c); err != nil {
			s.log.Warn("fast shutdown did not finish in time, requesting immediate shutdown", "pid", c.pid, "err", err)
			how := s.kill(c)
			s.stopErr = fmt.Errorf("pgmanaged: fast shutdown of postgres (pid %d) did not finish: %w (%s)", c.pid, err, how)
			return
		}
		s.log.Info("postgres stopped", "pid", c.pid, "took", time.Since(begin).Round(time.Millisecond))
	})
	return s.stopErr
}

// kill ends a server that does not stop by itself: an immediate shutdown
// (SIGQUIT), then SIGKILL to its process group (the postmaster and every
// backend). It says which ended it.
func (s *Server) kill(c *child) string {
	_ = signal(c, syscall.SIGQUIT)
	ctx, cancel := context.WithTimeout(context.Background(), s.escalation)
	defer cancel()
	if s.waitExit(ctx, c) == nil {
		return "ended by an immediate shutdown"
	}
	s.log.Warn("immediate shutdown did not finish in time, killing postgres", "pid", c.pid)
	killGroup(c)
	_ = signal(c, syscall.SIGKILL)
	ctx, cancel = context.WithTimeout(context.Background(), s.escalation)
	defer cancel()
	if s.waitExit(ctx, c) == nil {
		return "killed"
	}
	return "still running after SIGKILL"
}

// abort stops a child that failed to come up, without blocking for long.
func (s *Server) abort() {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		s.log.Warn("stopping postgres after a failed start", "err", err)
	}
}

// killGroup sends SIGKILL to the process group of a child (its own, see
// childSysProcAttr): the postmaster and every backend.
func killGroup(c *child) {
	if c.pid > 1 {
		_ = syscall.Kill(-c.pid, syscall.SIGKILL)
	}
}

func signal(c *child, sig syscall.Signal) error {
	if c.pid <= 1 {
		return nil
	}
	if err := syscall.Kill(c.pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("pgmanaged: send %v to postgres (pid %d): %w", sig, c.pid, err)
	}
	return nil
}

// waitExit waits until the postmaster has exited (and, for our child, has
// been reaped).
func (s *Server) waitExit(ctx context.Context, c *child) error {
	if c.done != nil {
		select {
		case <-c.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return waitGone(ctx, c.pid, s.pgData)
}

// waitGone polls until pid is no longer a live process of this cluster.
func waitGone(ctx context.Context, pid int, pgData string) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		if st := inspect(pid, pgData); st != procOurs {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (s *Server) releaseLock() {
	s.lockMu.Lock()
	defer s.lockMu.Unlock()
	if s.lock != nil {
		_ = syscall.Flock(int(s.lock.Fd()), syscall.LOCK_UN)
		_ = s.lock.Close()
		s.lock = nil
	}
}

// identity is the OS user the server runs as when we are root.
type identity struct {
	name   string
	uid    int
	gid    int
	groups []uint32
}

func (id *identity) credential() *syscall.Credential {
	if id == nil {
		return nil
	}
	return &syscall.Credential{Uid: uint32(id.uid), Gid: uint32(id.gid), Groups: id.groups}
}

// effectiveUID is the uid the server runs as.
func (id *identity) effectiveUID() int {
	if id == nil {
		return os.Geteuid()
	}
	return id.uid
}

// chown gives path to the server's user; a no-op when we are not root.
func (id *identity) chown(path string) error {
	if id == nil {
		return nil
	}
	if err := os.Lchown(path, id.uid, id.gid); err != nil {
		return fmt.Errorf("pgmanaged: give %s to user %s: %w", path, id.name, err)
	}
	return nil
}

// childEnv is the environment of initdb and the server: ours without
// libpq and locale variables, which would change what they do.
func childEnv() []string {
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// initdb creates the cluster in a scratch directory and renames it into
// place once complete.
func (s *Server) initdb(ctx context.Context, id *identity) error {
	begin := time.Now()
	if entries, err := os.ReadDir(s.pgData); err == nil && len(entries) > 0 {
		return fmt.Errorf("pgmanaged: %s exists but holds no PostgreSQL cluster (no PG_VERSION); move it away to let athlos create one", s.pgData)
	}
	tmp := s.pgData + ".initdb"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("pgmanaged: remove the remains of an interrupted initdb %s: %w", tmp, err)
	}
	var out []byte
	var err error
	for _, locale := range []string{"C.UTF-8", "C"} {
		out, err = s.runInitdb(ctx, id, tmp, locale)
		if err == nil {
			break
		}
		_ = os.RemoveAll(tmp)
		if ctx.Err() != nil || !strings.Contains(strings.ToLower(string(out)), "locale") {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("pgmanaged: initdb %s: %w: %s", s.pgData, err, lastLines(string(out), 15))
	}
	if err := os.Rename(tmp, s.pgData); err != nil {
		return fmt.Errorf("pgmanaged: move the new cluster into place: %w", err)
	}
	s.log.Info("initialised PostgreSQL cluster", "version", s.bins.version, "took", time.Since(begin).Round(time.Millisecond))
	return nil
}

func (s *Server) runInitdb(ctx context.Context, id *identity, dir, locale string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, s.bins.initdb(),
		"-D", dir,
		"-U", User,
		"--auth-local=trust",
		"--auth-host=scram-sha-256",
		"--encoding=UTF8",
		"--locale="+locale,
	)
	cmd.Dir = s.dataDir
	cmd.Env = childEnv()
	cmd.SysProcAttr = childSysProcAttr(id.credential(), false, syscall.SIGKILL)
	// Keep the forking thread alive until initdb has exited, so that the
	// parent-death signal fires only if this process dies.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return cmd.CombinedOutput()
}

// checkCluster refuses a cluster that these binaries or this user cannot
// run, with a message that says what to do.
func (s *Server) checkCluster(id *identity) error {
	b, err := os.ReadFile(filepath.Join(s.pgData, "PG_VERSION"))
	if err != nil {
		return fmt.Errorf("pgmanaged: read cluster version: %w", err)
	}
	if v := strings.TrimSpace(string(b)); v != strconv.Itoa(s.bins.major) {
		return fmt.Errorf("pgmanaged: %s holds a PostgreSQL %s cluster, but the server binaries found are PostgreSQL %s (%s): "+
			"install PostgreSQL %s (on Debian/Ubuntu: apt-get install -y postgresql-%s postgresql-%s-postgis-3) or upgrade the cluster with pg_upgrade",
			s.pgData, v, s.bins.version, s.bins.binDir, v, v, v)
	}
	st, err := os.Stat(s.pgData)
	if err != nil {
		return fmt.Errorf("pgmanaged: inspect %s: %w", s.pgData, err)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != id.effectiveUID() {
		return fmt.Errorf("pgmanaged: %s is owned by uid %d, but the server runs as uid %d: chown -R it to that user, or run athlos as its owner",
			s.pgData, sys.Uid, id.effectiveUID())
	}
	return nil
}

// handleExisting deals with a postmaster.pid left in the cluster (see the
// package doc). It reports whether a running server was adopted.
func (s *Server) handleExisting(ctx context.Context) (bool, error) {
	pidFile := filepath.Join(s.pgData, "postmaster.pid")
	for {
		b, err := os.ReadFile(pidFile)
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("pgmanaged: read %s: %w", pidFile, err)
		}
		lines := strings.Split(string(b), "\n")
		pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
		if err != nil || pid <= 0 {
			// An empty or torn file from a crash during startup. We hold
			// the data dir lock, so no server of ours is starting.
			s.log.Warn("removing unreadable postmaster.pid", "content", strings.TrimSpace(string(b)))
			if err := os.Remove(pidFile); err != nil && !errors.Is(err, os.ErrNotExist) {
				return false, fmt.Errorf("pgmanaged: remove unreadable %s: %w", pidFile, err)
			}
			return false, nil
		}
		switch inspect(pid, s.pgData) {
		case procGone:
			// PostgreSQL discards a lock file whose process is gone.
			return false, nil
		case procOther:
			s.log.Warn("removing stale postmaster.pid whose pid now belongs to another process", "pid", pid)
			if err := os.Remove(pidFile); err != nil && !errors.Is(err, os.ErrNotExist) {
				return false, fmt.Errorf("pgmanaged: remove stale %s: %w", pidFile, err)
			}
			return false, nil
		case procZombie:
			// Exited without cleaning up; wait for its parent (init) to
			// reap it, after which PostgreSQL treats the file as stale.
			if err := sleep(ctx, pollInterval); err != nil {
				return false, fmt.Errorf("pgmanaged: postmaster pid %d in %s has exited but is not reaped by its parent: %w", pid, pidFile, err)
			}
		case procOurs:
			if s.detach && s.matches(lines) {
				s.mu.Lock()
				s.cur = &child{pid: pid}
				s.mu.Unlock()
				s.adopted = true
				pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				err := s.ping(pctx)
				cancel()
				if err == nil {
					return true, nil
				}
				s.adopted = false
				s.log.Warn("running postgres does not answer, replacing it", "pid", pid, "err", err)
			} else {
				s.log.Warn("stopping orphaned postgres left by an earlier run", "pid", pid)
			}
			if err := syscall.Kill(pid, syscall.SIGINT); err != nil && !errors.Is(err, syscall.ESRCH) {
				return false, fmt.Errorf("pgmanaged: stop orphaned postgres (pid %d): %w", pid, err)
			}
			if err := waitGone(ctx, pid, s.pgData); err != nil {
				return false, fmt.Errorf("pgmanaged: wait for orphaned postgres (pid %d) to stop: %w", pid, err)
			}
		}
	}
}

// matches reports whether a postmaster.pid (as lines) describes a server
// listening where this one would: same port and socket directory.
func (s *Server) matches(lines []string) bool {
	// Lines: pid, data dir, start time, port, socket dir, listen address,
	// shared memory key, status.
	if len(lines) < 5 {
		return false
	}
	return strings.TrimSpace(lines[3]) == strconv.Itoa(s.port) && strings.TrimSpace(lines[4]) == s.sockDir
}

// serverSettings are the -c settings the package always passes: its
// own, the machine's Tuned ones, then extra.
func (s *Server) serverSettings(extra map[string]string) [][2]string {
	set := map[string]string{
		"listen_addresses":         "127.0.0.1",
		"unix_socket_permissions":  "0700",
		"logging_collector":        "on",
		"log_directory":            "log",
		"log_filename":             "postgresql-%a.log",
		"log_truncate_on_rotation": "on",
		"log_rotation_age":         "1d",
		"log_rotation_size":        "0",
	}
	for k, v := range Tuned(machineMemory()) {
		set[k] = v
	}
	for k, v := range extra {
		set[k] = v
	}
	out := make([][2]string, 0, len(set))
	for k, v := range set {
		out = append(out, [2]string{k, v})
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}

// errStopping refuses to start a server once Stop has begun.
var errStopping = errors.New("pgmanaged: stopping")

// spawn starts the postmaster as our child and makes it the current one.
func (s *Server) spawn(settings map[string]string, id *identity) (*child, error) {
	logPath := filepath.Join(s.dataDir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pgmanaged: open %s: %w", logPath, err)
	}
	// The child holds its own descriptor; ours is not needed after Start.
	defer logFile.Close()
	if err := id.chown(logPath); err != nil {
		return nil, err
	}
	args := []string{"-D", s.pgData, "-p", strconv.Itoa(s.port), "-k", quoteDir(s.sockDir)}
	for _, kv := range s.serverSettings(settings) {
		args = append(args, "-c", kv[0]+"="+kv[1])
	}
	cmd := exec.Command(s.bins.postgres(), args...)
	cmd.Dir = s.pgData
	cmd.Env = childEnv()
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = childSysProcAttr(id.credential(), s.detach, syscall.SIGINT)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping.Load() {
		return nil, errStopping
	}
	c := &child{done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal is tied to the forking thread: keep this
		// goroutine on it until the server exits. The thread is discarded
		// when the goroutine ends locked, after the child is gone.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			close(c.done)
			return
		}
		started <- nil
		err := cmd.Wait()
		c.err = err
		close(c.done)
		switch {
		case s.stopping.Load(), !c.up.Load():
		case err == nil:
			// A clean shutdown requested by someone else (an admin,
			// another process sharing a detached server).
			s.log.Warn("postgres was shut down without Stop", "pid", cmd.Process.Pid)
		default:
			s.log.Error("postgres exited unexpectedly", "pid", cmd.Process.Pid, "err", err)
		}
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("pgmanaged: start %s: %w", s.bins.postgres(), err)
	}
	c.pid = cmd.Process.Pid
	s.cur = c
	return c, nil
}

// quoteDir quotes a directory for unix_socket_directories, a
// comma-separated list, when it contains separators.
func quoteDir(dir string) string {
	if strings.ContainsAny(dir, ", \t\"") {
		return `"` + strings.ReplaceAll(dir, `"`, `""`) + `"`
	}
	return dir
}

// waitReady waits until the server c accepts connections.
func (s *Server) waitReady(ctx context.Context, c *child) error {
	var last error
	for {
		if c.done != nil {
			select {
			case <-c.done:
				if s.bindFailed() {
					return portInUse(s.port)
				}
				return fmt.Errorf("pgmanaged: postgres exited during startup (%v): %s", c.err, s.logTail(10))
			default:
			}
		}
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := s.ping(pctx)
		cancel()
		if err == nil {
			return nil
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code != "57P03" { // 57P03: cannot_connect_now (starting up, recovering)
			return fmt.Errorf("pgmanaged: postgres refuses connections: %w", err)
		}
		last = err
		if err := sleep(ctx, pollInterval); err != nil {
			return fmt.Errorf("pgmanaged: postgres did not accept connections in time (last error: %v): %w; %s", last, err, s.logTail(10))
		}
	}
}

// ping opens and closes one connection to database postgres.
func (s *Server) ping(ctx context.Context) error {
	conn, err := pgconn.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// ensureRoleAndDatabase creates database Database if missing and sets the
// TCP password of User when it is new or was never set.
func (s *Server) ensureRoleAndDatabase(ctx context.Context, setPassword bool) error {
	conn, err := pgconn.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return fmt.Errorf("pgmanaged: connect to set up database %s: %w", Database, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Exec(ctx, "SELECT (SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = '"+User+"'),"+
		" EXISTS (SELECT 1 FROM pg_database WHERE datname = '"+Database+"')").ReadAll()
	if err != nil {
		return fmt.Errorf("pgmanaged: inspect role %s and database %s: %w", User, Database, err)
	}
	if len(rows) != 1 || len(rows[0].Rows) != 1 {
		return fmt.Errorf("pgmanaged: inspect role %s: unexpected result", User)
	}
	row := rows[0].Rows[0]
	if string(row[0]) == "t" || setPassword {
		// The password is hex, so it needs no escaping; the server stores
		// a SCRAM verifier, not the password.
		if _, err := conn.Exec(ctx, "ALTER ROLE "+User+" PASSWORD '"+s.password+"'").ReadAll(); err != nil {
			return fmt.Errorf("pgmanaged: set the password of role %s: %w", User, err)
		}
	}
	if string(row[1]) != "t" {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+Database).ReadAll(); err != nil {
			return fmt.Errorf("pgmanaged: create database %s: %w", Database, err)
		}
		s.log.Info("created database", "database", Database)
	}
	return nil
}

// logTail returns the last lines of the server's logs, for error
// messages.
func (s *Server) logTail(lines int) string {
	var parts []string
	if b, err := readTail(filepath.Join(s.dataDir, "postgres.log"), 4096); err == nil && strings.TrimSpace(b) != "" {
		parts = append(parts, "postgres.log: "+lastLines(b, lines))
	}
	if files, _ := filepath.Glob(filepath.Join(s.pgData, "log", "*")); len(files) > 0 {
		newest, newestTime := "", time.Time{}
		for _, f := range files {
			if st, err := os.Stat(f); err == nil && st.ModTime().After(newestTime) {
				newest, newestTime = f, st.ModTime()
			}
		}
		if b, err := readTail(newest, 4096); err == nil && strings.TrimSpace(b) != "" {
			parts = append(parts, newest+": "+lastLines(b, lines))
		}
	}
	if len(parts) == 0 {
		return "the server log is empty"
	}
	return strings.Join(parts, "; ")
}

// bindFailed reports whether the latest start of the server, in its
// newest log file, failed to bind its TCP port because it was taken.
func (s *Server) bindFailed() bool {
	newest, newestTime := "", time.Time{}
	files, _ := filepath.Glob(filepath.Join(s.pgData, "log", "*"))
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.ModTime().After(newestTime) {
			newest, newestTime = f, st.ModTime()
		}
	}
	if newest == "" {
		return false
	}
	tail, err := readTail(newest, 8192)
	if err != nil {
		return false
	}
	if i := strings.LastIndex(tail, "starting PostgreSQL"); i >= 0 {
		tail = tail[i:]
	}
	return bindFailed(tail)
}

func readTail(path string, n int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	off := max(st.Size()-n, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return "", err
	}
	return string(buf), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// loadPassword returns the TCP password from DataDir/password, creating
// the file on first use; created reports whether it is new.
func loadPassword(dataDir string) (password string, created bool, err error) {
	path := filepath.Join(dataDir, "password")
	b, err := os.ReadFile(path)
	if err == nil {
		if pw := strings.TrimSpace(string(b)); pw != "" && isHex(pw) {
			return pw, false, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", false, fmt.Errorf("pgmanaged: read %s: %w", path, err)
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", false, fmt.Errorf("pgmanaged: generate password: %w", err)
	}
	pw := hex.EncodeToString(raw)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(pw+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("pgmanaged: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", false, fmt.Errorf("pgmanaged: write %s: %w", path, err)
	}
	return pw, true, nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}
