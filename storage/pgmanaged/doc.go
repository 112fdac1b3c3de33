// Package pgmanaged runs a private PostgreSQL server from the machine's own
// PostgreSQL binaries, for `athlos serve` without a database URL (and for
// tests, through package pgtest).
//
// # Layout
//
// Everything lives under Config.DataDir:
//
//	pgdata/        the cluster (PGDATA); server logs rotate in pgdata/log/
//	run/           the unix socket directory (mode 0700)
//	postgres.log   the postmaster's own output from the latest start
//	password       the password of role athlos for TCP connections (0600)
//	athlos.lock    flock that keeps two athlos processes off one data dir
//
// If run/.s.PGSQL.<port> would exceed the kernel's limit on socket paths
// (107 bytes), the socket directory is <os.TempDir()>/athlos-pg-<hash of the
// data dir> instead, created with mode 0700 and checked for ownership.
//
// # Binaries
//
// The server binaries are found with `pg_config --bindir`, then on PATH,
// then in /usr/lib/postgresql/*/bin (newest major first), /usr/pgsql-*/bin
// and /usr/local/pgsql/bin. PostGIS must be installed for that server
// (<sharedir>/extension/postgis.control). If either is missing, Start fails
// with ErrBinariesMissing or ErrPostGISMissing, wrapped with the exact
// package to install (on Debian/Ubuntu: apt-get install -y postgresql
// postgresql-15-postgis-3, with the server's major version). A data dir
// created by another major version is refused with a message naming both.
//
// # First start
//
// initdb runs into pgdata.initdb/ and is renamed to pgdata/ only when it has
// succeeded, so an interrupted first start is simply redone. The cluster
// uses encoding UTF8 with locale C.UTF-8 (plain C where the system lacks
// C.UTF-8). The bootstrap superuser is named athlos, and database athlos is
// created on first start; athlos is a superuser so that migrations can
// CREATE EXTENSION postgis.
//
// # Access
//
// The server listens on the unix socket in the socket directory and on
// 127.0.0.1:<port> only. Socket connections use trust authentication; they
// are protected by the file system: the socket directory and the socket are
// mode 0700, so only the OS user that runs the server (and root) can
// connect. TCP connections must authenticate with SCRAM-SHA-256 as athlos
// with the password in DataDir/password (generated on first start), because
// any local user can reach a loopback port. URL returns a socket URL and
// TCPURL a password URL.
//
// # Root
//
// PostgreSQL refuses to run as root. When the process runs as root, initdb
// and the server run as the "postgres" system user (which the postgresql
// package creates): DataDir and the socket directory are chowned to it, and
// Start checks that this user can traverse every directory above DataDir,
// failing with a message that names the directory that blocks it (e.g.
// /root, mode 0700) instead of letting the server fail obscurely.
// ResolveDataDir (for athlos serve) instead keeps such a cluster in
// RelocationRoot/postgres-<hash>, linked from the data dir, and
// RemoveDataDir removes a data dir with the directory it links to.
//
// # Port
//
// Start checks that 127.0.0.1:<port> is free before initdb and before it
// starts the server, and fails at once with a *PortInUseError naming the
// process that holds it (found through /proc); a server that fails to bind
// anyway (a race, or a restart after a death) is reported the same way.
//
// # Lifetime and recovery
//
// The server is a child process in its own process group (a Ctrl-C in the
// terminal reaches athlos, which then stops the server in order, after the
// modules). On Linux it is started with the parent-death signal SIGINT, so
// if athlos dies, even by kill -9, the server does a fast shutdown by
// itself. Stop does a fast shutdown (SIGINT) and waits; if the context ends
// first it escalates to an immediate shutdown (SIGQUIT; the next start runs
// crash recovery, nothing committed is lost), and if that does not end it
// within seconds either (a server busy with crash recovery may not), to
// SIGKILL of its process group. When Stop returns, the server is gone.
//
// A server that dies without Stop (killed, crashed, a PANIC such as a full
// disk's) is started again by a supervisor: the first try after half a
// second, then with the wait doubling up to 10 s, for as long as it takes,
// each try waiting up to 15 minutes for crash recovery. It logs the death,
// failed tries and the return ("postgres is back", with the downtime), and
// Server.Restarts counts the restarts (metric
// athlos_postgres_managed_restarts_total). Detached and adopted servers are
// not supervised.
//
// Before starting, Start takes DataDir/athlos.lock (flock, released by the
// kernel when the process dies). If another live process holds it, Start
// fails at once with ErrDataDirInUse. Holding the lock, Start inspects
// pgdata/postmaster.pid:
//
//   - no file, or its process is gone: start normally (PostgreSQL itself
//     discards a stale lock file);
//   - the pid now belongs to an unrelated process (pid reuse, e.g. after a
//     reboot or in a new container): the stale file is removed;
//   - the pid is a zombie: wait until its parent reaps it;
//   - a postmaster still runs on this data dir (an orphan of an earlier
//     athlos, e.g. one still finishing its fast shutdown): it is stopped
//     with SIGINT, Start waits for it to exit and then starts its own child.
//     Replacing rather than adopting keeps the server tied to the process
//     that owns it (parent-death signal, exit status, current settings).
//
// Config.Detach changes this for servers meant to outlive their starter and
// be shared (the test server of package pgtest): the server gets its own
// session and no parent-death signal, the lock is held only while Start
// runs, and a postmaster already running on the data dir with the same port
// and socket directory is adopted instead of replaced.
//
// The package needs a Unix system; the parent-death signal and the
// identification of orphans through /proc are Linux-only (elsewhere a live
// pid in postmaster.pid is assumed to be a postmaster).
package pgmanaged
