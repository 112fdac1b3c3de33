// Package storage connects Athlos to PostgreSQL: connection pools, the
// transaction helper and the readiness check.
//
// Its sub-packages run the rest of the storage layer:
//
//	storage/pgmanaged  a private PostgreSQL server run from the machine's binaries
//	storage/migrate    the per-module goose migration runner
//	storage/pgtest     isolated, migrated databases for tests
//
// Errors from this package name the server (host, port, database, user) but
// never the password, so they are safe to log.
package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	// DefaultConnectTimeout bounds one connection attempt when the URL sets
	// no connect_timeout.
	DefaultConnectTimeout = 10 * time.Second
	// ApplicationName is reported to the server (pg_stat_activity) unless
	// the URL sets application_name.
	ApplicationName = "athlos"
)

// Open creates a connection pool for url and pings the server before
// returning, so a wrong URL, an unreachable server or bad credentials fail
// here rather than on first use. maxConns caps the pool; zero or less keeps
// the URL's pool_max_conns or pgx's default (the larger of 4 and the number
// of CPUs). Other pool settings keep pgx's defaults (connections recycled
// after an hour, closed after 30 minutes idle, health-checked every minute)
// unless the URL sets them (pool_max_conn_lifetime, ...). A URL without
// connect_timeout gets DefaultConnectTimeout, and one without
// application_name gets ApplicationName. Every connection knows
// uuid.UUID (RegisterUUID).
//
// url is a PostgreSQL URL or keyword/value string as accepted by pgx, e.g.
// postgres://athlos@db.example:5432/athlos?sslmode=verify-full. The error
// names the host, port, database and user, never the password.
func Open(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, &redactedError{msg: "storage: invalid database URL: " + redact(err.Error(), url), err: err}
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = ApplicationName
	}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		RegisterUUID(c.TypeMap())
		return nil
	}
	where := Describe(cfg.ConnConfig)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, &redactedError{
			msg: fmt.Sprintf("storage: create pool for %s: %s", where, redact(err.Error(), url, cfg.ConnConfig.Password)),
			err: err,
		}
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, &redactedError{
			msg: fmt.Sprintf("storage: connect to %s: %s", where, redact(err.Error(), url, cfg.ConnConfig.Password)),
			err: err,
		}
	}
	return pool, nil
}

// Describe names the server a connection config points at, as
// "user@host:port/database" (host may be a unix socket directory). It never
// includes the password.
func Describe(cfg *pgx.ConnConfig) string {
	if cfg == nil {
		return "<nil config>"
	}
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// Querier is a pool or a transaction: what a store function that reads or
// writes takes, so that a use case can run it alone or in its
// transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// InTx runs fn in a transaction on a connection from pool. It commits when
// fn returns nil and rolls back when fn returns an error or panics (the
// panic is re-raised after the rollback). fn's error is returned as is, so
// callers can match their own errors with errors.Is/As; failures to begin,
// commit or roll back are wrapped with context. fn must not keep tx after it
// returns.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("storage: begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			rollback(ctx, tx)
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rbErr := rollback(ctx, tx); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("storage: commit transaction: %w", err)
	}
	return nil
}

// rollbackTimeout bounds a rollback that runs after the caller's context
// has been cancelled.
const rollbackTimeout = 5 * time.Second

func rollback(ctx context.Context, tx pgx.Tx) error {
	// Roll back even if ctx is already cancelled (a common reason for fn to
	// fail); otherwise the connection would be closed instead of reused.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	if err := tx.Rollback(rctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("storage: roll back transaction: %w", err)
	}
	return nil
}

// Ping checks that pool can reach its server and run a query; it backs the
// database part of /readyz.
func Ping(ctx context.Context, pool *pgxpool.Pool) error {
	if err := pool.Ping(ctx); err != nil {
		cfg := pool.Config().ConnConfig
		return &redactedError{
			msg: fmt.Sprintf("storage: ping %s: %s", Describe(cfg), redact(err.Error(), cfg.Password)),
			err: err,
		}
	}
	return nil
}

// redactedError carries a message with secrets masked while still letting
// errors.Is/As reach the underlying pgx error (whose own text may hold more
// than this package is willing to print).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

var kvPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// redact masks every password found in secrets (raw passwords or whole
// connection strings, whose password part is extracted) and any
// password=... pair in msg.
func redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		for _, pw := range passwordsIn(s) {
			if pw != "" {
				msg = strings.ReplaceAll(msg, pw, "xxxxx")
				if esc := url.QueryEscape(pw); esc != pw {
					msg = strings.ReplaceAll(msg, esc, "xxxxx")
				}
				if esc := url.PathEscape(pw); esc != pw {
					msg = strings.ReplaceAll(msg, esc, "xxxxx")
				}
			}
		}
	}
	return kvPassword.ReplaceAllString(msg, "${1}xxxxx")
}

// passwordsIn returns the passwords in a connection string, or s itself if
// it does not look like one (then it is a bare password).
func passwordsIn(s string) []string {
	switch {
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		var out []string
		if u, err := url.Parse(s); err == nil {
			if pw, ok := u.User.Password(); ok {
				out = append(out, pw)
			}
			if pw := u.Query().Get("password"); pw != "" {
				out = append(out, pw)
			}
			return out
		}
		// Unparsable URL: mask the userinfo password by hand.
		rest := s[strings.Index(s, "://")+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				out = append(out, pw)
			}
		}
		return out
	case strings.Contains(s, "="):
		var out []string
		for _, m := range kvPassword.FindAllStringSubmatch(s, -1) {
			out = append(out, strings.Trim(m[2], "'"))
		}
		return out
	default:
		return []string{s}
	}
}

// IsUniqueViolation reports whether err is PostgreSQL's unique_violation
// (23505): a row with the same key exists.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}
